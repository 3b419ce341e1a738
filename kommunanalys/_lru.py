"""The package's one caching helper: bounded least-recently-used caches.

Caching policy of kommunanalys (one place, one rule):

* Every cache is bounded. :class:`LRU` holds at most ``maxsize`` entries and drops the least
  recently used; :func:`memoize` is the decorator for functions of hashable arguments (files by
  path and modification time, word lists, the register) built on it. Nothing else memoises.
* What is cached per survey (:meth:`kommunanalys.survey.Survey.memo`, :meth:`Survey.subset
  <kommunanalys.survey.Survey.subset>`) lives on that survey object, which is immutable (a frozen
  dataclass whose tables are read-only by convention), and dies with it.
* Cached frames are handed out as copies (:func:`shielded`), so a caller may change what it gets.
* Library code never tunes the garbage collector; the warm kernels of the batch, which the batch
  owns, are the one place that freezes it (:mod:`kommunanalys.report._kernel_reset`).
"""

from __future__ import annotations

import functools
import threading
from collections import OrderedDict
from typing import Any, Callable, Hashable, TypeVar

import pandas as pd

__all__ = ["LRU", "memoize", "shielded"]

F = TypeVar("F", bound=Callable[..., Any])


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


def memoize(maxsize: int) -> Callable[[F], F]:
    """Remember the results of the last ``maxsize`` calls of a function of hashable arguments.

    Like :func:`functools.lru_cache` (``cache_clear()`` included), on :class:`LRU`; safe to call
    from several threads (a value computed twice at the same moment is stored once).
    """
    def decorate(function: F) -> F:
        cache = LRU(maxsize)
        lock = threading.Lock()

        @functools.wraps(function)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            key = (args, tuple(sorted(kwargs.items()))) if kwargs else args
            with lock:
                if key in cache:
                    cache.move_to_end(key)
                    return cache[key]
            value = function(*args, **kwargs)  # outside the lock: it may call other memoised functions
            with lock:
                return cache.get_or_make(key, lambda: value)

        def cache_clear() -> None:
            with lock:
                cache.clear()

        wrapper.cache_clear = cache_clear  # type: ignore[attr-defined]
        wrapper.cache = cache  # type: ignore[attr-defined]
        return wrapper  # type: ignore[return-value]

    return decorate


def _copy_on_write() -> bool:
    """Whether pandas copies on write here (always from pandas 3): then a shallow copy suffices."""
    probe = pd.DataFrame({"a": [0]})
    view = probe.copy(deep=False)
    view.iloc[0, 0] = 1
    return int(probe.iloc[0, 0]) == 0


_SHALLOW_IS_SAFE = _copy_on_write()


def shielded(value: Any) -> Any:
    """``value`` as a caller may change it without changing the cached one.

    DataFrames and Series are copied (a cheap shallow copy where pandas copies on write), also
    inside tuples, lists and dicts; anything else is returned as it is (immutable by contract).
    """
    if isinstance(value, (pd.DataFrame, pd.Series)):
        return value.copy(deep=not _SHALLOW_IS_SAFE)
    if isinstance(value, tuple):
        return tuple(shielded(v) for v in value)
    if isinstance(value, list):
        return [shielded(v) for v in value]
    if isinstance(value, dict):
        return {k: shielded(v) for k, v in value.items()}
    return value
