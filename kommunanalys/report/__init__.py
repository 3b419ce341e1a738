"""Council-ready deliverables of a municipality report: a slide deck and an Excel appendix.

Every format is built from the library's already-suppressed frames (:mod:`kommunanalys.content`
of this package gathers them); a hidden group is written as its ``note`` ("färre än 5 svar"),
never with a number. The library does not import this package.
"""

from __future__ import annotations

from .content import MunicipalityContent, gather
from .deck import build_deck
from .workbook import build_workbook, build_batch_workbook

__all__ = ["MunicipalityContent", "gather", "build_deck", "build_workbook", "build_batch_workbook",
           "write_deliverables", "write_batch_workbook", "FORMATS", "DELIVERABLES"]

#: The formats ``kommunanalys report --format`` knows besides ``html``.
FORMATS = ("pptx", "xlsx")
DECK_FILE = "presentation.pptx"
WORKBOOK_FILE = "bilaga.xlsx"
BATCH_WORKBOOK_FILE = "bilaga_alla_kommuner.xlsx"
#: File of each format in a municipality's folder, and how ``index.html`` names its link.
DELIVERABLES = {"pptx": (DECK_FILE, "presentation"), "xlsx": (WORKBOOK_FILE, "bilaga (Excel)")}


def _survey(data: str):
    from ..notebook import survey_for  # parsed once per process (keyed by path and mtime)

    return survey_for(data)


def deliverables_for_batch(folder, *, data: str, municipality: str, threshold: int, formats,
                           template=None, population: str | None = None) -> list:
    """The batch's hook (:func:`kommunanalys.batch._assemble`): the deck and workbook of one
    municipality into its staging folder, from the survey at ``data`` (and the population file
    ``population``, for response rates)."""
    return write_deliverables(folder, survey=_survey(data), municipality=municipality, threshold=threshold,
                              formats=formats, template=template, population=population)


def write_batch_workbook(out, *, data: str, threshold: int, codes, population: str | None = None) -> "Path":
    """``<out>/bilaga_alla_kommuner.xlsx`` across the municipalities ``codes`` (written atomically)."""
    import os
    import uuid
    from pathlib import Path

    survey = _survey(data)
    target = Path(out) / BATCH_WORKBOOK_FILE
    tmp = target.with_name(f".{target.stem}.{uuid.uuid4().hex[:8]}.xlsx")
    build_batch_workbook([gather(survey, c, threshold=threshold, light=True, population=population)
                          for c in codes], path=tmp)
    os.replace(tmp, target)
    return target


def write_deliverables(folder, *, survey, municipality: str, threshold: int, formats=FORMATS,
                       template=None, population=None) -> list:
    """Write the deck and/or the workbook of one municipality into ``folder``; return the paths.

    ``population``: a population file or frame (:mod:`kommunanalys.population`) for response rates."""
    from pathlib import Path

    folder = Path(folder)
    content = gather(survey, municipality, threshold=threshold, population=population)
    written = []
    if "pptx" in formats:
        written.append(build_deck(content, path=folder / DECK_FILE, template=template))
    if "xlsx" in formats:
        written.append(build_workbook(content, path=folder / WORKBOOK_FILE))
    return written
