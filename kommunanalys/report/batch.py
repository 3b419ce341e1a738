"""Batch reports: one finished report per municipality — complete, isolated, resumable, fast.

:func:`run_reports` executes the analysis notebooks with papermill for every municipality in a
survey export and assembles, per municipality, one HTML report in the seed's order, plus an index
of all municipalities. ``kommunanalys report`` is a thin wrapper around it.

The notebook contract
---------------------
Every notebook in ``notebooks/`` that the batch runs follows it:

* one code cell tagged ``parameters`` holding the defaults::

      municipality = "1761"       # four-digit code
      data = None                 # None = the bundled synthetic demo; else the path of an export
      output_dir = None           # the batch passes a folder; tables go to <output_dir>/tables/
      anonymity_threshold = 5     # smallest group shown with its number
      interactive = True          # the batch passes False: no widgets, static figures only

  plus ``question = "Q6"`` in the question notebook (run once per Likert question; the plan also
  passes ``gap_overview = False``: a report charts the role gaps of all questions once, in the
  root-cause section, and each question's section states its own gap and rank) and
  ``theme`` in the quotes notebook (run once per report section that shows quotes). Values
  derived from parameters are computed in a later cell (papermill does not recompute the
  parameters cell). Keep one ``=`` per line in the parameters cell (papermill's parser).
* the data behind every chart and table is written with
  :func:`kommunanalys.pages.notebook.write_table` to ``<output_dir>/tables/<name>.csv``; table names
  must be unique across the notebooks of a report (the batch merges them into one ``tables/``);
* the survey is loaded with :func:`kommunanalys.pages.notebook.survey_for` (cached per kernel) and
  treated as read-only; notebooks do not change kernel configuration (``%config``), module globals
  or the working directory for later notebooks to see — the warm-kernel engine resets everything a
  fresh kernel would not have (see :mod:`kommunanalys.report.engine`), but not those;
* outputs are deterministic (seeded randomness; no timestamps, memory addresses or random ids in
  outputs — e.g. display DataFrames, not ``Styler`` objects, whose HTML ids are random);
* ``report.html`` shows every markdown cell and every output, never code. Left out are the cells
  above the ``parameters`` cell (the notebook's own title and instructions for interactive use:
  the report gives each section its heading) and cells tagged ``remove-cell``; use ``###`` and
  below for headings inside a notebook, the report's sections are ``<h2>``.

The notebook plan
-----------------
A plan is a list of :class:`PlanEntry`, in report order. Each entry names a notebook file (in
``notebooks/``), the report section it belongs to (an id of the instrument's
``report_sections``), extra parameters, and a unique ``key`` naming the executed notebook::

    PlanEntry("01_question.ipynb", section="goals", parameters={"question": "Q6"}, key="01_question-Q6")
    # key "01_question-Q6" -> <municipality>/notebooks/01_question-Q6.ipynb

:func:`default_plan` builds the plan from the instrument: who answered (``00_respondents``);
per Likert question of each section the question notebook (``01_question``); the quotes notebook
(``02_quotes``) after the questions of the sections marked ``quotes: true`` in the instrument
(as the seed: economy and quality follow-up; roles and trust); root causes (``03_root_causes``); efficiency
(``04_efficiency``). Entries whose notebook file does not exist yet are skipped (listed in
:attr:`BatchResult.skipped_notebooks`); pass ``plan=`` to run another list.

Output
------
::

    <out>/index.html                   every municipality: status, respondents per role, links
    <out>/batch.json                   the same, machine-readable
    <out>/1761-hammaro/report.html     no code, figures embedded, opens offline
    <out>/1761-hammaro/notebooks/*.ipynb   the executed notebooks (also the failed ones)
    <out>/1761-hammaro/tables/*.csv    the data behind every chart and table
    <out>/1761-hammaro/manifest.json   what was built from what (hashes), status, errors

Isolation, reruns, atomic outputs
---------------------------------
Every notebook runs as its own task: a failing notebook (or a crashed kernel or worker) never
stops the others. The failure, with the failing cell (from papermill's
:class:`~papermill.exceptions.PapermillExecutionError`: cell index, ``In [n]``, error name and
message), is recorded in the municipality's manifest, shown in the index and in the report's
section (a note instead of the section's content), and makes :attr:`BatchResult.exit_code` 1.
A kernel that dies or cannot be reset is replaced and its notebook retried once (``retries``).

A re-run redoes only what failed or changed: a notebook is re-executed when its *input hash*
differs — the hash of the data file's content, the notebook's cells (types, sources and tags;
not the metadata an editor rewrites), its parameters, the package
(version and a digest of its source files and instrument), the digests of the review and
key-figure files the notebook takes, and the versions of Python, pandas, matplotlib, seaborn and
papermill. Unchanged, successful notebooks are reused as they are; a
municipality whose every notebook is unchanged is not touched at all. ``force=True`` rebuilds
everything; ``only_failed=True`` re-runs only notebooks that failed last time (even if others'
inputs changed).

A municipality's new folder is built in ``<out>/.staging/<run>/`` and published with
``os.replace`` (the old folder is first moved aside, then removed): at any moment a municipality
folder is a complete old or a complete new report, never half-written. The index is written to a
temporary file and replaced. After an interruption, the next run removes stale staging folders and
restores a folder that was moved aside but not replaced. Run one batch per output folder at a time.

Speed and executors
-------------------
Notebooks run in parallel on ``jobs`` worker processes (default: all cores available to this
process). Each worker keeps one warm kernel (:mod:`kommunanalys.report.engine`) that imports pandas,
seaborn and kommunanalys once and is reset before every notebook, so a notebook costs its own
cells, not kernel start-up and imports. Pass ``engine="nbclient"`` to run every notebook on a
fresh kernel instead (papermill's default; slower, for comparison).

``executor=`` takes any :class:`concurrent.futures.Executor`-compatible object; tasks are plain
picklable functions. To spread a batch over a cluster, hand it a Dask executor (workers need the
package installed and a file system shared with the caller for ``out`` and ``data``)::

    from distributed import Client
    with Client("tcp://scheduler:8786") as client:
        result = run_reports(data, out="/shared/reports", executor=client.get_executor())

An executor passed in is not shut down. Each worker process (Dask: each worker thread) keeps its
own warm kernel. The batch keeps about two notebooks per worker queued (``jobs``, else the
executor's ``_max_workers``, else 32), so finished municipalities are published while the rest run.
"""

from __future__ import annotations

import collections
import concurrent.futures as cf
import hashlib
import json
import logging
import os
import re
import shutil
import sys
import time
import uuid
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence

from .. import paths
from .._lru import memoize
from ..errors import ReportError
from ..municipalities import lookup_municipality, slugify

__all__ = [
    "PlanEntry",
    "default_plan",
    "run_reports",
    "BatchResult",
    "MunicipalityResult",
    "NotebookResult",
    "NotebookError",
    "QUOTE_SECTIONS",
    "SECTION_NOTEBOOKS",
]

log = logging.getLogger(__name__)

#: Report sections whose comments the seed shows as quotes after the questions (the bundled
#: instrument marks them ``quotes: true``; the plan reads the instrument, see ``_quote_sections``).
QUOTE_SECTIONS = ("follow_up", "trust")
#: The notebook of each section without Likert questions.
SECTION_NOTEBOOKS = {
    "respondents": "00_respondents.ipynb",
    "root_causes": "03_root_causes.ipynb",
    "efficiency": "04_efficiency.ipynb",
}
QUESTION_NOTEBOOK = "01_question.ipynb"
QUOTES_NOTEBOOK = "02_quotes.ipynb"
#: The trend section (:mod:`kommunanalys.pages.rounds`), in the plan only when earlier rounds are given.
TRENDS_NOTEBOOK = "06_trends.ipynb"
TRENDS_SECTION = {"id": "trends", "title": "Förändring sedan förra omgången"}
#: Notebooks told they run inside a report: each quote is shown once per report, on the page of
#: the question it comments on (the quotes and root-cause pages point there).
IN_REPORT = {"in_report": True}
#: Seconds a single cell may run before it counts as failed (None: no limit).
CELL_TIMEOUT: float | None = 1800
_MANIFEST = "manifest.json"
#: Files a notebook writes to its output folder that the report folder publishes beside
#: report.html (the editable next steps of the root-cause notebook).
PUBLISHED_FILES = ("nasta_steg.md",)
_MANIFEST_FORMAT = 1
_STAGING = ".staging"
_ASIDE = ".aside"
_LOCK = ".lock"


