"""Any questionnaire through the batch: a second instrument, drafted from its export, validated
and reported; the review file, key figures and ``nasta_steg.md`` reach the published reports.

The second questionnaire (``tests/data/second_survey/``, built by its seeded ``make_fixture.py``)
shares nothing with the bundled instrument: numbering 21-28, roles "Politiker"/"Anställd", a
4-level "stämmer" scale without a centre plus "Ingen uppfattning", other questions and themes.
Expected values come from that script's constants (the questionnaire's own definition) and from
reading the CSV with pandas, never from the package's output.
"""

from __future__ import annotations

import concurrent.futures as cf
import html
import importlib.util
import re
from pathlib import Path

import pandas as pd
import pytest

from kommunanalys import load_survey
from kommunanalys.report import engine as engine
from kommunanalys.report.batch import PlanEntry, _options_for, default_plan, run_reports
from kommunanalys.cli import main
from kommunanalys.pages.efficiency import NO_KEY_FIGURES_NOTE, build_efficiency
from kommunanalys.errors import ReportError
from kommunanalys.instrument import load_instrument
from kommunanalys.instrument_draft import order_levels
from kommunanalys.review import export_review

HERE = Path(__file__).parent / "data" / "second_survey"
EXPORT = HERE / "export.csv"
KEY_FIGURES = HERE / "key_figures.csv"
_spec = importlib.util.spec_from_file_location("second_survey_fixture", HERE / "make_fixture.py")
FIXTURE = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(FIXTURE)


def _text(header: str) -> str:
    return header.split(". ", 1)[1]


def _visible(path: Path) -> str:
    """The text of a report page (no tags, no embedded images), whitespace folded."""
    page = re.sub(r'src="data:[^"]+"', "", path.read_text(encoding="utf-8"))
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())


@pytest.fixture(scope="module")
def drafted(tmp_path_factory) -> Path:
    target = tmp_path_factory.mktemp("instrument") / "instrument.yaml"
    assert main(["instrument", "draft", str(EXPORT), "-o", str(target)]) == 0
    return target


@pytest.fixture(scope="module")
def threads():
    with cf.ThreadPoolExecutor(max_workers=2) as pool:
        yield pool
    engine.shutdown_kernels()


# ---------------------------------------------------------------------------------------------
def test_draft_guesses_kinds_scales_and_themes(drafted, capsys):
    main(["instrument", "draft", str(EXPORT), "-o", str(drafted)])
    printed = capsys.readouterr().out
    inst = load_instrument(drafted)
    by_number = {q.number: q for q in inst}
    assert set(by_number) == {21, 22, 23, 24, 25, 26, 27, 28}
    assert all(q.assumed for q in inst), "every guess is marked assumed"
    role = inst.role_question
    assert role.number == 21 and role.text == _text(FIXTURE.ROLE)
    assert {lv.label: lv.value for lv in role.scale.levels} == {v: k for k, v in FIXTURE.ROLES.items()}
    likert = [q for q in inst.likert_questions]
    assert [q.text for q in likert] == [_text(h) for h in FIXTURE.LIKERT]
    scale = likert[0].scale
    assert scale.labels == FIXTURE.SCALE and scale.k == 4 and scale.centre is None
    assert scale.non_substantive_labels == [FIXTURE.NO_OPINION]
    assert scale.neutral_labels() == [] and scale.low_labels() == FIXTURE.SCALE[:2]
    comments = {q.number: inst[q.comments].number for q in inst.comment_questions()}
    assert comments == {25: 24, 28: 27}
    assert by_number[22].kind == "background"
    themed = [s for s in inst.report_sections if s["questions"] and s["id"] not in ("respondents",)]
    assert [[inst[q].number for q in s["questions"]] for s in themed] == [[23, 24], [26, 27]]
    for number in (21, 23, 25, 28):
        assert f"fråga {number}" in printed, "each guess is listed for the consultant"


@pytest.mark.parametrize("shuffled, expected", [
    (["Instämmer helt", "Vet ej", "Instämmer inte alls", "Instämmer delvis", "Instämmer i hög grad",
      "Instämmer i liten grad"],
     ["Instämmer inte alls", "Instämmer i liten grad", "Instämmer delvis", "Instämmer i hög grad", "Instämmer helt"]),
    (["Bra", "Mycket dåligt", "Varken bra eller dåligt", "Mycket bra", "Dåligt"],
     ["Mycket dåligt", "Dåligt", "Varken bra eller dåligt", "Bra", "Mycket bra"]),
    (["I hög grad", "Inte alls", "Ingen uppfattning"], ["Inte alls", "I hög grad"]),
    ([str(i) for i in (7, 0, 10, 3, 1, 9, 2, 8, 4, 6, 5)], [str(i) for i in range(11)]),
])
def test_scale_levels_are_ordered_by_known_vocabularies(shuffled, expected):
    levels, ns, _ = order_levels(shuffled)
    assert levels == expected
    assert ns == [v for v in shuffled if v in ("Vet ej", "Ingen uppfattning")]


