"""Order backends for self-service: the :class:`OrderBackend` interface and a SQLite demo.

A backend answers ``lookup(order_number)`` with an order dict (what
:func:`ivr.selfservice.describe_order` reads) or ``None``; any failure is raised as
:class:`OrderBackendError` so the IVR can apologise and route to the orders queue.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from datetime import date, timedelta
from typing import Any, Protocol

from sqlalchemy import JSON, String, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

from ivr.races import retry_on_collision
from qa.store import make_engine


class OrderBackendError(RuntimeError):
    """The order backend could not answer (down, timed out, bad data)."""


class OrderBackend(Protocol):
    def lookup(self, order_number: str) -> dict[str, Any] | None:
        """The order, or None when no such order exists; raises OrderBackendError."""


class _Base(DeclarativeBase):
    pass


class DemoOrder(_Base):
    __tablename__ = "demo_orders"

    number: Mapped[str] = mapped_column(String(32), primary_key=True)
    status: Mapped[str] = mapped_column(String(32))
    customer_phone: Mapped[str] = mapped_column(String(32), default="")
    carrier: Mapped[str] = mapped_column(String(64), default="")
    carrier_en: Mapped[str] = mapped_column(String(64), default="")
    tracking: Mapped[str] = mapped_column(String(64), default="")
    eta: Mapped[str] = mapped_column(String(32), default="")
    items: Mapped[list] = mapped_column(JSON, default=list)
    #: newest last: {"time": iso, "zh": ..., "en": ...}
    events: Mapped[list] = mapped_column(JSON, default=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "number": self.number,
            "status": self.status,
            "carrier": self.carrier,
            "carrier_en": self.carrier_en,
            "tracking": self.tracking,
            "eta": self.eta,
            "items": list(self.items or []),
            "events": list(self.events or []),
            "last_event": (self.events or [None])[-1],
        }


def demo_orders(today: date | None = None) -> list[DemoOrder]:
    """Realistic demo orders (stable numbers, dates relative to ``today``)."""
    today = today or date.today()

    def day(offset: int) -> str:
        return (today + timedelta(days=offset)).isoformat()

    return [
        DemoOrder(number="289123456789", status="shipped", customer_phone="+8613800138000",
                  carrier="京东物流", carrier_en="JD Logistics", tracking="JDVA10293847561", eta=day(1),
                  items=[{"sku": "100012043978", "name": "小米空气净化器 4 Pro", "qty": 1}],
                  events=[{"time": day(-2) + "T10:12", "zh": "商家已发货", "en": "the seller has shipped your order"},
                          {"time": day(-1) + "T21:40", "zh": "包裹已到达北京亦庄分拣中心", "en": "the parcel reached the Beijing Yizhuang sorting centre"}]),
        DemoOrder(number="289100000001", status="delivered", customer_phone="+8613900139000",
                  carrier="京东物流", carrier_en="JD Logistics", tracking="JDVA55550001234", eta=day(-3),
                  items=[{"sku": "100008348542", "name": "Apple iPhone 15 128GB", "qty": 1}],
                  events=[{"time": day(-3) + "T14:05", "zh": "已由本人签收", "en": "signed for by the customer"}]),
        DemoOrder(number="289100000002", status="out_for_delivery", customer_phone="+8613700137000",
                  carrier="京东物流", carrier_en="JD Logistics", tracking="JDVA55550002345", eta=day(0),
                  items=[{"sku": "100035246702", "name": "海尔冰箱 BCD-470", "qty": 1}],
                  events=[{"time": day(0) + "T08:30", "zh": "配送员正在为您派送", "en": "the courier is on the way"}]),
        DemoOrder(number="289100000003", status="paid", customer_phone="+8613600136000", eta=day(3),
                  items=[{"sku": "100019125569", "name": "洗衣凝珠 52颗", "qty": 2}],
                  events=[{"time": day(0) + "T09:00", "zh": "仓库正在备货", "en": "the warehouse is preparing your order"}]),
        DemoOrder(number="289100000004", status="cancelled", customer_phone="+8613500135000",
                  items=[{"sku": "100029450321", "name": "罗技 MX Master 3S 鼠标", "qty": 1}],
                  events=[{"time": day(-5) + "T16:20", "zh": "订单已取消，退款已原路返回", "en": "the order was cancelled and refunded"}]),
        DemoOrder(number="289100000005", status="returned", customer_phone="+8613800138000",
                  items=[{"sku": "100016034400", "name": "索尼 WH-1000XM5 耳机", "qty": 1}],
                  events=[{"time": day(-7) + "T11:45", "zh": "退货已入库，退款处理中", "en": "the return arrived and the refund is being processed"}]),
    ]


class SqliteOrderBackend:
    """The demo order backend: a SQLAlchemy table (SQLite by default, any URL works)."""

    def __init__(self, url: str, timeout: float = 3.0):
        self.url = url
        self.timeout = timeout
        self._engine = make_engine(url)

    def create(self) -> None:
        try:
            retry_on_collision(lambda: _Base.metadata.create_all(self._engine))
        except SQLAlchemyError as exc:
            raise OrderBackendError(f"cannot create the demo order tables at {self.url}: {exc}") from exc

    def seed_demo(self, today: date | None = None) -> int:
        """Create the table and insert the demo orders (idempotent); returns how many exist."""
        self.create()

        def load() -> int:
            with Session(self._engine) as session:
                for order in demo_orders(today):
                    session.merge(order)
                session.commit()
                return len(session.scalars(select(DemoOrder.number)).all())

        # another worker seeding at the same moment inserts a row between merge's look and its insert
        return retry_on_collision(load)

    def lookup(self, order_number: str) -> dict[str, Any] | None:
        try:
            with Session(self._engine) as session:
                order = session.get(DemoOrder, order_number)
                return order.to_dict() if order else None
        except SQLAlchemyError as exc:
            raise OrderBackendError(f"order lookup failed: {exc.__class__.__name__}") from exc


def lookup_with_timeout(backend: OrderBackend, order_number: str, timeout: float,
                        pool: ThreadPoolExecutor) -> dict[str, Any] | None:
    """Run ``backend.lookup`` but give up after ``timeout`` seconds (a webhook must answer fast)."""
    future = pool.submit(backend.lookup, order_number)
    try:
        return future.result(timeout=timeout)
    except FutureTimeout:
        future.cancel()
        raise OrderBackendError(f"order lookup timed out after {timeout:g} s") from None
    except OrderBackendError:
        raise
    except Exception as exc:  # a third-party backend may raise anything: never a dead call
        raise OrderBackendError(f"order lookup failed: {exc!r}") from exc


__all__ = ["OrderBackend", "OrderBackendError", "SqliteOrderBackend", "demo_orders", "lookup_with_timeout"]
