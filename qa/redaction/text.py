"""Personal data in a transcript: find it, mask it, and time it from the words.

Kinds found (``PiiSpan.kind``) and the mask each one becomes in :func:`redact_text`
(Mandarin masks when the text holds a Han character, English masks otherwise):

    kind        what                                              zh mask       en mask
    mobile      mainland mobile 1[3-9]+9 digits, opt. +86/0086     [手机号]      [PHONE]
    landline    0 + area code + 7/8 digits (opt. +86, 0 dropped),  [电话]        [PHONE]
                400/800 service numbers (10 digits)
    id_card     18-digit resident ID: ISO 7064 MOD 11-2 check      [身份证号]    [ID]
                digit (0-9 or X) and a real birth date
    bank_card   16-19 digits passing the Luhn check                [银行卡号]    [CARD]
    email       local@domain.tld, and the spoken "x at y dot com"  [邮箱]        [EMAIL]

A number may be written or recognised in pieces: Arabic digits with separators
("138 0013 8000", "+86-138-0013-8000", "010-12345678"), Mandarin spoken digit by digit
(零〇一二三四五六七八九, 幺 = 1, 两 = 2, and the radio readings 洞 = 0, 拐 = 7, 勾 = 9;
Vosk writes them with spaces), English words ("one three eight", "oh", "double five",
"triple zero"), or a mix; an ID's check character X may be said 叉 or "x". Only digit-by-digit readings count: a Han numeral cluster with a
place value (二十四, 三百, 一万) is a quantity, not a digit string, and breaks a number.

How a run of digit pieces is split into numbers, and why:

* An Arabic group ("0013") is never cut: a 12-digit order number written as one group
  is not a mobile number with a digit in front. Groups around a match may be left over
  ("订单 2024 手机 138 0013 8000" still finds the mobile).
* Spoken digits carry no grouping (every digit is a word), so a spoken run must be
  exactly one or more numbers: a spoken 12-digit order number "二 一 三 八 …" is not
  eaten as a mobile. The one exception is a single digit at either end that belongs to
  a neighbouring word: 两个 / 一下 / 第一, or English "one"/"oh" ("… eight one more").
* Invalid look-alikes stay: an 18-digit number with a wrong check digit or no valid
  birth date, a 16-19 digit number failing Luhn.

Spoken e-mail addresses are found as "<word> at|@|艾特 <word> dot|点 … com|cn|net|org|edu|gov|io"
(so "look at this dot com" is masked too: redaction errs towards masking).

Not found: local numbers without an area code (8 digits), extensions (转 123), passport
and other ID documents, a spoken run that restarts mid-number ("幺三八幺 幺三八幺二三…"),
e-mail local parts spelled letter by letter ("j o h n at …") or spoken in Han digits,
names and addresses.

Pure functions; no I/O, no state.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass, replace
from types import MappingProxyType

from qa.analysis import Turn, Word

KINDS = ("mobile", "landline", "id_card", "bank_card", "email")

#: kind -> mask (read-only)
MASKS_ZH = MappingProxyType({"mobile": "[手机号]", "landline": "[电话]", "id_card": "[身份证号]",
                             "bank_card": "[银行卡号]", "email": "[邮箱]"})
MASKS_EN = MappingProxyType({"mobile": "[PHONE]", "landline": "[PHONE]", "id_card": "[ID]", "bank_card": "[CARD]",
                             "email": "[EMAIL]"})


@dataclass(frozen=True)
class PiiSpan:
    """One piece of personal data in a text."""

    #: mobile | landline | id_card | bank_card | email
    kind: str
    #: character offsets into the text, [start, end)
    start: int
    end: int
    #: normalised value: the digits (ID check digit "X" upper case; mobiles and landlines
    #: without the country code, landlines with their leading 0), or the lower-case address
    value: str


@dataclass(frozen=True)
class RedactedText:
    """A text with every span replaced by its mask; ``spans`` index the *original* text."""

    text: str
    spans: tuple[PiiSpan, ...]


@dataclass(frozen=True)
class TimedSpan:
    """Where a span was said: integer ms from the start of the recording, [start_ms, end_ms)."""

    kind: str
    start_ms: int
    end_ms: int


# ---- characters and words -------------------------------------------------------------

_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_HAN_DIGITS = {"零": "0", "〇": "0", "洞": "0", "一": "1", "幺": "1", "二": "2", "两": "2", "三": "3",
               "四": "4", "五": "5", "六": "6", "七": "7", "拐": "7", "八": "8", "九": "9", "勾": "9", "叉": "X"}
_HAN_PLACES = "十拾百佰千仟万萬亿億"
_EN_DIGITS = {"zero": "0", "oh": "0", "o": "0", "one": "1", "two": "2", "three": "3", "four": "4",
              "five": "5", "six": "6", "seven": "7", "eight": "8", "nine": "9", "x": "X"}
_EN_REPEAT = {"double": 2, "triple": 3}

# One pattern finds every digit piece; which group matched says what kind it is.
_PIECE = re.compile(
    r"(?P<arabic>[0-9０-９]+(?:[Xx](?![A-Za-z]))?)"
    r"|(?P<han>[" + "".join(_HAN_DIGITS) + _HAN_PLACES + r"]+)"
    r"|(?i:(?<![A-Za-z])(?:(?P<rep>double|triple)[\s-]+)?"
    r"(?P<en>zero|oh|one|two|three|four|five|six|seven|eight|nine|o|x)(?![A-Za-z'’]))"
)
# What may stand between two pieces of one number (at most 4 characters of it).
_SEP = re.compile(r"[\s\-‐‑–—.·・_/()（）,，、]{0,4}")
# A digit at the end of a spoken run may belong to the next word (两个, 一下) or the
# word before (第一, 统一); English "one" / "oh" are as often words as digits.
_ZH_GLUE_AFTER = frozenset("个次天位年月日号点遍下样些起直共定种块张条名分秒周岁楼层份件句声")
_ZH_GLUE_BEFORE = frozenset("第统唯之初期")
_EN_LOOSE = frozenset({"one", "oh", "o"})

_EMAIL = re.compile(
    r"(?<![A-Za-z0-9._%+-])[A-Za-z0-9][A-Za-z0-9._%+-]*@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}"
)
_SPOKEN_EMAIL = re.compile(
    r"(?i)(?<![A-Za-z0-9._-])(?P<local>[a-z0-9][a-z0-9._-]*)\s*(?:\bat\b|@|艾特)\s*"
    r"(?P<domain>[a-z0-9-]+(?:\s*(?:\bdot\b|点)\s*[a-z0-9-]+)*?)\s*(?:\bdot\b|点)\s*"
    r"(?P<tld>com|cn|net|org|edu|gov|io)(?![a-z0-9])"
)
_DOT = re.compile(r"(?i)\s*(?:\bdot\b|点)\s*")


@dataclass(frozen=True)
class _Piece:
    start: int
    end: int
    digits: str
    #: Arabic digits (an uncuttable group) or a spoken digit
    arabic: bool
    #: spoken digit that may be left over at a run's edge (see the module docstring)
    loose_before: bool = False
    loose_after: bool = False


def _fold_arabic(s: str) -> str:
    return "".join(chr(ord(c) - 0xFEE0) if "０" <= c <= "９" else c for c in s).upper()


def _pieces(text: str, blocked: list[tuple[int, int]]) -> list[_Piece | None]:
    """Every digit piece in order; ``None`` marks a barrier (a quantity like 二十四, digits
    glued to Latin letters as in a product code) that ends a run."""
    out: list[_Piece | None] = []
    for m in _PIECE.finditer(text):
        if any(a < m.end() and m.start() < b for a, b in blocked):
            continue
        if m.group("arabic"):
            before = text[m.start() - 1] if m.start() else ""
            after = text[m.end()] if m.end() < len(text) else ""
            if (before.isascii() and before.isalpha()) or (after.isascii() and after.isalpha()):
                out.append(None)
            else:
                out.append(_Piece(m.start(), m.end(), _fold_arabic(m.group()), True))
        elif m.group("han"):
            cluster = m.group()
            if any(c in _HAN_PLACES for c in cluster):
                out.append(None)
                continue
            for k, c in enumerate(cluster):
                at = m.start() + k
                loose_before = k == 0 and at > 0 and text[at - 1] in _ZH_GLUE_BEFORE
                loose_after = k == len(cluster) - 1 and at + 1 < len(text) and text[at + 1] in _ZH_GLUE_AFTER
                out.append(_Piece(at, at + 1, _HAN_DIGITS[c], False, loose_before, loose_after))
        else:
            word = m.group("en").lower()
            times = _EN_REPEAT[m.group("rep").lower()] if m.group("rep") else 1
            loose = word in _EN_LOOSE and times == 1
            out.append(_Piece(m.start(), m.end(), _EN_DIGITS[word] * times, False, loose, loose))
    return out


def _runs(text: str, pieces: list[_Piece | None]) -> list[list[_Piece]]:
    """Consecutive pieces joined only by separators."""
    runs: list[list[_Piece]] = []
    current: list[_Piece] = []
    for p in pieces:
        if p is None:
            if current:
                runs.append(current)
            current = []
            continue
        if current and not _SEP.fullmatch(text, current[-1].end, p.start):
            runs.append(current)
            current = []
        current.append(p)
    if current:
        runs.append(current)
    return runs


# ---- what a digit string is -----------------------------------------------------------

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"
_MOBILE = re.compile(r"1[3-9]\d{9}")
_LANDLINE = re.compile(r"0(?:10|2\d)\d{8}|0[3-9]\d{2}\d{7,8}|[48]00\d{7}")


def id_check_digit(body17: str) -> str:
    """The ISO 7064 MOD 11-2 check character of a 17-digit resident ID body."""
    return _ID_CHECK[sum(int(c) * w for c, w in zip(body17, _ID_WEIGHTS)) % 11]


def luhn_valid(digits: str) -> bool:
    """True when the digit string passes the Luhn (mod 10) check."""
    total = 0
    for k, c in enumerate(reversed(digits)):
        d = int(c)
        if k % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def _is_id(d: str) -> bool:
    if len(d) != 18 or not d[:17].isdigit() or d[0] not in "12345678":
        return False
    try:
        born = datetime.date(int(d[6:10]), int(d[10:12]), int(d[12:14]))
    except ValueError:
        return False
    return 1900 <= born.year <= 2100 and id_check_digit(d[:17]) == d[17]


def _classify(d: str, plus: bool) -> tuple[str, str] | None:
    """(kind, value) of a whole digit string, or None. ``plus``: a "+" stood before it."""
    if _is_id(d):
        return "id_card", d
    if not d.isdigit():
        return None
    if 16 <= len(d) <= 19 and luhn_valid(d):
        return "bank_card", d
    if _MOBILE.fullmatch(d):
        return "mobile", d
    if _LANDLINE.fullmatch(d):
        return ("landline", d) if d[0] == "0" or len(d) == 10 else None
    # international forms: 86 / 0086 / +86, then the number without its trunk 0
    for prefix, strong in (("0086", True), ("86", plus)):
        if d.startswith(prefix):
            rest = d[len(prefix):]
            if _MOBILE.fullmatch(rest):
                return "mobile", rest
            if strong and rest[:1] != "0" and _LANDLINE.fullmatch("0" + rest):
                return "landline", "0" + rest
    return None


def _split_run(text: str, run: list[_Piece]) -> list[PiiSpan]:
    """The numbers in one run: the split that covers the most digits, where only Arabic
    groups, or one loose spoken digit at an edge, may be left over (module docstring)."""
    n = len(run)
    plus = run[0].start > 0 and text[run[0].start - 1] == "+"

    def leftover_ok(i: int) -> bool:
        p = run[i]
        return p.arabic or (i == 0 and p.loose_before) or (i == n - 1 and p.loose_after)

    # best[i] = (digits covered in run[i:], its spans), or None when run[i:] cannot be split
    best: list[tuple[int, list[PiiSpan]] | None] = [None] * n + [(0, [])]
    for i in range(n - 1, -1, -1):
        choice = best[i + 1] if leftover_ok(i) else None
        digits = ""
        for j in range(i + 1, n + 1):
            digits += run[j - 1].digits
            if len(digits) > 19:
                break
            found = _classify(digits, plus and i == 0)
            rest = best[j]
            if found and rest is not None and (choice is None or rest[0] + len(digits) > choice[0]):
                start = run[i].start - 1 if plus and i == 0 and found[0] != "bank_card" else run[i].start
                choice = (rest[0] + len(digits), [PiiSpan(found[0], start, run[j - 1].end, found[1]), *rest[1]])
        best[i] = choice
    return best[0][1] if best[0] is not None else []


def _emails(text: str) -> list[PiiSpan]:
    spans = [PiiSpan("email", m.start(), m.end(), m.group().lower()) for m in _EMAIL.finditer(text)]
    for m in _SPOKEN_EMAIL.finditer(text):
        if any(s.start < m.end() and m.start() < s.end for s in spans):
            continue
        domain = _DOT.sub(".", m.group("domain"))
        value = f"{m.group('local')}@{domain}.{m.group('tld')}".lower()
        spans.append(PiiSpan("email", m.start(), m.end(), value))
    return spans


def find_pii(text: str) -> list[PiiSpan]:
    """Every piece of personal data in ``text``, in order, not overlapping (module docstring)."""
    spans = _emails(text)
    blocked = [(s.start, s.end) for s in spans]
    for run in _runs(text, _pieces(text, blocked)):
        spans.extend(_split_run(text, run))
    return sorted(spans, key=lambda s: s.start)


def masks_for(text: str) -> MappingProxyType:
    """The masks for a text: Mandarin ones when it holds a Han character."""
    return MASKS_ZH if _HAN.search(text) else MASKS_EN


def redact_text(text: str) -> RedactedText:
    """``text`` with each span found by :func:`find_pii` replaced by its kind's mask."""
    spans = find_pii(text)
    masks = masks_for(text)
    parts: list[str] = []
    at = 0
    for s in spans:
        parts += [text[at:s.start], masks[s.kind]]
        at = s.end
    parts.append(text[at:])
    return RedactedText("".join(parts), tuple(spans))


