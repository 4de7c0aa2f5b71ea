"""What self-service says: order status sentences per locale (pure text functions)."""

from __future__ import annotations

from typing import Any

STATUS_TEXT = {
    "created": ("已提交，等待付款", "placed and waiting for payment"),
    "paid": ("已付款，正在备货", "paid and being prepared"),
    "shipped": ("已发货", "shipped"),
    "out_for_delivery": ("正在派送", "out for delivery"),
    "delivered": ("已签收", "delivered"),
    "cancelled": ("已取消", "cancelled"),
    "returned": ("已退货", "returned"),
}


def _zh(locale: str) -> bool:
    return locale.startswith("zh")


def _tail(number: str) -> str:
    return " ".join(number[-4:])


def describe_order(order: dict[str, Any], locale: str) -> str:
    """One spoken sentence (or three) about an order's status, carrier, ETA and latest event."""
    zh = _zh(locale)
    status_zh, status_en = STATUS_TEXT.get(order.get("status", ""), (order.get("status", "未知"),) * 2)
    number = str(order.get("number", ""))
    parts: list[str]
    if zh:
        parts = [f"您尾号为{number[-4:]}的订单{status_zh}。"]
        if order.get("carrier") and order.get("status") in ("shipped", "out_for_delivery"):
            parts.append(f"由{order['carrier']}配送，运单号尾号{order.get('tracking', '')[-4:]}。")
        if order.get("eta") and order.get("status") not in ("delivered", "cancelled", "returned"):
            parts.append(f"预计{order['eta']}送达。")
        event = order.get("last_event") or {}
        if event.get("zh"):
            parts.append(f"最新进展：{event['zh']}。")
        return "".join(parts)
    parts = [f"Your order ending in {_tail(number)} is {status_en}."]
    if order.get("carrier_en") and order.get("status") in ("shipped", "out_for_delivery"):
        parts.append(f"It is being delivered by {order['carrier_en']}.")
    if order.get("eta") and order.get("status") not in ("delivered", "cancelled", "returned"):
        parts.append(f"Expected delivery: {order['eta']}.")
    event = order.get("last_event") or {}
    if event.get("en"):
        parts.append(f"Latest update: {event['en']}.")
    return " ".join(parts)


def not_found_text(number: str, locale: str) -> str:
    if _zh(locale):
        return f"抱歉，没有找到尾号为{number[-4:]}的订单。"
    return f"Sorry, I could not find an order ending in {_tail(number)}."
