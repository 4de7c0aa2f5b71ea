"""Keys said aloud: "按一", "幺", "press one", "option two" -> ``"1"``, ``"2"``.

Callers often answer a menu by saying the number they would press. Only an
utterance that is nothing but a key expression counts, so an order number read out
("订单号一二三") never selects an option.
"""

from __future__ import annotations

from functools import lru_cache

from ivr.intents.text import en_tokens, zh_syllables

# key -> how it is said; 幺/洞/拐/勾 are the telephone readings of 1/0/7/9
_ZH_NAMES = {
    "0": ("零", "洞"),
    "1": ("一", "幺"),
    "2": ("二", "两"),
    "3": ("三",),
    "4": ("四",),
    "5": ("五",),
    "6": ("六",),
    "7": ("七", "拐"),
    "8": ("八",),
    "9": ("九", "勾"),
    "*": ("星号", "星号键", "米字键"),
    "#": ("井号", "井号键", "井字键"),
}
_ZH_FORMS = ("{}", "按{}", "选{}", "{}号", "按{}号", "按{}键", "选择{}", "我选{}", "我按{}", "第{}个")
_EN_NAMES = {
    "0": ("zero",),  # not "oh": a filler word must not summon an agent
    "1": ("one",),
    "2": ("two",),
    "3": ("three",),
    "4": ("four",),
    "5": ("five",),
    "6": ("six",),
    "7": ("seven",),
    "8": ("eight",),
    "9": ("nine",),
    "*": ("star",),
    "#": ("pound", "hash"),
}
_EN_FORMS = ("{}", "press {}", "option {}", "number {}", "{} please", "press {} please", "i press {}", "key {}")


@lru_cache(maxsize=2)
def _table(lang: str) -> dict[tuple[str, ...], str]:
    """Spoken form (zh: fuzzy syllables; en: words) -> key. Digits as numerals count too."""
    table: dict[tuple[str, ...], str] = {}
    names, forms = (_ZH_NAMES, _ZH_FORMS) if lang == "zh" else (_EN_NAMES, _EN_FORMS)
    for key, spoken in names.items():
        for name in spoken + ((key,) if key.isdigit() else ()):
            for form in forms:
                text = form.format(name)
                units = _units(text, lang)
                table.setdefault(units, key)
    return table


def _units(text: str, lang: str) -> tuple[str, ...]:
    # exact toneless pinyin: folding sh/s would make 是 (shi, "yes") say 四 (si, "4")
    return tuple(zh_syllables(text, fuzzy=False)) if lang == "zh" else tuple(en_tokens(text))


def spoken_key(text: str, lang: str) -> str | None:
    """The key ``text`` names, or ``None``; same-sound characters count in Mandarin ("按衣")."""
    units = _units(text, lang)
    return _table(lang).get(units) if units else None
