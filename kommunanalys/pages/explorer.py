"""The analysts' explorer: click through municipalities, questions and groups in a notebook.

Two layers:

``ExplorerState`` / :func:`render`
    The core, without widgets: a state (survey, municipality, question, grouping, comparison,
    anonymity threshold) and a pure function that turns it into an :class:`ExplorerView` — the
    role chart as PNG bytes, the display table, the role gap, the screened quotes and, when a
    comparison is chosen, the benchmark. Testable and timeable without a browser.
:func:`explore` / :class:`Explorer`
    The ipywidgets front end (``notebooks/05_explorer.ipynb``): one control per field of the
    state; every change re-renders the outputs in place, without re-running cells.

Nothing is computed here that the package computes elsewhere: the statistics come from
:mod:`kommunanalys.questions` (anonymity already applied, :mod:`kommunanalys.anonymity`), the
display tables from :mod:`kommunanalys.pages.question`, the chart from :mod:`kommunanalys.plots.charts`
and the quotes — screened for personal data, roles attributed only where the anonymity rule
allows — from :mod:`kommunanalys.pages.quotes`. Raw comments never reach the explorer's output.

Responsiveness: every piece is cached by exactly what it depends on (the role gap and the
quotes by municipality and threshold, the distribution by municipality, grouping and threshold
for all questions at once, the benchmark by municipality, comparison and threshold, each chart
by what its data depends on), so a change recomputes only what it must.
``benchmarks/explorer_benchmark.py`` measures the update latency.
"""

from __future__ import annotations

import html
import time
import weakref
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Callable, Hashable

import pandas as pd

from ..plots import charts as plots
from . import question as question_page
from .. import questions
from . import quotes as quotes_page
from .._lru import LRU
from ..anonymity import published_count, resolve_threshold
from ..errors import InputError, KommunanalysError
from ..labels import role_names
from .notebook import SYNTHETIC_NOTE, survey_for
from ..survey import NOT_IN_EXPORT, Survey

__all__ = [
    "COMPARISONS",
    "GROUPINGS",
    "ExplorerState",
    "ExplorerView",
    "render",
    "comparison_codes",
    "Explorer",
    "explore",
]

#: The groupings the explorer offers (the question page's), as the analyst sees them.
GROUPINGS: dict[str, str] = dict(question_page.GROUPING_LABELS)
#: The comparison groups: none, every other municipality in the data, the same county (län).
COMPARISONS: dict[str, str] = {
    "none": "Ingen jämförelse",
    "others": "Övriga kommuner i datat",
    "county": "Kommuner i samma län",
}
_CHART_DPI = 72
_CACHE_SIZE = 64


# ---------------------------------------------------------------------------------------------
# State
# ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class ExplorerState:
    """What the explorer shows: one question in one municipality, by a grouping.

    Parameters
    ----------
    survey
        The whole survey (the benchmark needs the other municipalities). Not part of equality.
    municipality
        Four-digit code of a municipality with respondents (a name is resolved to its code).
    question
        A Likert question id (``"Q6"``).
    grouping
        ``"role"``, ``"subgroup"`` or ``"all"`` (:data:`GROUPINGS`).
    comparison
        ``"none"``, ``"others"`` or ``"county"`` (:data:`COMPARISONS`).
    threshold
        Anonymity threshold: groups with fewer answers are never shown.
    """

    survey: Survey = field(compare=False, repr=False)
    municipality: str
    question: str
    grouping: str = "role"
    comparison: str = "none"
    threshold: int | None = None

    def __post_init__(self) -> None:
        survey = self.survey
        if not isinstance(survey, Survey):
            raise InputError(f"`survey` must be a Survey, got {type(survey).__name__}",
                             hint="load one with kommunanalys.load_survey(path) or load_demo()")
        codes = survey.municipality_codes
        code = str(self.municipality)
        if code not in codes:
            code = survey.resolve_municipality(self.municipality)  # raises InputError with the choices
        object.__setattr__(self, "municipality", code)
        likert = [q.id for q in survey.instrument.likert_questions]
        if self.question not in likert:
            raise InputError(f"{self.question!r} is not a Likert question of the instrument", column="question",
                             value=self.question, hint=f"use one of {', '.join(likert)}")
        if self.grouping not in GROUPINGS:
            raise InputError(f"unknown grouping {self.grouping!r}", column="grouping", value=self.grouping,
                             hint=f"use one of {', '.join(GROUPINGS)}")
        if self.comparison not in COMPARISONS:
            raise InputError(f"unknown comparison {self.comparison!r}", column="comparison", value=self.comparison,
                             hint=f"use one of {', '.join(COMPARISONS)}")
        object.__setattr__(self, "threshold", resolve_threshold(self.threshold, survey))

    @classmethod
    def initial(cls, survey: Survey, *, municipality: str | None = None, question: str | None = None,
                threshold: int | None = None, **kwargs: Any) -> "ExplorerState":
        """A state with defaults: the first municipality and the first Likert question."""
        return cls(survey=survey,
                   municipality=survey.municipality_codes[0] if municipality is None else municipality,
                   question=survey.instrument.likert_questions[0].id if question is None else question,
                   threshold=resolve_threshold(threshold, survey), **kwargs)

    def replace(self, **changes: Any) -> "ExplorerState":
        """A copy with some fields changed (validated again)."""
        return replace(self, **changes)