def test_validate_loads_the_export_with_the_draft(drafted, capsys):
    assert main(["validate", str(EXPORT), "--instrument", str(drafted)]) == 0
    raw = pd.read_csv(EXPORT, sep=";", dtype=str)
    survey = load_survey(EXPORT, drafted)
    assert survey.report.loaded == len(raw) and survey.report.n_rejected == 0
    expected = raw[FIXTURE.ROLE].map({v: k for k, v in FIXTURE.ROLES.items()}).value_counts().sort_index()
    assert survey.respondents["role"].value_counts().sort_index().to_dict() == expected.to_dict()
    q23 = FIXTURE.LIKERT[0]
    counted = survey.responses[survey.responses["question"] == "F23"]["answer"].astype(str).value_counts()
    assert counted.to_dict() == raw[q23].value_counts().to_dict()
    assert "Politiker (förtroendevald)" in capsys.readouterr().out


def test_a_real_survey_without_key_figures_says_so(drafted):
    survey = load_survey(EXPORT, drafted)
    page = build_efficiency(survey, "1761")
    assert page.message == NO_KEY_FIGURES_NOTE and not page.illustrative and page.figures.empty
    assert page.survey_results.empty  # the draft names no questions beside the key figures


def test_file_digests_enter_the_rerun_hash(tmp_path):
    figures = tmp_path / "nyckeltal.csv"
    figures.write_text(KEY_FIGURES.read_text(encoding="utf-8"), encoding="utf-8")
    reviews = tmp_path / "granskning"
    reviews.mkdir()
    (reviews / "granskning_1761.csv").write_text("a", encoding="utf-8")
    declared = frozenset({"key_figures", "review_file"})
    kwargs = dict(instrument=None, export_municipality=None, review=reviews, key_figures=figures)
    options, before = _options_for(declared, "1761", **kwargs)
    assert options["review_file"].endswith("granskning_1761.csv") and "key_figures" in options
    assert "review_file" not in _options_for(declared, "1780", **kwargs)[0], "no file for 1780 in the folder"
    assert _options_for(frozenset(), "1761", **kwargs) == ({}, {}), "only to notebooks that declare them"
    figures.write_text(figures.read_text(encoding="utf-8").replace("118400", "118401"), encoding="utf-8")
    (reviews / "granskning_1761.csv").write_text("b", encoding="utf-8")
    _, after = _options_for(declared, "1761", **kwargs)
    assert before["key_figures"] != after["key_figures"] and before["review_file"] != after["review_file"]


@pytest.fixture(scope="module")
def second_reports(drafted, tmp_path_factory, threads) -> Path:
    """The second questionnaire's reports of Hammarö in every format (PDF where WeasyPrint can run)."""
    from kommunanalys.report import pdf as pdf_module

    out = tmp_path_factory.mktemp("rapporter")
    formats = ("html", "pptx", "xlsx", *(("pdf",) if pdf_module.pdf_available() else ()))
    result = run_reports(EXPORT, out=out, instrument=drafted, key_figures=KEY_FIGURES, municipalities=["1761"],
                         formats=formats, executor=threads, progress=False)
    assert result.exit_code == 0, result.summary()
    return out / "1761-hammaro"


def test_second_questionnaire_goes_through_the_batch(second_reports):
    folder = second_reports
    text = _visible(folder / "report.html")
    for header in FIXTURE.LIKERT:
        assert _text(header) in text, "its own question texts"
    for q in load_instrument():  # the bundled instrument
        if len(q.text) > 20:
            assert q.text not in text, f"bundled question {q.id} in the report"
    assert (folder / "nasta_steg.md").is_file()
    assert "svar exkl. Ingen uppfattning" in text and "Vet ej" not in text, "the scale's own non-substantive label"
    assert "ej angivet om chef" not in text, "no subgroup question: no subgroup row"
    # key figures from the command line reach the efficiency section (values from the CSV)
    kf = pd.read_csv(KEY_FIGURES)
    shown = pd.read_csv(folder / "tables" / "effektivitet_nyckeltal_1761.csv", dtype={"municipality_code": str})
    expected = kf[kf["municipality_code"] == 1761].set_index("kpi")["value"].to_dict()
    got = shown[shown["municipality_code"] == "1761"].set_index("kpi")["value"].to_dict()
    assert {k: got[k] for k in expected} == expected
    assert "Inga nyckeltal har angetts" not in text and "Illustrativa nyckeltal" not in text
    # the quotes of the export are in the report before any review
    comments = [t for texts in FIXTURE.COMMENTS.values() for t in texts]
    assert any(c in text for c in comments)


