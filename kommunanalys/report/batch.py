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

The steps
---------
:func:`run_reports` reads and checks every input before writing anything (:mod:`.inputs`), plans
the notebooks (:mod:`.plan`) with the digests a rerun compares (:mod:`.fingerprint`), locks the
output folder and finishes an interrupted run (:mod:`.publish`), decides per municipality what to
redo (:mod:`.rerun`), runs the notebooks and assembles each report (:mod:`.tasks`), publishes it
(:mod:`.publish`) and writes the index (:mod:`.index`); :mod:`.results` holds what it returns.
"""

from __future__ import annotations

import concurrent.futures as cf
import functools
import logging
import os
import shutil
import time
from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence

from .fingerprint import _data_digest, _notebook_digest, _package_fingerprint
from .index import _Progress, _records, _write_index
from .inputs import _Inputs, _read_inputs, _review_for
from .plan import (SECTION_NOTEBOOKS, PlanEntry, one_theme_chart, _check_plan, _contract_warnings, _notebook_path,
                   _Notebooks, _Options, _sections, _with_trends, default_plan)
from .publish import _ASIDE, _STAGING, _lock_output, _make_output_folder, _publish, _recover, _remove_if_empty
from .rerun import _decide, _Work
from .results import BatchResult, MunicipalityResult, NotebookError, NotebookResult, _record_notebook
from .tasks import _AssembleTask, _TaskRunner, _workers

# importable from here too (callers and tests did before the batch's steps had their own modules)
from .inputs import _comparison_of, _round_column_split  # noqa: F401
from .plan import TRENDS_NOTEBOOK, _notebook_parameters, _options_for  # noqa: F401
from .publish import _write_atomic  # noqa: F401

__all__ = [
    "PlanEntry",
    "default_plan",
    "run_reports",
    "BatchResult",
    "MunicipalityResult",
    "NotebookResult",
    "NotebookError",
    "SECTION_NOTEBOOKS",
]

log = logging.getLogger(__name__)

#: Seconds a single cell may run before it counts as failed (None: no limit).
CELL_TIMEOUT: float | None = 1800


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
    started = time.perf_counter()
    options = _Options(jobs=jobs, executor=executor, progress=progress, force=force, only_failed=only_failed,
                       engine=engine, kernel_name=kernel_name, cell_timeout=cell_timeout, retries=retries,
                       formats=formats, template=template, texts=texts, low_rate=low_rate)
    inputs = _read_inputs(data, out=out, municipalities=municipalities, notebooks_dir=notebooks_dir,
                          anonymity_threshold=anonymity_threshold, formats=formats, template=template, texts=texts,
                          instrument=instrument, review=review, key_figures=key_figures, previous=previous,
                          current_round=current_round, comparison_groups=comparison_groups,
                          population=population, round_column=round_column)
    notebooks = _plan_notebooks(inputs, plan)
    lock = _lock_output(_make_output_folder(inputs.out_dir))
    try:
        _recover(inputs.out_dir)
        respondents = _respondents(inputs, low_rate=low_rate)
        work = _decide(inputs, notebooks, options)
        workers = _build(work, inputs, notebooks, options, respondents=respondents)
        return _finish(work, inputs, notebooks, options, respondents=respondents, started=started, workers=workers)
    finally:
        lock.release()


def _plan_notebooks(inputs: _Inputs, plan: Sequence[PlanEntry] | None) -> _Notebooks:
    """The plan (default: from the instrument, with the trend section when there are earlier
    rounds), what of it exists, the report's sections and the digests a rerun compares."""
    instrument = inputs.survey.instrument
    entries = list(plan) if plan is not None else default_plan(instrument)
    if inputs.rounds and plan is None:
        entries = _with_trends(entries, inputs.rounds)
    entries = one_theme_chart(entries)  # a caller's plan too: the theme counts once per report
    _check_plan(entries)
    notebook_sha: dict[str, str] = {}
    skipped: list[str] = []
    active: list[PlanEntry] = []
    for entry in entries:
        path = _notebook_path(inputs.nb_dir, entry)
        if path.exists():
            notebook_sha.setdefault(entry.notebook, _notebook_digest(path))
            active.append(entry)
        elif entry.notebook not in skipped:
            skipped.append(entry.notebook)
    data_sha = _data_digest(inputs.data_path, inputs.rounds, inputs.comparison_of,
                            grouped=inputs.comparison_groups is not None)
    return _Notebooks(active=active, skipped=skipped, notebook_sha=notebook_sha,
                      sections=_sections(instrument, entries, active), data_sha=data_sha,
                      package=_package_fingerprint(instrument.source))


def _respondents(inputs: _Inputs, *, low_rate: float | None) -> dict[str, Any]:
    """Who answered, per municipality of the data (with a population file: invited counts and
    response rates, :mod:`kommunanalys.population`), for the reports and the index."""
    from ..respondents import respondent_counts

    survey, threshold = inputs.survey, inputs.threshold
    if not inputs.population:
        return {code: respondent_counts(survey, code, threshold=threshold) for code in survey.municipality_codes}
    from ..population import population_for, response_rates

    pop = population_for(inputs.population)
    return {code: response_rates(survey, pop, code, threshold=threshold, low_rate=low_rate)
            for code in survey.municipality_codes}