# ---------------------------------------------------------------------------------------------
# The plan
# ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class PlanEntry:
    """One notebook run of a report.

    Parameters
    ----------
    notebook
        File name in the notebooks folder (or an absolute path).
    section
        The report section (an id of ``instrument.report_sections``) it belongs to.
    parameters
        Parameters besides the contract's common ones (e.g. ``{"question": "Q6"}``).
    key
        Unique name of the executed notebook in the report; default: the notebook's stem
        followed by the parameter values (``01_question-Q6``).
    """

    notebook: str
    section: str
    parameters: Mapping[str, Any] = field(default_factory=dict)
    key: str = ""

    def __post_init__(self) -> None:
        if not self.key:
            parts = [Path(self.notebook).stem] + [_slug_part(v) for v in self.parameters.values()]
            object.__setattr__(self, "key", "-".join(parts))


def _slug_part(value: Any) -> str:
    import unicodedata

    folded = unicodedata.normalize("NFKD", str(value)).encode("ascii", "ignore").decode()
    return re.sub(r"[^A-Za-z0-9]+", "_", folded).strip("_") or "x"


def default_plan(instrument=None) -> list[PlanEntry]:
    """The plan of a municipality report, in the seed's order (see the module docstring)."""
    if instrument is None:
        from ..instrument import load_instrument

        instrument = load_instrument()
    plan: list[PlanEntry] = []
    for section in instrument.report_sections:
        sid = section["id"]
        if sid in SECTION_NOTEBOOKS:
            notebook = SECTION_NOTEBOOKS[sid]
            plan.append(PlanEntry(notebook, section=sid, key=Path(notebook).stem,
                                  parameters=dict(IN_REPORT) if notebook == "03_root_causes.ipynb" else {}))
            continue
        questions = [q for q in section.get("questions") or [] if instrument[q].kind == "likert"]
        for qid in questions:
            # the root-cause section charts the role gap of every question once; a question's
            # section shows its own gap and rank only
            plan.append(PlanEntry(QUESTION_NOTEBOOK, section=sid, parameters={"question": qid, "gap_overview": False},
                                  key=f"{Path(QUESTION_NOTEBOOK).stem}-{_slug_part(qid)}"))
        if sid in _quote_sections(instrument) and questions:
            theme = _codebook_theme(instrument[questions[0]].theme or section.get("title", sid))
            if theme is not None:
                plan.append(PlanEntry(QUOTES_NOTEBOOK, section=sid, parameters={"theme": theme, **IN_REPORT},
                                      key=f"{Path(QUOTES_NOTEBOOK).stem}-{sid}"))
                continue
            # a theme the quote codebook does not know: the quotes on each commented question
            commented = {q.comments for q in instrument.comment_questions()}
            for qid in (q for q in questions if q in commented):
                plan.append(PlanEntry(QUOTES_NOTEBOOK, section=sid, parameters={"theme": None, "question": qid, **IN_REPORT},
                                      key=f"{Path(QUOTES_NOTEBOOK).stem}-{sid}-{_slug_part(qid)}"))
    return plan


def _quote_sections(instrument) -> set[str]:
    """Sections whose comments are quoted after their questions: those marked ``quotes: true`` in
    the instrument; when no section says, every section with a commented Likert question."""
    sections = instrument.report_sections
    marked = {s["id"] for s in sections if s.get("quotes")}
    if marked or any("quotes" in s for s in sections):
        return marked
    commented = {q.comments for q in instrument.comment_questions() if q.comments}
    return {s["id"] for s in sections if commented & set(s.get("questions") or [])}


def _codebook_theme(theme: str | None) -> str | None:
    """The instrument theme if the quote codebook knows it, else None (every theme)."""
    from ..themes import load_themes

    if theme is None:
        return None
    known = {t.name.lower() for t in load_themes()} | {t.id.lower() for t in load_themes()}
    return theme if str(theme).strip().lower() in known else None


def _check_plan(plan: Sequence[PlanEntry]) -> None:
    keys = [e.key for e in plan]
    dupes = sorted({k for k in keys if keys.count(k) > 1})
    if dupes:
        raise ReportError(f"notebookplanen har samma nyckel flera gånger: {', '.join(dupes)}; "
                          "ge varje PlanEntry en egen `key`")


# ---------------------------------------------------------------------------------------------
# Results
# ---------------------------------------------------------------------------------------------
@dataclass
class NotebookError:
    """Where and why a notebook failed (from papermill's ``PapermillExecutionError``)."""

    ename: str
    evalue: str
    cell_index: int | None = None
    exec_count: int | None = None
    source: str = ""
    traceback: str = ""

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


# ---------------------------------------------------------------------------------------------
# Hashing
# ---------------------------------------------------------------------------------------------
def _sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _notebook_digest(path: Path) -> str:
    """The hash of what a notebook executes: its cells' types, sources and tags.

    Metadata an editor rewrites (JupyterLab's kernelspec and language info, cell ids, widths,
    collapsed/scrolled flags), outputs and execution counts do not change execution, so opening
    and saving a notebook does not force a rebuild.
    """
    import nbformat

    nb = nbformat.read(str(path), as_version=4)
    cells = [[c.get("cell_type"), c.get("source", ""), sorted(c.get("metadata", {}).get("tags", []))]
             for c in nb.cells]
    return hashlib.sha256(json.dumps(cells, ensure_ascii=False).encode()).hexdigest()


