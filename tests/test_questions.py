"""kommunanalys.questions: expected values recomputed from the raw fixture export with pandas."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats as sps

from kommunanalys.errors import InputError
from kommunanalys.loader import load_survey
from kommunanalys.questions import (
    SKIPPED_LABEL,
    benchmark,
    benchmark_distribution,
    distribution,
    rank_gaps,
    role_gap,
    summary,
)

from ._question_fixture import FIXTURE, raw

LEVELS = ["Instämmer inte alls", "Instämmer i liten grad", "Instämmer delvis", "Instämmer i hög grad", "Instämmer helt"]
Q6 = "6. Anser du att din kommun har en bra modell för målstyrning, där målen tydligt anger riktning?"
Z = sps.norm.ppf(0.975)


@pytest.fixture(scope="module")
def survey():
    return load_survey(FIXTURE)


@pytest.fixture(scope="module")
def export():
    return raw()


def _codes(answers: pd.Series) -> np.ndarray:
    return answers[answers.isin(LEVELS)].map({lab: i + 1 for i, lab in enumerate(LEVELS)}).to_numpy(float)


def _wilson(x, n):
    p = x / n
    c = (p + Z**2 / (2 * n)) / (1 + Z**2 / n)
    h = Z * np.sqrt(p * (1 - p) / n + Z**2 / (4 * n**2)) / (1 + Z**2 / n)
    return c - h, c + h


def test_distribution_matches_raw_counts(survey, export):
    got = distribution(survey.subset(municipalities="1780"), "Q6", by="role")
    assert {"question", "group", "answer", "count", "percent", "n"} <= set(got.columns)
    sub = export[export["code"] == "1780"]
    for role in ["förtroendevald", "tjänsteperson"]:
        answers = sub.loc[sub["role"] == role, Q6]
        part = got[got["group"] == role].set_index("answer")
        assert list(part.index) == [*LEVELS, "Vet ej", SKIPPED_LABEL]
        n = answers.isin(LEVELS).sum()
        for lab in LEVELS:
            assert part.loc[lab, "count"] == (answers == lab).sum()
            assert part.loc[lab, "percent"] == pytest.approx((answers == lab).sum() / n * 100)
        assert part.loc["Vet ej", "count"] == (answers == "Vet ej").sum()
        assert part.loc[SKIPPED_LABEL, "count"] == (answers == "").sum()
        assert np.isnan(part.loc["Vet ej", "percent"])
        assert (part["n"] == n).all() and (part["n_respondents"] == len(answers)).all()
        assert not part["suppressed"].any()


def test_zero_levels_are_listed(survey):
    got = distribution(survey.subset(municipalities="1763"), "Q6", by="all")
    assert len(got) == 7 and got["answer"].tolist()[:5] == LEVELS


def test_summary_matches_raw(survey, export):
    got = summary(survey.subset(municipalities="1780"), ["Q6"], by="role").set_index("group")
    sub = export[export["code"] == "1780"]
    for role in ["förtroendevald", "tjänsteperson"]:
        answers = sub.loc[sub["role"] == role, Q6]
        codes = _codes(answers)
        n = codes.size
        row = got.loc[role]
        assert row["n"] == n
        assert row["n_non_substantive"] == (answers == "Vet ej").sum()
        assert row["n_skipped"] == (answers == "").sum()
        assert row["negative"] == pytest.approx((codes <= 2).mean() * 100)
        assert row["neutral"] == pytest.approx((codes == 3).mean() * 100)
        assert row["positive"] == pytest.approx((codes >= 4).mean() * 100)
        lo, hi = _wilson((codes >= 4).sum(), n)
        assert (row["positive_ci_low"], row["positive_ci_high"]) == pytest.approx((lo * 100, hi * 100))
        assert row["mean"] == pytest.approx(codes.mean())
        assert row["sd"] == pytest.approx(codes.std(ddof=1))


def test_summary_by_municipality_and_background(survey, export):
    got = summary(survey, "Q6", by="municipality").set_index("group")
    for code, part in export.groupby("code"):
        assert got.loc[code, "mean"] == pytest.approx(_codes(part[Q6]).mean())
    by_q3 = summary(survey, "Q6", by="Q3")
    assert by_q3["group"].tolist() == ["Mindre än 2 år", "2–5 år", "6–10 år", "Mer än 10 år"]


def test_small_groups_suppressed(survey):
    kil = summary(survey.subset(municipalities="1715"), "Q6", by="role").set_index("group")
    assert kil.loc["förtroendevald", "note"] == "färre än 5 svar"
    assert kil["suppressed"].all() and kil[["positive", "mean", "sd"]].isna().all().all()
    ham = distribution(survey.subset(municipalities="1761"), "Q6", by="subgroup")
    chef = ham[ham["group"] == "chef i central förvaltning"]
    assert chef["suppressed"].all() and chef["count"].isna().all()
    assert summary(survey.subset(municipalities="1761"), "Q6", by="role", threshold=13)["suppressed"].all()


def test_role_gap_matches_raw(survey, export):
    gaps = role_gap(survey, ["Q6", "Q14"], municipalities="1780").set_index("question")
    q14 = "14. Anser du att det finns en hög grad av tillit mellan förtroendevalda och tjänstepersoner i kommunen?"
    sub = export[export["code"] == "1780"]
    for qid, col in [("Q6", Q6), ("Q14", q14)]:
        fv = _codes(sub.loc[sub["role"] == "förtroendevald", col])
        tp = _codes(sub.loc[sub["role"] == "tjänsteperson", col])
        p1, p2 = (fv >= 4).mean(), (tp >= 4).mean()
        l1, u1 = _wilson((fv >= 4).sum(), fv.size)
        l2, u2 = _wilson((tp >= 4).sum(), tp.size)
        row = gaps.loc[qid]
        assert row["gap"] == pytest.approx((p1 - p2) * 100)
        assert row["gap_ci_low"] == pytest.approx((p1 - p2 - np.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2)) * 100)
        assert row["gap_ci_high"] == pytest.approx((p1 - p2 + np.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2)) * 100)
        greater = (fv[:, None] > tp[None, :]).sum()
        ties = (fv[:, None] == tp[None, :]).sum()
        assert row["u"] == greater + ties / 2
        assert row["rank_biserial"] == pytest.approx(
            (greater - (fv[:, None] < tp[None, :]).sum()) / (fv.size * tp.size))
        assert 0 < row["p_value"] <= 1


def test_role_gap_suppressed_and_ranked(survey):
    gaps = role_gap(survey, municipalities=["1715", "1780"])
    kil = gaps[gaps["municipality_code"] == "1715"]
    assert kil["suppressed"].all() and kil["gap"].isna().all()
    ranked = rank_gaps(gaps)
    karl = ranked[ranked["municipality_code"] == "1780"]
    assert karl["abs_gap"].is_monotonic_decreasing
    assert karl["rank"].tolist() == list(range(1, 8))
    assert ranked[ranked["municipality_code"] == "1715"]["rank"].isna().all()


def _reportable_cells(export, col, threshold=5):
    """(municipality, role) cells shown in their own municipality: both roles large enough."""
    ok = set()
    for code, part in export.groupby("code"):
        n = {r: part.loc[part["role"] == r, col].isin(LEVELS).sum() for r in ["förtroendevald", "tjänsteperson"]}
        if min(n.values()) >= threshold:
            ok |= {(code, "förtroendevald"), (code, "tjänsteperson")}
        if sum(n.values()) >= threshold:
            ok.add((code, "alla"))
    return ok


def test_benchmark_matches_raw(survey, export):
    got = benchmark(survey, "1761", "Q6", comparison=["1715", "1763", "1761"]).set_index(["role", "group"])
    ok = _reportable_cells(export, Q6)
    assert ("1715", "förtroendevald") not in ok
    for role in ["förtroendevald", "tjänsteperson", "alla"]:
        for group, members in [("kommun", ["1761"]), ("övriga kommuner", ["1780", "1715", "1763"]),
                               ("jämförelsegrupp", ["1715", "1763"])]:
            if group != "kommun":
                members = [m for m in members if (m, role) in ok]
            rows = export[export["code"].isin(members)]
            if role != "alla":
                rows = rows[rows["role"] == role]
            codes = _codes(rows[Q6])
            row = got.loc[(role, group)]
            assert row["municipalities"] == len(members)
            assert row["n"] == codes.size
            assert row["positive"] == pytest.approx((codes >= 4).mean() * 100)
            assert row["mean"] == pytest.approx(codes.mean())
    dist = benchmark_distribution(survey, "1761", "Q6")
    assert set(dist["group"]) == {"kommun", "övriga kommuner"}
    assert {"question", "role", "group", "answer", "count", "percent", "n"} <= set(dist.columns)


def test_benchmark_suppresses_small_municipality_roles(survey):
    got = benchmark(survey, "1715", "Q6").set_index(["role", "group"])
    assert got.loc[("förtroendevald", "kommun"), "suppressed"]
    assert got.loc[("tjänsteperson", "kommun"), "suppressed"]
    assert not got.loc[("alla", "kommun"), "suppressed"]


def test_errors_name_the_value(survey):
    with pytest.raises(InputError, match="Q9"):
        summary(survey, "Q9")
    with pytest.raises(InputError, match="grouping"):
        distribution(survey, "Q6", by="kön")
    with pytest.raises(InputError, match="0180"):
        benchmark(survey, "0180", "Q6")
    with pytest.raises(InputError, match="comparison"):
        benchmark(survey, "1761", "Q6", comparison=["0180"])
    with pytest.raises(InputError, match="besides"):
        benchmark(survey, "1761", "Q6", comparison=["1761"])


def test_benchmark_suppresses_the_municipality_whatever_it_is_called(survey):
    """Regression: a municipality given by name must get the same suppression as by code."""
    code = survey.municipality_codes[0]
    name = survey.municipality_name(code)
    from kommunanalys.questions import benchmark, benchmark_distribution

    for fn in (benchmark, benchmark_distribution):
        by_code = fn(survey, code, threshold=30)
        by_name = fn(survey, name, threshold=30)
        pd.testing.assert_frame_equal(by_code, by_name)
        own = by_code[by_code["group"] == "kommun"]
        assert own["suppressed"].any()  # threshold 30 hides the municipality's small groups


def test_subset_is_made_once_and_holds_exactly_the_selection(fixture_survey):
    """Subsets are cached per survey (their memoised tables are shared); the rows are the filter's."""
    one = fixture_survey.subset(municipalities="1761")
    assert fixture_survey.subset(municipalities=["1761"]) is one
    assert fixture_survey.subset(municipalities="1761", roles="förtroendevald") is not one
    for name in ("respondents", "responses", "comments"):
        frame = getattr(fixture_survey, name)
        expected = frame[frame["municipality_code"] == "1761"].reset_index(drop=True)
        pd.testing.assert_frame_equal(getattr(one, name), expected)
    both = fixture_survey.subset(municipalities=["1761", "1780"], roles=["tjänsteperson"])
    assert set(both.respondents["municipality_code"]) == {"1761", "1780"}
    assert set(both.respondents["role"]) == {"tjänsteperson"}
    # only the last few are kept: the memo of a subset must not grow a long batch's kernel
    from kommunanalys.survey import SUBSETS_KEPT

    for code in fixture_survey.municipality_codes * 2:
        for role in ("förtroendevald", "tjänsteperson"):
            fixture_survey.subset(municipalities=code, roles=role)
    assert len(fixture_survey._subsets) == SUBSETS_KEPT
    assert fixture_survey.subset(municipalities="1761") is not one


def test_memoised_tables_are_copies(fixture_survey):
    """Changing a returned table leaves the next call's result alone."""
    first = role_gap(fixture_survey, municipalities="1761")
    first.loc[:, "gap"] = 999.0
    assert not (role_gap(fixture_survey, municipalities="1761")["gap"] == 999.0).any()
    bench = benchmark(fixture_survey, "1761", "Q6")
    bench.loc[:, "n"] = -1
    assert (benchmark(fixture_survey, "1761", "Q6")["n"] >= 0).all()
