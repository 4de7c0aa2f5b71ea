"""UI text from per-locale catalogues (``qa/web/messages/<locale>.yaml``), never from code.

A catalogue is flat YAML (``key: text``, ``{name}`` placeholders filled with str.format). Every
locale must have the same keys (a test checks); a key missing at run time shows as the key
itself, so a gap is visible on the page instead of breaking it.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import yaml

LOCALES = ("zh-CN", "en-US")
FOLDER = Path(__file__).with_name("messages")


@cache
def catalogue(locale: str) -> dict[str, str]:
    if locale not in LOCALES:
        raise ValueError(f"unknown locale {locale!r} (one of {', '.join(LOCALES)})")
    data = yaml.safe_load((FOLDER / f"{locale}.yaml").read_text(encoding="utf-8")) or {}
    return {str(k): str(v) for k, v in data.items()}


def translate(locale: str, key: str, **values: object) -> str:
    text = catalogue(locale).get(key, key)
    return text.format(**values) if values else text


def localised(texts: dict[str, str], locale: str) -> str:
    """A form's or rule's own ``{locale: text}``: this locale's, else the first one given."""
    return texts.get(locale) or next(iter(texts.values()), "")


def pick_locale(*candidates: str | None, default: str = "zh-CN") -> str:
    """The first candidate that is a known locale (a ``?lang=``, the session's, the user's), else default."""
    for candidate in candidates:
        if candidate in LOCALES:
            return candidate  # type: ignore[return-value]
    return default if default in LOCALES else LOCALES[0]