# ---- turns: spans in time -------------------------------------------------------------

_SKIPPABLE = re.compile(r"[\W_]*")


def _word_offsets(text: str, words: tuple[Word, ...]) -> list[tuple[int, int]] | None:
    """Where each word sits in ``text`` (spaced or unspaced Mandarin alike), or None when the
    text is not the words in order (only whitespace and punctuation may come between)."""
    offsets = []
    at = 0
    for w in words:
        k = text.find(w.text, at) if w.text else at
        if k < 0 or not _SKIPPABLE.fullmatch(text, at, k):
            return None
        offsets.append((k, k + len(w.text)))
        at = k + len(w.text)
    return offsets


def _spans_and_words(turn: Turn) -> list[tuple[PiiSpan, list[int]]]:
    """The turn's spans, each with the indices of the words it covers. The spans are found
    in the turn's text when its words can be placed in it, else in the words joined."""
    offsets = _word_offsets(turn.text, turn.words) if turn.words else None
    if offsets is None and turn.words:
        joined = ""
        offsets = []
        for w in turn.words:
            joined += " " if joined else ""
            offsets.append((len(joined), len(joined) + len(w.text)))
            joined += w.text
        spans = find_pii(joined)
    else:
        spans = find_pii(turn.text)
    offsets = offsets or []
    return [(s, [k for k, (a, b) in enumerate(offsets) if a < s.end and s.start < b]) for s in spans]


