"""A batch report shows each chart once: one chart per question, the theme counts once.

The expected numbers come from the plan and the instrument (which questions the report covers,
which quotes sections it has), counted independently of the notebooks; the charts are counted in
the built ``report.html`` by their alternative text.
"""

from __future__ import annotations

import concurrent.futures as cf
import html
import re
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from kommunanalys.instrument import load_instrument  # noqa: E402
from kommunanalys.report import engine as engine  # noqa: E402
from kommunanalys.report.batch import default_plan, run_reports  # noqa: E402

DATA = Path(__file__).parent / "data" / "batch_export.csv"  # 1761 Hammarö, 1762 Munkfors, 1780 Karlstad
QUESTION_NB, QUOTES_NB = "01_question.ipynb", "02_quotes.ipynb"


def _alts(report: Path) -> list[str]:
    text = report.read_text(encoding="utf-8")
    return [" ".join(html.unescape(a).split()) for a in re.findall(r'<img[^>]*?\balt="([^"]*)"', text)]


def _charts_of(alts: list[str], label: str) -> list[str]:
    label = " ".join(label.split())
    return [a for a in alts if label in a]


def _build(export: Path, out: Path, plan, municipality: str) -> Path:
    with cf.ThreadPoolExecutor(max_workers=1) as pool:
        result = run_reports(export, out=out, executor=pool, progress=False, plan=plan,
                             municipalities=[municipality], formats=("html",))
    engine.shutdown_kernels()
    assert result.exit_code == 0, result.summary()
    return next(out.glob(f"{municipality}-*/report.html"))


@pytest.fixture(scope="module")
def karlstad(tmp_path_factory):
    """Karlstad's report with every question and quotes section of the default plan."""
    plan = [e for e in default_plan(load_instrument()) if e.notebook in (QUESTION_NB, QUOTES_NB)]
    return plan, _build(DATA, tmp_path_factory.mktemp("content") / "reports", plan, "1780")


def test_one_chart_per_question_comparing_with_the_other_municipalities(karlstad):
    plan, report = karlstad
    instrument = load_instrument()
    asked = [e.parameters["question"] for e in plan if e.notebook == QUESTION_NB]
    assert len(asked) == len(set(asked)) == len(instrument.likert_questions)  # not vacuous
    alts = _alts(report)
    for qid in asked:
        charts = _charts_of(alts, instrument[qid].label)
        assert len(charts) == 1, (qid, charts)
        assert "Karlstad jämfört med andra kommuner" in charts[0]  # the benchmark chart, said in its alt
    text = report.read_text(encoding="utf-8")
    assert text.count(">Svaren per roll, jämfört med andra kommuner<") == len(asked)  # one heading each
    assert ">Jämförelse med andra kommuner<" not in text


def test_the_theme_counts_are_charted_once_per_report(karlstad):
    plan, report = karlstad
    theme_sections = [e for e in plan if e.notebook == QUOTES_NB and e.parameters.get("theme")]
    assert len(theme_sections) >= 2  # the chart was repeated in each before
    alts = _alts(report)
    assert len([a for a in alts if a.endswith("Kommentarer per tema och roll – Karlstad")]) == 1
    text = report.read_text(encoding="utf-8")
    assert text.count("Teman per roll") == 1
    # every chart of the report is a question's or the theme counts: nothing else, nothing twice
    asked = [e for e in plan if e.notebook == QUESTION_NB]
    assert len(alts) == len(asked) + 1


def test_the_role_chart_where_there_is_nothing_to_compare_with(tmp_path):
    """An export of one municipality: no other municipality, no comparison group."""
    frame = pd.read_csv(DATA, sep=";", dtype=str, keep_default_na=False, encoding="utf-8")
    export = tmp_path / "karlstad.csv"
    frame[frame["Kommun"].isin(["Karlstad", "1780"])].to_csv(export, sep=";", index=False, encoding="utf-8")
    instrument = load_instrument()
    plan = [e for e in default_plan(instrument) if e.key == "01_question-Q6"]
    report = _build(export, tmp_path / "reports", plan, "1780")
    alts = _alts(report)
    assert len(alts) == 1
    assert _charts_of(alts, instrument["Q6"].label) == alts and "jämfört med andra kommuner" not in alts[0]
    text = report.read_text(encoding="utf-8")
    assert ">Svaren per roll<" in text and "Ingen jämförelse med andra kommuner" in text
    assert "Övriga kommuner" not in text  # no table of a comparison that is not there


# ---------------------------------------------------------------------------------------------
# The functions behind it, without a kernel
# ---------------------------------------------------------------------------------------------
def _capture(monkeypatch, module):
    """What a page function displays: the charts' titles and the Markdown, in order."""
    import matplotlib.pyplot as plt

    shown = []
    monkeypatch.setattr(module, "show_markdown", lambda text: shown.append(("md", text)) or text)
    monkeypatch.setattr(module, "show_figure", lambda: (
        shown.extend(("chart", plt.figure(n).axes[0].get_title(loc="left")) for n in plt.get_fignums()),
        plt.close("all")))
    monkeypatch.setattr(module, "show", lambda obj: shown.append(("table", obj)))
    return shown


