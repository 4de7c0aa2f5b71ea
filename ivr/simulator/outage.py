"""An order backend that a scenario can take down, in front of the real (demo SQLite) one.

"Self-service when the backend is down" is a path every hotline must handle; on the embedded
server the simulator makes the outage real for the order numbers one scenario types, so calls
running at the same time keep a working backend.
"""

from __future__ import annotations

import threading
from typing import Any

from ivr.orders import OrderBackend, OrderBackendError


class OutageSwitch:
    """Delegates to ``backend`` except for order numbers marked down."""

    def __init__(self, backend: OrderBackend):
        self.backend = backend
        self._down: set[str] = set()
        self._lock = threading.Lock()

    def take_down(self, numbers: set[str]) -> None:
        with self._lock:
            self._down |= numbers

    def restore(self, numbers: set[str]) -> None:
        with self._lock:
            self._down -= numbers

    def lookup(self, order_number: str) -> dict[str, Any] | None:
        with self._lock:
            down = order_number in self._down
        if down:
            raise OrderBackendError("order backend unavailable (taken down by the call simulator)")
        return self.backend.lookup(order_number)
