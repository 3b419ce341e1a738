"""The print-ready PDF (kommunanalys.report.pdf): structure, tags, page numbers, anonymity, nothing external.

One small batch of the demo's Kil (1715): its comments carry planted personal data and its group of
central managers is under the threshold. Text is read back with poppler's ``pdftotext``
(poppler-utils), an extractor independent of WeasyPrint.
"""

from __future__ import annotations

import re
import shutil
import subprocess

import pandas as pd
import pytest

from kommunanalys import demo as demo_module
from kommunanalys import paths
from kommunanalys.report.batch import default_plan, run_reports
from kommunanalys.errors import ReportError
from kommunanalys.report import pdf as pdf_module

pytestmark = pytest.mark.skipif(not pdf_module.pdf_available(),
                                reason="WeasyPrint cannot load Pango: apt-get install libpango-1.0-0 libpangoft2-1.0-0")
CODE, NAME = "1715", "Kil"
THRESHOLD = 5


def _pdftotext(path, *args) -> str:
    exe = shutil.which("pdftotext")
    if exe is None:
        pytest.skip("pdftotext is missing: apt-get install poppler-utils (.ci/run does)")
    return subprocess.run([exe, "-enc", "UTF-8", *args, str(path), "-"], capture_output=True, text=True,
                          check=True).stdout


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    # a report shows each quote once, under the question it comments on (Q10: economy follow-up)
    plan = [e for e in default_plan() if e.section == "respondents" or e.notebook == "02_quotes.ipynb"
            or (e.notebook == "01_question.ipynb" and e.parameters.get("question") == "Q10")]
    assert len(plan) >= 3
    out = tmp_path_factory.mktemp("pdf")
    result = run_reports(None, out=out, municipalities=[CODE], plan=plan, jobs=1, progress=False,
                         formats=("html", "pdf"))
    assert result.exit_code == 0, result.summary()
    folder = next(out.glob(f"{CODE}-*"))
    return folder


@pytest.fixture(scope="module")
def pages(report) -> list[str]:
    text = _pdftotext(report / "rapport.pdf", "-layout")
    return [p for p in text.split("\f") if p.strip()]


def test_the_batch_writes_a_pdf_and_links_it(report):
    assert (report / "rapport.pdf").read_bytes().startswith(b"%PDF-")
    index = (report.parent / "index.html").read_text(encoding="utf-8")
    assert f'href="{report.name}/rapport.pdf"' in index


def test_every_page_is_numbered_and_the_headings_are_text(report, pages):
    assert len(pages) >= 3
    for number, page in enumerate(pages, start=1):
        assert f"Sida {number} av {len(pages)}" in page, f"page {number} has no page number"
    text = "\n".join(pages)
    html = (report / "report.html").read_text(encoding="utf-8")
    html = re.sub(r'<a class="anchor-link"[^>]*>.*?</a>', "", html)  # the ¶ of nbconvert (not shown)
    headings = [re.sub(r"<[^>]+>", "", h).strip() for h in re.findall(r"<h[23][^>]*>(.*?)</h[23]>", html, re.S)]
    headings = [h.replace("&amp;", "&") for h in headings if h]
    assert "Vem svarade?" in headings
    for heading in headings:  # every section heading of the HTML is extractable text of the PDF
        assert " ".join(heading.split()) in " ".join(text.split()), heading


def test_a_heading_is_never_the_last_line_of_a_page(pages):
    """Headings are kept with their content: the last text line of a page (above its page
    number) is never a heading of the report."""
    for page in pages[:-1]:
        lines = [line.strip() for line in page.splitlines() if line.strip() and not line.strip().startswith("Sida ")]
        assert lines[-1] not in {"Vem svarade?", "Citat ur enkäten", "Innehåll"}, lines[-3:]


