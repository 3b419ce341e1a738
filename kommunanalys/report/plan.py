"""What a batch builds: which municipalities, which notebooks in which report section, with
which parameters.

A plan is a list of :class:`PlanEntry`, in report order (see "The notebook plan" in
:mod:`kommunanalys.report.batch`); :func:`default_plan` builds it from the instrument, and
:func:`_notebook_parameters` gives each notebook of a municipality its parameters.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Mapping, Sequence

from .._lru import memoize
from ..errors import ReportError
from .fingerprint import _digest_path
from .inputs import _review_for

__all__ = ["PlanEntry", "default_plan", "one_theme_chart", "SECTION_NOTEBOOKS"]


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
    return one_theme_chart(plan)


def one_theme_chart(plan: Sequence[PlanEntry]) -> list[PlanEntry]:
    """The plan with the municipality's theme counts (the same on every theme's quotes page) shown
    once per report: the first in-report quotes entry of a theme gets ``theme_counts=True``, the later ones ``False``.
    The batch applies it to any plan it is given (a caller's plan cut to a later section
    included), so every report with a theme's quotes shows the chart exactly once."""
    out: list[PlanEntry] = []
    shown = False
    for entry in plan:
        if (Path(entry.notebook).name == QUOTES_NOTEBOOK and entry.parameters.get("in_report")
                and entry.parameters.get("theme") is not None):
            entry = replace(entry, parameters={**entry.parameters, "theme_counts": not shown})
            shown = True
        out.append(entry)
    return out


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


def _with_trends(plan: list[PlanEntry], rounds_: dict) -> list[PlanEntry]:
    """The plan with the trend section after who answered (or first)."""
    entry = PlanEntry(TRENDS_NOTEBOOK, section=TRENDS_SECTION["id"], key=Path(TRENDS_NOTEBOOK).stem,
                      parameters={"previous": rounds_["previous"], "current_round": rounds_["current_round"]})
    at = max((i + 1 for i, e in enumerate(plan) if e.section == "respondents"), default=0)
    return [*plan[:at], entry, *plan[at:]]


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


def _notebook_path(nb_dir: Path, entry: PlanEntry) -> Path:
    """The file of a plan entry: its notebook in ``nb_dir``, or the absolute path it names."""
    return nb_dir / entry.notebook if not Path(entry.notebook).is_absolute() else Path(entry.notebook)


def _sections(instrument, plan: Sequence[PlanEntry], active: Sequence[PlanEntry]) -> list[dict]:
    """The report's sections in order: the instrument's, the trend section after who answered
    (when the plan has it), then any other section a notebook of the plan names."""
    sections = [{"id": s["id"], "title": s.get("title", s["id"])} for s in instrument.report_sections]
    if any(e.section == TRENDS_SECTION["id"] for e in plan):  # after who answered
        sections.insert(1 if sections and sections[0]["id"] == "respondents" else 0, dict(TRENDS_SECTION))
    known_sections = {s["id"] for s in sections}
    for entry in active:
        if entry.section not in known_sections:
            sections.append({"id": entry.section, "title": entry.section})
            known_sections.add(entry.section)
    return sections


def _contract_warnings(active: Sequence[PlanEntry], nb_dir: Path) -> list[str]:
    """A warning per notebook whose ``parameters`` cell lacks a parameter of the contract."""
    warnings_ = []
    for entry in active:
        missing = _missing_contract_parameters(_notebook_path(nb_dir, entry), entry)
        if missing:
            warnings_.append(f"{entry.notebook} saknar parametern/parametrarna {', '.join(missing)} i sin "
                             "`parameters`-cell")
    return warnings_


@dataclass(frozen=True)
class _Options:
    """How a batch runs: the caller's choices, as given to :func:`~kommunanalys.report.batch.run_reports`."""

    jobs: int | None
    executor: Any
    progress: bool
    force: bool
    only_failed: bool
    engine: str
    kernel_name: str
    cell_timeout: float | None
    retries: int
    formats: Sequence[str]
    template: Any
    texts: Any
    low_rate: float | None


@dataclass(frozen=True)
class _Notebooks:
    """The plan as it stands on disk, and the digests a rerun compares (built by the batch)."""

    active: list[PlanEntry]  # the entries whose notebook exists
    skipped: list[str]  # the notebooks that do not
    notebook_sha: dict[str, str]
    sections: list[dict]
    data_sha: str
    package: dict[str, str]
