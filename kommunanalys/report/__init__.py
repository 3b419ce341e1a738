"""Council-ready deliverables of a municipality report: a slide deck, an Excel appendix and a PDF.

Every format is built from the library's already-suppressed frames (:mod:`kommunanalys.content`
of this package gathers them); a hidden group is written as its ``note`` ("färre än 5 svar"),
never with a number. The PDF (:mod:`.pdf`) is the municipality's ``report.html`` laid out for
print. The library does not import this package.
"""

from __future__ import annotations

from pathlib import Path

from .content import MunicipalityContent, gather
from .deck import build_deck
from .pdf import build_pdf, pdf_available
from .workbook import build_workbook, build_batch_workbook

__all__ = ["MunicipalityContent", "gather", "build_deck", "build_workbook", "build_batch_workbook",
           "build_pdf", "pdf_available", "write_deliverables", "write_batch_workbook", "FORMATS",
           "DELIVERABLES"]

#: The formats ``kommunanalys report --format`` knows besides ``html``.
FORMATS = ("pptx", "xlsx", "pdf")
DECK_FILE = "presentation.pptx"
WORKBOOK_FILE = "bilaga.xlsx"
PDF_FILE = "rapport.pdf"
BATCH_WORKBOOK_FILE = "bilaga_alla_kommuner.xlsx"
#: File of each format in a municipality's folder, and how ``index.html`` names its link.
DELIVERABLES = {"pptx": (DECK_FILE, "presentation"), "xlsx": (WORKBOOK_FILE, "bilaga (Excel)"),
                "pdf": (PDF_FILE, "rapport (PDF)")}


def _survey(data: str, instrument: str | None = None, export_municipality: str | None = None):
    from ..loader import survey_for  # parsed once per process (keyed by path and mtime)

    return survey_for(data, instrument=instrument, municipality=export_municipality)


def deliverables_for_batch(folder, *, data: str, municipality: str, threshold: int, formats,
                           template=None, instrument: str | None = None,
                           export_municipality: str | None = None, review: str | None = None,
                           previous=None, current_round=None, population: str | None = None,
                           key_figures: str | None = None, comparison=None, low_rate: float | None = None) -> list:
    """The batch's hook (:func:`kommunanalys.report.tasks._assemble`): the deck, workbook and PDF of one
    municipality into its staging folder (where ``report.html`` is), from the survey at ``data``
    (read with ``instrument``; ``export_municipality`` for an export of one municipality;
    ``review``: the municipality's review file, applied to the quotes; ``previous``,
    ``{label: path}``: earlier rounds, for the changes since then; ``population``: the population
    file, for response rates; ``key_figures``, ``comparison``: the efficiency page's key-figure
    file and comparison group, for the result-chain slide)."""
    survey = _survey(data, instrument, export_municipality) if {"pptx", "xlsx"} & set(formats) else None
    return write_deliverables(folder, survey=survey, municipality=municipality, threshold=threshold,
                              formats=formats, template=template, review=review, previous=previous,
                              current_round=current_round, population=population, key_figures=key_figures,
                              comparison=comparison, low_rate=low_rate)


def write_batch_workbook(out, *, data: str, threshold: int, codes, instrument: str | None = None,
                         export_municipality: str | None = None, previous=None, current_round=None,
                         population: str | None = None, low_rate: float | None = None, survey=None) -> Path:
    """``<out>/bilaga_alla_kommuner.xlsx`` across the municipalities ``codes`` (written atomically);
    with earlier rounds ``previous`` also the sheet "Förändring" for all of them. ``survey``: the
    survey at ``data`` when the caller has read it already (the batch has)."""
    import os
    import uuid

    survey = survey if survey is not None else _survey(data, instrument, export_municipality)
    target = Path(out) / BATCH_WORKBOOK_FILE
    tmp = target.with_name(f".{target.stem}.{uuid.uuid4().hex[:8]}.xlsx")
    contents = [gather(survey, c, threshold=threshold, light=True, population=population, low_rate=low_rate)
                for c in codes]
    if previous:
        from ..rounds import CURRENT_LABEL, changes, load_rounds

        earlier = load_rounds(previous, instrument=survey.instrument, cached=True)
        for content in contents:
            content.current_round = current_round or CURRENT_LABEL
            content.changes = changes(survey, earlier, content.code, current_label=content.current_round,
                                      threshold=content.threshold)
    build_batch_workbook(contents, path=tmp)
    os.replace(tmp, target)
    return target


def write_deliverables(folder, *, survey, municipality: str, threshold: int, formats=("pptx", "xlsx"),
                       template=None, review=None, previous=None, current_round=None, population=None,
                       key_figures=None, comparison=None, low_rate=None) -> list:
    """Write the deck, the workbook and/or the PDF of one municipality into ``folder``; return the paths.

    The PDF (``"pdf"`` in ``formats``; the batch asks for it) is made from ``folder/report.html``,
    which must be there; the default is the deck and the workbook. ``survey`` is needed for the
    deck and the workbook only. ``review`` (a review file) is applied to the quotes. With
    ``previous`` (earlier rounds, ``{label: path or Survey}``) the deck gets the slide "Förändring
    sedan …" and the workbook the sheet "Förändring" (:mod:`kommunanalys.rounds`). ``population``:
    a population file or frame (:mod:`kommunanalys.population`) for response rates. ``key_figures``
    and ``comparison``: as the efficiency page's (the deck's result-chain slide; None: the demo's
    illustrative figures for the synthetic demo, "no key figures given" for a real survey).
    ``low_rate``: the response rate under which a role gets a note (default 30 %).
    """
    from pathlib import Path

    folder = Path(folder)
    written = []
    if "pdf" in formats:
        written.append(build_pdf(folder / "report.html", path=folder / PDF_FILE))
    if not {"pptx", "xlsx"} & set(formats):
        return written
    content = gather(survey, municipality, threshold=threshold, review=review, population=population,
                     key_figures=key_figures, comparison=comparison, low_rate=low_rate)
    if previous:
        from ..rounds import CURRENT_LABEL, changes, load_rounds

        content.current_round = current_round or CURRENT_LABEL
        content.changes = changes(survey, load_rounds(previous, instrument=survey.instrument, cached=True),
                                  content.code, current_label=content.current_round, threshold=content.threshold)
    if "pptx" in formats:
        written.append(build_deck(content, path=folder / DECK_FILE, template=template))
    if "xlsx" in formats:
        written.append(build_workbook(content, path=folder / WORKBOOK_FILE))
    return written
