"""The slide deck: structure, native charts with the right data, hidden groups absent, LibreOffice."""

from __future__ import annotations

import re
import shutil
import subprocess

import pandas as pd
import pytest
from pptx import Presentation
from pptx.util import Pt

import kommunanalys as ka
from kommunanalys.report import build_deck, gather
from kommunanalys.report.deck import BODY_PT, CHART_PT
from tests._question_fixture import FIXTURE, raw

HIDDEN_CODE = "1715"  # Kil: fewer than 5 förtroendevalda answered Q5 (the fixture's hidden group)


@pytest.fixture(scope="module")
def survey():
    return ka.load_survey(FIXTURE)


@pytest.fixture(scope="module")
def deck(survey, tmp_path_factory):
    path = tmp_path_factory.mktemp("deck") / "kil.pptx"
    build_deck(gather(survey, HIDDEN_CODE, threshold=5), path=path)
    return Presentation(str(path))


def _question_slides(prs, survey):
    out = {}
    for q in survey.instrument.likert_questions:
        found = [s for s in prs.slides if s.shapes.title is not None
                 and s.shapes.title.text.startswith(f"{q.number}. ")]
        assert len(found) == 1, f"one slide for question {q.number}"
        out[q.id] = found[0]
    return out


def _column(frame: pd.DataFrame, number: int) -> str:
    return next(c for c in frame.columns if c.startswith(f"{number}. "))


def _expected_percent(survey, code: str, qid: str, role: str) -> dict[str, float]:
    """Percent per substantive answer, computed with plain pandas from the export."""
    frame = raw()
    q = survey.instrument[qid]
    answers = frame.loc[(frame["code"] == code) & (frame["role"] == role), _column(frame, q.number)]
    answers = answers[answers.isin(q.scale.labels)]
    return {lab: (answers == lab).sum() / len(answers) * 100 for lab in q.scale.labels}


def _hidden_size(survey, code: str, qid: str, role: str) -> int:
    frame = raw()
    q = survey.instrument[qid]
    answers = frame.loc[(frame["code"] == code) & (frame["role"] == role), _column(frame, q.number)]
    return int(answers.isin(q.scale.labels).sum())


@pytest.mark.parametrize("code", ["1715", "1780"])
def test_a_slide_per_question_with_native_charts_of_each_role(survey, code, tmp_path):
    path = build_deck(gather(survey, code, threshold=5), path=tmp_path / f"{code}.pptx")
    slides = _question_slides(Presentation(str(path)), survey)
    for qid, slide in slides.items():
        q = survey.instrument[qid]
        charts = [s.chart for s in slide.shapes if s.has_chart]
        texts = " ".join(s.text_frame.text for s in slide.shapes if s.has_text_frame)
        assert "FÖRTROENDEVALD" in texts and "TJÄNSTEPERSON" in texts
        sizes = [_hidden_size(survey, code, qid, role) for role in ("förtroendevald", "tjänsteperson")]
        if min(sizes) < 5:  # one role is small: it is hidden, and the other one too (by subtraction)
            assert not charts and "färre än 5 svar" in texts.lower()
            continue
        assert len(charts) == 2, f"question {q.number}: a chart per role"
        for chart, role in zip(charts, ("förtroendevald", "tjänsteperson")):
            assert list(chart.plots[0].categories) == ["Andel av svaren"]
            names = [s.name for s in chart.plots[0].series]
            assert names == q.scale.labels
            expected = _expected_percent(survey, code, qid, role)
            got = {s.name: s.values[0] for s in chart.plots[0].series}
            for lab in names:
                assert got[lab] == pytest.approx(expected[lab], abs=0.051)


