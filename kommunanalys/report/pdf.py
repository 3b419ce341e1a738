"""The print-ready PDF of one municipality's report (WeasyPrint), made from its ``report.html``.

Why WeasyPrint rather than Chromium's print: it writes a *tagged* PDF (PDF/UA-1: headings,
tables, figures with their alternative text and the reading order are marked up for screen
readers), which municipalities need to publish a document under the accessibility law (lagen om
tillgänglighet till digital offentlig service, WCAG 2.1 AA); it is a Python package (no browser
process to start per report) and it implements CSS paged media: page numbers, running heads,
``break-after: avoid`` for headings, header rows repeated on every page of a table.

The PDF is the same report as the HTML, laid out for A4 by :data:`PRINT_CSS`:

* every section starts on a new page; headings are kept with what follows them; a table row,
  a figure and a short paragraph are never split; a table's header row repeats on each page;
* page numbers ("Sida 3 av 24") and the municipality in the running head; the table of contents
  gives the page of each section;
* figures are the report's own PNG (drawn at 2× resolution, :func:`kommunanalys.pages.notebook.setup`)
  scaled to the text width; their compressed rows go into the PDF as they are (:func:`_take_figures`),
  the same pixels without decoding and re-compressing them;
* the contents list is kept on one page (on the first with the summary when it fits).

Nothing is loaded from outside: the URL fetcher (:func:`_fetcher`) refuses every URL except the ``data:`` images
embedded in the report, and links to files beside the report (``tables/``, ``notebooks/``) are
kept as text only (a printed page cannot open them). WeasyPrint needs the Pango library of the
system (on Debian ``libpango-1.0-0 libpangoft2-1.0-0``); :func:`pdf_available` says whether it
loads, and :class:`~kommunanalys.errors.ReportError` says how to install it when it does not.
"""

from __future__ import annotations

import re
import threading
from pathlib import Path

from .._lru import memoize
from ..errors import ReportError

__all__ = ["build_pdf", "pdf_available", "require_pdf", "PRINT_CSS", "PDF_VARIANT"]

#: The PDF flavour written: tagged, PDF/UA-1 (ISO 14289-1).
PDF_VARIANT = "pdf/ua-1"

#: Print layout of a report (appended after the report's own style sheet).
PRINT_CSS = """
@page {
  size: A4; margin: 20mm 18mm 22mm 18mm;
  @top-right { content: string(municipality); font: 8.5pt system-ui, "DejaVu Sans", Arial, sans-serif;
               color: #5b6b78; }
  @bottom-center { content: "Sida " counter(page) " av " counter(pages);
                   font: 8.5pt system-ui, "DejaVu Sans", Arial, sans-serif; color: #5b6b78; }
}
@page :first { @top-right { content: none; } }
html { font-size: 10pt; }
body { max-width: none; padding: 0; margin: 0; line-height: 1.4; }
header h1 { string-set: municipality content(); }
h1, h2, h3, h4, h5 { break-after: avoid; break-inside: avoid; }
main > section { break-before: page; }
main > section > h2 { margin-top: 0; }
p, li, blockquote { orphans: 3; widows: 3; }
li, blockquote, .note, .error { break-inside: avoid; }
table { break-inside: auto; font-size: 8.5pt; max-width: 100%; }
thead { display: table-header-group; }
tr, th, td { break-inside: avoid; }
th { hyphens: auto; }
img { max-width: 100%; height: auto; break-inside: avoid; display: block; margin: .4rem 0; }
.output_png, .jp-RenderedImage, .output_subarea { break-inside: avoid; }
pre { white-space: pre-wrap; overflow-wrap: anywhere; font-size: 8pt; }
nav ol li a::after { content: leader(".") " " target-counter(attr(href), page); }
nav { break-after: page; break-inside: avoid; }
body > .summary h2, nav h2 { margin-top: 1.2rem; }
nav ol { margin: .3rem 0 0; } nav li { line-height: 1.3; }
a { color: inherit; text-decoration: none; }
"""

