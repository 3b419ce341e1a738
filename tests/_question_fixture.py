"""The small survey export used by the per-question tests (see tests/data/question_survey/)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

FIXTURE = Path(__file__).parent / "data" / "question_survey" / "question_survey.csv"
CODES = {"Karlstad": "1780", "Hammarö": "1761", "Kil": "1715", "Forshaga": "1763"}


def raw() -> pd.DataFrame:
    """The export read with plain pandas (for expected values computed without kommunanalys)."""
    frame = pd.read_csv(FIXTURE, sep=";", dtype=str, keep_default_na=False)
    frame["code"] = frame["Kommun"].map(CODES)
    frame["role"] = frame["1. Vilken roll har du i kommunen?"].str.lower()
    q2 = frame["2. Om du är tjänsteperson, är du chef i den centrala förvaltningen?"]
    frame["subgroup"] = "förtroendevald"
    tp = frame["role"] == "tjänsteperson"
    frame.loc[tp, "subgroup"] = q2[tp].map({"Ja": "chef i central förvaltning", "Nej": "övrig tjänsteperson",
                                           "": "tjänsteperson, ej angivet"})
    return frame
