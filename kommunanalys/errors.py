"""The package's exception and warning tree.

Every error raised on purpose by kommunanalys derives from :class:`KommunanalysError`, so a
caller can catch one class; every warning derives from :class:`KommunanalysWarning`, so a caller
can filter them with one ``warnings.filterwarnings("ignore", category=KommunanalysWarning)``::

    KommunanalysError
    ├── InputError (also ValueError)
    │   ├── InstrumentError
    │   └── DataFormatError
    ├── AnonymityError
    ├── KoladaFetchError
    └── ReportError
        └── KernelResetError (also RuntimeError)
    KommunanalysWarning (a UserWarning)
    ├── EfficiencyWarning
    └── KoladaWarning

The modules that raise them re-export them (``kommunanalys.kolada.KoladaWarning`` …). Errors about input data carry where the problem is (file, row,
column, value) and a hint that says how to fix it; ``str(error)`` renders all of it in one
readable message in Swedish ("fil …, rad …, kolumn …, värde …: …" and "Så rättar du: …"), so
the command line can print it instead of a traceback.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = [
    "KommunanalysError",
    "InputError",
    "InstrumentError",
    "DataFormatError",
    "AnonymityError",
    "ReportError",
    "KernelResetError",
    "KoladaFetchError",
    "KommunanalysWarning",
    "EfficiencyWarning",
    "KoladaWarning",
]


class KommunanalysError(Exception):
    """Root of every error raised on purpose by kommunanalys."""


@dataclass
class _Where:
    file: str | Path | None = None
    row: int | None = None
    column: str | None = None
    value: Any = None


class InputError(KommunanalysError, ValueError):
    """Bad input: names the file, row, column and value, and says how to fix it.

    Parameters
    ----------
    message
        What is wrong, in one sentence.
    file, row, column, value
        Where it is. ``row`` is the 1-based line (CSV) or row (spreadsheet) number as the user
        sees it in the file, header included.
    hint
        How to fix it.
    """

    def __init__(
        self,
        message: str,
        *,
        file: str | Path | None = None,
        row: int | None = None,
        column: str | None = None,
        value: Any = None,
        hint: str | None = None,
    ) -> None:
        self.message = message
        self.file = str(file) if file is not None else None
        self.row = row
        self.column = column
        self.value = value
        self.hint = hint
        super().__init__(self._render())

    def _render(self) -> str:
        # in Swedish, as the consultant reads it: "fil …, rad …, kolumn …, värde …" and "Så rättar du:"
        parts = []
        if self.file is not None:
            parts.append(f"fil {self.file}")
        if self.row is not None:
            parts.append(f"rad {self.row}")
        if self.column is not None:
            parts.append(f"kolumn {self.column!r}")
        if self.value is not None:
            parts.append(f"värde {self.value!r}")
        where = ", ".join(parts)
        text = f"{where}: {self.message}" if where else self.message
        if self.hint:
            text += f"\n  Så rättar du: {self.hint}"
        return text


class InstrumentError(InputError):
    """The instrument (question catalogue) file is malformed or inconsistent."""


class DataFormatError(InputError):
    """A data file cannot be read at all (empty, binary, wrong format, unknown columns)."""


class AnonymityError(KommunanalysError):
    """A request would reveal a group smaller than the anonymity threshold."""


class ReportError(KommunanalysError):
    """Building a report failed (a notebook raised, an output could not be written)."""


class KernelResetError(ReportError, RuntimeError):
    """The warm kernel could not be put back into a fresh state (it is discarded)."""


class KoladaFetchError(KommunanalysError):
    """Fetching from the Kolada API failed (network, HTTP error, not JSON)."""


class KommunanalysWarning(UserWarning):
    """Root of every warning kommunanalys issues (legal but doubtful input or results)."""


class EfficiencyWarning(KommunanalysWarning):
    """A ratio or a frontier is legal but doubtful (a zero denominator, too few units)."""


class KoladaWarning(KommunanalysWarning):
    """Kolada data is readable but doubtful (an unfollowed next page, deleted rows dropped)."""
