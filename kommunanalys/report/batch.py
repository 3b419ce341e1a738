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
from .fingerprint import _digest_path, _input_hash, _notebook_digest, _package_fingerprint, _sha256_file
from .index import _deliverable_links, _Progress, _records, _write_index
from .inputs import (_comparison_of, _earlier_rounds, _existing, _export_municipality, _population_input,
                     _review_for, _round_column_split, _select)
from .plan import (IN_REPORT, QUESTION_NOTEBOOK, QUOTE_SECTIONS, QUOTES_NOTEBOOK, SECTION_NOTEBOOKS,
                   TRENDS_NOTEBOOK, TRENDS_SECTION, PlanEntry, _check_plan, _codebook_theme, _declared_parameters,
                   _missing_contract_parameters, _notebook_parameters, _options_for, _quote_sections, _slug_part,
                   _with_trends, default_plan)
from .publish import (_ASIDE, _LOCK, _MANIFEST, _MANIFEST_FORMAT, _STAGING, PUBLISHED_FILES, _lock_output,
                      _OutputLock, _publish, _read_manifest, _recover, _remove_if_empty, _write_atomic)
from .results import BatchResult, MunicipalityResult, NotebookError, NotebookResult, _record_notebook
from .tasks import (_AssembleTask, _NotebookOutcome, _NotebookTask, _assemble, _default_jobs, _execute_notebook,
                    _make_executor, _quiet_papermill, _spawn_context, _stop_descendants, _strip_ansi, _worker_init)

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
                             deliverables={**deliverables, "review": str(own_review) if own_review else None}
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




