"""The question page's role intervals with the finite population correction (issue 17).

Reference: statsmodels' Wilson interval (``proportion_confint(method="wilson")``) at the
effective sample size n·(N−1)/(N−n) of Cochran (1977, Theorem 3.2), computed here from the
demo's population file and the page's own share positive without a population (the share is
tested in test_questions.py; here the interval around it).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from statsmodels.stats.proportion import proportion_confint

import kommunanalys as ka
import kommunanalys.pages.question as qp
from kommunanalys import paths
from kommunanalys.report.batch import PlanEntry, _notebook_parameters
from kommunanalys.population import read_population

QUESTION = "Q6"


@pytest.fixture(scope="module")
def survey():
    return ka.load_demo()


@pytest.fixture(scope="module")
def population():
    return read_population(paths.DEMO_POPULATION)


@pytest.mark.parametrize("threshold", [5, 10])
def test_role_intervals_are_wilson_at_the_effective_n(survey, population, threshold):
    checked = hidden = 0
    for code in survey.municipality_codes:
        plain = qp.build_page(survey, code, QUESTION, threshold=threshold).summary.set_index("group")
        page = qp.build_page(survey, code, QUESTION, threshold=threshold, population=population)
        summ = page.summary.set_index("group")
        invited = population[population["municipality_code"] == code].set_index("group")["invited"]
        for role, row in summ.iterrows():
            if row["suppressed"]:
                hidden += 1
                assert pd.isna(row["invited"])  # a hidden group's invited count is not published
                assert pd.isna(row["positive_ci_low"]) or row["positive_ci_low"] == plain.loc[role, "positive_ci_low"]
                continue
            n, big = int(row["n"]), int(invited[role])
            assert row["invited"] == big
            # the share positive does not change; only its interval
            assert row["positive"] == pytest.approx(plain.loc[role, "positive"])
            x = round(plain.loc[role, "positive"] / 100 * n)
            eff = n * (big - 1) / (big - n) if big > n else np.inf
            if np.isinf(eff):
                lo = hi = x / n
            else:
                lo, hi = proportion_confint(x / n * eff, eff, alpha=0.05, method="wilson")
            assert row["positive_ci_low"] / 100 == pytest.approx(lo, abs=1e-9)
            assert row["positive_ci_high"] / 100 == pytest.approx(hi, abs=1e-9)
            assert (row["positive_ci_high"] - row["positive_ci_low"]
                    <= plain.loc[role, "positive_ci_high"] - plain.loc[role, "positive_ci_low"] + 1e-9)
            checked += 1
    assert checked > 10
    if threshold == 10:
        assert hidden > 0  # the demo at threshold 10 hides a role somewhere


def test_hidden_roles_invited_count_is_not_in_the_published_tables(survey, population):
    seen = 0
    for code in survey.municipality_codes:
        page = qp.build_page(survey, code, QUESTION, threshold=10, population=population)
        summ = page.summary
        for frame in page.tables().values():
            if "invited" in frame.columns:
                hidden = frame["suppressed"].fillna(False).astype(bool)
                assert frame.loc[hidden, "invited"].isna().all()
                seen += int(hidden.sum())
        assert "invited" not in page.distribution.columns
        assert summ["group"].tolist() == ["förtroendevald", "tjänsteperson"]
    assert seen > 0


def test_batch_passes_the_population_to_the_question_notebook():
    question = PlanEntry(key="q", notebook="01_question.ipynb", section="q", parameters={"question": QUESTION})
    other = PlanEntry(key="c", notebook="03_root_causes.ipynb", section="root_causes", parameters={})
    params = _notebook_parameters("1761", question, paths.DEMO_EXPORT, 5, population="/x/pop.csv")
    assert params["population"] == "/x/pop.csv"
    assert "population" not in _notebook_parameters("1761", other, paths.DEMO_EXPORT, 5, population="/x/pop.csv")
    assert "population" not in _notebook_parameters("1761", question, paths.DEMO_EXPORT, 5)
