"""Update latency of the explorer (issue 8: target < 0.3 s per update).

Replays what an analyst does — change the question, the municipality, the grouping, turn a
comparison on — through :func:`kommunanalys.pages.explorer.render`, the function every widget change
calls, and prints the time per update by kind of change: median, 90th percentile and maximum.
Two surveys: the bundled demo (16 municipalities, 656 respondents) and a synthetic survey of all
290 municipalities from :func:`kommunanalys.demo.generate_survey` (written as a CSV export and
loaded like a real one). Every update is measured as the analyst meets it: pieces computed for an
earlier state are reused (the explorer's cache), nothing is pre-warmed.

Run: ``python benchmarks/explorer_benchmark.py [--updates N] [--seed S]``.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from kommunanalys import demo
from kommunanalys.pages.explorer import ExplorerState, clear_cache, render
from kommunanalys.loader import load_demo, load_survey

TARGET_S = 0.3


def _surveys():
    yield "demo (16 kommuner)", load_demo()
    with tempfile.TemporaryDirectory() as tmp:
        path = demo.write_export(demo.generate_survey("all"), Path(tmp) / "alla_kommuner.csv")
        survey = load_survey(path)
    yield f"generator ({len(survey.municipality_codes)} kommuner, {len(survey.respondents)} svarande)", survey


def _script(survey, updates: int, rng: np.random.Generator) -> list[tuple[str, dict]]:
    """A seeded sequence of (kind, change) an analyst could make."""
    codes = survey.municipality_codes
    likert = [q.id for q in survey.instrument.likert_questions]
    steps = []
    kinds = ["fråga", "kommun", "gruppering", "jämförelse"]
    for i in range(updates):
        kind = kinds[i % len(kinds)] if i < len(kinds) else kinds[int(rng.integers(len(kinds)))]
        if kind == "fråga":
            change = {"question": likert[int(rng.integers(len(likert)))]}
        elif kind == "kommun":
            change = {"municipality": codes[int(rng.integers(len(codes)))]}
        elif kind == "gruppering":
            change = {"grouping": ["role", "subgroup", "all"][int(rng.integers(3))]}
        else:
            change = {"comparison": ["none", "others", "county"][int(rng.integers(3))]}
        steps.append((kind, change))
    return steps


def _measure(survey, updates: int, seed: int) -> dict[str, list[float]]:
    clear_cache()
    rng = np.random.default_rng(seed)
    state = ExplorerState(survey, municipality=survey.municipality_codes[0], question="Q6")
    start = time.perf_counter()
    render(state)
    times: dict[str, list[float]] = {"första visning": [time.perf_counter() - start]}
    for kind, change in _script(survey, updates, rng):
        state = state.replace(**change)
        label = kind if state.comparison == "none" or kind == "jämförelse" else f"{kind} (med jämförelse)"
        t0 = time.perf_counter()
        render(state)
        times.setdefault(label, []).append(time.perf_counter() - t0)
    return times


def _report(name: str, times: dict[str, list[float]]) -> bool:
    print(f"\n{name}")
    print(f"  {'ändring':<28}{'antal':>6}{'median':>9}{'p90':>9}{'max':>9}")
    ok = True
    every = [t for kind, ts in times.items() if kind != "första visning" for t in ts]
    for kind, ts in [*times.items(), ("alla uppdateringar", every)]:
        med, p90, top = statistics.median(ts), float(np.percentile(ts, 90)), max(ts)
        flag = "" if kind == "första visning" or p90 < TARGET_S else "  > mål"
        ok &= kind == "första visning" or kind != "alla uppdateringar" or p90 < TARGET_S
        print(f"  {kind:<28}{len(ts):>6}{med:>8.3f}s{p90:>8.3f}s{top:>8.3f}s{flag}")
    return ok


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--updates", type=int, default=60, help="updates per survey (default 60)")
    parser.add_argument("--seed", type=int, default=8)
    args = parser.parse_args(argv)
    print(f"Explorer: tid per uppdatering (render), mål < {TARGET_S} s")
    ok = True
    for name, survey in _surveys():
        ok &= _report(name, _measure(survey, args.updates, args.seed))
    print("\nMålet nått (p90 av alla uppdateringar)." if ok else "\nMålet INTE nått för alla uppdateringar.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