# links to files beside report.html (tables/, notebooks/): kept as text in the PDF
_FILE_LINK = re.compile(r"<a\s+href=\"(?!#)[^\"]*\"", re.IGNORECASE)


def pdf_available() -> bool:
    """Whether WeasyPrint and the system's Pango library load in this process."""
    try:
        require_pdf()
    except ReportError:
        return False
    return True


def require_pdf() -> None:
    """Raise :class:`~kommunanalys.errors.ReportError`, saying how to install Pango, when
    WeasyPrint cannot be loaded."""
    _weasyprint()


@memoize(maxsize=1)
def _weasyprint():
    try:
        import weasyprint
    except (ImportError, OSError) as exc:  # OSError: the Pango library of the system is missing
        raise ReportError(
            f"PDF-rapporten kan inte skapas: WeasyPrint gick inte att ladda ({exc}). Installera Pango "
            "(Debian/Ubuntu: apt-get install libpango-1.0-0 libpangoft2-1.0-0; macOS: brew install pango) "
            "eller hoppa över PDF med --format html,pptx,xlsx") from exc
    return weasyprint


@memoize(maxsize=1)
def _fetcher():
    """WeasyPrint's URL fetcher for a report: the embedded ``data:`` images only, no file, no network."""
    from weasyprint.urls import URLFetcher

    return URLFetcher(allowed_protocols=("data",), allow_redirects=False, timeout=1)


def build_pdf(report_html: str | Path, *, path: str | Path) -> Path:
    """Write the print-ready, tagged PDF of a report.

    Parameters
    ----------
    report_html
        The municipality's ``report.html`` (:func:`kommunanalys.report.html.write_report`).
    path
        The PDF to write.

    Returns
    -------
    pathlib.Path
        ``path``.

    Raises
    ------
    ReportError
        When WeasyPrint or the system's Pango library cannot be loaded (the message says how to
        install it).
    """
    weasyprint = _weasyprint()
    source = Path(report_html).read_text(encoding="utf-8")
    source = _FILE_LINK.sub("<a", source)
    source, figures = _take_figures(source)
    document = weasyprint.HTML(string=source, url_fetcher=_fetcher(), base_url=None)
    path = Path(path)
    document.write_pdf(path, stylesheets=[_stylesheet()], pdf_variant=PDF_VARIANT, uncompressed_pdf=False,
                       cache=figures, font_config=_font_config())
    return path


# an embedded PNG figure of the report (kommunanalys.report.html): <img ... src="data:image/png;base64,...">
_FIGURE_SRC = re.compile(r'(<img\b[^>]*?\ssrc=")data:image/png;base64,([A-Za-z0-9+/=\s]+)(")', re.IGNORECASE)
_FIGURE_URL = "kommunanalys-figur:{}"


def _take_figures(source: str) -> tuple[str, dict]:
    """The report without its embedded PNG figures, and WeasyPrint's image cache holding them.

    Each ``<img src="data:image/png;base64,…">`` gets a short URL (``kommunanalys-figur:3``) that
    only the cache knows (the fetcher refuses the scheme), so the HTML parser does not scan the
    megabytes of base64 and each figure is decoded once. A plain 8-bit RGB PNG (what the report's
    charts are, :func:`kommunanalys.pages.notebook.setup`) goes into the PDF with its own
    compressed rows (:func:`_figure_class`); any other PNG is converted by WeasyPrint as before.
    """
    import base64
    import binascii
    import hashlib

    figures: dict = {}
    try:
        make = _figure_class()
    except (ImportError, AttributeError):  # a WeasyPrint without 70's RasterImage: the report as it is
        return source, figures

    def swap(match: re.Match) -> str:
        try:
            png = base64.b64decode(match.group(2), validate=False)
            url = _FIGURE_URL.format(len(figures))
            figures[url] = make(png, hashlib.md5(png, usedforsecurity=False).hexdigest(), figures)
        except (binascii.Error, ValueError, OSError, TypeError, AttributeError):  # not a readable PNG, or a
            # WeasyPrint whose RasterImage differs from 70's: the data: URL stays and WeasyPrint decodes it as before
            return match.group(0)
        return f"{match.group(1)}{url}{match.group(3)}"

    return _FIGURE_SRC.sub(swap, source), figures


