"""Phone numbers as a reviewer sees them: enough to tell calls apart, not enough to dial. Pure."""

from __future__ import annotations

import re

#: digits kept at the end; the country code and the operator prefix stay too (they say little)
KEEP_TAIL = 4


def mask_number(number: str | None) -> str:
    """``+8613800138000`` -> ``+86 138****8000``; ``13800138000`` -> ``138****8000``.

    Anything that is not a phone number (empty, "anonymous") is returned as it is; a short number
    (an extension) is masked but for its last digit.
    """
    if not number:
        return ""
    digits = re.sub(r"\D", "", number)
    if len(digits) < 5:
        return number if not digits else "*" * (len(digits) - 1) + digits[-1]
    country = ""
    if number.strip().startswith("+86") and len(digits) == 13:
        country, digits = "+86 ", digits[2:]
    elif number.strip().startswith("+"):
        country, digits = "+" + digits[:1] + " ", digits[1:]
    head = digits[:3] if len(digits) >= 10 else ""
    tail = digits[-KEEP_TAIL:]
    return f"{country}{head}{'*' * (len(digits) - len(head) - len(tail))}{tail}"
