"""Shared fixtures: small, seeded survey exports written in every format a survey tool uses."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from kommunanalys.instrument import load_instrument




@pytest.fixture(scope="session")
def instrument():
    return load_instrument()


def assert_accounting(survey, n_rows: int) -> None:
    """Every row is accounted for: loaded + rejected = ``n_rows``, the rows in the file as the
    test counts them itself (not as the loader says), and every reason is a known one."""
    from kommunanalys.loader import REJECTION_REASONS

    report = survey.report
    assert report.rows_in_file == n_rows
    assert report.loaded + report.n_rejected == n_rows
    assert len(survey.respondents) == report.loaded
    assert set(report.rejected["reason"]) <= set(REJECTION_REASONS)


def make_export(instrument, n: int = 40, *, seed: int = 7, municipalities=("Hammarö", "Karlstad"),
                codes: bool = False) -> pd.DataFrame:
    """A valid wide export: Respondent-ID, Kommun, then one column per question (label headers).

    Answers are drawn with a seeded generator; with ``codes=True`` Likert answers are written as
    their codes (1 = first option), as Nordic survey tools do by default.
    """
    rng = np.random.default_rng(seed)
    rows = []
    for i in range(n):
        role = "Förtroendevald" if i % 3 == 0 else "Tjänsteperson"
        row = {"Respondent-ID": f"T{i:04d}", "Kommun": municipalities[i % len(municipalities)]}
        for q in instrument.questions:
            if q.kind == "role":
                row[q.label] = role
            elif q.kind == "subgroup":
                row[q.label] = "" if role == "Förtroendevald" else ("Ja" if i % 4 == 1 else "Nej")
            elif q.kind == "free_text":
                row[q.label] = f"Kommentar {i} om {q.id}" if i % 5 == 0 else ""
            else:
                levels = q.scale.levels + q.scale.non_substantive
                lv = levels[rng.integers(len(levels))]
                row[q.label] = str(lv.code) if codes else lv.label
        rows.append(row)
    return pd.DataFrame(rows)


@pytest.fixture
def export_frame(instrument):
    return make_export(instrument)


@pytest.fixture(scope="session")
def demo():
    """The bundled synthetic demo survey, loaded once per test session (read-only)."""
    from kommunanalys import paths
    from kommunanalys.loader import load_survey

    return load_survey(paths.DEMO_EXPORT)


@pytest.fixture(scope="session")
def fixture_survey():
    """The small question fixture (tests/data/question_survey), with a municipality of 3 förtroendevalda."""
    from kommunanalys.loader import load_survey
    from tests._question_fixture import FIXTURE

    return load_survey(FIXTURE)