def _package_fingerprint(instrument_source: str | None) -> dict[str, str]:
    from importlib import metadata

    import kommunanalys

    digest = hashlib.sha256()
    package_dir = Path(kommunanalys.__file__).parent
    # every source file and package data file, subpackages included (not caches)
    for file in sorted(p for p in package_dir.rglob("*") if p.is_file()
                       and "__pycache__" not in p.parts and p.suffix not in (".pyc", ".pyo")):
        digest.update(file.relative_to(package_dir).as_posix().encode())
        digest.update(file.read_bytes())
    instrument = Path(instrument_source) if instrument_source else paths.INSTRUMENT_FILE
    if instrument.exists():
        digest.update(instrument.read_bytes())
    versions = {"kommunanalys": getattr(kommunanalys, "__version__", "?"),
                "python": ".".join(map(str, sys.version_info[:3]))}
    for dist in ("pandas", "matplotlib", "seaborn", "papermill", "numpy"):
        try:
            versions[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            versions[dist] = "-"
    versions["digest"] = digest.hexdigest()
    return versions


def _input_hash(*, data_sha: str, notebook_sha: str, parameters: Mapping[str, Any],
                package: Mapping[str, str], inputs: Mapping[str, str] | None = None) -> str:
    content = {"data": data_sha, "notebook": notebook_sha, "parameters": dict(parameters),
               "package": dict(package)}
    if inputs:  # digests of the files a parameter names (review file, key figures, population)
        content["inputs"] = dict(inputs)
    blob = json.dumps(content, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(blob.encode()).hexdigest()


# ---------------------------------------------------------------------------------------------
# Tasks (run in worker processes; plain picklable data in and out)
# ---------------------------------------------------------------------------------------------
@dataclass
class _NotebookTask:
    code: str
    key: str
    input_path: str
    output_path: str
    work_dir: str
    parameters: dict
    kernel_name: str
    engine: str
    cwd: str
    timeout: float | None
    attempt: int = 1


@dataclass
class _NotebookOutcome:
    code: str
    key: str
    status: str  # "ok" | "failed"
    duration: float
    error: dict | None = None
    retryable: bool = False
    pid: int = 0


_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


def _strip_ansi(text: str) -> str:
    return _ANSI.sub("", text)


def _quiet_papermill() -> None:
    logging.getLogger("papermill").setLevel(logging.ERROR)


def _worker_init() -> None:
    """A worker process: quiet papermill, and leave Ctrl-C to the batch (which stops the worker
    and its kernel); a worker that took SIGINT itself would print its traceback."""
    import signal

    _quiet_papermill()
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _stop_descendants(timeout: float = 10.0) -> None:
    """Stop every process this one started (workers and their kernels), kernels included.

    Kernels run in their own session (jupyter_client), so they do not see a terminal's Ctrl-C,
    and a worker stopped first would leave its kernel behind: the whole tree is collected
    first, then terminated, and what does not exit in time is killed.
    """
    try:
        import psutil
    except ImportError:  # pragma: no cover - psutil comes with ipykernel
        return
    try:
        children = psutil.Process().children(recursive=True)
    except psutil.Error:  # pragma: no cover
        return
    for child in children:
        try:
            child.terminate()
        except psutil.Error:
            pass
    _, alive = psutil.wait_procs(children, timeout=timeout)
    for child in alive:
        try:
            child.kill()
        except psutil.Error:
            pass
    psutil.wait_procs(alive, timeout=timeout)


def _execute_notebook(task: _NotebookTask) -> _NotebookOutcome:
    """Execute one notebook with papermill (in a worker process)."""
    import papermill
    from papermill.exceptions import PapermillExecutionError

    _quiet_papermill()
    started = time.perf_counter()
    try:  # the municipality's staging folder is made by the batch; gone means the batch was stopped
        Path(task.output_path).parent.mkdir(exist_ok=True)
        Path(task.work_dir).parent.mkdir(exist_ok=True)
        Path(task.work_dir).mkdir(exist_ok=True)
    except FileNotFoundError as exc:
        return _NotebookOutcome(task.code, task.key, "failed", 0.0,
                                {"ename": "FileNotFoundError", "evalue": str(exc)}, pid=os.getpid())
    extra: dict[str, Any] = {}
    if task.engine != "nbclient" and task.engine is not None:
        extra["kernel_cwd"] = task.cwd
    try:
        papermill.execute_notebook(
            task.input_path, task.output_path, parameters=task.parameters,
            engine_name=task.engine, kernel_name=task.kernel_name, progress_bar=False,
            request_save_on_cell_execute=False, cwd=None if extra else task.cwd,
            execution_timeout=task.timeout, **extra,
        )
    except PapermillExecutionError as exc:
        error = {"ename": exc.ename, "evalue": _strip_ansi(str(exc.evalue)), "cell_index": exc.cell_index,
                 "exec_count": exc.exec_count, "source": exc.source,
                 "traceback": _strip_ansi("\n".join(exc.traceback or []))}
        return _NotebookOutcome(task.code, task.key, "failed", time.perf_counter() - started, error,
                                retryable=False, pid=os.getpid())
    except Exception as exc:  # kernel died, timed out, could not start or reset, notebook unreadable
        import traceback

        error = {"ename": type(exc).__name__, "evalue": _strip_ansi(str(exc)).strip()[:2000],
                 "traceback": _strip_ansi(traceback.format_exc())[-5000:]}
        return _NotebookOutcome(task.code, task.key, "failed", time.perf_counter() - started, error,
                                retryable=True, pid=os.getpid())
    return _NotebookOutcome(task.code, task.key, "ok", time.perf_counter() - started, pid=os.getpid())


@dataclass
class _AssembleTask:
    code: str
    name: str
    slug: str
    staging: str
    title: str
    synthetic: bool
    sections: list[dict]
    parts: list[dict]  # per plan entry: key, section, status, error, notebook path (relative)
    manifest: dict
    respondents: list[dict]
    deliverables: dict | None = None  # deck/workbook: data, threshold, formats, template (kommunanalys.report)
    report_words: dict | None = None  # summary, lead-ins, method appendix: data, threshold, texts (report_html)


def _assemble(task: _AssembleTask) -> tuple[str, str | None]:
    """Merge the tables, write report.html and manifest.json into the staging folder."""
    from .html import report_words, write_report

    staging = Path(task.staging)
    try:
        tables = staging / "tables"
        tables.mkdir(exist_ok=True)  # no parents: a removed staging folder (interrupted batch) stays removed
        work = staging / ".work"
        produced: dict[str, list[str]] = {}
        published: dict[str, list[str]] = {}
        writer: dict[str, str] = {}  # table -> the notebook (plan key) that wrote it
        for part in task.parts:
            source = work / part["key"] / "tables"
            names = sorted(p.name for p in source.glob("*.csv")) if source.is_dir() else []
            for table in names:
                if table in writer:  # never let one notebook's table overwrite another's
                    raise ReportError(f"tabellen tables/{table} skrivs av både {writer[table]} och {part['key']}; "
                                      "tabellnamn måste vara unika inom en rapport (ge tabellen ett eget namn)")
                writer[table] = part["key"]
                os.replace(source / table, tables / table)
            if part["status"] != "reused":
                produced[part["key"]] = names
            for name in PUBLISHED_FILES:  # e.g. nasta_steg.md, beside report.html
                if (work / part["key"] / name).is_file():
                    os.replace(work / part["key"] / name, staging / name)
                    published.setdefault(part["key"], []).append(name)
        shutil.rmtree(work, ignore_errors=True)
        for entry in task.manifest["notebooks"]:
            if entry["key"] in produced:
                entry["tables"] = produced[entry["key"]]
            if entry["key"] in published:
                entry["published"] = published[entry["key"]]
        write_report(
            staging / "report.html", parts=task.parts, root=staging, sections=task.sections,
            municipality=task.name, code=task.code, title=task.title, synthetic=task.synthetic,
            respondents=task.respondents,
            **(report_words(municipality=task.code, **task.report_words) if task.report_words else {}),
        )
        # --- deliverables hook (kommunanalys.report): deck and workbook beside report.html ---
        if task.deliverables:
            from . import deliverables_for_batch

            deliverables_for_batch(staging, municipality=task.code, **task.deliverables)
        # --- end of the deliverables hook ---
        (staging / _MANIFEST).write_text(json.dumps(task.manifest, indent=2, ensure_ascii=False, default=str),
                                         encoding="utf-8")
    except Exception as exc:  # reported as the municipality's error; the old report stays
        import traceback

        return task.code, f"{type(exc).__name__}: {exc}\n{traceback.format_exc()[-3000:]}"
    return task.code, None


# ---------------------------------------------------------------------------------------------
# Publishing
# ---------------------------------------------------------------------------------------------
def _publish(staging: Path, final: Path, aside_root: Path) -> None:
    """Replace ``final`` by ``staging`` (both complete folders on the same file system)."""
    if final.exists():
        aside_root.mkdir(parents=True, exist_ok=True)
        aside = aside_root / f"{final.name}--{uuid.uuid4().hex[:8]}"
        os.replace(final, aside)
        os.replace(staging, final)
        shutil.rmtree(aside, ignore_errors=True)
    else:
        os.replace(staging, final)


def _recover(out: Path) -> None:
    """Clean up after an interrupted run: stale staging, folders moved aside but not replaced."""
    aside_root = out / _ASIDE
    if aside_root.is_dir():
        for aside in sorted(aside_root.iterdir()):
            slug = aside.name.rsplit("--", 1)[0]
            final = out / slug
            if not final.exists() and (aside / _MANIFEST).exists():
                os.replace(aside, final)
            else:
                shutil.rmtree(aside, ignore_errors=True)
        shutil.rmtree(aside_root, ignore_errors=True)
    shutil.rmtree(out / _STAGING, ignore_errors=True)


class _OutputLock:
    """An exclusive ``fcntl.flock`` on ``<out>/.lock``, held for the whole batch."""

    def __init__(self, path: Path, handle) -> None:
        self.path = path
        self.handle = handle

    def release(self) -> None:
        if self.handle is not None:
            self.handle.close()  # closing the file releases the lock
            self.handle = None


def _lock_output(out_dir: Path) -> _OutputLock:
    """Lock the output folder for this run, or raise naming the run that holds it.

    The lock file stays (removing it would race with a waiting run); the lock is the kernel's,
    so a run that was killed holds nothing.
    """
    path = out_dir / _LOCK
    handle = open(path, "a+", encoding="utf-8")
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows: no lock
        return _OutputLock(path, handle)
    try:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        handle.seek(0)
        holder = handle.read().strip() or "okänd"
        handle.close()
        raise ReportError(
            f"en annan körning av kommunanalys (process {holder}) bygger redan rapporter i {out_dir}; "
            "vänta tills den är klar, eller välj en annan mapp med --out") from None
    handle.seek(0)
    handle.truncate()
    handle.write(str(os.getpid()))
    handle.flush()
    return _OutputLock(path, handle)


def _remove_if_empty(folder: Path) -> None:
    try:
        folder.rmdir()
    except OSError:
        pass


def _write_atomic(path: Path, text: str) -> None:
    """Write ``path`` through a temporary file; a failure is a :class:`ReportError` naming the
    file, and leaves no temporary file behind."""
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}.tmp")
    try:
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise ReportError(
            f"kunde inte skriva {path} ({exc.strerror or exc}); rapporterna är publicerade, men inte "
            f"{path.name}. Kontrollera att {path} är en vanlig fil som går att skriva över "
            "(inte en mapp, inte skrivskyddad) och kör igen") from None


def _read_manifest(folder: Path) -> dict | None:
    try:
        manifest = json.loads((folder / _MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return manifest if manifest.get("format") == _MANIFEST_FORMAT else None


# ---------------------------------------------------------------------------------------------
# The batch
# ---------------------------------------------------------------------------------------------
def _default_jobs() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - macOS, Windows
        return max(1, os.cpu_count() or 1)


def _select(survey, municipalities: Iterable[str] | str | None) -> list[str]:
    present = survey.municipality_codes
    if municipalities is None:
        return present
    if isinstance(municipalities, str):
        municipalities = [municipalities]
    chosen = []
    for value in municipalities:
        found = lookup_municipality(value)
        code = found[0] if found else str(value)
        if code not in present:
            raise ReportError(
                f"kommunen {value!r} har inga svarande i datat; finns: {', '.join(present)}")
        if code not in chosen:
            chosen.append(code)
    return chosen


@memoize(maxsize=1)
def _spawn_context():
    import multiprocessing

    return multiprocessing.get_context("spawn")


def _make_executor(jobs: int) -> cf.Executor:
    return cf.ProcessPoolExecutor(max_workers=jobs, mp_context=_spawn_context(),
                                  initializer=_worker_init)


def _notebook_parameters(code: str, entry: PlanEntry, data: Path, threshold: int,
                         options: Mapping[str, Any] | None = None, *,
                         population: str | None = None, low_rate: float | None = None) -> dict:
    params = {"municipality": code, "data": str(data), "anonymity_threshold": threshold,
              "interactive": False}
    params.update(options or {})
    if population and Path(entry.notebook).name == SECTION_NOTEBOOKS["respondents"]:  # response rates
        params["population"] = population
        if low_rate is not None:
            params["low_rate"] = low_rate
    if population and Path(entry.notebook).name == QUESTION_NOTEBOOK:  # intervals with the FPC
        params["population"] = population
    params.update(entry.parameters)
    return params


# ---------------------------------------------------------------------------------------------
# What the consultant prepares: instrument, review files, key figures, a one-municipality export
# ---------------------------------------------------------------------------------------------
def _digest_path(path: Path) -> str:
    """The digest of a file, or of every file in a folder (names and contents)."""
    if path.is_file():
        return _sha256_file(path)
    digest = hashlib.sha256()
    for file in sorted(p for p in path.rglob("*") if p.is_file()):
        digest.update(file.relative_to(path).as_posix().encode())
        digest.update(_sha256_file(file).encode())
    return digest.hexdigest()


def _existing(value: str | os.PathLike | None, option: str, what: str) -> Path | None:
    if value is None:
        return None
    path = Path(value)
    if not path.exists():
        raise ReportError(f"{what} {path} finns inte; kontrollera sökvägen till {option}")
    return path.resolve()


def _review_for(review: Path | None, code: str) -> Path | None:
    """The review file of a municipality: ``review`` itself when it is a file (it may hold many
    municipalities), else the one CSV in the folder whose name holds the municipality's code."""
    if review is None or review.is_file():
        return review
    found = sorted(p for p in review.glob("*.csv") if re.search(rf"(?<!\d){code}(?!\d)", p.name))
    if len(found) > 1:
        raise ReportError(f"flera granskningsfiler för kommun {code} i {review}: "
                          f"{', '.join(p.name for p in found)}; behåll en fil per kommun")
    return found[0] if found else None


def _export_municipality(data_path: Path, instrument: Path | None, municipalities) -> str | None:
    """For an export without a municipality column: the one municipality given with
    ``--municipality`` (which then names the export's municipality), else None."""
    from ..loader import has_municipality_column

    if municipalities is None or has_municipality_column(data_path, instrument):
        return None
    values = [municipalities] if isinstance(municipalities, str) else list(municipalities)
    if len(values) != 1:
        raise ReportError(f"exporten {data_path} har ingen kolumn 'Kommun', så den räknas som en export från en "
                          f"kommun; ange exakt en --municipality (kod eller namn), inte {len(values)}")
    return str(values[0])


def _options_for(entry_declared: frozenset[str], code: str, *, instrument: Path | None,
                 export_municipality: str | None, review: Path | None,
                 key_figures: Path | None) -> tuple[dict, dict]:
    """The optional parameters a notebook declares, and the digests of the files they name."""
    options: dict[str, Any] = {}
    inputs: dict[str, str] = {}
    if instrument is not None:
        options["instrument"] = str(instrument)
    if export_municipality is not None:
        options["export_municipality"] = export_municipality
    own_review = _review_for(review, code)
    if own_review is not None and "review_file" in entry_declared:
        options["review_file"] = str(own_review)
        inputs["review_file"] = _digest_path(own_review)
    if key_figures is not None and "key_figures" in entry_declared:
        options["key_figures"] = str(key_figures)
        inputs["key_figures"] = _digest_path(key_figures)
    return options, inputs


def _population_input(population, data, survey) -> tuple[str | None, str]:
    """The population file of a batch (the demo's synthetic one for the demo), read and checked
    against the survey before anything runs; its path and content hash (for reruns)."""
    from ..population import check_population, read_population

    if population is None and data is None and paths.DEMO_POPULATION.exists():
        population = paths.DEMO_POPULATION
    if population is None:
        return None, ""
    path = Path(population).resolve()
    check_population(read_population(path), survey)  # InputError: file, row, column, value, fix
    return str(path), _sha256_file(path)


def run_reports(
    data: str | os.PathLike | None = None,
    *,
    out: str | os.PathLike | None = None,
    municipalities: Iterable[str] | str | None = None,
    jobs: int | None = None,
    executor: cf.Executor | None = None,
    progress: bool = True,
    force: bool = False,
    only_failed: bool = False,
    plan: Sequence[PlanEntry] | None = None,
    notebooks_dir: str | os.PathLike | None = None,
    engine: str = "kommunanalys-warm",
    kernel_name: str = "python3",
    anonymity_threshold: int | None = None,
    cell_timeout: float | None = CELL_TIMEOUT,
    retries: int = 1,
    formats: Sequence[str] = ("html", "pptx", "xlsx", "pdf"),
    template: str | os.PathLike | None = None,
    instrument: str | os.PathLike | None = None,
    review: str | os.PathLike | None = None,
    key_figures: str | os.PathLike | None = None,
    previous: Mapping[str, str | os.PathLike] | Sequence[str] | None = None,
    current_round: str | None = None,
    comparison_groups: str | os.PathLike | None = None,
    texts: str | os.PathLike | None = None,
    population: str | os.PathLike | None = None,
    low_rate: float | None = None,
    round_column: str | None = None,
) -> BatchResult:
    """Build one report per municipality, and the index; see the module docstring.

    Parameters
    ----------
    data
        A survey export; default: the bundled synthetic demo.
    out
        Output folder; default ``reports/`` of the project.
    municipalities
        Codes (or names) to build; default: every municipality in the data. For an export
        without a municipality column, exactly one: the municipality of the export.
    jobs
        Worker processes; default: all cores available. Ignored when ``executor`` is given.
    executor
        A :class:`concurrent.futures.Executor` (e.g. Dask's ``client.get_executor()``); not
        shut down by this function.
    progress
        Show a progress bar (municipalities and notebooks done).
    force
        Rebuild everything, even what is unchanged.
    only_failed
        Re-run only notebooks that failed last time; keep successful ones even if changed.
    plan
        The notebook plan (default: :func:`default_plan`); entries whose file is missing are skipped.
    notebooks_dir
        Where plan notebooks live (default ``notebooks/``).
    engine
        papermill engine: ``"kommunanalys-warm"`` (warm kernels) or ``"nbclient"`` (fresh kernels).
    kernel_name
        Kernel to run; ``"python3"`` is the interpreter running the batch (``sys.executable``).
    anonymity_threshold
        Passed to every notebook; default: the instrument's (5).
    cell_timeout
        Seconds a cell may run (None: no limit).
    retries
        How often a notebook whose kernel died or could not start is retried.
    formats
        What to write besides ``report.html`` (always written): ``"pptx"`` (``presentation.pptx``),
        ``"xlsx"`` (``bilaga.xlsx`` per municipality and ``bilaga_alla_kommuner.xlsx``), ``"pdf"``
        (``rapport.pdf``, the report laid out for print); see :mod:`kommunanalys.report`.
    template
        The consultant's own .pptx for the decks (default: ``data/deck_template.pptx``).
    instrument
        The instrument YAML the export is read with (default: the bundled one).
    review
        A review file (:mod:`kommunanalys.review`; may hold many municipalities) or a folder of
        them, one per municipality with its code in the file name (``granskning_1761.csv``).
    key_figures
        Key figures for the efficiency section (a Kolada export, a folder of saved responses or a
        CSV; :func:`kommunanalys.kolada.read_kolada`). Without them a real survey's efficiency
        section says that none were given; the demo uses its illustrative figures.

    The digests of the instrument, review and key-figure files enter the rerun hash: a changed
    file rebuilds the reports it affects.
    previous
        Earlier rounds of the survey, ``{"2024": "export_2024.csv"}`` or ``["2024=export_2024.csv"]``:
        each report gets the section "Förändring sedan förra omgången" (``06_trends.ipynb``), the
        deck a slide and the workbook a sheet "Förändring" (:mod:`kommunanalys.rounds`). The
        bundled demo (``data`` None) uses its synthetic 2024 round unless ``previous`` is given.
    current_round
        The label of this round in those comparisons (e.g. ``"2026"``).
    comparison_groups
        A file mapping each municipality to its group (:mod:`kommunanalys.comparison_groups`);
        every municipality is benchmarked against the others of its group (``comparison``).
    texts
        The consultant's own report texts (lead-ins, summary heading, method appendix; default
        ``data/report_texts.yaml``, see :mod:`kommunanalys.report_texts`).
    round_column
        The column of an export holding several rounds (``"Omgång"``; found by that name when not
        given): the newest round (or ``current_round``) is the current survey, the others the
        earlier rounds (:func:`kommunanalys.rounds.split_rounds`; a row without a round is
        rejected and listed in ``omgangar/avvisade_rader.csv``).
    population
        A population file (invited per municipality and role; :mod:`kommunanalys.population`):
        response rates, weighted figures and intervals with a finite population correction in
        the respondents section, the index, the decks and the workbooks. Default: the demo's
        synthetic population for the demo, else none.
    low_rate
        A role below this response rate (0..1) gets a note (default 0.30).

    Returns
    -------
    BatchResult
        ``exit_code`` is 0 when every report is complete, else 1.

    Raises
    ------
    ReportError
        When the data cannot be loaded, a municipality is unknown or the plan is invalid
        (before anything is written).
    """
    from ..anonymity import resolve_threshold
    from ..loader import load_survey

    if anonymity_threshold is not None:
        resolve_threshold(anonymity_threshold)  # a bad threshold fails before the data is read
    started = time.perf_counter()
    data_path = Path(data) if data is not None else paths.DEMO_EXPORT
    if not data_path.exists():
        hint = " (bygg demodatat med `python -m kommunanalys.demo`)" if data is None else ""
        raise ReportError(f"enkätexporten {data_path} finns inte{hint}; kontrollera sökvägen till --data")
    data_path = data_path.resolve()
    if "pdf" in formats:  # WeasyPrint needs the system's Pango: say so before anything runs
        from .pdf import require_pdf

        require_pdf()
    if template is not None and not Path(template).is_file():
        raise ReportError(f"presentationsmallen {template} finns inte; ange sökvägen till en .pptx-fil med --template")
    instrument_path = _existing(instrument, "--instrument", "instrumentfilen")
    review_path = _existing(review, "--review", "granskningsfilen")
    key_figures_path = _existing(key_figures, "--key-figures", "nyckeltalsfilen")
    if texts is not None:
        from ..report_texts import load_report_texts

        load_report_texts(texts)  # a bad texts file fails before anything runs
    out_dir = Path(out) if out is not None else paths.REPORTS_DIR
    out_dir = out_dir.resolve()
    data_path, previous, current_round, round_notes = _round_column_split(
        data, data_path, round_column, previous, current_round, out_dir)  # --round-column Omgång
    data = None if data is None else data_path
    nb_dir = Path(notebooks_dir) if notebooks_dir is not None else paths.NOTEBOOKS_DIR
    nb_dir = nb_dir.resolve()
    try:
        export_municipality = _export_municipality(data_path, instrument_path, municipalities)
        survey = load_survey(data_path, instrument_path, municipality=export_municipality,
                             synthetic=True if data is None else None)
    except ReportError:
        raise
    except Exception as exc:
        raise ReportError(f"kunde inte läsa in enkätexporten {data_path}: {exc}") from exc
    if export_municipality is not None:
        export_municipality = survey.municipality_codes[0] if survey.municipality_codes else export_municipality
    instrument = survey.instrument
    threshold = resolve_threshold(anonymity_threshold, survey)  # validated, never coerced
    population_path, population_sha = _population_input(population, data, survey)
    codes = _select(survey, municipalities)
    consultant = dict(instrument=instrument_path, export_municipality=export_municipality,
                      review=review_path, key_figures=key_figures_path)
    default = plan is None
    plan = list(plan) if plan is not None else default_plan(instrument)
    rounds_ = _earlier_rounds(data, previous, current_round, instrument)  # --previous: read before anything
    if rounds_ and default:
        plan = _with_trends(plan, rounds_)
    comparison_of = _comparison_of(comparison_groups, survey)
    _check_plan(plan)

    # what exists of the plan
    notebook_sha: dict[str, str] = {}
    skipped: list[str] = []
    active: list[PlanEntry] = []
    for entry in plan:
        path = (nb_dir / entry.notebook) if not Path(entry.notebook).is_absolute() else Path(entry.notebook)
        if path.exists():
            notebook_sha.setdefault(entry.notebook, _notebook_digest(path))
            active.append(entry)
        elif entry.notebook not in skipped:
            skipped.append(entry.notebook)
    warnings_: list[str] = list(round_notes)
    data_sha = _sha256_file(data_path)
    if rounds_ or comparison_groups is not None:  # a changed earlier round or group file rebuilds too
        data_sha = hashlib.sha256(json.dumps([data_sha, rounds_, str(comparison_of)]).encode()).hexdigest()
    package = _package_fingerprint(instrument.source)
    sections = [{"id": s["id"], "title": s.get("title", s["id"])} for s in instrument.report_sections]
    if any(e.section == TRENDS_SECTION["id"] for e in plan):  # after who answered
        sections.insert(1 if sections and sections[0]["id"] == "respondents" else 0, dict(TRENDS_SECTION))
    known_sections = {s["id"] for s in sections}
    for entry in active:
        if entry.section not in known_sections:
            sections.append({"id": entry.section, "title": entry.section})
            known_sections.add(entry.section)

    if out_dir.exists() and not out_dir.is_dir():
        raise ReportError(f"{out_dir} är en fil, inte en mapp; välj en annan --out eller flytta filen")
    out_dir.mkdir(parents=True, exist_ok=True)
    lock = _lock_output(out_dir)
    try:
        return _run_locked(dict(
            survey=survey, instrument=instrument, threshold=threshold, codes=codes, plan=plan,
            active=active, skipped=skipped, notebook_sha=notebook_sha, warnings_=warnings_,
            data_sha=data_sha, package=package, sections=sections, out_dir=out_dir, nb_dir=nb_dir,
            data_path=data_path, started=started, force=force, only_failed=only_failed, jobs=jobs,
            executor=executor, progress=progress, engine=engine, kernel_name=kernel_name,
            cell_timeout=cell_timeout, retries=retries, formats=formats, template=template,
            consultant=consultant, rounds=rounds_, comparison_of=comparison_of, texts=texts,
            population=population_path, population_sha=population_sha, low_rate=low_rate))
    finally:
        lock.release()


def _run_locked(ctx: dict) -> BatchResult:
    """The batch proper, run while this process holds the output folder's lock."""
    (survey, instrument, threshold, codes, plan, active, skipped, notebook_sha, warnings_, data_sha,
     package, sections, out_dir, nb_dir, data_path, started, force, only_failed, jobs, executor,
     progress, engine, kernel_name, cell_timeout, retries, formats, template) = (ctx[k] for k in (
        "survey", "instrument", "threshold", "codes", "plan", "active", "skipped", "notebook_sha",
        "warnings_", "data_sha", "package", "sections", "out_dir", "nb_dir", "data_path", "started",
        "force", "only_failed", "jobs", "executor", "progress", "engine", "kernel_name",
        "cell_timeout", "retries", "formats", "template"))
    consultant = ctx.get("consultant") or {}
    comparison_of = ctx.get("comparison_of") or {}  # --comparison-groups: {code: [codes of its group]}
    population, low_rate = ctx.get("population"), ctx.get("low_rate")
    from ..respondents import respondent_counts

    texts = ctx.get("texts")  # the report's own words (kommunanalys.report_texts)
    _recover(out_dir)
    run_dir = out_dir / _STAGING / f"{time.strftime('%Y%m%dT%H%M%S')}-{os.getpid()}-{uuid.uuid4().hex[:6]}"
    names = {code: survey.municipality_name(code) for code in codes}
    respondents = {code: respondent_counts(survey, code, threshold=threshold) for code in survey.municipality_codes}
    if population:  # the same rows with invited counts and response rates (kommunanalys.population)
        from ..population import DEFAULT_LOW_RATE, population_for, response_rates

        pop = population_for(population)
        respondents = {code: response_rates(survey, pop, code, threshold=threshold,
                                            low_rate=DEFAULT_LOW_RATE if low_rate is None else low_rate)
                       for code in respondents}

    # decide, per municipality and notebook, what to run
    results: dict[str, MunicipalityResult] = {}
    manifests: dict[str, dict] = {}
    pending: dict[str, set[str]] = {}
    tasks: list[_NotebookTask] = []
    for code in codes:  # nothing of this batch's own making is ever moved or deleted
        final = out_dir / slugify(code, names[code])
        if final.exists() and (not final.is_dir() or (any(final.iterdir()) and _read_manifest(final) is None)):
            kind = "en mapp" if final.is_dir() else "en fil"
            raise ReportError(
                f"{final} är {kind} som inte är en rapport från kommunanalys (ingen {_MANIFEST}); "
                f"den skulle ersättas av rapporten för {code} {names[code]}. Flytta eller byt namn på den, "
                "eller välj en annan --out; inget har ändrats")
    for code in codes:
        slug = slugify(code, names[code])
        final = out_dir / slug
        old = _read_manifest(final) if final.is_dir() else None
        old_entries = {e["key"]: e for e in (old or {}).get("notebooks", [])}
        staging = run_dir / slug
        entries, nb_results, to_run = [], [], []
        for entry in active:
            src_path = nb_dir / entry.notebook if not Path(entry.notebook).is_absolute() else Path(entry.notebook)
            declared = _declared_parameters(str(src_path), src_path.stat().st_mtime)
            options, inputs = _options_for(declared, code, **consultant)
            params = _notebook_parameters(code, entry, data_path, threshold, options,
                                          population=population, low_rate=low_rate)
            if comparison_of.get(code) and "comparison" in declared:
                params["comparison"] = comparison_of[code]  # --comparison-groups
            if "population" in params:  # a changed population file reruns the notebooks that read it
                inputs = {**inputs, "population": ctx.get("population_sha", "")}
            ihash = _input_hash(data_sha=data_sha, notebook_sha=notebook_sha[entry.notebook],
                                parameters=params, package=package, inputs=inputs)
            prev = old_entries.get(entry.key)
            executed = final / "notebooks" / f"{entry.key}.ipynb"
            reusable = (not force and prev is not None and prev.get("status") == "ok" and executed.exists()
                        and (prev.get("input_hash") == ihash or only_failed))
            record = {"key": entry.key, "notebook": entry.notebook, "section": entry.section,
                      "parameters": {k: v for k, v in params.items() if k != "data"},
                      "input_hash": ihash if not reusable else prev["input_hash"],
                      "status": "ok" if reusable else "pending", "duration": prev.get("duration", 0.0) if reusable else 0.0,
                      "tables": prev.get("tables", []) if reusable else [], "error": None,
                      "published": prev.get("published", []) if reusable else []}
            entries.append(record)
            nb_results.append(NotebookResult(entry.key, entry.notebook, entry.section,
                                             "reused" if reusable else "pending",
                                             duration=record["duration"], path=final / "notebooks" / f"{entry.key}.ipynb"))
            if not reusable:
                src = nb_dir / entry.notebook if not Path(entry.notebook).is_absolute() else Path(entry.notebook)
                to_run.append(_NotebookTask(
                    code=code, key=entry.key, input_path=str(src),
                    output_path=str(staging / "notebooks" / f"{entry.key}.ipynb"),
                    work_dir=str(staging / ".work" / entry.key),
                    parameters={**params, "output_dir": str(staging / ".work" / entry.key)},
                    kernel_name=kernel_name, engine=engine, cwd=str(nb_dir), timeout=cell_timeout,
                ))
        report_key = hashlib.sha256(json.dumps(
            [[e["key"], e["input_hash"]] for e in entries] + [threshold, package["digest"], survey.synthetic]
            + [sorted(formats), str(template or ""), _sha256_file(Path(texts)) if texts else ""],
        ).encode()).hexdigest()
        unchanged = (not to_run and old is not None and old.get("report_key") == report_key
                     and (final / "report.html").exists())
        results[code] = MunicipalityResult(code, names[code], slug, "unchanged" if unchanged else "pending",
                                           nb_results, report=final / "report.html" if unchanged else None)
        if old is not None and unchanged:
            continue
        manifests[code] = {
            "format": _MANIFEST_FORMAT, "code": code, "name": names[code], "slug": slug,
            "data": {"path": str(data_path), "sha256": data_sha}, "package": package,
            "anonymity_threshold": threshold, "engine": engine, "report_key": report_key,
            "notebooks": entries,
        }
        # reused notebooks and their tables go into the new folder as they are
        for record in entries:
            if record["status"] == "ok":
                (staging / "notebooks").mkdir(parents=True, exist_ok=True)
                shutil.copy2(final / "notebooks" / f"{record['key']}.ipynb",
                             staging / "notebooks" / f"{record['key']}.ipynb")
                tdir = staging / ".work" / record["key"] / "tables"
                for name in record.get("published", []):
                    if (final / name).is_file():
                        tdir.mkdir(parents=True, exist_ok=True)
                        shutil.copy2(final / name, tdir.parent / name)
                for table in record.get("tables", []):
                    if (final / "tables" / table).exists():
                        tdir.mkdir(parents=True, exist_ok=True)
                        shutil.copy2(final / "tables" / table, tdir / table)
        staging.mkdir(parents=True, exist_ok=True)
        pending[code] = {t.key for t in to_run}
        tasks.extend(to_run)

    # run
    jobs_used = executor._max_workers if executor is not None and hasattr(executor, "_max_workers") else (
        jobs or _default_jobs())
    own_executor = executor is None
    bars = _Progress(progress, n_notebooks=len(tasks), n_municipalities=len(codes),
                     done_municipalities=sum(r.status == "unchanged" for r in results.values()))
    title = instrument.name
    extra_formats = [f for f in formats if f != "html"]
    survey_options = {"instrument": str(consultant["instrument"]) if consultant.get("instrument") else None,
                      "export_municipality": consultant.get("export_municipality")}
    deliverables = ({"data": str(data_path), "threshold": threshold, "formats": extra_formats,
                     "template": str(Path(template).resolve()) if template else None, **survey_options}
                    if extra_formats else None)
    if deliverables and ctx.get("rounds"):  # the deck's and workbook's changes since earlier rounds
        deliverables.update(previous=ctx["rounds"]["previous"], current_round=ctx["rounds"]["current_round"])
    if deliverables and population:
        deliverables["population"] = population
    if deliverables and consultant.get("key_figures"):  # the deck's result chain: the efficiency page's figures
        deliverables["key_figures"] = str(consultant["key_figures"])

    def assemble_task(code: str) -> _AssembleTask:
        manifest = manifests[code]
        res = results[code]
        parts = []
        for record, nbr in zip(manifest["notebooks"], res.notebooks):
            parts.append({"key": record["key"], "section": record["section"], "notebook": record["notebook"],
                          "status": nbr.status, "error": record["error"],
                          "path": f"notebooks/{record['key']}.ipynb"})
        failed = any(r["status"] == "failed" for r in manifest["notebooks"])
        manifest["status"] = "failed" if failed else "ok"
        manifest["built"] = time.strftime("%Y-%m-%dT%H:%M:%S%z")
        own_review = _review_for(consultant.get("review"), code)
        return _AssembleTask(code=code, name=names[code], slug=res.slug, staging=str(run_dir / res.slug),
                             title=title, synthetic=survey.synthetic, sections=sections, parts=parts,
                             manifest=manifest, respondents=_records(respondents[code]),
                             deliverables={**deliverables, "review": str(own_review) if own_review else None,
                                           "comparison": comparison_of.get(code)}
                             if deliverables else None,
                             report_words={"data": str(data_path), "threshold": threshold, **survey_options,
                                           "texts": str(Path(texts).resolve()) if texts else None})

    state = {"pool": executor}
    futures: dict[cf.Future, Any] = {}
    try:
        if tasks and state["pool"] is None:
            state["pool"] = _make_executor(jobs_used)
        attempts: dict[tuple[str, str], int] = {}
        by_key = {(t.code, t.key): t for t in tasks}

        def live_pool():
            pool = state["pool"]
            if own_executor and pool is not None and getattr(pool, "_broken", False):
                pool.shutdown(wait=False, cancel_futures=True)
                state["pool"] = pool = _make_executor(jobs_used)  # a worker died: start over
            return pool

        def submit_notebook(task: _NotebookTask) -> None:
            attempts[(task.code, task.key)] = attempts.get((task.code, task.key), 0) + 1
            futures[live_pool().submit(_execute_notebook, task)] = ("nb", task)

        def fill() -> None:
            # keep the executor's queue short, so that a municipality whose notebooks are done is
            # assembled and published right away (not after every other notebook of the batch)
            running = sum(kind == "nb" for kind, _ in futures.values())
            while queue and running < max_in_flight:
                submit_notebook(queue.popleft())
                running += 1

        def submit_assemble(code: str, *, here: bool = False) -> None:
            task = assemble_task(code)
            pool = None if here else live_pool()
            if pool is None:
                fut: cf.Future = cf.Future()
                fut.set_result(_assemble(task))
                futures[fut] = ("asm", code)
            else:
                futures[pool.submit(_assemble, task)] = ("asm", code)

        queue = collections.deque(tasks)
        max_in_flight = 2 * max(1, jobs if jobs else getattr(executor, "_max_workers", None) or (
            jobs_used if own_executor else 32))
        fill()
        for code in manifests:
            if not pending[code]:
                submit_assemble(code)
        while futures:
            done, _ = cf.wait(list(futures), return_when=cf.FIRST_COMPLETED)
            for fut in done:
                kind, what = futures.pop(fut)
                try:
                    value = fut.result()
                except Exception as exc:  # the worker died (BrokenProcessPool) or the task could not run
                    if kind == "asm":
                        submit_assemble(what, here=True)
                        continue
                    value = _NotebookOutcome(what.code, what.key, "failed", 0.0,
                                             {"ename": type(exc).__name__, "evalue": str(exc)}, retryable=True)
                if kind == "nb":
                    outcome: _NotebookOutcome = value
                    key = (outcome.code, outcome.key)
                    if outcome.status == "failed" and outcome.retryable and attempts.get(key, 1) <= retries:
                        submit_notebook(by_key[key])  # once more, on a new kernel
                        continue
                    _record_notebook(results[outcome.code], manifests[outcome.code], outcome, attempts.get(key, 1))
                    bars.notebook_done()
                    pending[outcome.code].discard(outcome.key)
                    if not pending[outcome.code]:
                        submit_assemble(outcome.code)
                    fill()
                    continue
                code, error = value
                res = results[code]
                final = out_dir / res.slug
                if error is None:
                    try:
                        _publish(run_dir / res.slug, final, out_dir / _ASIDE)
                        res.report = final / "report.html"
                        res.status = "failed" if res.failures else "ok"
                    except OSError as exc:
                        error = f"kunde inte publicera {final}: {exc}"
                if error is not None:
                    res.status = "error"
                    res.error = error
                res.duration = sum(nb.duration for nb in res.notebooks)
                for nb in res.notebooks:
                    nb.path = final / "notebooks" / f"{nb.key}.ipynb"
                bars.municipality_done()
    except BaseException:
        # interrupted (Ctrl-C) or a bug: published reports stay, nothing half-built is left
        for fut in futures:
            fut.cancel()
        if own_executor and state["pool"] is not None:
            state["pool"].shutdown(wait=False, cancel_futures=True)
            state["pool"] = None
            _stop_descendants()  # the workers and their kernels: nothing of this run is left
        shutil.rmtree(run_dir, ignore_errors=True)
        _remove_if_empty(out_dir / _STAGING)
        bars.close()
        raise
    finally:
        if own_executor and state["pool"] is not None:
            state["pool"].shutdown(wait=True)
    bars.close()
    shutil.rmtree(run_dir, ignore_errors=True)
    _remove_if_empty(out_dir / _STAGING)

    for entry in active:
        missing = _missing_contract_parameters(nb_dir / entry.notebook if not Path(entry.notebook).is_absolute()
                                               else Path(entry.notebook), entry)
        if missing:
            warnings_.append(f"{entry.notebook} saknar parametern/parametrarna {', '.join(missing)} i sin "
                             "`parameters`-cell")
    warnings_ = sorted(set(warnings_))

    ordered = [results[c] for c in codes]
    result = BatchResult(out=out_dir, index=out_dir / "index.html", municipalities=ordered,
                         skipped_notebooks=skipped, elapsed=time.perf_counter() - started,
                         jobs=jobs_used, engine=engine, warnings=warnings_)
    if "xlsx" in formats:  # the appendix across municipalities (kommunanalys.report)
        from . import write_batch_workbook

        write_batch_workbook(out_dir, data=str(data_path), threshold=threshold, codes=survey.municipality_codes,
                             **survey_options, **(ctx.get("rounds") or {}),  # rounds: the sheet "Förändring"
                             population=population)
    _write_index(out_dir, survey, respondents, result, title=title, threshold=threshold)
    return result




def _earlier_rounds(data, previous, current_round, instrument) -> dict | None:
    """``{"previous": {label: absolute path}, "current_round": label}``, or None without earlier
    rounds; every earlier export is read once here, so a bad one fails before anything is built."""
    from ..rounds import demo_rounds, load_rounds

    found, label = demo_rounds(data, previous, current_round)
    if not found:
        return None
    resolved = {lab: str(Path(str(path)).resolve()) for lab, path in found.items()}
    try:
        load_rounds(resolved, instrument=instrument)
    except Exception as exc:
        raise ReportError(f"kunde inte läsa in en tidigare omgång: {exc}") from exc
    return {"previous": resolved, "current_round": label}


def _with_trends(plan: list[PlanEntry], rounds_: dict) -> list[PlanEntry]:
    """The plan with the trend section after who answered (or first)."""
    entry = PlanEntry(TRENDS_NOTEBOOK, section=TRENDS_SECTION["id"], key=Path(TRENDS_NOTEBOOK).stem,
                      parameters={"previous": rounds_["previous"], "current_round": rounds_["current_round"]})
    at = max((i + 1 for i, e in enumerate(plan) if e.section == "respondents"), default=0)
    return [*plan[:at], entry, *plan[at:]]


def _comparison_of(path, survey) -> dict[str, list[str]]:
    """Each municipality's comparison group from a ``--comparison-groups`` file ({} without one)."""
    if path is None:
        return {}
    from ..comparison_groups import comparison_for, load_comparison_groups

    groups = load_comparison_groups(path)
    codes = survey.municipality_codes
    return {c: found for c in codes if (found := comparison_for(groups, c, available=codes))}


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
            nbr.error = NotebookError(**{k: outcome.error.get(k) for k in
                                         ("ename", "evalue", "cell_index", "exec_count", "source", "traceback")
                                         if k in outcome.error}) if outcome.error else None
            return


def _records(frame) -> list[dict]:
    import pandas as pd

    return [{k: (None if pd.isna(v) else (int(v) if k == "n" else v)) for k, v in row.items()}
            for row in frame.astype(object).to_dict("records")]


@memoize(maxsize=64)
def _declared_parameters(path: str, mtime: float) -> frozenset[str]:
    import papermill

    try:
        return frozenset(papermill.inspect_notebook(path).keys())
    except Exception:
        return frozenset()


def _missing_contract_parameters(path: Path, entry: PlanEntry) -> list[str]:
    declared = _declared_parameters(str(path), path.stat().st_mtime)
    if not declared:
        return ["(ingen cell taggad `parameters`)"]
    wanted = ["municipality", "data", "output_dir", "anonymity_threshold", "interactive", *entry.parameters]
    return [p for p in wanted if p not in declared]


def _write_index(out_dir: Path, survey, respondents, result: BatchResult, *, title: str, threshold: int) -> None:
    from .html import render_index

    built = {m.code: m for m in result.municipalities}
    rows = []
    for code in survey.municipality_codes:
        name = survey.municipality_name(code)
        slug = slugify(code, name)
        manifest = _read_manifest(out_dir / slug) if (out_dir / slug).is_dir() else None
        res = built.get(code)
        failures = []
        if manifest is not None:
            for e in manifest.get("notebooks", []):
                if e.get("status") == "failed":
                    err = NotebookError(**{k: e["error"].get(k) for k in ("ename", "evalue", "cell_index", "exec_count")
                                           if k in (e.get("error") or {})}) if e.get("error") else None
                    failures.append({"key": e["key"], "notebook": e["notebook"],
                                     "error": err.describe() if err else "okänt fel",
                                     "path": f"{slug}/notebooks/{e['key']}.ipynb"})
        if res is not None and res.status == "error":
            status = "error"
        elif manifest is None:
            status = "missing"
        else:
            status = manifest.get("status", "ok")
        rows.append({"code": code, "name": name, "slug": slug, "status": status,
                     "in_this_run": res is not None, "failures": failures,
                     "error": res.error.splitlines()[0] if res is not None and res.error else None,
                     "has_report": (out_dir / slug / "report.html").exists(),
                     "deliverables": _deliverable_links(out_dir / slug),
                     "respondents": _records(respondents[code])})
    html = render_index(rows, title=title, synthetic=survey.synthetic, threshold=threshold,
                        skipped=result.skipped_notebooks)
    _write_atomic(out_dir / "index.html", html)
    summary = {
        "exit_code": result.exit_code, "elapsed": round(result.elapsed, 3), "jobs": result.jobs,
        "engine": result.engine, "skipped_notebooks": result.skipped_notebooks,
        "municipalities": [
            {"code": m.code, "name": m.name, "slug": m.slug, "status": m.status, "error": m.error,
             "notebooks": [{"key": nb.key, "status": nb.status, "duration": round(nb.duration, 3),
                            "attempts": nb.attempts, "error": asdict(nb.error) if nb.error else None}
                           for nb in m.notebooks]}
            for m in result.municipalities
        ],
    }
    _write_atomic(out_dir / "batch.json", json.dumps(summary, indent=2, ensure_ascii=False))


def _deliverable_links(folder: Path) -> list[tuple[str, str]]:
    """(file, link text) of the deck and workbook present in a municipality folder."""
    from . import DELIVERABLES

    return [(name, label) for name, label in DELIVERABLES.values() if (folder / name).exists()]


class _Progress:
    """Two tqdm bars: notebooks executed and municipalities finished."""

    def __init__(self, enabled: bool, *, n_notebooks: int, n_municipalities: int, done_municipalities: int) -> None:
        self.bars = None
        if enabled:
            from tqdm.auto import tqdm

            self.bars = (
                tqdm(total=n_municipalities, initial=done_municipalities, desc="Kommuner ", unit="kommun",
                     position=0, dynamic_ncols=True),
                tqdm(total=n_notebooks, desc="Notebooks", unit="nb", position=1, dynamic_ncols=True),
            )

    def notebook_done(self) -> None:
        if self.bars:
            self.bars[1].update()

    def municipality_done(self) -> None:
        if self.bars:
            self.bars[0].update()

    def close(self) -> None:
        if self.bars:
            for bar in self.bars:
                bar.close()
            self.bars = None


def _round_column_split(data, data_path: Path, round_column: str | None, previous, current_round,
                        out_dir: Path) -> tuple[Path, Any, str | None, list[str]]:
    """An export with a round column split into the current round's export and the earlier ones
    (under ``<out>/omgangar``); unchanged without a round column (or for the demo)."""
    from ..rounds import round_column_of, split_rounds

    if data is None and round_column is None:
        return data_path, previous, current_round, []
    try:
        column = round_column_of(data_path, round_column)
        if column is None:
            return data_path, previous, current_round, []
        if previous:
            raise ReportError(f"exporten har omgångskolumnen {column!r}; ange inte också --previous "
                              "(eller ta bort kolumnen)")
        current, earlier, label, rejected = split_rounds(data_path, out_dir / "omgangar", column=column,
                                                         current_round=current_round)
    except ReportError:
        raise
    except Exception as exc:
        raise ReportError(f"kunde inte dela upp enkätexporten efter omgång: {exc}") from exc
    notes = []
    if len(rejected):
        rejected.to_csv(out_dir / "omgangar" / "avvisade_rader.csv", index=False, encoding="utf-8")
        notes.append(f"{len(rejected)} rader i {data_path.name} saknar omgång och lästes inte in "
                     f"(rader: {', '.join(map(str, rejected['row'].head(10)))}; se omgangar/avvisade_rader.csv)")
    return current, earlier, label, notes