ROLE_WORDS = re.compile(r"förtroendevald|tjänsteperson", re.IGNORECASE)  # any case, any ending


def _deck_text(path: Path) -> tuple[str, list[str]]:
    """Every text of a deck (slides, tables, notes) and the names of its charts' series."""
    from pptx import Presentation

    parts, series = [], []
    for slide in Presentation(path).slides:
        for shape in slide.shapes:
            if shape.has_text_frame:
                parts.append(shape.text_frame.text)
            if getattr(shape, "has_table", False) and shape.has_table:
                parts += [cell.text for row in shape.table.rows for cell in row.cells]
            if getattr(shape, "has_chart", False) and shape.has_chart:
                for plot in shape.chart.plots:
                    parts += [str(c) for c in plot.categories]
                    series += [s.name for s in plot.series]
        if slide.has_notes_slide:
            parts.append(slide.notes_slide.notes_text_frame.text)
    return "\n".join(parts + series), series


def _workbook_text(path: Path) -> str:
    import openpyxl

    book = openpyxl.load_workbook(path, read_only=True)
    return "\n".join([ws.title for ws in book.worksheets]
                     + [str(v) for ws in book.worksheets for row in ws.iter_rows(values_only=True)
                        for v in row if v is not None])


def test_the_reports_name_the_roles_as_the_questionnaire_does(second_reports, drafted):
    """report.html, index, deck (text, notes, chart series), workbook and PDF say the questionnaire's
    "Politiker"/"Anställd" (plural as its instrument gives it) and never the bundled role words."""
    folder = second_reports
    levels = {lv.value: lv for lv in load_instrument(drafted).role_question.scale.levels}
    assert {role: lv.label for role, lv in levels.items()} == FIXTURE.ROLES
    plural = {role: lv.plural for role, lv in levels.items()}
    assert plural == {"förtroendevald": "Politiker", "tjänsteperson": "Anställda"}  # Swedish plurals (SAOL)
    deck, series = _deck_text(folder / "presentation.pptx")
    texts = {"report.html": _visible(folder / "report.html"), "index.html": _visible(folder.parent / "index.html"),
             "nasta_steg.md": (folder / "nasta_steg.md").read_text(encoding="utf-8"), "presentation.pptx": deck,
             "bilaga.xlsx": _workbook_text(folder / "bilaga.xlsx"),
             "bilaga_alla_kommuner.xlsx": _workbook_text(folder.parent / "bilaga_alla_kommuner.xlsx")}
    if (folder / "rapport.pdf").is_file():
        import shutil
        import subprocess

        if shutil.which("pdftotext"):
            texts["rapport.pdf"] = subprocess.run(["pdftotext", str(folder / "rapport.pdf"), "-"], check=True,
                                                  capture_output=True, text=True).stdout
    for name, text in texts.items():
        found = [text[max(m.start() - 40, 0):m.end() + 20] for m in ROLE_WORDS.finditer(text)]
        assert not found, f"{name} names the bundled roles: {found[:3]}"
    for name in ("report.html", "index.html", "bilaga.xlsx", "rapport.pdf"):
        if name in texts:
            assert plural["förtroendevald"] in texts[name] and plural["tjänsteperson"] in texts[name], name
    html_text = texts["report.html"]
    assert "(politiker)" in html_text, "a quote names its writer's role as the questionnaire does"
    assert re.search(r"av politiker och [0-9]+ % av anställda instämmer", html_text)
    # the slides' column headings in capitals, as the seed's FÖRTROENDEVALD | TJÄNSTEPERSON
    assert "POLITIKER" in deck and "ANSTÄLLD" in deck
    scale = load_instrument(drafted).likert_questions[0].scale
    # the question charts' series are the answer levels (the deck also has the respondents' and
    # the key figures' charts); no series names the bundled roles
    assert set(scale.labels) <= set(series), "the question charts' series are the answer levels"
    assert not [s for s in series if ROLE_WORDS.search(s)]
    gaps = pd.read_excel(folder / "bilaga.xlsx", sheet_name="Skav")
    assert {"n politiker", "n anställda", "Instämmer, politiker", "Instämmer, anställda"} <= set(gaps.columns)