def _build(work: _Work, inputs: _Inputs, notebooks: _Notebooks, options: _Options, *,
           respondents: Mapping[str, Any]) -> int:
    """Run the notebooks, assemble each municipality's report as soon as its notebooks are done,
    and publish it; on an interruption nothing half-built is left. Returns the number of workers."""
    workers = _workers(options.jobs, options.executor)
    bars = _Progress(options.progress, n_notebooks=len(work.tasks), n_municipalities=len(inputs.codes),
                     done_municipalities=sum(r.status == "unchanged" for r in work.results.values()))
    deliverables = _deliverables(inputs, options)
    assemble = functools.partial(_assemble_task, work=work, inputs=inputs, notebooks=notebooks, options=options,
                                 respondents=respondents, deliverables=deliverables)
    try:
        with _TaskRunner(work.tasks, executor=options.executor, jobs=options.jobs, workers=workers,
                         retries=options.retries) as runner:
            for code in work.manifests:
                if not work.pending[code]:
                    runner.assemble(assemble(code))
            for kind, value in runner.finished():
                if kind == "notebook":
                    outcome, attempts = value
                    _record_notebook(work.results[outcome.code], work.manifests[outcome.code], outcome, attempts)
                    bars.notebook_done()
                    work.pending[outcome.code].discard(outcome.key)
                    if not work.pending[outcome.code]:
                        runner.assemble(assemble(outcome.code))
                else:
                    _publish_report(work.results[value[0]], value[1], run_dir=work.run_dir, out_dir=inputs.out_dir)
                    bars.municipality_done()
    except BaseException:
        # interrupted (Ctrl-C) or a bug: published reports stay, nothing half-built is left
        shutil.rmtree(work.run_dir, ignore_errors=True)
        _remove_if_empty(inputs.out_dir / _STAGING)
        bars.close()
        raise
    bars.close()
    shutil.rmtree(work.run_dir, ignore_errors=True)
    _remove_if_empty(inputs.out_dir / _STAGING)
    return workers


def _deliverables(inputs: _Inputs, options: _Options) -> dict | None:
    """What the deck, workbook and PDF of a report are built from (None: ``report.html`` only)."""
    extra_formats = [f for f in options.formats if f != "html"]
    if not extra_formats:
        return None
    deliverables = {"data": str(inputs.data_path), "threshold": inputs.threshold, "formats": extra_formats,
                    "template": str(Path(options.template).resolve()) if options.template else None,
                    **inputs.survey_options}
    if inputs.rounds:  # the deck's and workbook's changes since earlier rounds
        deliverables.update(previous=inputs.rounds["previous"], current_round=inputs.rounds["current_round"])
    if inputs.population:
        deliverables.update(population=inputs.population, low_rate=options.low_rate)
    if inputs.consultant.get("key_figures"):  # the deck's result chain: the efficiency page's figures
        deliverables["key_figures"] = str(inputs.consultant["key_figures"])
    return deliverables


def _assemble_task(code: str, *, work: _Work, inputs: _Inputs, notebooks: _Notebooks, options: _Options,
                   respondents: Mapping[str, Any], deliverables: dict | None) -> _AssembleTask:
    """The task that assembles a municipality's report once its notebooks are done."""
    manifest = work.manifests[code]
    res = work.results[code]
    parts = []
    for record, nbr in zip(manifest["notebooks"], res.notebooks):
        parts.append({"key": record["key"], "section": record["section"], "notebook": record["notebook"],
                      "status": nbr.status, "error": record["error"],
                      "path": f"notebooks/{record['key']}.ipynb"})
    failed = any(r["status"] == "failed" for r in manifest["notebooks"])
    manifest["status"] = "failed" if failed else "ok"
    manifest["built"] = time.strftime("%Y-%m-%dT%H:%M:%S%z")
    own_review = _review_for(inputs.consultant.get("review"), code)
    texts = options.texts
    return _AssembleTask(code=code, name=res.name, slug=res.slug, staging=str(work.run_dir / res.slug),
                         title=inputs.survey.instrument.name, synthetic=inputs.survey.synthetic,
                         sections=notebooks.sections, parts=parts, manifest=manifest,
                         respondents=_records(respondents[code]),
                         deliverables={**deliverables, "review": str(own_review) if own_review else None,
                                       "comparison": inputs.comparison_of.get(code)}
                         if deliverables else None,
                         report_words={"data": str(inputs.data_path), "threshold": inputs.threshold,
                                       **inputs.survey_options,
                                       "texts": str(Path(texts).resolve()) if texts else None})


def _publish_report(res: MunicipalityResult, error: str | None, *, run_dir: Path, out_dir: Path) -> None:
    """Publish an assembled report (``error`` None) in place of the old one, and record the outcome."""
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


def _finish(work: _Work, inputs: _Inputs, notebooks: _Notebooks, options: _Options, *,
            respondents: Mapping[str, Any], started: float, workers: int) -> BatchResult:
    """The batch's result, the appendix across municipalities and the index."""
    warnings_ = sorted(set(inputs.notes + _contract_warnings(notebooks.active, inputs.nb_dir)))
    result = BatchResult(out=inputs.out_dir, index=inputs.out_dir / "index.html",
                         municipalities=[work.results[c] for c in inputs.codes], skipped_notebooks=notebooks.skipped,
                         elapsed=time.perf_counter() - started, jobs=workers, engine=options.engine,
                         warnings=warnings_)
    survey = inputs.survey
    if "xlsx" in options.formats:  # the appendix across municipalities (kommunanalys.report)
        from . import write_batch_workbook

        write_batch_workbook(inputs.out_dir, data=str(inputs.data_path), threshold=inputs.threshold,
                             codes=survey.municipality_codes, **inputs.survey_options,
                             **(inputs.rounds or {}),  # rounds: the sheet "Förändring"
                             population=inputs.population, low_rate=options.low_rate, survey=survey)
    _write_index(inputs.out_dir, survey, respondents, result, title=survey.instrument.name,
                 threshold=inputs.threshold)
    return result
