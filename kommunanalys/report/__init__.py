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
           "write_deliverables", "FORMATS"]

#: The formats ``kommunanalys report --format`` knows besides ``html``.
FORMATS = ("pptx", "xlsx")
DECK_FILE = "presentation.pptx"
WORKBOOK_FILE = "bilaga.xlsx"


def write_deliverables(folder, *, survey, municipality: str, threshold: int, formats=FORMATS,
                       template=None) -> list:
    """Write the deck and/or the workbook of one municipality into ``folder``; return the paths."""
    from pathlib import Path

    folder = Path(folder)
    content = gather(survey, municipality, threshold=threshold)
    written = []
    if "pptx" in formats:
        written.append(build_deck(content, path=folder / DECK_FILE, template=template))
    if "xlsx" in formats:
        written.append(build_workbook(content, path=folder / WORKBOOK_FILE))
    return written
