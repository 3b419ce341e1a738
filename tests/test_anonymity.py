"""kommunanalys.anonymity: threshold, primary and complementary suppression."""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kommunanalys.anonymity import (
    HIERARCHY_MARGINS,
    group_sizes,
    is_reportable,
    resolve_threshold,
    suppress,
    suppressed_groups,
    suppression_note,
    suppression_plan,
)
from kommunanalys.errors import InputError
from kommunanalys.loader import load_survey

from ._question_fixture import FIXTURE, raw


@pytest.fixture(scope="module")
def survey():
    return load_survey(FIXTURE)


def test_is_reportable_and_note():
    assert is_reportable(5) and not is_reportable(4)
    assert not is_reportable(9, threshold=10)
    assert list(is_reportable([0, 4, 5, 6])) == [False, False, True, True]
    assert suppression_note(3) == "färre än 5 svar"
    assert suppression_note(7, 10) == "färre än 10 svar"
    assert suppression_note(0) == "inga svar"
    assert "skyddar" in suppression_note(12, 5)


def test_resolve_threshold(survey):
    assert resolve_threshold(None, survey) == survey.instrument.anonymity_threshold == 5
    assert resolve_threshold(10, survey) == 10
    for bad in (0, -1, 2.5, True):
        with pytest.raises(InputError):
            resolve_threshold(bad)


def test_complementary_subgroup_is_suppressed():
    # role totals and the municipality total are shown; chef (3) is small -> övrig must go too
    sizes = {"förtroendevald": 20, "tjänsteperson": 33, "chef i central förvaltning": 3,
             "övrig tjänsteperson": 30, "tjänsteperson, ej angivet": 0}
    hidden = suppressed_groups(sizes, margins=HIERARCHY_MARGINS)
    assert hidden == {"chef i central förvaltning": "primary", "övrig tjänsteperson": "secondary",
                      "tjänsteperson, ej angivet": "primary"}


def test_two_small_parts_together_still_small():
    # 2 + 2 = 4 < 5: their sum would be derivable, so a third part is hidden (the smallest)
    hidden = suppressed_groups({"a": 2, "b": 2, "c": 9, "d": 30}, margins=[["a", "b", "c", "d"]])
    assert set(hidden) == {"a", "b", "c"} and hidden["c"] == "secondary"
    assert set(suppressed_groups({"a": 3, "b": 3, "c": 30}, margins=[["a", "b", "c"]])) == {"a", "b"}
    assert suppressed_groups({"a": 30, "b": 0}, margins=[["a", "b"]]) == {"b": "primary"}


@settings(max_examples=300, deadline=None)
@given(st.lists(st.integers(0, 12), min_size=4, max_size=4), st.integers(2, 10))
def test_hierarchy_rule_property(leaves, threshold):
    fv, chef, ovr, ej = leaves
    sizes = {"förtroendevald": fv, "chef i central förvaltning": chef, "övrig tjänsteperson": ovr,
             "tjänsteperson, ej angivet": ej, "tjänsteperson": chef + ovr + ej}
    hidden = suppressed_groups(sizes, threshold=threshold, margins=HIERARCHY_MARGINS)
    for g, n in sizes.items():
        if 0 < n < threshold:
            assert g in hidden
    total = fv + chef + ovr + ej
    totals = {0: total, 1: sizes["tjänsteperson"], 2: total}  # what each margin sums to
    for i, margin in enumerate(HIERARCHY_MARGINS):
        total_shown = totals[i] >= threshold and not (i == 1 and "tjänsteperson" in hidden)
        s = sum(sizes[g] for g in margin if g in hidden)
        if total_shown:
            assert s == 0 or s >= threshold
    # a small förtroendevald group is never everyone minus shown groups
    if 0 < fv < threshold and total >= threshold:
        assert "tjänsteperson" in hidden
        assert any(g in hidden and sizes[g] > 0 for g in HIERARCHY_MARGINS[1])


def test_suppress_blanks_values_and_keeps_n():
    table = pd.DataFrame({"question": ["Q6"] * 4, "group": ["a", "a", "b", "b"], "answer": ["x", "y"] * 2,
                          "count": [1, 2, 10, 20], "percent": [33.3, 66.7, 33.3, 66.7], "n": [3, 3, 30, 30]})
    out = suppress(table, by=["question"])
    assert out["suppressed"].tolist() == [True, True, False, False]
    assert out.loc[:1, ["count", "percent"]].isna().all().all()
    assert out.loc[2:, "count"].tolist() == [10, 20]
    assert out["n"].tolist() == [3, 3, 30, 30]
    assert out["note"].tolist()[:2] == ["färre än 5 svar"] * 2
    both = suppress(table, by=["question"], margins=[["a", "b"]])
    assert both["suppressed"].all()
    with pytest.raises(InputError, match="no column"):
        suppress(table, n_column="antal")


def test_group_sizes_match_raw_counts(survey):
    r = raw()
    got = group_sizes(survey, "1761", by="subgroup").set_index("group")["n"]
    expected = r[r["code"] == "1761"]["subgroup"].value_counts()
    for g, n in got.items():
        assert n == expected.get(g, 0)
    roles = group_sizes(survey, "1761", by="role").set_index("group")["n"]
    assert roles["förtroendevald"] == 12 and roles["tjänsteperson"] == 30
    assert group_sizes(survey, "1761", by="all")["n"].tolist() == [42]
    col = "6. Anser du att din kommun har en bra modell för målstyrning, där målen tydligt anger riktning?"
    q = group_sizes(survey, "1761", by="role", question="Q6").set_index("group")["n"]
    sub = r[(r["code"] == "1761") & ~r[col].isin(["", "Vet ej"])]
    assert q.to_dict() == sub["role"].value_counts().reindex(q.index).to_dict()
    h = group_sizes(survey, "1761", by="hierarchy")
    assert list(h["level"]) == ["all", "role", "role", "subgroup", "subgroup", "subgroup"]


def test_plan_kil_small_role(survey):
    plan = suppression_plan(survey, questions=["Q6"]).set_index(["municipality_code", "group"])
    assert plan.loc[("1715", "förtroendevald"), "reason"] == "primary"
    assert plan.loc[("1715", "tjänsteperson"), "reason"] == "secondary"
    assert not plan.loc[("1715", "alla"), "suppressed"]
    # everyone − shown subgroups must not reveal the 3 förtroendevalda either
    kil = plan.loc["1715"]
    hidden_leaves = kil[kil["suppressed"] & kil.index.isin(HIERARCHY_MARGINS[2])]["n"].sum()
    assert hidden_leaves >= 5