def redact_turn(turn: Turn) -> tuple[Turn, list[TimedSpan]]:
    """The turn with ``redacted_text`` set (its ``words`` stay as they were), and when each
    span was said: from the first to the last word it covers, or, when the turn has no
    words, the same share of the turn's time as of its text."""
    redacted = redact_text(turn.text).text
    timed = []
    length = max(len(turn.text), 1)
    duration = turn.end_ms - turn.start_ms
    for span, covered in _spans_and_words(turn):
        if covered:
            start = min(turn.words[k].start_ms for k in covered)
            end = max(turn.words[k].end_ms for k in covered)
        else:
            start = turn.start_ms + duration * span.start // length
            end = turn.start_ms + -(-duration * span.end // length)
        timed.append(TimedSpan(span.kind, start, end))
    return replace(turn, redacted_text=redacted), timed


def redacted_words(turn: Turn) -> tuple[Word, ...]:
    """The turn's words, one for one with the same times, each word that is part of a span
    replaced by the span's mask (every word of "一 三 八 …" becomes "[手机号]")."""
    masks = masks_for(turn.text or " ".join(w.text for w in turn.words))
    kind_of: dict[int, str] = {}
    for span, covered in _spans_and_words(turn):
        for k in covered:
            kind_of[k] = span.kind
    return tuple(replace(w, text=masks[kind_of[k]]) if k in kind_of else w for k, w in enumerate(turn.words))
