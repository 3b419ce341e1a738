"""The batch's tasks: plain picklable data in and out, run in worker processes (or any executor).

:func:`_execute_notebook` runs one notebook with papermill and says whether a failure is worth a
retry on a new kernel; :func:`_assemble` merges a municipality's tables and writes its
``report.html``, deliverables and manifest into the staging folder. The executor the batch makes
itself is a pool of spawned processes (:func:`_make_executor`).
"""

from __future__ import annotations

import collections
import concurrent.futures as cf
import json
import logging
import os
import re
import shutil
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

from .._lru import memoize
from ..errors import ReportError
from .publish import _MANIFEST, PUBLISHED_FILES


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


def _default_jobs() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - macOS, Windows
        return max(1, os.cpu_count() or 1)


@memoize(maxsize=1)
def _spawn_context():
    import multiprocessing

    return multiprocessing.get_context("spawn")


def _make_executor(jobs: int) -> cf.Executor:
    return cf.ProcessPoolExecutor(max_workers=jobs, mp_context=_spawn_context(),
                                  initializer=_worker_init)


def _workers(jobs: int | None, executor: cf.Executor | None) -> int:
    """How many workers run the batch's tasks: the executor's, else ``jobs``, else every core."""
    return executor._max_workers if executor is not None and hasattr(executor, "_max_workers") else (
        jobs or _default_jobs())


class _TaskRunner:
    """The batch's notebooks and assemblies on an executor, as a context manager.

    Notebooks are submitted a few at a time (about two per worker), so that a municipality whose
    notebooks are done is assembled and published right away, not after every other notebook of
    the batch. A notebook whose kernel died or could not start is retried ``retries`` times; an
    executor this runner made (``executor`` None) is replaced when a worker died, and on an
    interruption (Ctrl-C, a bug) stopped with its workers and kernels. An executor passed in is
    not shut down.
    """

    def __init__(self, notebooks: list[_NotebookTask], *, executor: cf.Executor | None, jobs: int | None,
                 workers: int, retries: int) -> None:
        self.own = executor is None
        self.pool = executor
        self.workers = workers
        self.retries = retries
        self.futures: dict[cf.Future, tuple[str, Any]] = {}
        self.attempts: dict[tuple[str, str], int] = {}
        self.by_key = {(t.code, t.key): t for t in notebooks}
        self.queue = collections.deque(notebooks)
        self.max_in_flight = 2 * max(1, jobs if jobs else getattr(executor, "_max_workers", None) or (
            workers if self.own else 32))

    def __enter__(self) -> _TaskRunner:
        if self.queue and self.pool is None:
            self.pool = _make_executor(self.workers)
        self._fill()
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is not None:  # interrupted: nothing of this run keeps running
            for fut in self.futures:
                fut.cancel()
            if self.own and self.pool is not None:
                self.pool.shutdown(wait=False, cancel_futures=True)
                self.pool = None
                _stop_descendants()  # the workers and their kernels: nothing of this run is left
        elif self.own and self.pool is not None:
            self.pool.shutdown(wait=True)

    def _live_pool(self) -> cf.Executor | None:
        pool = self.pool
        if self.own and pool is not None and getattr(pool, "_broken", False):
            pool.shutdown(wait=False, cancel_futures=True)
            self.pool = pool = _make_executor(self.workers)  # a worker died: start over
        return pool

    def _submit_notebook(self, task: _NotebookTask) -> None:
        self.attempts[(task.code, task.key)] = self.attempts.get((task.code, task.key), 0) + 1
        self.futures[self._live_pool().submit(_execute_notebook, task)] = ("nb", task)

    def _fill(self) -> None:
        running = sum(kind == "nb" for kind, _ in self.futures.values())
        while self.queue and running < self.max_in_flight:
            self._submit_notebook(self.queue.popleft())
            running += 1

    def assemble(self, task: _AssembleTask, *, here: bool = False) -> None:
        """Assemble a municipality's report, on the executor (``here``: in this process)."""
        pool = None if here else self._live_pool()
        if pool is None:
            fut: cf.Future = cf.Future()
            fut.set_result(_assemble(task))
            self.futures[fut] = ("asm", task)
        else:
            self.futures[pool.submit(_assemble, task)] = ("asm", task)

    def finished(self) -> Iterator[tuple[str, Any]]:
        """What finishes, as it does: ``("notebook", (outcome, attempts))`` once a notebook's
        retries are spent, ``("assembled", (code, error))`` for a report (``error`` None: ready
        to publish). The caller may :meth:`assemble` while iterating."""
        while self.futures:
            done, _ = cf.wait(list(self.futures), return_when=cf.FIRST_COMPLETED)
            for fut in done:
                kind, what = self.futures.pop(fut)
                try:
                    value = fut.result()
                except Exception as exc:  # the worker died (BrokenProcessPool) or the task could not run
                    if kind == "asm":
                        self.assemble(what, here=True)
                        continue
                    value = _NotebookOutcome(what.code, what.key, "failed", 0.0,
                                             {"ename": type(exc).__name__, "evalue": str(exc)}, retryable=True)
                if kind == "asm":
                    yield "assembled", value
                    continue
                key = (value.code, value.key)
                if value.status == "failed" and value.retryable and self.attempts.get(key, 1) <= self.retries:
                    self._submit_notebook(self.by_key[key])  # once more, on a new kernel
                    continue
                yield "notebook", (value, self.attempts.get(key, 1))
                self._fill()
