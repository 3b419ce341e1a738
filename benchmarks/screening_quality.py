"""Print the screening's recall and precision per type on the hand-labelled test set, and its speed.

Run from the project root::

    python benchmarks/screening_quality.py

The test set (``tests/data/screening_testset.csv``) has two parts: ``dev`` (written while the
screening was built, so its figures are optimistic) and ``holdout`` (written afterwards and not
used to tune anything). Figures are given for each part and for both together.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from kommunanalys.screening import evaluate, screen_frame  # noqa: E402

TESTSET = ROOT / "tests" / "data" / "screening_testset.csv"


def _table(labelled: pd.DataFrame) -> pd.DataFrame:
    quality = evaluate(labelled)
    return quality[["type", "expected", "found", "true_positives", "recall", "precision", "exact"]]


def main() -> None:
    labelled = pd.read_csv(TESTSET, dtype=str, keep_default_na=False)
    pd.set_option("display.width", 200)
    pd.set_option("display.float_format", "{:.3f}".format)
    parts = [("all", labelled)] + [(name, part) for name, part in labelled.groupby("split")]
    for name, part in parts:
        print(f"\n== {name}: {len(part)} texts ==")
        print(_table(part).to_string(index=False))
    misses = evaluate(labelled)
    print("\nMissed (false negatives) and spurious (false positives) spans, all texts:")
    for _, row in misses.iterrows():
        if row["false_negatives"] or row["false_positives"]:
            print(f"  {row['type']}: missed {row['false_negatives']}, spurious {row['false_positives']}")
    comments = pd.DataFrame({"text": labelled["text"].tolist() * (10_000 // len(labelled) + 1)})
    comments = comments.iloc[:10_000]
    start = time.perf_counter()
    screen_frame(comments)
    print(f"\nSpeed: 10,000 comments screened in {time.perf_counter() - start:.2f} s")


if __name__ == "__main__":
    main()
