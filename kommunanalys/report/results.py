"""What a batch did: per municipality and notebook, status, failing cell, timings.

:func:`kommunanalys.report.batch.run_reports` returns a :class:`BatchResult`; its parts are
recorded here as the notebooks finish (:func:`_record_notebook`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Mapping

if TYPE_CHECKING:
    from .tasks import _NotebookOutcome

__all__ = ["BatchResult", "MunicipalityResult", "NotebookResult", "NotebookError"]


@dataclass
class NotebookError:
    """Where and why a notebook failed (from papermill's ``PapermillExecutionError``)."""

    ename: str
    evalue: str
    cell_index: int | None = None
    exec_count: int | None = None
    source: str = ""
    traceback: str = ""

    @classmethod
    def from_record(cls, error: Mapping[str, Any] | None) -> NotebookError | None:
        """The error of a manifest's notebook record or a task's outcome (None: no error)."""
        if not error:
            return None
        return cls(**{k: error[k] for k in ("ename", "evalue", "cell_index", "exec_count", "source", "traceback")
                      if k in error})

    def describe(self) -> str:
        """One line: ``cell 4 (In [3]): KeyError: 'Q99'``."""
        where = ""
        if self.cell_index is not None:
            where = f"cell {self.cell_index}"
            if self.exec_count is not None:
                where += f" (In [{self.exec_count}])"
            where += ": "
        return f"{where}{self.ename}: {self.evalue}".strip()


@dataclass
class NotebookResult:
    """One planned notebook of one municipality.

    ``status`` is ``"ok"`` (executed now), ``"reused"`` (unchanged since a successful earlier
    run), ``"failed"`` or ``"skipped"`` (the notebook file does not exist).
    """

    key: str
    notebook: str
    section: str
    status: str
    duration: float = 0.0
    attempts: int = 0
    error: NotebookError | None = None
    path: Path | None = None

    @property
    def failed(self) -> bool:
        return self.status == "failed"


@dataclass
class MunicipalityResult:
    """One municipality's report.

    ``status``: ``"ok"``, ``"failed"`` (a notebook failed; the report shows the other sections),
    ``"error"`` (the report could not be assembled; an earlier report, if any, is kept) or
    ``"unchanged"`` (nothing to redo).
    """

    code: str
    name: str
    slug: str
    status: str
    notebooks: list[NotebookResult] = field(default_factory=list)
    report: Path | None = None
    duration: float = 0.0
    error: str | None = None

    @property
    def failed(self) -> bool:
        return self.status in ("failed", "error")

    @property
    def failures(self) -> list[NotebookResult]:
        return [nb for nb in self.notebooks if nb.failed]


@dataclass
class BatchResult:
    """What :func:`run_reports` did: per municipality and notebook, status, failing cell, timings."""

    out: Path
    index: Path
    municipalities: list[MunicipalityResult]
    skipped_notebooks: list[str]
    elapsed: float
    jobs: int
    engine: str
    warnings: list[str] = field(default_factory=list)

    @property
    def failed(self) -> list[MunicipalityResult]:
        return [m for m in self.municipalities if m.failed]

    @property
    def exit_code(self) -> int:
        """0 when every report is complete, 1 when a notebook or a report failed."""
        return 1 if self.failed else 0

    @property
    def notebooks_run(self) -> int:
        return sum(nb.status in ("ok", "failed") for m in self.municipalities for nb in m.notebooks)

    @property
    def notebooks_reused(self) -> int:
        return sum(nb.status == "reused" for m in self.municipalities for nb in m.notebooks)

    def failures(self) -> list[tuple[str, str, NotebookError | None]]:
        """``(municipality code, notebook key, error)`` for every failure."""
        out = []
        for m in self.municipalities:
            for nb in m.failures:
                out.append((m.code, nb.key, nb.error))
            if m.status == "error":
                out.append((m.code, "report.html", NotebookError("ReportError", m.error or "")))
        return out

    def summary(self) -> str:
        """A short account in Swedish, for the command line."""
        n = len(self.municipalities)
        ok = sum(not m.failed for m in self.municipalities)
        rate = self.notebooks_run / self.elapsed if self.elapsed > 0 else 0.0
        lines = [
            f"Rapporter: {ok} av {n} kommuner klara, {len(self.failed)} med fel "
            f"({self.notebooks_run} notebooks körda, {self.notebooks_reused} oförändrade återanvända; "
            f"{self.elapsed:.1f} s, {rate:.2f} notebooks/s, {self.jobs} processer).",
            f"Index: {self.index}",
        ]
        if self.skipped_notebooks:
            lines.append("Notebooks som saknas och hoppades över: " + ", ".join(self.skipped_notebooks))
        for code, key, error in self.failures():
            lines.append(f"  FEL {code} {key}: {error.describe() if error else 'okänt fel'}")
        lines.extend(f"Obs: {w}" for w in self.warnings)
        return "\n".join(lines)


def _record_notebook(res: MunicipalityResult, manifest: dict, outcome: _NotebookOutcome, attempts: int) -> None:
    for record, nbr in zip(manifest["notebooks"], res.notebooks):
        if record["key"] == outcome.key:
            record["status"] = outcome.status
            record["duration"] = round(outcome.duration, 3)
            record["error"] = outcome.error
            record["attempts"] = attempts
            nbr.status = outcome.status
            nbr.duration = outcome.duration
            nbr.attempts = attempts
            nbr.error = NotebookError.from_record(outcome.error)
            return