def test_the_pdf_is_tagged_for_accessibility(report):
    exe = shutil.which("pdfinfo")
    if exe is None:
        pytest.skip("pdfinfo is missing: apt-get install poppler-utils (.ci/run does)")
    info = subprocess.run([exe, str(report / "rapport.pdf")], capture_output=True, text=True, check=True).stdout
    assert re.search(r"^Tagged:\s+yes", info, re.M), info
    assert re.search(r"^Title:\s+\S", info, re.M), "a PDF/UA document has a title"
    meta = subprocess.run([exe, "-meta", str(report / "rapport.pdf")], capture_output=True, text=True).stdout
    assert 'pdfuaid:part="1"' in meta  # declared PDF/UA-1
    tree = subprocess.run([exe, "-struct", str(report / "rapport.pdf")], capture_output=True, text=True).stdout
    tags = set(re.findall(r"^\s*([A-Za-z0-9]+)", tree, re.M))
    assert {"H1", "H2", "P", "Table", "TH", "TR", "Figure"} <= tags, sorted(tags)


def test_no_hidden_group_size(report, pages):
    """Kil's central managers are fewer than the threshold: the respondents table says so, and the
    other tjänstepersoner (derivable by subtraction) are hidden too; counts from the raw export."""
    frame = pd.read_csv(paths.DEMO_EXPORT, sep=";", encoding="cp1252", dtype=str)
    kil = frame[frame["Kommun"] == NAME]
    tp = kil[kil["1. Vilken roll har du i kommunen?"].str.lower() == "tjänsteperson"]
    chefs = int((tp["2. Om du är tjänsteperson, är du chef i den centrala förvaltningen?"] == "Ja").sum())
    assert 0 < chefs < THRESHOLD  # guard: the test looks at a hidden group
    others = len(tp) - chefs
    text = "\n".join(pages)
    chef_lines = [line for line in text.splitlines() if "chefer i central förvaltning" in line.lower()]
    other_lines = [line for line in text.splitlines() if "övriga tjänstepersoner" in line.lower()]
    assert chef_lines and other_lines
    for line in chef_lines:
        assert not re.search(rf"(?<![\d,]){chefs}(?![\d,])", line), line
    for line in other_lines:
        assert not re.search(rf"(?<![\d,]){others}(?![\d,])", line), line
    assert any(f"färre än {THRESHOLD} svar" in line for line in chef_lines)


def test_no_planted_personal_data(report, pages):
    comments = demo_module.PLANTED_PERSONAL_DATA
    text = " ".join("\n".join(pages).split()).lower()
    assert "citat ur enkäten" in text  # guard: the quotes are in the PDF
    for item in comments:
        assert item["value"].lower() not in text, item


def test_nothing_external_in_the_pdf(report):
    raw = (report / "rapport.pdf").read_bytes()
    assert b"/URI" not in raw  # no web link, and no link to the files beside report.html
    assert b"/Launch" not in raw and b"/GoToR" not in raw
    assert b"http://" not in raw.replace(b"http://www.w3.org", b"").replace(b"http://ns.adobe.com", b"") \
        .replace(b"http://purl.org", b"").replace(b"http://iptc.org", b"")


def test_the_fetcher_refuses_everything_but_embedded_images(tmp_path):
    fetcher = pdf_module._fetcher()
    local = tmp_path / "bild.png"
    local.write_bytes(b"\x89PNG\r\n\x1a\n")
    for url in (f"file://{local}", "http://127.0.0.1:9/x.png", "https://example.com/a.css", "ftp://example.com/x"):
        with pytest.raises(ValueError):
            fetcher(url)
    assert fetcher("data:text/plain;base64,aGVq").read() == b"hej"


def test_an_external_image_or_style_is_not_loaded(tmp_path):
    secret = tmp_path / "hemligt.txt"
    secret.write_text("HEMLIGT-INNEHÅLL", encoding="utf-8")
    page = tmp_path / "report.html"
    page.write_text(
        '<!DOCTYPE html><html lang="sv"><head><meta charset="utf-8"><title>T</title>'
        f'<link rel="stylesheet" href="file://{tmp_path}/stil.css"></head><body><header><h1>Kommun</h1></header>'
        f'<main><section><h2>Rubrik</h2><p>Text</p><img src="file://{secret}" alt="x">'
        f'<object data="file://{secret}"></object><a href="https://example.com/">länk</a></section></main>'
        "</body></html>", encoding="utf-8")
    (tmp_path / "stil.css").write_text("body { color: red }", encoding="utf-8")
    out = pdf_module.build_pdf(page, path=tmp_path / "r.pdf")
    raw = out.read_bytes()
    assert b"example.com" not in raw
    text = _pdftotext(out)
    assert "Rubrik" in text and "HEMLIGT" not in text


