"""The disclosure rule has one home: kommunanalys.anonymity (issue 12).

A scan of the package source: no module but ``anonymity.py`` compares a count with the
anonymity threshold, calls ``is_reportable`` or sets a default threshold of its own. And the
disclosure plan itself: rule 5 (a group the respondents page hides is hidden on every question),
pooled scores without hidden cells, and the comment threshold for quotes.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import kommunanalys
from kommunanalys.anonymity import HIERARCHY_MARGINS, disclosure_plan, respondent_plan, suppressed_groups
from kommunanalys.loader import load_survey
from kommunanalys.pages.quotes import screened_comments

PACKAGE = Path(kommunanalys.__file__).parent
EXPORT = Path(__file__).parent / "data" / "adversarial_export.csv"  # make_adversarial_export.py

#: A comparison with something named like the threshold, either way round, or a call of the
#: layer's own primitive; and a default threshold set outside the layer.
COMPARISON = re.compile(
    r"(?:>=|<=|(?<![-=])>|<)\s*[\w.\[\]\"']*(?:threshold|_floor)\b"
    r"|\b[\w.]*threshold\w*\s*(?:>=|<=|>(?!=)|<)"
    r"|\bis_reportable\s*\("
    r"|threshold\s*:\s*int\s*=\s*\d")


def _violations(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines()
            if COMPARISON.search(line) and not line.strip().startswith("#")]


def test_the_scan_finds_the_old_copies():
    """Guard: the pattern catches what the old code did (taken from its history)."""
    old = [
        'pd.notna(row["role"]) and sizes.get(tuple(row[k] for k in keys), 0) >= anonymity_threshold',
        "if not is_reportable(n, threshold) or pair[a].nunique() < 2:",
        "    threshold: int = 5,",
        "if n < page.threshold:",
    ]
    assert all(_violations(line) for line in old)
    assert not _violations("plan = disclosure_plan(survey, threshold=threshold)")


def test_no_threshold_comparison_outside_the_anonymity_module():
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        if path.name == "anonymity.py":
            continue
        hits = _violations(path.read_text(encoding="utf-8"))
        if hits:
            found[str(path.relative_to(PACKAGE))] = hits
    assert not found, found


@pytest.fixture(scope="module")
def survey():
    return load_survey(EXPORT)


def test_a_group_hidden_among_respondents_is_hidden_on_every_question(survey):
    """Hammarö: 3 chefer, 5 övriga, 1 without a subgroup answer. The respondents page hides
    the övriga to protect the one; then no question may show them (nor the chefer)."""
    plan = disclosure_plan(survey)
    resp = respondent_plan(survey).set_index(["municipality_code", "group"])
    # independent: the rule on the respondent counts alone
    counts = survey.respondents[survey.respondents["municipality_code"] == "1761"]["subgroup"].value_counts()
    sizes = {g: int(counts.get(g, 0)) for g in ["förtroendevald", "chef i central förvaltning",
                                                 "övrig tjänsteperson", "tjänsteperson, ej angivet"]}
    hidden = suppressed_groups(sizes, threshold=5, margins=HIERARCHY_MARGINS[1:])
    assert "övrig tjänsteperson" in hidden and bool(resp.loc[("1761", "övrig tjänsteperson"), "suppressed"])
    for q in survey.instrument.likert_questions:
        assert not plan.shown("1761", q.id, "övrig tjänsteperson")
        assert not plan.shown("1761", q.id, "chef i central förvaltning")


def test_pooled_scores_hold_no_hidden_cell(survey):
    plan = disclosure_plan(survey)
    scores = survey.scores()
    pooled = plan.pool_scores(scores, level="subgroup")
    cells = plan.cells
    for r in cells[cells["level"] != "all"].itertuples():
        column = "role" if r.level == "role" else "subgroup"
        rows = (scores["municipality_code"] == r.municipality_code) & (scores[column] == r.group)
        kept = pooled.loc[rows.to_numpy(), r.question].notna().sum() if r.level == "subgroup" else None
        if r.level == "subgroup" and r.suppressed:
            assert kept == 0, r
        if r.level == "subgroup" and not r.suppressed:
            assert kept == r.n, r
    # Forshaga's 3 central managers are hidden: none of their answers is pooled
    managers = (scores["municipality_code"] == "1763") & (scores["subgroup"] == "chef i central förvaltning")
    assert managers.sum() == 3 and pooled.loc[managers.to_numpy(), plan.cells["question"].unique()].isna().all().all()


def test_a_role_is_shown_on_a_quote_only_with_enough_commenters(survey):
    """Every respondent of Karlstad comments (6 förtroendevalda, 12 tjänstepersoner): the
    förtroendevalda role is shown at threshold 5, not with a comment threshold of 7; the
    anonymity layer decides (role_attributable)."""
    plan = disclosure_plan(survey)
    assert plan.comment_threshold == plan.threshold == 5
    assert plan.role_attributable(5) and not plan.role_attributable(4)
    at5 = screened_comments(survey, "1780", question="Q14")
    at7 = screened_comments(survey, "1780", question="Q14", comment_threshold=7)
    fv = at5["role"] == "förtroendevald"
    assert fv.sum() == 6 and at5.loc[fv, "role_shown"].all()
    assert not at7.loc[fv, "role_shown"].any()  # 6 < 7
    assert at7.loc[at7["role"] == "tjänsteperson", "role_shown"].all()  # 12 commenters
