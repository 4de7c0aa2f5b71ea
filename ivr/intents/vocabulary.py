"""The shared vocabulary: intents, skill queues and which skill serves each intent.

One place for these names, because the classifier, the flows, the router and the
analytics must agree on them (DESIGN.md, "Intents, skills, priority").
"""

from __future__ import annotations

from types import MappingProxyType
from typing import Mapping

from ivr.intents.errors import LanguageError

#: everything a caller can want; ``other`` is what the classifier says when unsure
INTENTS: tuple[str, ...] = (
    "order_status",
    "order_modify",
    "order_cancel",
    "delivery_tracking",
    "delivery_delay",
    "return_request",
    "exchange_request",
    "repair_request",
    "refund_status",
    "invoice_request",
    "payment_issue",
    "baitiao_installment",
    "coupon_promotion",
    "product_inquiry",
    "plus_membership",
    "account_login",
    "complaint",
    "agent_request",
    "other",
)

#: skill queues agents sit in; ``vip`` is not a queue of its own but an overlay chosen by priority
SKILLS: tuple[str, ...] = (
    "orders",
    "logistics",
    "after_sales",
    "billing",
    "membership",
    "presales",
    "complaints",
    "general",
)

#: the overlay skill TaskRouter applies to high-priority tasks
VIP_SKILL = "vip"

#: the language codes the classifier and the phrase matcher understand
LANGS: tuple[str, ...] = ("zh", "en")

#: intent -> the skill that serves it when the flow names none (read-only)
DEFAULT_SKILL_FOR_INTENT: Mapping[str, str] = MappingProxyType(
    {
        "order_status": "orders",
        "order_modify": "orders",
        "order_cancel": "orders",
        "delivery_tracking": "logistics",
        "delivery_delay": "logistics",
        "return_request": "after_sales",
        "exchange_request": "after_sales",
        "repair_request": "after_sales",
        "refund_status": "after_sales",
        "invoice_request": "billing",
        "payment_issue": "billing",
        "baitiao_installment": "billing",
        "coupon_promotion": "presales",
        "product_inquiry": "presales",
        "plus_membership": "membership",
        "account_login": "membership",
        "complaint": "complaints",
        "agent_request": "general",
        "other": "general",
    }
)


def lang_of_locale(locale: str) -> str:
    """``"zh-CN"`` -> ``"zh"``; a bare ``"zh"``/``"en"`` passes through.

    Raises :class:`LanguageError` for a language the intents package does not know.
    """
    lang = locale.split("-", 1)[0].lower()
    if lang not in LANGS:
        raise LanguageError(f"unsupported language {locale!r} (known: {', '.join(LANGS)})")
    return lang