def test_missing_pango_is_a_swedish_error_that_says_how_to_fix(monkeypatch, tmp_path):
    import builtins

    real_import = builtins.__import__

    def no_pango(name, *args, **kwargs):  # what WeasyPrint's import does without the system's Pango
        if name == "weasyprint":
            raise OSError("cannot load library 'libpango-1.0-0'")
        return real_import(name, *args, **kwargs)

    pdf_module._weasyprint.cache_clear()
    monkeypatch.setattr(builtins, "__import__", no_pango)
    try:
        assert not pdf_module.pdf_available()
        with pytest.raises(ReportError, match="apt-get install libpango"):
            pdf_module.require_pdf()
        with pytest.raises(ReportError, match="--format html,pptx,xlsx"):  # before anything is written
            run_reports(None, out=tmp_path / "r", formats=("html", "pdf"), progress=False)
        assert not (tmp_path / "r").exists()
    finally:
        monkeypatch.undo()
        pdf_module._weasyprint.cache_clear()
    assert pdf_module.pdf_available()


def _png(image) -> str:
    import base64
    import io

    out = io.BytesIO()
    image.save(out, format="PNG")
    return base64.b64encode(out.getvalue()).decode("ascii")


def test_figures_keep_every_pixel(tmp_path):
    """The report's figures go into the PDF without re-compression (pdf._take_figures): poppler's
    ``pdfimages`` reads back exactly the source pixels, for an 8-bit RGB PNG, an RGBA PNG that is
    opaque everywhere (matplotlib's) and a translucent one (left to WeasyPrint, with its mask)."""
    import numpy as np
    from PIL import Image

    exe = shutil.which("pdfimages")
    if exe is None:
        pytest.skip("pdfimages is missing: apt-get install poppler-utils (.ci/run does)")
    rng = np.random.default_rng(16)
    rgb = rng.integers(0, 256, size=(90, 160, 3), dtype=np.uint8)
    rgb[:, 40:80] = (42, 111, 151)  # flat areas as in a chart, beside noise
    opaque = np.dstack([rng.integers(0, 256, size=(70, 120, 3), dtype=np.uint8), np.full((70, 120), 255, np.uint8)])
    translucent = opaque.copy()
    translucent[:, :30, 3] = 128
    sources = [Image.fromarray(rgb, "RGB"), Image.fromarray(opaque, "RGBA"), Image.fromarray(translucent, "RGBA")]
    figures = "".join(f'<figure><img alt="Diagram {i}" src="data:image/png;base64,{_png(im)}"></figure>'
                      for i, im in enumerate(sources))
    page = tmp_path / "report.html"
    page.write_text('<!DOCTYPE html><html lang="sv"><head><meta charset="utf-8"><title>T</title></head><body>'
                    f"<header><h1>Kommun</h1></header><main><section><h2>Rubrik</h2>{figures}</section></main>"
                    "</body></html>", encoding="utf-8")
    out = pdf_module.build_pdf(page, path=tmp_path / "r.pdf")
    subprocess.run([exe, "-png", str(out), str(tmp_path / "img")], check=True)
    extracted = sorted(tmp_path.glob("img-*.png"))
    colour = [Image.open(p) for p in extracted if Image.open(p).mode == "RGB"]
    masks = [Image.open(p) for p in extracted if Image.open(p).mode == "L"]
    assert len(colour) == 3 and len(masks) == 1, [(p.name, Image.open(p).mode) for p in extracted]
    for source, image in zip(sources, colour):
        assert np.array_equal(np.asarray(image), np.asarray(source.convert("RGB")))
    assert np.array_equal(np.asarray(masks[0]), translucent[:, :, 3])
    import base64

    rows = pdf_module._png_rows(base64.b64decode(_png(sources[0])))
    assert rows and rows in out.read_bytes()  # the source's own compressed rows: not decoded, not re-compressed


