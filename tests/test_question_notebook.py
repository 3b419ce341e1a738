"""The question page and notebooks/01_question.ipynb never show a group under the threshold."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from kommunanalys import paths  # noqa: E402
from kommunanalys.pages.question import build_page, group_table  # noqa: E402
from kommunanalys.report.engine import IPCKernelManager  # noqa: E402

from ._question_fixture import FIXTURE  # noqa: E402

NOTEBOOK = paths.NOTEBOOKS_DIR / "01_question.ipynb"
LIKERT = ["Q5", "Q6", "Q7", "Q8", "Q10", "Q12", "Q14"]
VALUES = ["count", "percent", "negative", "neutral", "positive", "positive_ci_low", "positive_ci_high", "mean",
          "sd", "comments", "n_non_substantive", "n_skipped", "n_respondents"]
GAP_VALUES = ["positive_fv", "positive_tp", "gap", "gap_ci_low", "gap_ci_high", "mean_fv", "mean_tp", "u",
              "p_value", "rank_biserial"]
VARMLAND = sorted(pd.read_csv(paths.MUNICIPALITIES_FILE, dtype=str).query("county_code == '17'")["code"])
needs_demo = pytest.mark.skipif(not paths.DEMO_EXPORT.exists(), reason="the demo export is not built yet")


def _small(column: pd.Series, threshold: int) -> pd.Series:
    """Rows whose published size is under the threshold: a number 1..k-1 (a leak the caller
    asserts against) or the text "färre än k svar"."""
    as_number = pd.to_numeric(column, errors="coerce")
    return (as_number < threshold) | column.astype(str).str.startswith("färre än")


def assert_anonymous(tables: dict[str, pd.DataFrame], threshold: int) -> None:
    """No row of any table shows values, or the size, of a hidden group (independent check)."""
    for name, frame in tables.items():
        for col in ("n", "n_fv", "n_tp", "n_respondents", "count"):
            if col in frame.columns and "suppressed" in frame.columns:
                hidden = frame["suppressed"].astype(bool)
                shown_size = pd.to_numeric(frame.loc[hidden, col], errors="coerce")
                assert not (shown_size > 0).any(), f"{name}: size of a hidden group in {col}"
        if "n" in frame.columns:
            small = _small(frame["n"], threshold)
            values = [c for c in VALUES if c in frame.columns]
            assert frame.loc[small, "suppressed"].astype(bool).all(), name
            assert frame.loc[small, values].isna().all().all(), name
            assert frame.loc[small, "note"].astype(str).str.len().gt(0).all(), name
        if "n_fv" in frame.columns:
            small = _small(frame["n_fv"], threshold) | _small(frame["n_tp"], threshold)
            assert frame.loc[small, GAP_VALUES].isna().all().all(), name
        if "role" in frame.columns and "municipalities" in frame.columns:  # benchmark summary
            own = frame[frame["group"] == "kommun"]
            for _, q in own.groupby("question"):
                q = q.set_index("role")
                small_role = [r for r in ("förtroendevald", "tjänsteperson") if _small(q.loc[[r], "n"], threshold).any()]
                if small_role and not q.loc["alla", "suppressed"]:
                    # everyone minus the other role would reveal the small one
                    assert q.loc[["förtroendevald", "tjänsteperson"], "suppressed"].all(), name


def _check_page(survey, municipality, question, threshold, grouping="role"):
    page = build_page(survey, municipality, question, threshold=threshold, grouping=grouping)
    tables = page.tables()
    assert_anonymous(tables, threshold)
    dist = tables[next(n for n in tables if "_fordelning_" in n and "jamforelse" not in n)]
    assert {"question", "group", "answer", "count", "percent", "n"} <= set(dist.columns)
    shown = group_table(page)
    for group, part in page.summary.set_index("group").iterrows():
        if part["suppressed"]:
            column = [c for c in shown.columns if shown[c].astype(str).str.contains("svar").all()]
            assert column, (municipality, question, group)
    return page


@needs_demo
@pytest.mark.parametrize("question", LIKERT)
@pytest.mark.parametrize("municipality", VARMLAND)
def test_demo_pages_are_anonymous(demo, municipality, question):
    assert demo.municipality_codes == VARMLAND
    _check_page(demo, municipality, question, 5)


@needs_demo
@pytest.mark.parametrize("municipality", ["1760", "1762", "1780"])
def test_demo_pages_with_higher_threshold(demo, municipality):
    for grouping in ("role", "subgroup", "all"):
        _check_page(demo, municipality, "Q14", 10, grouping)


@pytest.mark.parametrize("grouping", ["role", "subgroup", "all"])
@pytest.mark.parametrize("municipality", ["1780", "1761", "1715", "1763"])
def test_fixture_pages_are_anonymous(fixture_survey, municipality, grouping):
    for question in LIKERT:
        _check_page(fixture_survey, municipality, question, 5, grouping)


def test_small_role_hides_both_roles(fixture_survey):
    page = build_page(fixture_survey, "1715", "Q6")
    assert page.summary["suppressed"].all()
    assert page.comments["comments"].isna().all()


def _run(tmp_path: Path, **parameters) -> tuple[dict[str, pd.DataFrame], str]:
    papermill = pytest.importorskip("papermill")
    out_dir = tmp_path / "out"
    out_nb = tmp_path / "executed.ipynb"
    papermill.execute_notebook(str(NOTEBOOK), str(out_nb), parameters={**parameters, "output_dir": str(out_dir),
                                                                       "interactive": False},
                               cwd=str(paths.PROJECT_ROOT), progress_bar=False, kernel_name="python3",
                               kernel_manager_class=IPCKernelManager)
    tables = {p.stem: pd.read_csv(p, dtype={"municipality_code": str}) for p in (out_dir / "tables").glob("*.csv")}
    text = out_nb.read_text(encoding="utf-8")
    return tables, text


@pytest.mark.slow
@pytest.mark.parametrize("municipality,question,threshold,use_demo", [
    ("1715", "Q7", 5, False),   # fixture: Kil has 3 förtroendevalda
    ("1761", "Q6", 5, True),
    ("1760", "Q14", 10, True),  # Storfors: 6 förtroendevalda < 10
])
def test_notebook_runs_and_hides_small_groups(tmp_path, municipality, question, threshold, use_demo):
    if use_demo and not paths.DEMO_EXPORT.exists():
        pytest.skip("the demo export is not built yet")
    params = {"municipality": municipality, "question": question, "anonymity_threshold": threshold,
              "data": None if use_demo else str(FIXTURE)}
    tables, text = _run(tmp_path, **params)
    stem = f"fraga_{question}_{municipality}"
    assert {f"{stem}_fordelning_role", f"{stem}_sammanfattning_role", f"{stem}_skillnad_roller",
            f"{stem}_jamforelse", f"{stem}_jamforelse_fordelning", f"{stem}_kommentarer_antal",
            *([f"citat_{question}_{municipality}"] if question in ("Q6", "Q10", "Q12", "Q14") else [])} == set(tables)
    assert_anonymous(tables, threshold)
    dist = tables[f"{stem}_fordelning_role"]
    assert (dist["question"] == question).all()
    if _small(dist["n"], threshold).any():
        assert f"färre än {threshold} svar" in text
    assert "Traceback" not in text and "papermill-error-cell-tag" not in text


def test_interactive_view_switches_without_rerun(fixture_survey, monkeypatch):
    import kommunanalys.pages.question as qp

    assert qp.interactive_view(fixture_survey, municipality="1761", question="Q6") is None  # no kernel
    assert qp.interactive_view(fixture_survey, municipality="1761", question="Q6", enabled=False) is None
    monkeypatch.setattr(qp, "in_kernel", lambda: True)
    drawn = []
    monkeypatch.setattr(qp, "show_results", lambda page, **kw: drawn.append((page.municipality, page.question.id,
                                                                              page.grouping)))
    monkeypatch.setattr(qp, "show_heading", lambda page: None)
    monkeypatch.setattr(qp, "show", lambda obj: None)
    box = qp.interactive_view(fixture_survey, municipality="1761", question="Q6")
    municipality, question, grouping = box.children[0].children
    municipality.value = "1715"
    question.value = "Q14"
    grouping.value = "subgroup"
    assert drawn == [("1761", "Q6", "role"), ("1715", "Q6", "role"), ("1715", "Q14", "role"),
                     ("1715", "Q14", "subgroup")]


@pytest.mark.parametrize("overview", [True, False])
def test_show_gap_overview_or_one_question(fixture_survey, monkeypatch, overview):
    """The batch reports pass ``overview=False``: this question's gap and rank, no chart."""
    import matplotlib.pyplot as plt

    import kommunanalys.pages.question as qp
    from kommunanalys.questions import role_gap

    shown, texts, figures = [], [], []
    monkeypatch.setattr(qp, "show", shown.append)
    monkeypatch.setattr(qp, "show_markdown", texts.append)
    monkeypatch.setattr(qp, "show_figure", lambda: (figures.append(plt.gcf()), plt.close("all")))
    page = build_page(fixture_survey, "1761", "Q7")
    ax = qp.show_gap(page, overview=overview)
    assert (ax is not None) == overview and len(figures) == int(overview)
    table = shown[0]
    assert len(table) == (len(LIKERT) if overview else 1)
    # the expected sentence from role_gap directly; the rank counts larger |gap| among shown questions
    gaps = role_gap(fixture_survey, municipalities="1761").set_index("question")
    row = gaps.loc["Q7"]
    rank = 1 + int((gaps["gap"].abs().dropna() > abs(row["gap"])).sum())
    def sv(x, sign=""):  # Swedish: true minus sign
        return f"{x:{sign}.0f}".replace("-", "−")

    # under the 15-point floor a gap is never "tydlig": said as small or uncertain
    assert abs(row["gap"]) < 15
    assert texts == [f"Fråga 7: {sv(row['positive_fv'])} % av de förtroendevalda och {sv(row['positive_tp'])} % av "
                     f"tjänstepersonerna instämmer, en skillnad på {sv(row['gap'], '+')} procentenheter (95 % KI "
                     f"{sv(row['gap_ci_low'], '+')} till {sv(row['gap_ci_high'], '+')}) – liten eller osäker: kan bero "
                     f"på slumpen. Plats {rank} av {gaps['gap'].notna().sum()} frågor efter skillnadens storlek."]
    if not overview:
        assert table.index.tolist() == [rank] and table["Fråga"].iloc[0].startswith("7. ")


