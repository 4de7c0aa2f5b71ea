"""A small time-limited cache for the dashboard's figures: a supervisor's refreshes, and several
supervisors watching the same period, share one reading of the period's calls.

Pure: the clock is given; thread-safe, since gthread workers serve pages on many threads.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from typing import Any, Callable, Hashable

#: periods kept at once (the least recently used goes first)
MAX_ENTRIES = 32


class TimedCache:
    """``get(key, compute)``: the value computed for ``key`` less than ``seconds`` ago, else a new one.

    ``seconds`` 0 turns caching off. Two threads asking for the same missing key may both compute
    it (no lock is held while computing: a slow period never blocks the others).
    """

    def __init__(self, seconds: float, clock: Callable[[], float] = time.time, max_entries: int = MAX_ENTRIES):
        self.seconds = seconds
        self.clock = clock
        self.max_entries = max_entries
        self._entries: OrderedDict[Hashable, tuple[float, Any]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable, compute: Callable[[], Any]) -> tuple[Any, float]:
        """``(value, computed_at)``; ``computed_at`` on this cache's clock (epoch seconds by default)."""
        now = self.clock()
        with self._lock:
            hit = self._entries.get(key)
            if hit is not None and now - hit[0] < self.seconds:
                self._entries.move_to_end(key)
                return hit[1], hit[0]
        value = compute()
        if self.seconds > 0:
            with self._lock:
                self._entries[key] = (now, value)
                self._entries.move_to_end(key)
                while len(self._entries) > self.max_entries:
                    self._entries.popitem(last=False)
        return value, now