_SECTIONS = ["Alfa", "Beta", "Gamma", "Delta", "Epsilon", "Zeta", "Eta", "Theta", "Iota", "Kappa"]


def _front_page(tmp_path, summary_lines: int):
    """A report shaped like report.html: a summary of ``summary_lines`` paragraphs, the contents
    list, then the sections."""
    summary = "".join(f"<p>Sammanfattningens rad {i}.</p>" for i in range(summary_lines))
    toc = "".join(f'<li><a href="#s{i}">Avsnittet {name}</a></li>' for i, name in enumerate(_SECTIONS))
    sections = "".join(f'<section id="s{i}"><h2>Avsnittet {name}</h2><p>Text.</p></section>'
                       for i, name in enumerate(_SECTIONS))
    page = tmp_path / f"report_{summary_lines}.html"
    page.write_text('<!DOCTYPE html><html lang="sv"><head><meta charset="utf-8"><title>T</title></head><body>'
                    f'<header><h1>Kommun</h1></header><section class="summary"><h2>Sammanfattning</h2>{summary}'
                    f"</section><nav><h2>Innehåll</h2><ol>{toc}</ol></nav><main>{sections}</main></body></html>",
                    encoding="utf-8")
    return page


def _toc_pages(pdf) -> list[int]:
    """The pages holding a line of the contents list (a section's name, dot leaders, its page)."""
    pages = _pdftotext(pdf, "-layout").split("\f")
    return [n for n, page in enumerate(pages, start=1)
            if any("Avsnittet" in line and ".." in line for line in page.splitlines())]


def test_the_contents_list_is_never_split_across_pages(tmp_path):
    """A long summary pushes the contents list down page 1: the list then moves to page 2 whole,
    never leaving its last lines alone on the next page. Guard: with the list allowed to break
    (``break-inside: auto``), at least one of these summary lengths does split it."""
    weasyprint = pdf_module._weasyprint()
    split_without_rule = False
    for lines in (18, 21, 24, 27):
        page = _front_page(tmp_path, lines)
        out = pdf_module.build_pdf(page, path=tmp_path / f"r_{lines}.pdf")
        assert len(_toc_pages(out)) == 1, (lines, _toc_pages(out))
        loose = tmp_path / f"loose_{lines}.pdf"
        weasyprint.HTML(filename=str(page)).write_pdf(
            loose, stylesheets=[pdf_module._stylesheet(), weasyprint.CSS(string="nav { break-inside: auto; }")])
        split_without_rule |= len(_toc_pages(loose)) > 1
    assert split_without_rule


def test_a_reused_font_configuration_writes_the_same_pdf(report, tmp_path):
    """build_pdf keeps one WeasyPrint font configuration per thread (the fonts are loaded once):
    the second PDF of a thread is byte for byte the PDF WeasyPrint writes with fonts of its own,
    and another thread gets a configuration of its own."""
    import threading

    import weasyprint

    pdf = pdf_module
    pdf.build_pdf(report / "report.html", path=tmp_path / "first.pdf")
    pdf.build_pdf(report / "report.html", path=tmp_path / "reused.pdf")
    html = pdf._FILE_LINK.sub("<a", (report / "report.html").read_text(encoding="utf-8"))
    source, figures = pdf._take_figures(html)  # as build_pdf does, with fonts of its own
    weasyprint.HTML(string=source, url_fetcher=pdf._fetcher(), base_url=None).write_pdf(
        tmp_path / "own.pdf", stylesheets=[pdf._stylesheet()], pdf_variant=pdf.PDF_VARIANT, uncompressed_pdf=False,
        cache=figures)
    assert (tmp_path / "reused.pdf").read_bytes() == (tmp_path / "own.pdf").read_bytes()
    here, there = pdf._font_config(), []
    thread = threading.Thread(target=lambda: there.append(pdf._font_config()))
    thread.start()
    thread.join()
    assert there[0] is not here and pdf._font_config() is here