# ---------------------------------------------------------------------------------------------
# Cached pieces, one cache per survey object
# ---------------------------------------------------------------------------------------------
class _Pieces:
    """Memoised calls into the package for one survey (treated as read-only)."""

    def __init__(self, survey: Survey) -> None:
        self._survey = weakref.ref(survey)
        self._memo = LRU(_CACHE_SIZE)

    @property
    def survey(self) -> Survey:
        survey = self._survey()
        if survey is None:  # pragma: no cover - the cache dies with its survey
            raise RuntimeError("the survey behind this cache is gone")
        return survey

    def _get(self, key: Hashable, compute: Callable[[], Any]) -> Any:
        return self._memo.get_or_make(key, compute)

    # All Likert questions of a municipality at once, shared with the question pages: a change
    # of question is then a filter.
    def distribution(self, m: str, q: str, g: str, t: int) -> pd.DataFrame:
        return question_page.question_rows(question_page.municipality_statistics(self.survey, m, g, t)[0], q)

    def summary(self, m: str, q: str, g: str, t: int) -> pd.DataFrame:
        return question_page.question_rows(question_page.municipality_statistics(self.survey, m, g, t)[1], q)

    def gaps(self, m: str, t: int) -> pd.DataFrame:
        return self._get(("gaps", m, t), lambda: questions.rank_gaps(
            questions.role_gap(self.survey, municipalities=m, threshold=t)))

    def quotes(self, m: str, t: int) -> "quotes_page.QuotesPage":
        return self._get(("quotes", m, t), lambda: quotes_page.build_quotes(self.survey, m, threshold=t))

    def chart(self, key: Hashable, draw: Callable[[Any], Any], height: float) -> bytes:
        """A chart's PNG, drawn once per ``key`` (what the chart's data depends on)."""
        return self._get(("chart", key), lambda: _png(draw, height))

    # Likewise the benchmark: all questions of a municipality and comparison group at once.
    def benchmark(self, m: str, q: str, comparison: tuple[str, ...] | None, t: int) -> tuple[pd.DataFrame, pd.DataFrame]:
        summary, dist = question_page.municipality_benchmark(self.survey, m, list(comparison) if comparison else None, t)
        return question_page.question_rows(summary, q), question_page.question_rows(dist, q)


#: Cached pieces of the surveys explored last (the analyst explores one at a time; cached pieces
#: hold their survey, so a survey dropped out of this cache is freed).
_PIECES = LRU(2)


def _pieces(survey: Survey) -> _Pieces:
    key = id(survey)
    pieces = _PIECES.get(key)
    if pieces is None or pieces._survey() is not survey:
        pieces = _PIECES.put(key, _Pieces(survey))
        weakref.finalize(survey, _PIECES.pop, key, None)
    else:
        _PIECES.move_to_end(key)
    return pieces


def clear_cache() -> None:
    """Forget every cached piece (e.g. after editing a loaded survey in place)."""
    _PIECES.clear()