def test_hidden_group_is_absent_from_chart_data_and_notes(deck, survey):
    slide = _question_slides(deck, survey)["Q5"]
    assert not any(s.has_chart for s in slide.shapes), "both roles are hidden (primary + complementary)"
    texts = " ".join(s.text_frame.text for s in slide.shapes if s.has_text_frame).lower()
    assert "färre än 5 svar" in texts
    notes = slide.notes_slide.notes_text_frame.text
    for role in ("förtroendevald", "tjänsteperson"):
        n = _hidden_size(survey, HIDDEN_CODE, "Q5", role)
        line = next(x for x in notes.splitlines() if x.lower().startswith(role))
        assert not re.search(rf"\b{n}\b", line), f"the hidden {role} group's size {n} is in the notes"
        assert "svar" in line and "instämmer" not in line
    assert min(_hidden_size(survey, HIDDEN_CODE, "Q5", r) for r in ("förtroendevald", "tjänsteperson")) < 5


def test_some_question_shows_both_charts(survey, tmp_path):
    path = build_deck(gather(survey, "1780", threshold=5), path=tmp_path / "k.pptx")
    slides = _question_slides(Presentation(str(path)), survey)
    assert any(sum(s.has_chart for s in slide.shapes) == 2 for slide in slides.values())


def test_text_sizes_readable_when_projected(deck):
    for slide in deck.slides:
        for shape in slide.shapes:
            if shape.has_text_frame:
                for p in shape.text_frame.paragraphs:
                    for r in p.runs:
                        if r.font.size is not None:
                            assert r.font.size >= Pt(BODY_PT - 2)
            if shape.has_chart:
                assert shape.chart.font.size >= Pt(12) and CHART_PT >= 12


def test_sections_of_the_seed(deck):
    titles = [s.shapes.title.text for s in deck.slides if s.shapes.title is not None]
    assert "Vilken roll har du i kommunen?" in titles
    assert "Hur går vi vidare med resultatet?" in titles
    assert any(t.startswith("Var skaver det?") for t in titles)
    assert deck.slide_width * 9 == deck.slide_height * 16


def test_every_demo_deck_opens_with_its_structure(tmp_path):
    survey = ka.load_demo()
    n_questions = len(survey.instrument.likert_questions)
    for code in survey.municipality_codes:
        path = build_deck(gather(survey, code), path=tmp_path / f"{code}.pptx")
        prs = Presentation(str(path))
        slides = _question_slides(prs, survey)
        assert len(slides) == n_questions
        for qid, slide in slides.items():
            charts = [s.chart for s in slide.shapes if s.has_chart]
            assert len(charts) in (0, 2)
            for chart in charts:
                assert [s.name for s in chart.plots[0].series] == survey.instrument[qid].scale.labels
                assert sum(s.values[0] for s in chart.plots[0].series) == pytest.approx(100, abs=0.5)
        # quotes shown only as the quotes page selected them
        quotes = [s for s in prs.slides if s.shapes.title is not None
                  and s.shapes.title.text.startswith("Citat ur enkäten")]
        assert quotes, code


def test_consultants_template_is_used(survey, tmp_path):
    template = Presentation()
    template.slides.add_slide(template.slide_layouts[1]).shapes.title.text = "Exempelbild"
    template.save(str(tmp_path / "mall.pptx"))  # 4:3, one example slide
    path = build_deck(gather(survey, "1780", threshold=5), path=tmp_path / "d.pptx", template=tmp_path / "mall.pptx")
    prs = Presentation(str(path))
    assert prs.slide_width == template.slide_width
    assert not any(s.shapes.title is not None and s.shapes.title.text == "Exempelbild" for s in prs.slides)


def test_missing_template_is_a_clear_error(survey, tmp_path):
    with pytest.raises(ka.errors.ReportError, match="finns inte"):
        build_deck(gather(survey, "1780", threshold=5), path=tmp_path / "d.pptx", template=tmp_path / "nej.pptx")