def test_the_charts_name_the_roles_as_the_questionnaire_does(drafted):
    import matplotlib.pyplot as plt

    from kommunanalys import questions
    from kommunanalys.labels import role_names
    from kommunanalys.plots.charts import role_chart

    survey = load_survey(EXPORT, drafted)
    raw = pd.read_csv(EXPORT, sep=";", dtype=str, keep_default_na=False)
    q = survey.instrument.likert_questions[0]
    header = FIXTURE.LIKERT[0]
    dist = questions.distribution(survey.subset(municipalities="1761"), q.id, by="role")
    ax = role_chart(dist, question=q, labels=role_names(survey.instrument).group_labels)
    shown = [t.get_text() for t in ax.get_yticklabels()]
    plt.close("all")
    hammaro = raw[(raw["Kommun"] == "Hammarö") & raw[header].isin(FIXTURE.SCALE)]
    expected = {f"{name} (n = {int((hammaro[FIXTURE.ROLE] == FIXTURE.ROLES[role]).sum())})"
                for role, name in (("förtroendevald", "Politiker"), ("tjänsteperson", "Anställda"))}
    assert expected <= set(shown), shown
    assert not any(ROLE_WORDS.search(t) for t in shown)


def test_the_explorer_names_the_roles_as_the_questionnaire_does(drafted):
    from kommunanalys.pages.explorer import ExplorerState, render

    survey = load_survey(EXPORT, drafted)
    view = render(ExplorerState(survey, municipality="1761", question=survey.instrument.likert_questions[0].id))
    shown = " ".join([view.title, view.table_html, view.gap_html, view.benchmark_html, view.quotes_html])
    assert "Politiker" in shown and "Anställda" in shown and "av politiker och" in shown
    assert not ROLE_WORDS.search(shown), ROLE_WORDS.findall(shown)


def test_a_review_file_that_strikes_quotes_removes_them_from_the_batch_report(drafted, tmp_path, threads):
    inst = load_instrument(drafted)
    # in a report each quote is shown once, under the question it comments on (01_question.ipynb)
    quotes_plan = [e for e in default_plan(inst) if e.notebook in ("01_question.ipynb", "02_quotes.ipynb")]
    assert any(e.notebook == "02_quotes.ipynb" for e in quotes_plan)
    comments = [t for texts in FIXTURE.COMMENTS.values() for t in texts]

    def build(out: Path, review=None) -> str:
        result = run_reports(EXPORT, out=out, instrument=drafted, municipalities=["1761"], formats=("html",),
                             plan=quotes_plan, executor=threads, progress=False, review=review)
        assert result.exit_code == 0, result.summary()
        return _visible(out / "1761-hammaro" / "report.html")

    before = build(tmp_path / "utan")
    shown = [c for c in comments if c in before]
    assert shown
    review = tmp_path / "granskning"
    review.mkdir()
    path = export_review(load_survey(EXPORT, drafted), "1761", path=review / "granskning_1761.csv")
    decisions = pd.read_csv(path, sep=";", dtype=str, encoding="utf-8-sig", keep_default_na=False)
    decisions["beslut"] = "stryk"
    decisions.to_csv(path, sep=";", index=False, encoding="utf-8-sig")
    after = build(tmp_path / "med", review=review)  # a folder: the file with 1761 in its name
    assert not [c for c in comments if c in after], "struck quotes stay out of the batch report"


def test_nasta_steg_is_published_in_every_demo_report_folder(tmp_path, threads):
    out = tmp_path / "demo"
    rootcause = [PlanEntry("03_root_causes.ipynb", section="root_causes")]
    codes = ["1761", "1762"]
    first = run_reports(out=out, municipalities=codes, plan=rootcause, formats=("html",), executor=threads,
                        progress=False)
    assert first.exit_code == 0, first.summary()
    folders = [m.report.parent for m in first.municipalities]
    assert all((f / "nasta_steg.md").read_text(encoding="utf-8").startswith("# Hur går vi vidare") for f in folders)
    # the root-cause notebook is reused when another section is added: its nasta_steg.md stays
    more = [PlanEntry("00_respondents.ipynb", section="respondents"), *rootcause]
    second = run_reports(out=out, municipalities=codes, plan=more, formats=("html",), executor=threads,
                         progress=False)
    assert second.notebooks_reused == len(codes) and second.exit_code == 0
    assert all((f / "nasta_steg.md").is_file() for f in folders)