def _png_rows(png: bytes) -> bytes | None:
    """The compressed pixel rows (the IDAT chunks) of a PNG that a PDF can take as they are:
    8-bit RGB, not interlaced (PDF's ``/FlateDecode`` with PNG predictors, ISO 32000-1 7.4.4.4);
    else None."""
    import struct

    if png[:8] != b"\x89PNG\r\n\x1a\n" or png[12:16] != b"IHDR":
        return None
    depth, colour, compression, filters, interlace = png[24:29]
    if (depth, colour, compression, filters, interlace) != (8, 2, 0, 0, 0):
        return None
    rows, at = [], 8
    while at + 8 <= len(png):
        length, kind = struct.unpack(">I4s", png[at:at + 8])
        if kind == b"IDAT":
            rows.append(png[at + 8:at + 8 + length])
        at += 12 + length
    return b"".join(rows) or None


@memoize(maxsize=1)
def _figure_class():
    """A factory ``(png, image_id, cache) -> image`` of WeasyPrint raster images whose 8-bit RGB
    PNG rows are written into the PDF without decoding and re-compressing them (WeasyPrint
    re-encodes every PNG, the largest single cost of a report's PDF); the pixels are the same."""
    from io import BytesIO

    from PIL import Image
    from weasyprint import DEFAULT_OPTIONS
    from weasyprint.images import RasterImage

    def opaque_as_rgb(png: bytes, image) -> bytes:
        """An RGBA PNG whose alpha is opaque everywhere (matplotlib's default) as 8-bit RGB: the
        same pixels, and WeasyPrint need not split off and compress an alpha mask."""
        if image.mode != "RGBA" or image.getchannel("A").getextrema() != (255, 255):
            return png
        out = BytesIO()
        image.convert("RGB").save(out, format="PNG")
        return out.getvalue()

    class Figure(RasterImage):
        def __init__(self, png: bytes, image_id: str, cache: dict) -> None:
            rows = _png_rows(png)
            if rows is None:
                png = opaque_as_rgb(png, Image.open(BytesIO(png)))
                rows = _png_rows(png)
            super().__init__(Image.open(BytesIO(png)), image_id, png, cache=cache, orientation="none",
                             options=DEFAULT_OPTIONS)
            self._rows = rows if self.mode == "RGB" else None

        def _get_png_data(self, pillow_image):  # the rows of the source itself, else WeasyPrint's way
            if self._rows is not None and getattr(pillow_image, "format", None) == "PNG" \
                    and pillow_image.size == (self.width, self.height):
                return self._rows
            return RasterImage._get_png_data(pillow_image)

    return Figure


_fonts = threading.local()


def _font_config():
    """One Fontconfig font configuration per thread, shared by the PDFs it writes: WeasyPrint
    otherwise loads the system's fonts anew for every document (about 5 % of a report's PDF; the
    PDF is byte for byte the same). Per thread, since Pango's font maps are not made to be shared
    across threads (a batch on a thread pool writes PDFs side by side). The reports load no web
    fonts, so nothing is added to it."""
    if getattr(_fonts, "config", None) is None:
        from weasyprint.text.fonts import FontConfiguration

        _weasyprint()
        _fonts.config = FontConfiguration()
    return _fonts.config


@memoize(maxsize=1)
def _stylesheet():
    return _weasyprint().CSS(string=PRINT_CSS, url_fetcher=_fetcher())
