"""Phrase sets: what a command model must recognise, read from a flow file or a plain list.

A plain list is UTF-8 text, one phrase per line, optionally prefixed by a language tag
(``zh: 退货`` / ``en: order status``); untagged lines are classified by script (Hanzi -> zh).
A flow file is the hotline flow YAML: every ``phrases: {zh-CN: [...], en-US: [...]}`` mapping
found anywhere in it contributes its phrases.

Spotting sets are phrases a model must know beyond the menu, e.g. what the QA rules listen for in
an agent's speech ("您好", "thank you for calling"). They are trained like menu phrases, but kept in
groups of their own (``spot:<name>``) so that evaluation decodes them in a grammar of their set
(as the post-call analysis does), never mixed into a menu node's grammar, and the out-of-menu
filter treats them as phrases, not as characters (see ``corpus.out_of_menu``). A spotting list is
text, one phrase a line: ``lang<TAB>phrase``, ``set<TAB>lang<TAB>phrase`` or the plain list format.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

import yaml

from .errors import VoskBuildError

LANGS = ("zh", "en")
#: group-name prefix of a spotting set ("spot:qa.agent"); every other group is a menu node
SPOT_PREFIX = "spot:"
#: the set a spotting list's lines belong to when they do not name one
DEFAULT_SPOT_SET = "extra"
_HANZI = re.compile(r"[\u3400-\u9fff]")
_LOCALE_PREFIX = {"zh": "zh", "cmn": "zh", "en": "en"}


@dataclass(frozen=True)
class PhraseSet:
    """Phrases per language, in first-seen order, without duplicates."""

    zh: tuple[str, ...] = ()
    en: tuple[str, ...] = ()
    #: phrase groups (e.g. one per flow node), used to build per-menu grammars in tests
    groups: tuple[tuple[str, tuple[str, ...]], ...] = field(default=())
    #: synonyms: the phrases of one menu option (a flow's options; empty for a plain list)
    options: tuple[tuple[str, ...], ...] = field(default=())

    def for_lang(self, lang: str) -> tuple[str, ...]:
        return self.zh if lang == "zh" else self.en

    def restricted(self, langs: Iterable[str]) -> "PhraseSet":
        keep = set(langs)
        return PhraseSet(
            zh=self.zh if "zh" in keep else (),
            en=self.en if "en" in keep else (),
            groups=tuple((name, tuple(p for p in ps if lang_of(p) in keep)) for name, ps in self.groups),
            options=tuple(o for o in (tuple(p for p in ps if lang_of(p) in keep) for ps in self.options) if o),
        )

    def spotting(self) -> dict[str, tuple[str, ...]]:
        """Spotting set name (without the prefix) -> its phrases."""
        return {name[len(SPOT_PREFIX):]: ps for name, ps in self.groups if is_spot_group(name)}

    def menu(self) -> "PhraseSet":
        """Only the menu: the phrases of the menu groups (a phrase also in a spotting set stays),
        without the spotting groups. A set with no spotting groups is returned as it is."""
        if not any(is_spot_group(name) for name, _ in self.groups):
            return self
        groups = tuple((name, ps) for name, ps in self.groups if not is_spot_group(name))
        keep = {p for _, ps in groups for p in ps}
        return PhraseSet(zh=tuple(p for p in self.zh if p in keep), en=tuple(p for p in self.en if p in keep),
                         groups=groups, options=self.options)

    def with_spotting(self, name: str, phrases: Iterable[str]) -> "PhraseSet":
        """This set plus a spotting set ``name`` (phrases normalised, new ones appended per language).
        A plain list without groups becomes one menu group first, so its phrases keep a grammar."""
        spot = _dedup(normalize_phrase(p) for p in phrases)
        if not spot:
            raise VoskBuildError(f"spotting set {name!r} has no phrases")
        groups = self.groups or (("menu", (*self.zh, *self.en)),)
        group = SPOT_PREFIX + name
        if any(g == group for g, _ in groups):
            raise VoskBuildError(f"spotting set {name!r} given twice")
        return PhraseSet(zh=_dedup([*self.zh, *(p for p in spot if lang_of(p) == "zh")]),
                         en=_dedup([*self.en, *(p for p in spot if lang_of(p) == "en")]),
                         groups=(*groups, (group, spot)), options=self.options)


def is_spot_group(name: str) -> bool:
    return name.startswith(SPOT_PREFIX)


def normalize_phrase(text: str) -> str:
    """Lower-case Latin text, drop punctuation, collapse spaces (Vosk words are space-separated)."""
    text = text.strip().lower()
    text = re.sub(r"[‘’`]", "'", text)
    text = re.sub(r"[，。！？、,.!?;:：；\"“”()（）]", " ", text)
    text = re.sub(r"(?<![a-z])'|'(?![a-z])", " ", text)  # keep only word-internal apostrophes (can't)
    return re.sub(r"\s+", " ", text).strip()


def lang_of(phrase: str) -> str:
    return "zh" if _HANZI.search(phrase) else "en"


def _dedup(items: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(p for p in items if p))


def phrase_set(pairs: Iterable[tuple[str, str]], groups: Iterable[tuple[str, Iterable[str]]] = (),
               options: Iterable[Iterable[str]] = ()) -> PhraseSet:
    """Build a PhraseSet from (lang, phrase) pairs."""
    zh: list[str] = []
    en: list[str] = []
    for lang, text in pairs:
        norm = normalize_phrase(text)
        if not norm:
            continue
        if lang not in LANGS:
            raise VoskBuildError(f"unsupported language {lang!r} for phrase {text!r} (supported: zh, en)")
        # the script decides how a phrase is spoken: "English" in a zh-CN list is an English word
        (zh if lang_of(norm) == "zh" else en).append(norm)
    if not zh and not en:
        raise VoskBuildError("no phrases given")
    grouped = tuple((name, _dedup(normalize_phrase(p) for p in ps)) for name, ps in groups)
    synonyms = tuple(o for o in (_dedup(normalize_phrase(p) for p in ps) for ps in options) if o)
    return PhraseSet(zh=_dedup(zh), en=_dedup(en), groups=grouped, options=synonyms)


def parse_phrase_list(text: str) -> PhraseSet:
    """Parse the plain phrase-list format (see module docstring)."""
    pairs = []
    for line in text.splitlines():
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        m = re.match(r"^(zh|en)\s*:\s*(.+)$", line)
        if m:
            pairs.append((m.group(1), m.group(2)))
        else:
            pairs.append((lang_of(line), line))
    return phrase_set(pairs)


def parse_spotting_list(text: str, source: str = "<phrases>",
                        default_set: str = DEFAULT_SPOT_SET) -> dict[str, list[str]]:
    """Spotting sets from text (see the module docstring): set name -> phrases, in first-seen order.
    An unknown language is an error naming its line; a known one is only checked: as everywhere,
    the script decides how a phrase is spoken ("12315" under zh is read as English digits)."""
    sets: dict[str, list[str]] = {}
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.split("#", 1)[0].rstrip()
        if not line.strip():
            continue
        cols = [c.strip() for c in line.split("\t")]
        if len(cols) == 1:
            m = re.match(r"^(zh|en)\s*:\s*(.+)$", cols[0])
            name, lang, phrase = default_set, (m.group(1) if m else lang_of(cols[0])), (m.group(2) if m else cols[0])
        elif len(cols) == 2:
            name, (lang, phrase) = default_set, cols
        elif len(cols) == 3:
            name, lang, phrase = cols
        else:
            raise VoskBuildError(f"{source}:{number}: expected 'lang<TAB>phrase' or 'set<TAB>lang<TAB>phrase'")
        if _locale_lang(lang) is None:
            raise VoskBuildError(f"{source}:{number}: unsupported language {lang!r} (supported: zh, en)")
        if not name or not re.fullmatch(r"[\w.\-]+", name):
            raise VoskBuildError(f"{source}:{number}: bad set name {name!r} (letters, digits, '.', '-', '_')")
        if normalize_phrase(phrase):
            sets.setdefault(name, []).append(phrase)
    if not sets:
        raise VoskBuildError(f"{source}: no phrases given")
    return sets


def load_spotting_list(path: str | Path, default_set: str = DEFAULT_SPOT_SET) -> dict[str, list[str]]:
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise VoskBuildError(f"cannot read phrases from {p}: {exc}") from exc
    return parse_spotting_list(text, str(p), default_set)


def _locale_lang(locale: str) -> str | None:
    return _LOCALE_PREFIX.get(str(locale).split("-")[0].split("_")[0].lower())


def _walk_phrases(node: Any, path: str, out: list[tuple[str, list[tuple[str, str]]]]) -> None:
    if isinstance(node, dict):
        phrases = node.get("phrases")
        if isinstance(phrases, dict):
            pairs = []
            for locale, items in phrases.items():
                lang = _locale_lang(locale)
                if lang is None:
                    continue
                if isinstance(items, str):
                    items = [items]
                if not isinstance(items, list):
                    raise VoskBuildError(f"{path}.phrases.{locale}: expected a list of strings")
                pairs.extend((lang, str(p)) for p in items)
            out.append((path, pairs))
        for key, value in node.items():
            if key != "phrases":
                _walk_phrases(value, f"{path}.{key}", out)
    elif isinstance(node, list):
        for i, value in enumerate(node):
            _walk_phrases(value, f"{path}[{i}]", out)


def _group_name(path: str) -> str:
    # "$.nodes.main.options[2]" -> "nodes.main": a group is the menu node owning the options;
    # "$.global_options[1]" -> "global_options" (options valid in every menu)
    path = re.sub(r"\.options\[\d+\].*$", "", path)
    return re.sub(r"\[\d+\].*$", "", path).lstrip("$.")


def parse_flow(text: str, source: str = "<flow>") -> PhraseSet:
    """Collect every option's phrases from a flow YAML document."""
    try:
        doc = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise VoskBuildError(f"{source}: not valid YAML: {exc}") from exc
    found: list[tuple[str, list[tuple[str, str]]]] = []
    _walk_phrases(doc, "$", found)
    pairs = [pair for _, ps in found for pair in ps]
    if not pairs:
        raise VoskBuildError(f"{source}: no 'phrases' found in the flow")
    groups: dict[str, list[str]] = {}
    for path, ps in found:
        groups.setdefault(_group_name(path), []).extend(p for _, p in ps)
    return phrase_set(pairs, groups.items(), [[p for _, p in ps] for _, ps in found])


def load_phrases(path: str | Path) -> PhraseSet:
    """Read a flow file (.yaml/.yml) or a plain phrase list (anything else)."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise VoskBuildError(f"cannot read phrases from {p}: {exc}") from exc
    if p.suffix.lower() in (".yaml", ".yml"):
        return parse_flow(text, str(p))
    return parse_phrase_list(text)