def test_gap_sentence_for_a_hidden_gap(fixture_survey):
    import kommunanalys.pages.question as qp

    page = build_page(fixture_survey, "1715", "Q7")  # Kil: 3 förtroendevalda
    assert qp.gap_sentence(page.gaps, page.question) == (
        "Fråga 7: visas inte (förtroendevald: färre än 5 svar; tjänsteperson: dold – skyddar en grupp med färre än 5 svar).")


@pytest.mark.parametrize("grouping", ["role", "subgroup", "all"])
def test_page_rows_equal_the_statistics_of_the_question_alone(fixture_survey, grouping):
    """The page takes its question's rows of tables computed for all questions at once; they
    equal the statistics computed for the question alone (suppression included)."""
    from kommunanalys import questions

    for municipality in fixture_survey.municipality_codes:
        local = fixture_survey.subset(municipalities=municipality)
        for question in LIKERT:
            for comparison in (None, ["1780", "1763"]):
                page = build_page(fixture_survey, municipality, question, grouping=grouping, comparison=comparison)
                expected = {
                    "distribution": questions.distribution(local, question, by=grouping),
                    "summary": questions.summary(local, question, by=grouping),
                    "benchmark": questions.benchmark(fixture_survey, municipality, question, comparison=comparison),
                    "benchmark_distribution": questions.benchmark_distribution(fixture_survey, municipality,
                                                                               question, comparison=comparison),
                }
                for name, frame in expected.items():
                    pd.testing.assert_frame_equal(getattr(page, name), frame, obj=f"{name} {municipality} {question}")
