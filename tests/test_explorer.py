"""The explorer's core (state, render) and its widget layer, without a browser."""

from __future__ import annotations

import pandas as pd
import pytest

from kommunanalys.errors import InputError
from kommunanalys.pages.explorer import ExplorerState, comparison_codes, explore, render
from kommunanalys.loader import load_demo
from kommunanalys.screening import screen_text

PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def survey():
    return load_demo()


@pytest.fixture(scope="module")
def view(survey):
    return render(ExplorerState(survey, municipality="1761", question="Q6"))


# -- state ------------------------------------------------------------------------------------
def test_state_resolves_a_municipality_name(survey):
    assert ExplorerState(survey, municipality="Hammarö", question="Q6").municipality == "1761"


@pytest.mark.parametrize("field, value", [("municipality", "9999"), ("question", "Q9"), ("grouping", "kön"),
                                          ("comparison", "riket"), ("threshold", 0)])
def test_state_rejects_bad_values_naming_them(survey, field, value):
    base = {"municipality": "1761", "question": "Q6"}
    with pytest.raises(InputError) as info:
        ExplorerState(survey, **{**base, field: value})
    assert str(value) in str(info.value)


def test_initial_state_defaults(survey):
    state = ExplorerState.initial(survey)
    assert state.municipality == survey.municipality_codes[0]
    assert state.question == survey.instrument.likert_questions[0].id
    assert state.threshold == 5


def test_states_compare_by_selection_not_survey(survey):
    a = ExplorerState(survey, municipality="1761", question="Q6")
    assert a == a.replace() and hash(a) == hash(a.replace())
    assert a != a.replace(question="Q7")


# -- render -----------------------------------------------------------------------------------
def test_render_counts_match_the_raw_answers(survey, view):
    r = survey.responses
    expected = (r[(r["municipality_code"] == "1761") & (r["question"] == "Q6") & (r["answer_type"] == "substantive")]
                .groupby("role", observed=True).size())
    n_row = view.table.loc["Antal svar (n)"]
    assert int(n_row["Förtroendevalda"]) == expected["förtroendevald"]
    assert int(n_row["Tjänstepersoner"]) == expected["tjänsteperson"]
    assert set(view.summary["n"]) == set(expected)


def test_render_gap_is_the_questions_row(survey, view):
    r = survey.responses
    part = r[(r["municipality_code"] == "1761") & (r["question"] == "Q6") & (r["answer_type"] == "substantive")]
    share = part.assign(pos=part["score"] >= 4).groupby("role", observed=True)["pos"].mean() * 100
    assert len(view.gap) == 1 and view.gap.loc[0, "question"] == "Q6"
    assert view.gap.loc[0, "gap"] == pytest.approx(share["förtroendevald"] - share["tjänsteperson"])
    assert "procentenheter" in view.gap_html


def test_render_draws_a_png_that_follows_the_state(survey, view):
    assert view.chart_png.startswith(PNG)
    other = render(view.state.replace(question="Q14"))
    assert other.chart_png.startswith(PNG) and other.chart_png != view.chart_png
    assert other.table_html != view.table_html
    assert "14." in other.title and "Hammarö" in other.title


def test_render_by_subgroup(survey):
    view = render(ExplorerState(survey, municipality="1780", question="Q6", grouping="subgroup"))
    assert "Chefer i central förvaltning" in view.table.columns
    assert set(view.distribution["grouping"]) == {"subgroup"}


def test_quotes_are_screened_and_carry_no_respondent_id(view):
    assert not view.quotes.empty
    assert "respondent_id" not in view.quotes.columns
    for text in view.quotes["text"]:
        assert screen_text(text).text == text  # nothing left to mask
    assert "Citat ur enkäten" in view.quotes_html


def test_question_without_comment_question_has_no_quotes(survey):
    view = render(ExplorerState(survey, municipality="1761", question="Q5"))
    assert view.quotes.empty and "ingen kommentarsfråga" in view.quotes_html


def test_threshold_applies_everywhere(survey):
    view = render(ExplorerState(survey, municipality="1761", question="Q6", threshold=500))
    assert view.summary["suppressed"].all()
    assert view.summary[["positive", "mean"]].isna().all().all()
    assert (view.table == "färre än 500 svar").all().all()
    assert view.gap.loc[0, "suppressed"] and pd.isna(view.gap.loc[0, "gap"])
    assert not view.quotes.get("role_shown", pd.Series(dtype=bool)).any()
    assert "färre än 500" in view.table_html