# ---------------------------------------------------------------------------------------------
# Render
# ---------------------------------------------------------------------------------------------
@dataclass
class ExplorerView:
    """Everything the explorer shows for one state (anonymity applied, quotes screened).

    Attributes
    ----------
    state
        The state rendered.
    title
        Municipality, question and group sizes (HTML).
    chart_png
        The role chart (or the chosen grouping), PNG bytes.
    table
        The display table of :func:`kommunanalys.pages.question.group_table` (text cells).
    distribution, summary
        The long-form statistics behind chart and table (:mod:`kommunanalys.questions`).
    gap
        The question's row of the ranked role gap (:func:`kommunanalys.questions.rank_gaps`).
    gaps
        The ranked role gap over all questions of the municipality.
    quotes
        The screened quotes on the question (:func:`kommunanalys.pages.quotes.build_quotes`);
        empty when the question has no comment question.
    benchmark, benchmark_distribution, benchmark_png
        The comparison (None when ``comparison == "none"``).
    notes
        Messages for the analyst (synthetic data, comparison not possible, ...).
    seconds
        Time taken by :func:`render`.
    """

    state: ExplorerState
    title: str
    chart_png: bytes
    table: pd.DataFrame
    distribution: pd.DataFrame
    summary: pd.DataFrame
    gap: pd.DataFrame
    gaps: pd.DataFrame
    quotes: pd.DataFrame
    quotes_html: str
    benchmark: pd.DataFrame | None = None
    benchmark_distribution: pd.DataFrame | None = None
    benchmark_png: bytes | None = None
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0

    # HTML fragments for the widgets (and for tests)
    @property
    def table_html(self) -> str:
        return _frame_html(self.table, caption=_table_caption(self))

    @property
    def gap_html(self) -> str:
        return _gap_html(self)

    @property
    def benchmark_html(self) -> str:
        if self.benchmark is None:
            return ""
        page = _page(self.state, benchmark=self.benchmark)
        return _frame_html(question_page.benchmark_table(page), caption="Jämförelse med andra kommuner")


def comparison_codes(survey: Survey, municipality: str, comparison: str) -> tuple[str, ...] | None:
    """The municipality codes of a comparison group (None: every other municipality).

    ``"county"`` is the other municipalities of the same county (the first two digits of the
    code) present in the survey. Raises :class:`InputError` when the group would be empty.
    """
    if comparison == "none" or comparison == "others":
        return None
    if comparison == "county":
        codes = tuple(c for c in survey.municipality_codes if c[:2] == municipality[:2] and c != municipality)
        if not codes:
            raise InputError("no other municipality of the same county has respondents", column="comparison",
                             value=municipality, hint="choose 'Övriga kommuner i datat' instead")
        return codes
    raise InputError(f"unknown comparison {comparison!r}", column="comparison", value=comparison,
                     hint=f"use one of {', '.join(COMPARISONS)}")


def _page(state: ExplorerState, *, distribution=None, summary=None, gaps=None, benchmark=None):
    """A :class:`~kommunanalys.pages.question.QuestionPage` holding the pieces computed so far,
    so the question page's table formatters serve the explorer too (one formatter per table)."""
    empty = pd.DataFrame()
    survey = state.survey
    return question_page.QuestionPage(
        survey=survey, municipality=state.municipality, question=survey.instrument[state.question],
        grouping=state.grouping, threshold=state.threshold, comparison=None,
        distribution=empty if distribution is None else distribution,
        summary=empty if summary is None else summary, gaps=empty if gaps is None else gaps,
        benchmark=empty if benchmark is None else benchmark, benchmark_distribution=empty, comments=empty,
        municipality_name=survey.municipality_name(state.municipality))


def _png(draw: Callable[[Any], Any], height: float) -> bytes:
    """Draw on a fresh Axes of a pyplot-free Figure and return PNG bytes (no inline display)."""
    from matplotlib.figure import Figure

    import matplotlib

    with matplotlib.rc_context({"axes.titley": 1.0}):  # as notebook.setup(): no automatic title placement
        fig = Figure(figsize=(9.5, height))
        draw(fig.add_subplot())
    # Fast zlib level: the same pixels, encoded in a fraction of the default level's time.
    return plots.figure_png(fig, dpi=_CHART_DPI, compress_level=1)


