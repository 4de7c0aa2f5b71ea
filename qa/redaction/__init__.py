"""Redaction: personal data masked in transcripts and silenced or bleeped in recordings.

:mod:`qa.redaction.text` finds and masks phone, resident-ID and bank-card numbers and
e-mail addresses (its docstring lists the kinds and masks); :mod:`qa.redaction.audio`
writes a copy of a recording with those spans replaced, using the words' times.
"""

from qa.redaction.audio import MODES as MODES
from qa.redaction.audio import redact_audio as redact_audio
from qa.redaction.audio import redact_wav as redact_wav
from qa.redaction.text import KINDS as KINDS
from qa.redaction.text import MASKS_EN as MASKS_EN
from qa.redaction.text import MASKS_ZH as MASKS_ZH
from qa.redaction.text import PiiSpan as PiiSpan
from qa.redaction.text import RedactedText as RedactedText
from qa.redaction.text import TimedSpan as TimedSpan
from qa.redaction.text import find_pii as find_pii
from qa.redaction.text import id_check_digit as id_check_digit
from qa.redaction.text import luhn_valid as luhn_valid
from qa.redaction.text import redact_text as redact_text
from qa.redaction.text import redact_turn as redact_turn
from qa.redaction.text import redacted_words as redacted_words

__all__ = [
    "KINDS", "MASKS_EN", "MASKS_ZH", "MODES", "PiiSpan", "RedactedText", "TimedSpan", "find_pii",
    "id_check_digit", "luhn_valid", "redact_audio", "redact_text", "redact_turn", "redact_wav",
    "redacted_words",
]