def test_deck_converts_with_libreoffice(survey, tmp_path):
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        pytest.skip("LibreOffice (soffice) is missing: apt-get install libreoffice-impress (.ci/run does)")
    path = build_deck(gather(survey, HIDDEN_CODE, threshold=5), path=tmp_path / "kil.pptx")
    done = subprocess.run([soffice, "--headless", f"-env:UserInstallation=file://{tmp_path}/lo",
                           "--convert-to", "pdf", "--outdir", str(tmp_path), str(path)],
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    pdf = tmp_path / "kil.pdf"
    assert pdf.exists() and pdf.stat().st_size > 10_000


def test_batch_writes_deck_and_workbooks_and_links_them(tmp_path):
    from kommunanalys.report.batch import run_reports

    result = run_reports(FIXTURE, out=tmp_path / "r", plan=[], progress=False, jobs=1,
                         municipalities=["1715", "1780"])
    assert result.exit_code == 0
    index = (tmp_path / "r" / "index.html").read_text(encoding="utf-8")
    for slug in ("1715-kil", "1780-karlstad"):
        assert (tmp_path / "r" / slug / "presentation.pptx").exists()
        assert (tmp_path / "r" / slug / "bilaga.xlsx").exists()
        assert f'href="{slug}/presentation.pptx"' in index and f'href="{slug}/bilaga.xlsx"' in index
    assert (tmp_path / "r" / "bilaga_alla_kommuner.xlsx").exists()
    assert not (tmp_path / "r" / ".staging").exists()


def test_batch_formats_can_be_skipped(tmp_path):
    from kommunanalys.report.batch import run_reports

    run_reports(FIXTURE, out=tmp_path / "r", plan=[], progress=False, jobs=1, municipalities=["1780"],
                formats=("html",))
    assert not (tmp_path / "r" / "1780-karlstad" / "presentation.pptx").exists()
    assert not (tmp_path / "r" / "bilaga_alla_kommuner.xlsx").exists()


def test_cli_rejects_an_unknown_format(capsys):
    from kommunanalys.cli import main

    assert main(["report", "--data", str(FIXTURE), "--format", "html,docx"]) == 2
    assert "okänt format" in capsys.readouterr().err


def test_every_shape_lies_on_its_slide(deck):
    """Nothing overflows the slide: every shape (placeholders with their inherited position
    included) has a size and lies within the slide."""
    for number, slide in enumerate(deck.slides, start=1):
        for shape in slide.shapes:
            assert shape.width > 0 and shape.height > 0, (number, shape.name)
            assert 0 <= shape.left and shape.left + shape.width <= deck.slide_width, (number, shape.name)
            assert 0 <= shape.top and shape.top + shape.height <= deck.slide_height, (number, shape.name)


def test_answer_levels_have_the_colours_of_the_report_charts(survey, tmp_path):
    import matplotlib.colors as mcolors
    import seaborn as sns

    path = build_deck(gather(survey, "1780", threshold=5), path=tmp_path / "k.pptx")
    chart = next(s.chart for slide in Presentation(str(path)).slides for s in slide.shapes
                 if s.has_chart and list(s.chart.plots[0].categories) == ["Andel av svaren"])  # a question's
    got = [str(series.format.fill.fore_color.rgb) for series in chart.plots[0].series]
    assert got == [mcolors.to_hex(c)[1:].upper() for c in sns.color_palette("BrBG", len(got))]


# ---------------------------------------------------------------------------------------------
# The result chain with the municipality's own key figures
# ---------------------------------------------------------------------------------------------
def _key_figures(codes: list[str]) -> pd.DataFrame:
    """Invented key figures (seeded) in the tidy layout of kommunanalys.kolada.read_kolada."""
    import numpy as np

    rng = np.random.default_rng(16)
    spread = {"N15027": (130_000, 15_000), "N15034": (12, 1.5), "LOKAL_LEKTIONER": (95, 2),
              "LOKAL_ELEVER_AK9": (300, 200), "N15428": (82, 6), "U15401": (50, 10)}
    rows = [{"kpi": kpi, "municipality_code": code, "period": 2024, "gender": "T",
             "value": round(float(abs(rng.normal(mean, sd))), 1)}
            for code in codes for kpi, (mean, sd) in spread.items()]
    return pd.DataFrame(rows)


def _chain_figure_slide(prs, name: str):
    found = [s for s in prs.slides if s.shapes.title is not None
             and s.shapes.title.text.startswith(f"Mål- och resultatkedjan i {name}")]
    assert len(found) == 1
    return found[0]


def test_result_chain_slide_charts_the_key_figures_against_the_group_median(survey, tmp_path):
    from pptx.enum.chart import XL_CHART_TYPE

    codes = ["1715", "1780", "1760", "1761", "1762", "1763", "1764"]
    figures = _key_figures(codes)
    path = build_deck(gather(survey, "1780", threshold=5, key_figures=figures), path=tmp_path / "k.pptx")
    slide = _chain_figure_slide(Presentation(str(path)), "Karlstad")
    assert slide.shapes.title.text == "Mål- och resultatkedjan i Karlstad 2024"
    charts = [s.chart for s in slide.shapes if s.has_chart]
    assert len(charts) == 1 and charts[0].chart_type == XL_CHART_TYPE.BAR_CLUSTERED
    # independently: each key figure over the median of the seven municipalities, × 100
    wide = figures.pivot(index="municipality_code", columns="kpi", values="value")
    index = wide.loc["1780"] / wide.median() * 100
    eff = wide["N15428"] / wide["N15027"]  # kvalitet / resurser (the scale cancels in the index)
    expected = {"N15027": index["N15027"], "N15034": index["N15034"], "LOKAL_LEKTIONER": index["LOKAL_LEKTIONER"],
                "N15428": index["N15428"], "effektivitet": eff["1780"] / eff.median() * 100}
    categories = list(charts[0].plots[0].categories)
    # chain order, each figure's step named; the count (pupils leaving year 9) and Kolada's own
    # optional indices are not indexed
    assert [c.split(" · ")[0].split(":")[0] for c in categories] == [
        "Resurser", "Resurser", "Aktiviteter", "Resultat (kvalitet)", "Effektivitet"]
    assert not any("gått ut" in c or "index" in c.lower() for c in categories)
    values = list(charts[0].plots[0].series[0].values)
    assert values == pytest.approx(list(expected.values()), abs=0.051)
    # one reading per figure, the count said as a count
    text = " ".join(s.text_frame.text for s in slide.shapes if s.has_text_frame)
    diff = round(expected["N15027"] - 100)
    said = "som jämförelsegruppens median" if diff == 0 else \
        f"{abs(diff)} % {'över' if diff > 0 else 'under'} jämförelsegruppens median"
    assert re.search(rf"Kostnad grundskola F-9: [\d\u00a0 ]+kr per elev, {said}", text), text
    pp = round(wide.loc["1780", "N15428"] - wide["N15428"].median(), 1)
    assert f"{abs(pp):.1f} procentenheter".replace(".", ",") in text
    assert "Prestationer · Elever som gått ut årskurs 9" in text and "ett antal" in text
    assert "Illustrativa" not in text  # a consultant's own figures are not the demo's


def test_result_chain_slide_says_so_without_key_figures(survey, deck):
    assert not survey.synthetic
    slide = _chain_figure_slide(deck, "Kil")
    assert not any(s.has_chart for s in slide.shapes)
    text = " ".join(s.text_frame.text for s in slide.shapes if s.has_text_frame)
    assert "Inga nyckeltal har angetts" in text
    assert "--key-figures" in slide.notes_slide.notes_text_frame.text


def test_demo_result_chain_is_labelled_illustrative(tmp_path):
    demo = ka.load_demo()
    prs = Presentation(str(build_deck(gather(demo, "1715"), path=tmp_path / "kil.pptx")))
    slide = _chain_figure_slide(prs, "Kil")
    chart = next(s.chart for s in slide.shapes if s.has_chart)
    assert "Illustrativa nyckeltal" in chart.chart_title.text_frame.text
    assert "Illustrativa nyckeltal" in slide.notes_slide.notes_text_frame.text


def test_quotes_are_laid_out_over_the_slide_body(tmp_path):
    """"Citat ur enkäten": every selected quote once, in text boxes of at least 16 pt in two
    columns reaching below the slide's middle; a question's quotes split evenly over its slides."""
    from kommunanalys.report.deck import QUOTE_PT
    from kommunanalys.textsafety import display_text

    demo = ka.load_demo()
    content = gather(demo, "1780")
    prs = Presentation(str(build_deck(content, path=tmp_path / "k.pptx")))
    slides = [s for s in prs.slides if s.shapes.title is not None and s.shapes.title.text.startswith("Citat ur enkäten")]
    boxes = {id(s): [sh for sh in s.shapes if sh.has_text_frame and sh.text_frame.text.startswith("– ")]
             for s in slides}
    shown = [sh.text_frame.text for s in slides for sh in boxes[id(s)]]
    assert len(shown) == len(set(shown)) == len(content.quotes)
    for text in content.quotes["text"]:  # as report.html shows it (kommunanalys.textsafety)
        assert sum(display_text(text) in t for t in shown) == 1
    assert QUOTE_PT >= 16
    for slide in slides:
        placed = boxes[id(slide)]
        assert all(r.font.size >= Pt(16) for sh in placed for p in sh.text_frame.paragraphs for r in p.runs)
        lefts = {sh.left for sh in placed}
        if len(placed) > 1:
            assert len(lefts) == 2, "two columns"
            assert any(sh.top > prs.slide_height // 2 for sh in placed), "quotes below the slide's middle"
        assert all(sh.top + sh.height <= prs.slide_height for sh in placed)
    by_question = {}
    for slide in slides:
        by_question.setdefault(slide.shapes.title.text, []).append(len(boxes[id(slide)]))
    assert any(len(counts) > 1 for counts in by_question.values())
    for counts in by_question.values():
        assert max(counts) - min(counts) <= 1, counts


def test_respondents_slide_charts_the_shown_groups_in_the_roles_colours(survey, tmp_path):
    from kommunanalys.anonymity import TOTAL_GROUP
    from kommunanalys.plots.charts import ROLE_COLOURS
    from kommunanalys.respondents import respondent_counts

    for code in (HIDDEN_CODE, "1780"):
        prs = Presentation(str(build_deck(gather(survey, code, threshold=5), path=tmp_path / f"{code}.pptx")))
        slide = next(s for s in prs.slides if s.shapes.title is not None
                     and s.shapes.title.text == "Vilken roll har du i kommunen?")
        chart = next(s.chart for s in slide.shapes if s.has_chart)
        table = respondent_counts(survey, code, threshold=5)
        shown = table[table["suppressed"] == ""]
        assert list(chart.plots[0].categories) == list(shown["label"])  # a hidden group is not in the data
        assert list(chart.plots[0].series[0].values) == [float(n) for n in shown["n"]]
        colours = [str(p.format.fill.fore_color.rgb) for p in chart.plots[0].series[0].points]
        for colour, r in zip(colours, shown.itertuples()):
            if r.level == "role":
                assert colour == ROLE_COLOURS[r.group].lstrip("#").upper()
            elif r.level == "all":
                assert colour == ROLE_COLOURS[TOTAL_GROUP].lstrip("#").upper()


def test_batch_gives_the_deck_the_key_figures(tmp_path):
    """--key-figures reaches the deck as it reaches the efficiency notebook."""
    from kommunanalys.report.batch import run_reports

    figures = tmp_path / "nyckeltal.csv"
    _key_figures(["1715", "1780", "1760", "1761"]).to_csv(figures, index=False)
    run_reports(FIXTURE, out=tmp_path / "r", plan=[], progress=False, jobs=1, municipalities=["1780"],
                key_figures=figures, formats=("html", "pptx"))
    prs = Presentation(str(tmp_path / "r" / "1780-karlstad" / "presentation.pptx"))
    slide = _chain_figure_slide(prs, "Karlstad")
    assert slide.shapes.title.text.endswith("2024") and any(s.has_chart for s in slide.shapes)