def render(state: ExplorerState) -> ExplorerView:
    """Compute everything the explorer shows for ``state`` (no widgets involved).

    Parameters
    ----------
    state
        The selection; see :class:`ExplorerState`.

    Returns
    -------
    ExplorerView
        Chart (PNG), tables, gap, screened quotes and, with a comparison, the benchmark.
    """
    start = time.perf_counter()
    survey, m, q, g, t = state.survey, state.municipality, state.question, state.grouping, state.threshold
    pieces = _pieces(survey)
    question = survey.instrument[q]
    distribution = pieces.distribution(m, q, g, t)
    summary = pieces.summary(m, q, g, t)
    gaps = pieces.gaps(m, t)
    page = _page(state, distribution=distribution, summary=summary, gaps=gaps)
    table = question_page.group_table(page)
    n_groups = distribution["group"].nunique()
    role_labels = role_names(survey.instrument).group_labels
    chart = pieces.chart(("role", m, q, g, t), lambda ax: plots.role_chart(distribution, question=question, ax=ax,
                                                                           threshold=t, labels=role_labels),
                         2.2 + 0.5 * n_groups)

    notes: list[str] = []
    if survey.synthetic:
        notes.append(SYNTHETIC_NOTE)
    quotes, quotes_html = _quotes(state, pieces)

    benchmark = bench_dist = bench_png = None
    if state.comparison != "none":
        try:
            codes = comparison_codes(survey, m, state.comparison)
            benchmark, bench_dist = pieces.benchmark(m, q, codes, t)
            groups = ["kommun", "jämförelsegrupp" if codes else "övriga kommuner"]
            benchmark = benchmark[benchmark["group"].isin(groups)].reset_index(drop=True)
            bench_dist = bench_dist[bench_dist["group"].isin(groups)].reset_index(drop=True)
            name = survey.municipality_name(m)
            bench_png = pieces.chart(("benchmark", m, q, codes, t),
                                     lambda ax: plots.benchmark_chart(bench_dist, municipality_name=name,
                                                                      question=question, ax=ax, threshold=t,
                                                                      labels=role_labels),
                                     2.6 + 0.5 * 4)
        except KommunanalysError as error:
            notes.append(f"Jämförelsen går inte att visa: {error}")
            benchmark = bench_dist = bench_png = None

    view = ExplorerView(
        state=state, title=_title(state, summary), chart_png=chart, table=table, distribution=distribution,
        summary=summary, gap=gaps[gaps["question"] == q].reset_index(drop=True), gaps=gaps, quotes=quotes,
        quotes_html=quotes_html, benchmark=benchmark, benchmark_distribution=bench_dist, benchmark_png=bench_png,
        notes=notes,
    )
    view.seconds = time.perf_counter() - start
    return view


# ---------------------------------------------------------------------------------------------
# HTML fragments
# ---------------------------------------------------------------------------------------------
def _esc(value: object) -> str:
    return html.escape(str(value))


def _frame_html(frame: pd.DataFrame, *, caption: str = "") -> str:
    table = frame.to_html(escape=True, border=0, classes="ka-frame", na_rep="")
    head = f"<h4>{_esc(caption)}</h4>" if caption else ""
    return head + table


def _table_caption(view: ExplorerView) -> str:
    state = view.state
    return (f"{view.state.survey.municipality_name(state.municipality)} – fråga "
            f"{state.survey.instrument[state.question].number} per {GROUPINGS[state.grouping].lower()}")


def _title(state: ExplorerState, summary: pd.DataFrame) -> str:
    survey = state.survey
    q = survey.instrument[state.question]
    groups = role_names(survey.instrument).group_labels
    sizes = ", ".join(f"{groups.get(r.group, r.group)}: "
                      f"{published_count(r.n, bool(r.suppressed), state.threshold)}"
                      for r in summary.itertuples())
    counted = q.scale.counted_answers
    parts = [f"<h3>{_esc(survey.municipality_name(state.municipality))} ({_esc(state.municipality)}) · "
             f"{_esc(q.number)}. {_esc(q.short)}</h3>",
             f"<p>{_esc(q.text)}</p>",
             f"<p>{_esc(counted[:1].upper() + counted[1:])} — {_esc(sizes)}. Grupper med färre än {state.threshold} svar visas inte.</p>"
             if survey.in_export(q.id) else
             f"<p><strong>Frågan {NOT_IN_EXPORT}</strong>: exporten har ingen kolumn för fråga {_esc(q.number)}, "
             "så den kan inte visas (det betyder inte att ingen svarade).</p>"]
    return "".join(parts)


def _gap_html(view: ExplorerView) -> str:
    state = view.state
    q = state.survey.instrument[state.question]
    roles = role_names(state.survey.instrument)
    head = f"<h4>Skillnad mellan rollerna ({_esc(roles.lower('förtroendevald'))} − {_esc(roles.lower('tjänsteperson'))})</h4>"
    if view.gap.empty:
        return head + "<p>Ingen skillnad att visa.</p>"
    line = _esc(question_page.gap_sentence(view.gaps, q, roles=roles))
    page = _page(state, gaps=view.gaps)
    return head + f"<p>{line}</p>" + _frame_html(question_page.gap_table(page))


