"""One caching policy: an immutable survey, bounded caches on one helper, no collector tuning."""

from __future__ import annotations

import dataclasses
import re
import threading
from pathlib import Path

import pandas as pd
import pytest

import kommunanalys
from kommunanalys import survey as survey_module
from kommunanalys._lru import LRU, memoize, shielded
from kommunanalys.loader import load_demo


@pytest.fixture(scope="module")
def demo():
    return load_demo()


def test_a_survey_cannot_be_reassigned_and_a_replaced_one_starts_afresh(demo):
    with pytest.raises(dataclasses.FrozenInstanceError):
        demo.responses = demo.responses.head()
    smaller = dataclasses.replace(demo, comments=demo.comments.head(0))
    assert smaller.comments.empty and not demo.comments.empty
    assert smaller._memo is not demo._memo and len(smaller._memo) == 0
    assert {demo: 1}[demo] == 1  # hashable by identity (a cache may key on it)


def test_the_memo_is_bounded_and_hands_out_copies(demo, monkeypatch):
    fresh = dataclasses.replace(demo)
    monkeypatch.setattr(fresh._memo, "maxsize", 3)
    calls = []

    def table(i):
        def compute():
            calls.append(i)
            return (pd.DataFrame({"x": [i]}), [i])
        return compute

    for i in range(5):
        fresh.memo(("t", i), table(i))
    assert len(fresh._memo) == 3 and calls == [0, 1, 2, 3, 4]
    frame, order = fresh.memo(("t", 4), table(4))  # still kept: not computed again
    assert calls == [0, 1, 2, 3, 4]
    frame.loc[0, "x"] = 99  # a caller changes what it got ...
    order.append(99)
    again, order_again = fresh.memo(("t", 4), table(4))
    assert again.loc[0, "x"] == 4 and order_again == [4]  # ... the cached one is untouched
    fresh.memo(("t", 0), table(0))  # dropped earlier: computed again
    assert calls[-1] == 0


def test_subsets_are_kept_apart_from_the_memo(demo):
    code = demo.municipality_codes[0]
    first = demo.subset(municipalities=code)
    assert demo.subset(municipalities=code) is first
    assert ("subsets",) not in demo._memo
    assert len(demo._subsets) <= survey_module.SUBSETS_KEPT


def test_memoize_is_bounded_and_clearable():
    calls = []

    @memoize(maxsize=2)
    def square(x, *, offset=0):
        calls.append(x)
        return x * x + offset

    assert [square(2), square(3), square(2), square(2, offset=1)] == [4, 9, 4, 5]
    assert calls == [2, 3, 2]  # the second square(2) was a hit; the keyword call is another entry
    assert len(square.cache) == 2
    square(3)
    assert calls == [2, 3, 2, 3]  # (3,) was the least recently used when the third entry came
    square.cache_clear()
    square(2)
    assert calls[-1] == 2 and len(square.cache) == 1


def test_memoize_from_threads():
    @memoize(maxsize=8)
    def slow(x):
        return [x]

    results = []
    threads = [threading.Thread(target=lambda: results.append(slow(1))) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert all(r is results[0] for r in results)  # one value stored, every caller gets it


def test_shielded_copies_frames_inside_containers():
    frame = pd.DataFrame({"a": [1, 2]})
    copy = shielded({"t": (frame, [frame["a"]])})
    copy["t"][0].loc[0, "a"] = 9
    copy["t"][1][0].iloc[1] = 9
    assert frame["a"].tolist() == [1, 2]
    assert shielded("text") == "text" and shielded(3) == 3


def test_library_code_neither_tunes_the_collector_nor_caches_on_its_own():
    package = Path(kommunanalys.__file__).parent
    offending = re.compile(r"\bgc\.(freeze|unfreeze|disable|set_threshold)\b|\blru_cache\b|functools\.cache\b")
    found = [f"{path.relative_to(package)}:{n}" for path in sorted(package.rglob("*.py"))
             if path.name not in ("_kernel_reset.py", "_lru.py")  # the batch's own kernel; the helper
             for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if offending.search(line)]
    assert not found, f"use kommunanalys._lru (and leave the collector alone): {found}"


def test_lru_drops_the_least_recently_used():
    cache = LRU(2)
    cache.put("a", 1)
    cache.put("b", 2)
    assert cache.get_or_make("a", lambda: 0) == 1  # "a" is now the most recent
    cache.put("c", 3)
    assert list(cache) == ["a", "c"]
