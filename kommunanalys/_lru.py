"""A small least-recently-used cache: the few bounded caches of the package share it."""

from __future__ import annotations

from collections import OrderedDict
from typing import Any, Callable, Hashable


class LRU(OrderedDict):
    """An ordered dict holding at most ``maxsize`` entries; the least recently used go first."""

    def __init__(self, maxsize: int) -> None:
        super().__init__()
        self.maxsize = maxsize

    def put(self, key: Hashable, value: Any) -> Any:
        """Store ``value`` as the most recent entry (dropping the oldest beyond ``maxsize``)."""
        self[key] = value
        self.move_to_end(key)
        while len(self) > self.maxsize:
            self.popitem(last=False)
        return value

    def get_or_make(self, key: Hashable, make: Callable[[], Any]) -> Any:
        """The value under ``key`` (now the most recent), made with ``make()`` when missing."""
        if key in self:
            self.move_to_end(key)
            return self[key]
        return self.put(key, make())