def _quotes(state: ExplorerState, pieces: _Pieces) -> tuple[pd.DataFrame, str]:
    """The screened quotes on the question and their HTML (the quotes page's Markdown)."""
    import mistune

    survey = state.survey
    commented = {c.comments for c in survey.instrument.comment_questions() if c.comments}
    head = "<h4>Citat ur enkäten (granskade)</h4>"
    if state.question not in commented:
        return pd.DataFrame(), head + "<p>Frågan har ingen kommentarsfråga.</p>"
    page = pieces.quotes(state.municipality, state.threshold)
    quotes = page.quotes[page.quotes["about"] == state.question].reset_index(drop=True)
    plan = page.attribution[page.attribution["about"] == state.question]
    text = quotes_page.quotes_markdown(quotes, survey=survey, plan=plan, threshold=state.threshold,
                                       questions=[state.question], level=4)
    body = text.split("\n\n", 1)[1] if "\n\n" in text else text  # the question heading is the title's
    return quotes.drop(columns=["comment_key"], errors="ignore"), head + mistune.html(body)


# ---------------------------------------------------------------------------------------------
# Widgets
# ---------------------------------------------------------------------------------------------
def _widgets():
    import ipywidgets

    return ipywidgets


class Explorer:
    """The widget front end: controls bound to an :class:`ExplorerState`, outputs updated in place.

    ``.widget`` is the ipywidgets box; ``.state`` and ``.view`` the current state and view;
    ``.set(**changes)`` changes the state as a control would. Every control and output carries a
    CSS class ``ka-<name>`` (``ka-municipality``, ``ka-chart``, ``ka-table``, ...) for browser tests.
    """

    def __init__(self, survey: Survey | None = None, *, data: str | Path | None = None,
                 municipality: str | None = None, question: str | None = None, threshold: int | None = 5) -> None:
        w = _widgets()
        self._given = survey
        self.renders = 0
        self._busy = False
        self.state: ExplorerState | None = None
        self.view: ExplorerView | None = None
        survey = survey if survey is not None else survey_for(data)
        self._floor = resolve_threshold(threshold, survey)

        wide = w.Layout(width="30em")
        source_options = [("Demodata (syntetisk)", "demo"), ("Egen fil", "file")]
        if self._given is not None:
            source_options.insert(0, ("Given enkät", "given"))
        source = "given" if self._given is not None else ("file" if data else "demo")
        self.source = w.Dropdown(description="Data", options=source_options, value=source)
        self.path = w.Text(value=str(data or ""), description="Fil", placeholder="sökväg till er enkätexport",
                           layout=wide)
        self.load = w.Button(description="Läs in", icon="upload")
        self.municipality = w.Dropdown(description="Kommun", layout=w.Layout(width="22em"))
        self.question = w.Dropdown(description="Fråga", layout=w.Layout(width="36em"))
        self.grouping = w.ToggleButtons(description="Gruppera", options=[(v, k) for k, v in GROUPINGS.items()])
        self.comparison = w.Dropdown(description="Jämför", options=[(v, k) for k, v in COMPARISONS.items()],
                                     layout=w.Layout(width="22em"))
        self.threshold = w.BoundedIntText(description="Minsta grupp", value=self._floor, min=self._floor, max=100,
                                          layout=w.Layout(width="12em"))
        self.status = w.HTML()
        self.title = w.HTML()
        self.chart = w.Image(format="png")
        self.table = w.HTML()
        self.benchmark_chart = w.Image(format="png")
        self.benchmark_table = w.HTML()
        self.gap = w.HTML()
        self.quotes = w.HTML()
        for name in ("source", "path", "load", "municipality", "question", "grouping", "comparison", "threshold",
                     "status", "title", "chart", "table", "benchmark_chart", "benchmark_table", "gap", "quotes"):
            getattr(self, name).add_class("ka-" + name.replace("_", "-"))
        self._benchmark_box = w.VBox([self.benchmark_chart, self.benchmark_table])
        self.widget = w.VBox([
            w.HBox([self.source, self.path, self.load]),
            w.HBox([self.municipality, self.question]),
            w.HBox([self.grouping]),
            w.HBox([self.comparison, self.threshold]),
            self.status, self.title, self.chart, self.table, self._benchmark_box, self.gap, self.quotes,
        ])
        self.widget.add_class("ka-explorer")

        self._use(survey, municipality=municipality, question=question)
        for control, name in ((self.municipality, "municipality"), (self.question, "question"),
                              (self.grouping, "grouping"), (self.comparison, "comparison"),
                              (self.threshold, "threshold")):
            control.observe(lambda change, name=name: self._changed(name, change["new"]), names="value")
        self.load.on_click(lambda _: self._load())
        self.source.observe(lambda change: self._load() if change["new"] != "file" else None, names="value")

    # -- state ------------------------------------------------------------------------------
    def _use(self, survey: Survey, *, municipality: str | None = None, question: str | None = None) -> None:
        """Switch to another survey: new options, a valid state, one render."""
        old = self.state
        municipality = municipality or (old.municipality if old and old.municipality in survey.municipality_codes
                                        else None)
        state = ExplorerState.initial(
            survey, municipality=municipality, question=question or (old.question if old else None),
            threshold=max(self._floor, old.threshold if old else self._floor),
            grouping=old.grouping if old else "role", comparison=old.comparison if old else "none")
        self._busy = True
        try:
            self.municipality.options = [(f"{survey.municipality_name(c)} ({c})", c) for c in survey.municipality_codes]
            self.question.options = [(f"{q.number}. {q.short}", q.id) for q in survey.instrument.likert_questions]
            self.municipality.value = state.municipality
            self.question.value = state.question
            self.grouping.value = state.grouping
            self.comparison.value = state.comparison
            self.threshold.value = state.threshold
        finally:
            self._busy = False
        self.state = state
        self.update()

    def _changed(self, name: str, value: Any) -> None:
        if self._busy or self.state is None:
            return
        self.set(**{name: value})

    def set(self, **changes: Any) -> ExplorerView | None:
        """Change the state (as the controls do) and re-render; errors are shown, not raised."""
        assert self.state is not None
        try:
            self.state = self.state.replace(**changes)
        except KommunanalysError as error:
            self._show_error(error)
            return None
        return self.update()

    def _load(self) -> None:
        choice = self.source.value
        try:
            if choice == "given":
                survey = self._given
            elif choice == "demo":
                survey = survey_for(None)
            else:
                path = self.path.value.strip()
                if not path:
                    raise InputError("no file given", column="Fil",
                                     hint="write the path to your survey export (CSV, XLSX or SAV) and click Läs in")
                survey = survey_for(Path(path).expanduser())
        except (KommunanalysError, OSError) as error:
            self._show_error(error)
            return
        self._use(survey)

    # -- output -----------------------------------------------------------------------------
    def update(self) -> ExplorerView | None:
        """Render the current state into the output widgets."""
        assert self.state is not None
        try:
            view = render(self.state)
        except KommunanalysError as error:
            self._show_error(error)
            return None
        self.view = view
        self.renders += 1
        self.title.value = view.title
        self.chart.value = view.chart_png
        self.table.value = view.table_html
        if view.benchmark is not None:
            self.benchmark_chart.value = view.benchmark_png or b""
            self.benchmark_table.value = view.benchmark_html
            self._benchmark_box.layout.display = None
        else:
            self._benchmark_box.layout.display = "none"
        self.gap.value = view.gap_html
        self.quotes.value = view.quotes_html
        notes = "".join(f"<div><em>{_esc(n)}</em></div>" for n in view.notes)
        self.status.value = (f"{notes}<div class='ka-timing'>Uppdaterad på {view.seconds:.2f} s "
                             f"(<span class='ka-renders'>{self.renders}</span>)</div>")
        return view

    def _show_error(self, error: BaseException) -> None:
        self.status.value = f"<div class='ka-error' style='color:#a00'><b>Fel:</b> <pre>{_esc(error)}</pre></div>"

    def _repr_mimebundle_(self, **kwargs):
        return self.widget._repr_mimebundle_(**kwargs)


def explore(survey: Survey | None = None, *, data: str | Path | None = None, municipality: str | None = None,
            question: str | None = None, threshold: int | None = None):
    """The interactive explorer: choose data, municipality, question, grouping and comparison.

    Parameters
    ----------
    survey
        A loaded survey; default: the one in ``data``.
    data
        Path to a survey export (CSV, XLSX, SAV); None for the synthetic demo data. Another file
        can be loaded from the explorer itself ("Egen fil").
    municipality, question
        Initial selection (code or name; a Likert question id); default the first of each.
    threshold
        Anonymity threshold; the explorer lets the analyst raise it, never lower it.

    Returns
    -------
    ipywidgets.Widget
        The explorer's box; its ``.explorer`` attribute is the :class:`Explorer` behind it.
    """
    explorer = Explorer(survey, data=data, municipality=municipality, question=question, threshold=threshold)
    explorer.widget.explorer = explorer
    return explorer.widget