def test_an_export_of_one_municipality_takes_its_municipality_from_the_command_line(drafted, tmp_path, threads):
    raw = pd.read_csv(EXPORT, sep=";", dtype=str, keep_default_na=False)
    one = raw[raw["Kommun"] == "Karlstad"].drop(columns="Kommun")
    export = tmp_path / "karlstad.csv"
    one.to_csv(export, sep=";", index=False)
    plan = [PlanEntry("00_respondents.ipynb", section="respondents")]
    with pytest.raises(ReportError, match="exakt en --municipality"):
        run_reports(export, out=tmp_path / "r", instrument=drafted, municipalities=["1780", "1761"], plan=plan)
    result = run_reports(export, out=tmp_path / "r", instrument=drafted, municipalities=["Karlstad"], plan=plan,
                         formats=("html", "xlsx"), executor=threads, progress=False)
    assert result.exit_code == 0, result.summary()
    assert [m.code for m in result.municipalities] == ["1780"]
    table = pd.read_csv(tmp_path / "r" / "1780-karlstad" / "tables" / "respondenter.csv")
    assert int(table.loc[table["group"] == "alla", "n"].iloc[0]) == len(one)


@pytest.mark.parametrize("levels, centre", [
    (["Nej", "Ja"], None),
    ([str(i) for i in range(11)], "5"),
    (["Mycket dåligt", "Dåligt", "Ganska dåligt", "Ganska bra", "Bra", "Mycket bra"], None),
])
def test_scales_of_two_to_eleven_levels_flow_through_statistics_and_charts(tmp_path, levels, centre):
    """Low/neutral/high split, several non-substantive answers and charts for any scale size;
    expected shares recomputed with pandas from the generated answers."""
    import matplotlib.pyplot as plt

    from kommunanalys import questions
    from kommunanalys.plots.charts import likert_bars
    from kommunanalys.plots.charts import level_colours

    non_substantive = ["Vet ej", "Ingen uppfattning"]
    spec = {
        "name": "Skaltest", "identity_columns": {"municipality": ["Kommun"]},
        "scales": {"roll": {"levels": [{"label": "Politiker", "code": 1, "value": "förtroendevald"},
                                       {"label": "Anställd", "code": 2, "value": "tjänsteperson"}]},
                   "skala": {"levels": [{"label": lv, "code": i + 1} for i, lv in enumerate(levels)],
                             "non_substantive": [{"label": lv, "code": len(levels) + 1 + i}
                                                 for i, lv in enumerate(non_substantive)],
                             **({"centre": centre} if centre else {})}},
        "questions": [{"id": "R", "number": 1, "kind": "role", "scale": "roll", "text": "Din roll?"},
                      {"id": "A", "number": 2, "kind": "likert", "scale": "skala", "text": "Fungerar det?"}],
    }
    import yaml

    inst_path = tmp_path / "skala.yaml"
    inst_path.write_text(yaml.safe_dump(spec, allow_unicode=True), encoding="utf-8")
    rng = __import__("numpy").random.default_rng(7)
    answers = rng.choice(levels + non_substantive, size=60)
    roles = rng.choice(["Politiker", "Anställd"], size=60)
    raw = pd.DataFrame({"Kommun": "1761", "1. Din roll?": roles, "2. Fungerar det?": answers})
    raw.to_csv(tmp_path / "skala.csv", sep=";", index=False)
    survey = load_survey(tmp_path / "skala.csv", inst_path)
    table = questions.summary(survey, "A", by="all", threshold=3).iloc[0]
    k = len(levels)
    substantive = pd.Series(answers)[pd.Series(answers).isin(levels)]
    rank = substantive.map({lv: i + 1 for i, lv in enumerate(levels)})
    middle = (k + 1) / 2
    assert table["n"] == len(substantive)
    assert table["n_non_substantive"] == pd.Series(answers).isin(non_substantive).sum()
    assert table["negative"] == pytest.approx((rank < middle).mean() * 100)
    assert table["positive"] == pytest.approx((rank > middle).mean() * 100)
    assert table["neutral"] == pytest.approx((rank == middle).mean() * 100)
    dist = questions.distribution(survey, "A", by="role", threshold=3)
    ax = likert_bars(dist)
    assert ax.get_legend() is not None
    plt.close("all")
    colours = level_colours(k)  # the deck's and the charts' answer colours
    grey = [max(abs(int(c[0:2], 16) - int(c[2:4], 16)), abs(int(c[2:4], 16) - int(c[4:6], 16))) < 16 for c in colours]
    assert len(set(colours)) == k and sum(grey) == (k % 2)  # a neutral colour only for the centre of an odd scale
