"""Build ``question_survey.csv``: a small, seeded survey export for the per-question tests.

Run from the project root: ``python tests/data/question_survey/make_fixture.py``. The file is
checked in; this script documents how it was made. Four Värmland municipalities chosen so that
the anonymity rules are exercised:

- Karlstad (1780): large groups everywhere.
- Hammarö (1761): 12 förtroendevalda, 30 tjänstepersoner of whom 3 chefer (small subgroup).
- Kil (1715): only 3 förtroendevalda (small role).
- Forshaga (1763): 6 förtroendevalda, 8 tjänstepersoner.

Answers: seeded draws from every level, "Vet ej" and skipped answers; förtroendevalda lean
positive so the role gap is not zero. Comments: synthetic placeholder text only.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from kommunanalys.instrument import load_instrument

#: municipality name -> (förtroendevalda, chefer, övriga tjänstepersoner, tjänstepersoner utan svar på Q2)
DESIGN = {
    "Karlstad": (20, 8, 30, 2),
    "Hammarö": (12, 3, 25, 2),
    "Kil": (3, 6, 14, 0),
    "Forshaga": (6, 2, 6, 0),
}


def build(seed: int = 20240917) -> pd.DataFrame:
    instrument = load_instrument()
    rng = np.random.default_rng(seed)
    rows = []
    i = 0
    for muni, (fv, chef, ovr, ej) in DESIGN.items():
        people = [("Förtroendevald", "")] * fv + [("Tjänsteperson", "Ja")] * chef \
            + [("Tjänsteperson", "Nej")] * ovr + [("Tjänsteperson", "")] * ej
        for role, q2 in people:
            i += 1
            row = {"Respondent-ID": f"F{i:04d}", "Kommun": muni}
            for q in instrument.questions:
                if q.kind == "role":
                    row[q.label] = role
                elif q.kind == "subgroup":
                    row[q.label] = q2
                elif q.kind == "background":
                    row[q.label] = q.scale.labels[rng.integers(q.scale.k)]
                elif q.kind == "free_text":
                    row[q.label] = f"Syntetisk kommentar {i}" if rng.random() < 0.2 else ""
                else:
                    u = rng.random()
                    if u < 0.05:
                        row[q.label] = ""
                    elif u < 0.12:
                        row[q.label] = q.scale.non_substantive_labels[0]
                    else:
                        p = np.array([1, 2, 3, 3, 2], float) if role == "Tjänsteperson" else np.array([1, 1, 2, 3, 3], float)
                        row[q.label] = q.scale.labels[rng.choice(5, p=p / p.sum())]
            rows.append(row)
    return pd.DataFrame(rows)


if __name__ == "__main__":
    target = Path(__file__).with_name("question_survey.csv")
    build().to_csv(target, sep=";", index=False, encoding="utf-8")
    print(f"wrote {target}")