@pytest.mark.parametrize("grouping", ["role", "subgroup"])
def test_show_results_draws_one_chart_for_the_roles_and_keeps_other_groupings(fixture_survey, monkeypatch,
                                                                               tmp_path, grouping):
    import kommunanalys.pages.question as qp

    shown = _capture(monkeypatch, qp)
    page = qp.build_page(fixture_survey, "1761", "Q6", grouping=grouping)
    qp.show_results(page, output_dir=tmp_path)
    charts = [text for kind, text in shown if kind == "chart"]
    headings = [text for kind, text in shown if kind == "md" and text.startswith("## ")]
    tables = [obj for kind, obj in shown if kind == "table"]
    if grouping == "role":  # the benchmark chart holds the role chart's bars: it alone, under one heading
        assert len(charts) == 1 and "jämfört med andra kommuner" in charts[0]
        assert headings == ["## Svaren per roll, jämfört med andra kommuner"]
        assert [t.columns.tolist() for t in tables] == [qp.group_table(page).columns.tolist(),
                                                       qp.benchmark_table(page).columns.tolist()]
    else:  # an analyst's other grouping: its own chart, then the benchmark, as before
        assert len(charts) == 2 and "jämfört med andra kommuner" in charts[1]
        assert "jämfört" not in charts[0]
        assert len(headings) == 2
    written = {p.stem for p in (tmp_path / "tables").glob("*.csv")}
    stem = "fraga_Q6_1761"
    assert {f"{stem}_fordelning_{grouping}", f"{stem}_sammanfattning_{grouping}", f"{stem}_jamforelse",
            f"{stem}_jamforelse_fordelning"} == written


def test_has_comparison_follows_the_export(fixture_survey):
    import kommunanalys.pages.question as qp

    assert qp.has_comparison(qp.build_page(fixture_survey, "1761", "Q6"))
    alone = fixture_survey.subset(municipalities="1761")
    assert alone.municipality_codes == ["1761"]
    assert not qp.has_comparison(qp.build_page(alone, "1761", "Q6"))


def test_a_later_quotes_section_shows_nothing_of_its_own(fixture_survey, monkeypatch, tmp_path):
    import kommunanalys.pages.quotes as qq

    shown = _capture(monkeypatch, qq)
    page = qq.build_quotes(fixture_survey, "1780", theme="Roller och tillit")
    assert qq.show_quotes(page, output_dir=tmp_path, in_report=True, theme_counts=False) == ""
    assert qq.show_theme_counts(page, output_dir=tmp_path, shown=False) is None
    assert shown == []
    assert {p.stem for p in (tmp_path / "tables").glob("*.csv")} == {page.table_names[0]}  # the quotes' table
    qq.show_theme_counts(page, output_dir=tmp_path)
    assert shown[0] == ("md", qq.THEME_COUNTS_HEADING)  # the heading comes with the chart, never alone
    assert [kind for kind, _ in shown].count("chart") == 1


def test_the_plan_asks_one_quotes_section_for_the_theme_counts():
    plan = default_plan(load_instrument())
    themed = [e for e in plan if e.notebook == QUOTES_NB and e.parameters.get("theme")]
    assert [e.parameters["theme_counts"] for e in themed] == [True] + [False] * (len(themed) - 1)


def test_a_plan_cut_to_a_later_quotes_section_still_charts_the_theme_counts_once():
    """A caller's plan without the first quotes section: the batch gives the theme counts to the
    first quotes section that is left (it was left with none, and the report without the chart)."""
    from kommunanalys.report.plan import one_theme_chart

    themed = [e for e in default_plan(load_instrument()) if e.notebook == QUOTES_NB and e.parameters.get("theme")]
    assert len(themed) >= 2
    cut = [e for e in default_plan(load_instrument()) if e.key != themed[0].key]  # as a caller filters it
    assert not any(e.parameters.get("theme_counts") for e in cut)  # the flag went with the first section
    flags = [e.parameters["theme_counts"] for e in one_theme_chart(cut)
             if e.notebook == QUOTES_NB and e.parameters.get("theme")]
    assert flags == [True] + [False] * (len(themed) - 2)
    assert one_theme_chart(one_theme_chart(cut)) == one_theme_chart(cut)  # the batch may apply it again


def test_the_batch_charts_the_theme_counts_in_a_cut_plan(tmp_path):
    themed = [e for e in default_plan(load_instrument()) if e.notebook == QUOTES_NB and e.parameters.get("theme")]
    plan = [themed[1]]  # a later section alone, as a caller's plan
    alts = _alts(_build(DATA, tmp_path / "reports", plan, "1780"))
    assert len([a for a in alts if a.endswith("Kommentarer per tema och roll – Karlstad")]) == 1
