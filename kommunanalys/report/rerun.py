"""What a run redoes: per municipality and notebook, reuse what is unchanged, run the rest.

A notebook is reused when the published report has it, it succeeded and its input hash is the
same (``force``: never; ``only_failed``: whatever its hash); a municipality whose notebooks and
report key are all unchanged is not touched at all. Reused notebooks are copied into the new
report's staging folder (:func:`~kommunanalys.report.publish._stage_reused`).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Mapping

from ..municipalities import slugify
from .fingerprint import _input_hash, _report_key
from .inputs import _Inputs
from .plan import (PlanEntry, _declared_parameters, _notebook_parameters, _notebook_path, _Notebooks, _Options,
                   _options_for)
from .publish import _MANIFEST_FORMAT, _check_targets, _new_run_dir, _read_manifest, _stage_reused
from .results import MunicipalityResult, NotebookResult
from .tasks import _NotebookTask


@dataclass
class _Work:
    """What this run does, per municipality (:func:`_decide`); filled in as notebooks finish."""

    run_dir: Path  # the staging folder of this run
    results: dict[str, MunicipalityResult]
    manifests: dict[str, dict]  # the municipalities to (re)build: their new manifests
    pending: dict[str, set[str]]  # their notebooks not finished yet
    tasks: list[_NotebookTask]  # the notebooks to run


def _decide(inputs: _Inputs, notebooks: _Notebooks, options: _Options) -> _Work:
    """Decide, per municipality and notebook, what to run; stage what is reused."""
    survey = inputs.survey
    work = _Work(run_dir=_new_run_dir(inputs.out_dir), results={}, manifests={}, pending={}, tasks=[])
    names = {code: survey.municipality_name(code) for code in inputs.codes}
    _check_targets(inputs.out_dir, names)  # nothing of this batch's own making is ever moved or deleted
    for code in inputs.codes:
        _decide_municipality(work, code, names[code], inputs, notebooks, options)
    return work


def _decide_municipality(work: _Work, code: str, name: str, inputs: _Inputs, notebooks: _Notebooks,
                         options: _Options) -> None:
    """One municipality's notebooks to run (into ``work``), or nothing when its report is unchanged."""
    slug = slugify(code, name)
    final = inputs.out_dir / slug
    old = _read_manifest(final) if final.is_dir() else None
    old_entries = {e["key"]: e for e in (old or {}).get("notebooks", [])}
    staging = work.run_dir / slug
    entries, nb_results, to_run = [], [], []
    for entry in notebooks.active:
        record, task = _notebook_record(entry, code, old_entries.get(entry.key), final=final, staging=staging,
                                        inputs=inputs, notebooks=notebooks, options=options)
        entries.append(record)
        nb_results.append(NotebookResult(entry.key, entry.notebook, entry.section,
                                         "reused" if task is None else "pending",
                                         duration=record["duration"], path=final / "notebooks" / f"{entry.key}.ipynb"))
        if task is not None:
            to_run.append(task)
    report_key = _report_key(entries, threshold=inputs.threshold, package=notebooks.package,
                             synthetic=inputs.survey.synthetic, formats=options.formats, template=options.template,
                             texts=options.texts)
    unchanged = (not to_run and old is not None and old.get("report_key") == report_key
                 and (final / "report.html").exists())
    work.results[code] = MunicipalityResult(code, name, slug, "unchanged" if unchanged else "pending",
                                            nb_results, report=final / "report.html" if unchanged else None)
    if old is not None and unchanged:
        return
    work.manifests[code] = {
        "format": _MANIFEST_FORMAT, "code": code, "name": name, "slug": slug,
        "data": {"path": str(inputs.data_path), "sha256": notebooks.data_sha}, "package": notebooks.package,
        "anonymity_threshold": inputs.threshold, "engine": options.engine, "report_key": report_key,
        "notebooks": entries,
    }
    _stage_reused(final, staging, entries)  # reused notebooks and their tables go in as they are
    staging.mkdir(parents=True, exist_ok=True)
    work.pending[code] = {t.key for t in to_run}
    work.tasks.extend(to_run)


def _notebook_record(entry: PlanEntry, code: str, prev: Mapping | None, *, final: Path, staging: Path,
                     inputs: _Inputs, notebooks: _Notebooks,
                     options: _Options) -> tuple[dict, _NotebookTask | None]:
    """A notebook's manifest record, and its task, or None when the published run is reused."""
    src = _notebook_path(inputs.nb_dir, entry)
    declared = _declared_parameters(str(src), src.stat().st_mtime)
    extra, file_inputs = _options_for(declared, code, **inputs.consultant)
    params = _notebook_parameters(code, entry, inputs.data_path, inputs.threshold, extra,
                                  population=inputs.population, low_rate=options.low_rate)
    if inputs.comparison_of.get(code) and "comparison" in declared:
        params["comparison"] = inputs.comparison_of[code]  # --comparison-groups
    if "population" in params:  # a changed population file reruns the notebooks that read it
        file_inputs = {**file_inputs, "population": inputs.population_sha}
    ihash = _input_hash(data_sha=notebooks.data_sha, notebook_sha=notebooks.notebook_sha[entry.notebook],
                        parameters=params, package=notebooks.package, inputs=file_inputs)
    executed = final / "notebooks" / f"{entry.key}.ipynb"
    reusable = (not options.force and prev is not None and prev.get("status") == "ok" and executed.exists()
                and (prev.get("input_hash") == ihash or options.only_failed))
    record = {"key": entry.key, "notebook": entry.notebook, "section": entry.section,
              "parameters": {k: v for k, v in params.items() if k != "data"},
              "input_hash": ihash if not reusable else prev["input_hash"],
              "status": "ok" if reusable else "pending", "duration": prev.get("duration", 0.0) if reusable else 0.0,
              "tables": prev.get("tables", []) if reusable else [], "error": None,
              "published": prev.get("published", []) if reusable else []}
    if reusable:
        return record, None
    work_dir = staging / ".work" / entry.key
    return record, _NotebookTask(
        code=code, key=entry.key, input_path=str(src),
        output_path=str(staging / "notebooks" / f"{entry.key}.ipynb"), work_dir=str(work_dir),
        parameters={**params, "output_dir": str(work_dir)},
        kernel_name=options.kernel_name, engine=options.engine, cwd=str(inputs.nb_dir), timeout=options.cell_timeout,
    )
