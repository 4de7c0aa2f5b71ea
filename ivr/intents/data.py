"""Labelled utterances: the ``intent<TAB>lang<TAB>text`` files the classifier learns from.

The shipped files live in ``ivr/intents/data/``: ``train_<lang>.tsv`` for training and
``heldout_<lang>.tsv`` (every fifth utterance of each intent) for measuring a model
trained without it, and ``probe_<lang>.tsv`` (written after the rest, in another voice,
never trained on) as a second check. Lines starting with ``#`` and blank lines are ignored.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Iterator

from ivr.intents.errors import DataError, LanguageError
from ivr.intents.vocabulary import INTENTS, LANGS, lang_of_locale

DATA_DIR = Path(__file__).resolve().parent / "data"


@dataclass(frozen=True)
class Example:
    """One labelled utterance."""

    intent: str
    #: ``zh`` or ``en``
    lang: str
    #: what the caller said, as a recogniser would write it
    text: str


def parse_line(line: str, *, source: str = "<input>", lineno: int = 0) -> Example | None:
    """One TSV line -> :class:`Example`; ``None`` for blank, comment and header lines.

    The language may be a locale (``zh-CN`` reads as ``zh``).

    Raises :class:`DataError` naming the line for a wrong column count, an unknown
    intent or language, or empty text.
    """
    line = line.rstrip("\r\n")
    if not line.strip() or line.lstrip().startswith("#"):
        return None
    parts = line.split("\t")
    if len(parts) != 3:
        raise DataError(
            f"expected 3 tab-separated columns (intent, lang, text), got {len(parts)}",
            source=source,
            line=lineno,
        )
    intent, lang, text = (p.strip() for p in parts)
    if lineno == 1 and (intent.lower(), lang.lower(), text.lower()) == ("intent", "lang", "text"):
        return None  # a header row
    if intent not in INTENTS:
        raise DataError(f"unknown intent {intent!r}", source=source, line=lineno)
    try:
        lang = lang_of_locale(lang)
    except LanguageError:
        raise DataError(f"unknown language {lang!r} (known: {', '.join(LANGS)})", source=source, line=lineno) from None
    if not text:
        raise DataError("empty text", source=source, line=lineno)
    return Example(intent, lang, text)


def iter_lines(lines: Iterable[str], source: str) -> Iterator[tuple[int, Example | DataError]]:
    """``(lineno, example or error)`` per non-blank line, so a caller can skip bad lines."""
    for lineno, line in enumerate(lines, start=1):
        try:
            example = parse_line(line, source=source, lineno=lineno)
        except DataError as exc:
            yield lineno, exc
            continue
        if example is not None:
            yield lineno, example


def read_tsv(path: str | Path) -> list[Example]:
    """Every example of a file; the first bad line raises :class:`DataError`."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise DataError(f"cannot read: {exc}", source=str(path)) from exc
    examples = []
    for _, item in iter_lines(text.splitlines(), str(path)):
        if isinstance(item, DataError):
            raise item
        examples.append(item)
    return examples


def shipped_files(kind: str, data_dir: Path = DATA_DIR) -> list[Path]:
    """The shipped ``train``, ``heldout`` or ``probe`` files, one per language."""
    return [data_dir / f"{kind}_{lang}.tsv" for lang in LANGS]


def load_shipped(kind: str, data_dir: Path = DATA_DIR) -> list[Example]:
    """All shipped examples of one kind (``train``, ``heldout``, ``probe``), every language."""
    return [ex for path in shipped_files(kind, data_dir) for ex in read_tsv(path)]


def fingerprint(examples: Iterable[Example]) -> str:
    """SHA-256 of the examples, to tell whether a saved model was trained on them."""
    digest = hashlib.sha256()
    for ex in examples:
        digest.update(f"{ex.intent}\t{ex.lang}\t{ex.text}\n".encode())
    return digest.hexdigest()
