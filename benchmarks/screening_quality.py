"""Print the screening's recall and precision per type on the hand-labelled sets, and its speed.

Run from the project root::

    python benchmarks/screening_quality.py

Two labelled sets:

- ``tests/data/screening_testset.csv``: ``dev`` rows (written while the screening was built, so
  their figures are optimistic; issue 12's cases were added here) and ``holdout`` rows (written
  after the first version and not used to tune it);
- ``tests/data/screening_holdout.csv``: the holdout of issue 12, written after the issue-12
  changes and not used to tune anything (see the comment at the top of the file).

Figures are given per type (recall, precision, exact boundaries) for each part.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from kommunanalys.screening import evaluate, read_labelled, screen_frame  # noqa: E402

TESTSET = ROOT / "tests" / "data" / "screening_testset.csv"
HOLDOUT = ROOT / "tests" / "data" / "screening_holdout.csv"


def _table(labelled: pd.DataFrame) -> pd.DataFrame:
    quality = evaluate(labelled)
    return quality[["type", "expected", "found", "true_positives", "recall", "precision", "exact"]]


def _misses(name: str, labelled: pd.DataFrame) -> None:
    print(f"\nMissed (false negatives) and spurious (false positives) spans, {name}:")
    for _, row in evaluate(labelled).iterrows():
        if row["false_negatives"] or row["false_positives"]:
            print(f"  {row['type']}: missed {row['false_negatives']}, spurious {row['false_positives']}")


def main() -> None:
    testset = read_labelled(TESTSET)
    holdout = read_labelled(HOLDOUT)
    pd.set_option("display.width", 200)
    pd.set_option("display.float_format", "{:.3f}".format)
    parts = [("test set, all", testset)] + [
        (f"test set, {name}", part) for name, part in testset.groupby("split")
    ] + [("holdout of issue 12 (screening_holdout.csv)", holdout)]
    for name, part in parts:
        print(f"\n== {name}: {len(part)} texts ==")
        print(_table(part).to_string(index=False))
    _misses("test set", testset)
    _misses("holdout of issue 12", holdout)
    texts = [*testset["text"], *holdout["text"]]
    comments = pd.DataFrame({"text": texts * (10_000 // len(texts) + 1)}).iloc[:10_000]
    start = time.perf_counter()
    screen_frame(comments)
    print(f"\nSpeed: 10,000 comments screened in {time.perf_counter() - start:.2f} s")


if __name__ == "__main__":
    main()
