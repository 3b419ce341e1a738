"""Nothing leaked: the demo reports hold none of the personal data planted in the demo comments,
no raw respondent ids and no group under the anonymity threshold."""

from __future__ import annotations

import re

import pandas as pd
import pytest

from kommunanalys import demo as demo_module
from kommunanalys import paths
from kommunanalys.report.batch import run_reports

# the municipalities whose demo comments carry planted personal data
PLANTED = sorted({"1715", "1766", "1780", "1782", "1784"})


@pytest.fixture(scope="module")
def reports(tmp_path_factory):
    out = tmp_path_factory.mktemp("reports")
    result = run_reports(None, out=out, municipalities=PLANTED, jobs=2, progress=False)
    assert result.exit_code == 0, result.summary()
    return out


def _document_text(path) -> str:
    """The text of a deck (shapes, notes, chart data), a workbook (every cell) or a PDF (pdftotext)."""
    if path.suffix == ".pptx":
        from pptx import Presentation

        parts = []
        for slide in Presentation(str(path)).slides:
            for shape in slide.shapes:
                if shape.has_text_frame:
                    parts.append(shape.text_frame.text)
                if shape.has_chart:
                    plot = shape.chart.plots[0]
                    parts += [str(c) for c in plot.categories]
                    parts += [f"{s.name} {list(s.values)}" for s in plot.series]
            if slide.has_notes_slide:
                parts.append(slide.notes_slide.notes_text_frame.text)
        return "\n".join(parts)
    if path.suffix == ".xlsx":
        from openpyxl import load_workbook

        book = load_workbook(path, read_only=True)
        return "\n".join(" ".join("" if v is None else str(v) for v in row)
                         for sheet in book.worksheets for row in sheet.iter_rows(values_only=True))
    import shutil
    import subprocess

    exe = shutil.which("pdftotext")
    if exe is None:
        pytest.skip("pdftotext is missing: apt-get install poppler-utils (.ci/run does)")
    return subprocess.run([exe, "-enc", "UTF-8", str(path), "-"], capture_output=True, text=True, check=True).stdout


def _texts(out):
    for path in sorted(out.rglob("*")):
        if path.is_file() and path.suffix in {".html", ".ipynb", ".csv", ".md", ".json"}:
            yield path, path.read_text(encoding="utf-8", errors="replace")
        elif path.is_file() and path.suffix in {".pptx", ".xlsx", ".pdf"}:  # the deliverables too
            yield path, _document_text(path)


def test_the_planted_data_sits_in_the_municipalities_tested(demo):
    """Guard: the leak tests below would pass on nothing if the planted comments were elsewhere."""
    comments = demo.comments
    for item in demo_module.PLANTED_PERSONAL_DATA:
        where = comments.loc[comments["text"].str.contains(item["value"], regex=False), "municipality_code"]
        assert set(where) and set(where) <= set(PLANTED), item


@pytest.mark.slow
def test_no_planted_personal_data_in_any_report_file(reports):
    values = [item["value"] for item in demo_module.PLANTED_PERSONAL_DATA]
    surnames = {v.split()[-1] for item in demo_module.PLANTED_PERSONAL_DATA if item["type"] == "name"
                for v in [item["value"]]}
    checked = 0
    for path, text in _texts(reports):
        lowered = text.lower()
        for value in values:
            assert value.lower() not in lowered, (path, value)
        for surname in surnames:
            assert not re.search(rf"\b{re.escape(surname)}s?\b", text), (path, surname)
        checked += 1
    assert checked > 30  # reports, notebooks and tables were all looked at
    for name in ("presentation.pptx", "bilaga.xlsx", "rapport.pdf"):  # and every deliverable
        assert len(list(reports.glob(f"*/{name}"))) == len(PLANTED), name


@pytest.mark.slow
def test_no_respondent_ids_in_reports(reports):
    ids = pd.read_csv(paths.DEMO_EXPORT, sep=";", encoding="cp1252", dtype=str)["Respondent-ID"]
    pattern = re.compile("|".join(re.escape(i) for i in ids))
    for path, text in _texts(reports):
        assert not pattern.search(text), path


@pytest.mark.slow
def test_every_report_is_complete_and_marked_synthetic(reports):
    folders = sorted(p for p in reports.iterdir() if p.is_dir() and p.name[:4] in PLANTED)
    assert [p.name[:4] for p in folders] == PLANTED
    for folder in folders:
        html = (folder / "report.html").read_text(encoding="utf-8")
        assert "Syntetiska demodata" in html
        assert "<img" in html and "data:image/png;base64" in html
        assert "In [" not in html and "def " not in html  # no code in the report
        assert (folder / "tables").is_dir() and any((folder / "tables").glob("*.csv"))


def _visible_text(page: str) -> str:
    """The text a reader sees: no style sheet, no embedded images, no tags."""
    import html as _html

    page = re.sub(r"<style.*?</style>", " ", page, flags=re.S)
    page = re.sub(r"<img[^>]*>", " ", page)
    page = re.sub(r"<(p|div|li|tr|h[1-6]|br|table)\b[^>]*>", "\n", page)
    return _html.unescape(re.sub(r"<[^>]+>", " ", page))


def test_reports_read_as_a_council_report(reports):
    """Summary first, method appendix last; no notebook-only text, no 'nan', no decimal points,
    no comment table of zeros, and each quote once per report."""
    pages = sorted(reports.rglob("report.html"))
    assert len(pages) == len(PLANTED)
    for path in pages:
        page = path.read_text(encoding="utf-8")
        text = _visible_text(page)
        assert page.index('id="summary"') < page.index("<main>") < page.index('id="method"'), path
        assert "Sammanfattning" in text and "Så har vi räknat" in text
        assert "Utforska (interaktivt)" not in text and "interactive = True" not in text, path
        assert not re.search(r"\bnan\b", text, flags=re.I), path
        assert not re.search(r"\d\.\d", text), (path, re.findall(r".{30}\d\.\d.{10}", text)[:3])
        for table in re.findall(r"<table.*?</table>", page, flags=re.S):
            if "Antal kommentarer" in table:
                cells = re.findall(r"<td>(.*?)</td>", table)
                assert cells and any(c.strip() != "0" for c in cells), path
        for jargon in ("Rangbiserial", "p (Mann–Whitney)", "0,000"):
            assert jargon not in text, (path, jargon)
        quotes = [" ".join(line.split()) for line in text.splitlines() if line.strip().startswith("– ")]
        assert quotes, path  # the check below is not vacuous
        assert len(quotes) == len(set(quotes)), (path, [q for q in quotes if quotes.count(q) > 1][:3])