def test_comparison_with_other_municipalities_and_the_county(survey):
    base = ExplorerState(survey, municipality="1761", question="Q6")
    assert render(base).benchmark is None
    others = render(base.replace(comparison="others"))
    assert set(others.benchmark["group"]) == {"kommun", "övriga kommuner"}
    assert others.benchmark_png.startswith(PNG)
    county = render(base.replace(comparison="county"))
    assert set(county.benchmark["group"]) == {"kommun", "jämförelsegrupp"}
    codes = comparison_codes(survey, "1761", "county")
    assert "1761" not in codes and all(c.startswith("17") for c in codes)
    assert "Jämförelsegrupp" in county.benchmark_html


def test_empty_county_is_a_note_not_an_error(survey):
    single = survey.subset(municipalities="1761")
    view = render(ExplorerState(single, municipality="1761", question="Q6", comparison="county"))
    assert view.benchmark is None and any("Jämförelsen går inte" in n for n in view.notes)


def test_render_caches_pieces(survey):
    state = ExplorerState(survey, municipality="1715", question="Q7")
    first = render(state)
    again = render(state.replace(question="Q8"))  # same municipality: distribution is a filter
    assert again.gaps is first.gaps


# -- widgets ----------------------------------------------------------------------------------
def test_explore_updates_outputs_in_place(survey):
    box = explore(survey, municipality="1761", question="Q6")
    e = box.explorer
    chart, table = e.chart.value, e.table.value
    e.municipality.value = "1780"
    assert e.state.municipality == "1780" and "Karlstad" in e.title.value
    assert e.chart.value != chart and e.table.value != table
    e.question.value = "Q14"
    assert e.state.question == "Q14" and "14." in e.title.value
    e.grouping.value = "subgroup"
    assert "Chefer i central förvaltning" in e.table.value
    e.comparison.value = "others"
    assert e._benchmark_box.layout.display is None and "Övriga kommuner" in e.benchmark_table.value
    e.comparison.value = "none"
    assert e._benchmark_box.layout.display == "none"
    assert e.renders == 6


def test_threshold_can_be_raised_not_lowered(survey):
    e = explore(survey, municipality="1761", question="Q6", threshold=5).explorer
    assert e.threshold.min == 5
    e.threshold.value = 40
    assert e.state.threshold == 40 and "färre än 40 svar" in e.table.value


def test_errors_are_shown_not_raised(survey, tmp_path):
    e = explore(survey, municipality="1761", question="Q6").explorer
    e.source.value = "file"
    e.path.value = str(tmp_path / "finns_inte.csv")
    e._load()
    assert "Fel:" in e.status.value
    assert e.state.municipality == "1761"  # the previous selection stays
    e.set(question="Q99")
    assert "Q99" in e.status.value and e.state.question == "Q6"


def test_switching_to_the_demo_data(survey):
    single = survey.subset(municipalities="1761")
    e = explore(single, municipality="1761", question="Q6").explorer
    assert len(e.municipality.options) == 1
    e.source.value = "demo"
    assert len(e.municipality.options) == len(survey.municipality_codes)
    assert e.state.municipality == "1761"  # kept when the new data has it


def test_the_explorer_leaves_the_collector_alone_and_a_dropped_survey_is_freed(tmp_path, instrument):
    """No collector tuning in the user's kernel (gc.freeze() measured at ~4 ms of collector time
    per update, not worth it; see kommunanalys._lru), and the explorer's cache of the last two
    surveys lets a dropped survey go."""
    import gc
    import weakref

    from kommunanalys.loader import load_survey
    from tests.conftest import make_export

    gc.unfreeze()
    make_export(instrument).to_csv(tmp_path / "a.csv", index=False)
    make_export(instrument, seed=8).to_csv(tmp_path / "b.csv", index=False)
    make_export(instrument, seed=9).to_csv(tmp_path / "c.csv", index=False)
    first = load_survey(tmp_path / "a.csv")
    render(ExplorerState(first, municipality=first.municipality_codes[0], question="Q6"))
    assert gc.get_freeze_count() == 0
    gone = weakref.ref(first)
    del first
    for name in ("b.csv", "c.csv"):  # the explorer keeps the pieces of the last two surveys
        later = load_survey(tmp_path / name)
        render(ExplorerState(later, municipality=later.municipality_codes[0], question="Q6"))
    gc.collect()
    assert gone() is None
