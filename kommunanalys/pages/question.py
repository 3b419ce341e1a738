"""The question page: what ``notebooks/01_question.ipynb`` shows, composed here.

The notebook only calls these functions: :func:`build_page` computes every table of one
question in one municipality (anonymity already applied), the ``show_*`` functions display a
heading, a chart and a table and write the data behind them as CSV when given an
``output_dir``; :func:`interactive_view` adds ipywidgets to switch municipality, question and
grouping without re-running cells.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable

import numpy as np
import pandas as pd

from ..plots import charts as plots
from .. import questions
from ..anonymity import TOTAL_GROUP, published_count, resolve_threshold, suppression_plan
from ..errors import InputError
from ..instrument import Question
from ..labels import GROUPING_LABELS, RoleNames, format_interval, format_number, format_percent, format_pp, role_names
from .notebook import SYNTHETIC_NOTE, in_kernel, show, show_figure, show_markdown, write_tables
from ..survey import NOT_IN_EXPORT, ROLES, Survey

__all__ = [
    "GROUPING_LABELS",
    "QuestionPage",
    "build_page",
    "fpc_role_intervals",
    "group_table",
    "gap_table",
    "benchmark_table",
    "show_heading",
    "show_groups",
    "show_gap",
    "gap_sentence",
    "show_benchmark",
    "has_comparison",
    "show_results",
    "show_comments",
    "comment_counts",
    "interactive_view",
]

#: The groupings the page offers, as the analyst sees them.


@dataclass
class QuestionPage:
    """Every table of one question in one municipality, anonymity applied.

    Attributes
    ----------
    distribution
        :func:`kommunanalys.questions.distribution` (long form; ``question``, ``group``,
        ``answer``, ``count``, ``percent``, ``n``, ...).
    summary
        :func:`kommunanalys.questions.summary` for the same grouping.
    gaps
        :func:`kommunanalys.questions.rank_gaps` over all Likert questions of the municipality.
    benchmark, benchmark_distribution
        The municipality against the other municipalities (and the comparison group).
    comments
        Number of comments to the question per role (:func:`comment_counts`).
    """

    survey: Survey
    municipality: str
    question: Question
    grouping: str
    threshold: int
    comparison: list[str] | None
    distribution: pd.DataFrame
    summary: pd.DataFrame
    gaps: pd.DataFrame
    benchmark: pd.DataFrame
    benchmark_distribution: pd.DataFrame
    comments: pd.DataFrame
    municipality_name: str = field(default="")
    population_given: bool = field(default=False)

    @property
    def in_export(self) -> bool:
        """Whether the export has a column for the question (else the page says so and shows
        no chart, no table and no count: the question is not in the export, not unanswered)."""
        return self.survey.in_export(self.question.id)

    def tables(self, wanted: Callable[[str], bool] | None = None) -> dict[str, pd.DataFrame]:
        """The data behind every chart and table, long form, keyed by CSV name.

        ``wanted`` (a test of the CSV name) keeps only some of them: only those are prepared."""
        stem = f"fraga_{self.question.id}_{self.municipality}"
        context = {"municipality_code": self.municipality, "municipality_name": self.municipality_name}

        def framed(frame: pd.DataFrame) -> pd.DataFrame:
            out = frame.copy()
            if "suppressed" in out.columns:  # a hidden group's size is published only as text
                hidden = out["suppressed"].fillna(False).astype(bool)
                for col in _PUBLISHED_COUNT_COLUMNS.intersection(out.columns):
                    out[col] = [published_count(n, h, self.threshold) if h and pd.notna(n) else n
                                for n, h in zip(out[col], hidden)]
            for i, (k, v) in enumerate(context.items()):
                if k not in out.columns:
                    out.insert(i, k, v)
            return out

        sources = {
            f"{stem}_fordelning_{self.grouping}": self.distribution,
            f"{stem}_sammanfattning_{self.grouping}": self.summary,
            f"{stem}_skillnad_roller": self.gaps,
            f"{stem}_jamforelse": self.benchmark,
            f"{stem}_jamforelse_fordelning": self.benchmark_distribution,
            f"{stem}_kommentarer_antal": self.comments,
        }
        return {name: framed(frame) for name, frame in sources.items() if wanted is None or wanted(name)}


#: Columns of the published tables that hold a group size or a count of a group's answers.
_PUBLISHED_COUNT_COLUMNS = frozenset({"n", "n_respondents", "n_non_substantive", "n_skipped", "n_fv", "n_tp", "count",
                            "comments"})


def build_page(survey: Survey, municipality: str, question: str, *, grouping: str = "role",
               comparison: Iterable[str] | None = None, threshold: int | None = None,
               population: str | Path | pd.DataFrame | None = None) -> QuestionPage:
    """Compute every table of the question page.

    Parameters
    ----------
    survey
        The whole survey (the benchmark needs the other municipalities).
    municipality
        Four-digit code of the municipality.
    question
        A Likert question id ("Q6").
    grouping
        ``"role"``, ``"subgroup"`` or ``"all"`` for the distribution and summary.
    comparison
        Municipality codes of a comparison group for the benchmark (optional).
    threshold
        Anonymity threshold; default the instrument's.
    population
        A population file or a frame of :func:`kommunanalys.population.read_population`
        (optional): the roles' intervals of the share positive then use the finite population
        correction with the role's invited count (:func:`fpc_role_intervals`).
    """
    threshold = resolve_threshold(threshold, survey)
    municipality = str(municipality)
    if municipality not in survey.municipality_codes:
        raise InputError(f"inga svarande från kommun {municipality!r}", value=municipality,
                         hint="välj en av: " + ", ".join(
                             f"{c} {survey.municipality_name(c)}" for c in survey.municipality_codes))
    if grouping not in GROUPING_LABELS:
        raise InputError(f"okänd gruppering {grouping!r}", value=grouping,
                         hint=f"använd en av {', '.join(GROUPING_LABELS)}")
    likert_ids = [q.id for q in survey.instrument.likert_questions]
    if question not in likert_ids:
        raise InputError(f"{question!r} är ingen Likertfråga", value=question,
                         hint=f"använd en av {', '.join(likert_ids)}")
    comp = None if comparison is None else ([comparison] if isinstance(comparison, str) else [str(c) for c in comparison])
    distribution, summary = municipality_statistics(survey, municipality, grouping, threshold)
    benchmark, benchmark_distribution = municipality_benchmark(survey, municipality, comp, threshold)
    summary = question_rows(summary, question)
    if population is not None:
        summary = fpc_role_intervals(summary, survey, population, municipality, threshold=threshold)
    return QuestionPage(
        survey=survey, municipality=municipality, question=survey.instrument[question], grouping=grouping,
        threshold=threshold, comparison=comp,
        distribution=question_rows(distribution, question), summary=summary,
        gaps=questions.rank_gaps(questions.role_gap(survey, municipalities=municipality, threshold=threshold)),
        benchmark=question_rows(benchmark, question),
        benchmark_distribution=question_rows(benchmark_distribution, question),
        comments=comment_counts(survey, municipality, question, threshold=threshold),
        municipality_name=survey.municipality_name(municipality),
        population_given=population is not None,
    )


#: Under the role table when a population is given (the FPC of :func:`fpc_role_intervals`).
FPC_SENTENCE = ("Intervallen för rollerna tar hänsyn till hur stor del av rollens inbjudna som svarat "
                "(ändlighetskorrektion, Cochran 1977); för en grupp som inte visas anges inget antal inbjudna.")


def fpc_role_intervals(summary: pd.DataFrame, survey: Survey, population: str | Path | pd.DataFrame,
                       municipality: str, *, threshold: int | None = None,
                       confidence: float = 0.95) -> pd.DataFrame:
    """The summary with the roles' intervals of the share positive corrected for a finite population.

    Parameters
    ----------
    summary
        :func:`kommunanalys.questions.summary` rows of one municipality (any grouping; only the
        role groups change).
    survey, municipality, threshold
        As for :func:`build_page`.
    population
        A population file or a frame of :func:`kommunanalys.population.read_population`.
    confidence
        Of the interval.

    Returns
    -------
    pandas.DataFrame
        A copy with ``invited`` (the role's invited count where
        :func:`kommunanalys.population.response_rates` publishes it, else missing: a hidden
        group's invited count is never shown) and ``positive_ci_low``/``positive_ci_high`` from
        :func:`kommunanalys.stats.wilson_interval` with ``population`` = invited (Wilson at the
        effective n = n·(N−1)/(N−n)) where the role is shown and its invited count published.
    """
    from ..population import population_for, response_rates
    from ..stats import wilson_interval

    pop = population_for(population)
    rates = response_rates(survey, pop, municipality, threshold=threshold)
    invited = rates[rates["level"] == "role"].set_index("group")["invited"]
    out = summary.copy()
    hidden = out["suppressed"].fillna(False).astype(bool) if "suppressed" in out.columns else False
    big = out["group"].map(invited).astype("Float64").to_numpy(dtype=float, na_value=np.nan)
    big = np.where(hidden, np.nan, big)
    out["invited"] = pd.array(np.where(np.isnan(big), pd.NA, big), dtype="Int64") if len(out) else pd.Series(
        dtype="Int64")
    use = ~np.isnan(big) & (out["n"].to_numpy(dtype=float) > 0)
    if use.any():
        n = out.loc[use, "n"].to_numpy(dtype=float)
        x = out.loc[use, "positive"].to_numpy(dtype=float) / 100 * n
        lo, hi = wilson_interval(np.round(x), n, confidence=confidence, population=big[use])
        out.loc[use, "positive_ci_low"], out.loc[use, "positive_ci_high"] = lo * 100, hi * 100
    return out


# The statistics of every Likert question of a municipality are computed at once, once per
# survey object (a question costs about as much as all of them); a question page, or the
# explorer, takes its question's rows. The statistics and the anonymity rules work question by
# question, so the rows are those of the question computed alone (a test compares them).
def municipality_statistics(survey: Survey, municipality: str, grouping: str,
                            threshold: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """:func:`~kommunanalys.questions.distribution` and :func:`~kommunanalys.questions.summary`
    of every Likert question of the municipality (shared: take rows with :func:`question_rows`)."""
    def compute():
        local = survey.subset(municipalities=municipality)
        return (questions.distribution(local, None, by=grouping, threshold=threshold),
                questions.summary(local, None, by=grouping, threshold=threshold))

    return survey.memo(("municipality_statistics", municipality, grouping, threshold), compute)


def municipality_benchmark(survey: Survey, municipality: str, comparison: list[str] | None,
                           threshold: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """:func:`~kommunanalys.questions.benchmark` and its distribution for every Likert question
    of the municipality (shared: take rows with :func:`question_rows`)."""
    def compute():
        return (questions.benchmark(survey, municipality, None, comparison=comparison, threshold=threshold),
                questions.benchmark_distribution(survey, municipality, None, comparison=comparison,
                                                 threshold=threshold))

    key = ("municipality_benchmark", municipality, None if comparison is None else tuple(comparison), threshold)
    return survey.memo(key, compute)


#: Integer columns of the statistics that anonymity suppression may blank (then float).
_COUNT_COLUMNS = ("count", "n_respondents", "n_non_substantive", "n_skipped")


def question_rows(frame: pd.DataFrame, question: str) -> pd.DataFrame:
    """The rows of one question of a table over several questions, as if computed for it alone.

    Counts blanked in another question's rows made their column float; for this question alone
    the column is integer unless blanked here too.
    """
    rows = frame[frame["question"] == question].reset_index(drop=True)
    whole = [c for c in _COUNT_COLUMNS if c in rows.columns and rows[c].notna().all()]
    return rows.astype(dict.fromkeys(whole, "int64"))


# ---------------------------------------------------------------------------------------------
# Tables for display
# ---------------------------------------------------------------------------------------------
def _pct(v: float) -> str:
    return format_percent(v)


def group_table(page: QuestionPage) -> pd.DataFrame:
    """The distribution and key figures per group as a display table (Swedish, text cells).

    Rows: every answer level (percent and count), "Vet ej", "Ej besvarad", n, share positive
    with its interval, mean. Columns: the groups. A suppressed group reads "färre än 5 svar".
    """
    dist, summ = page.distribution, page.summary.set_index("group")
    columns = {}
    for group, part in dist.groupby("group", sort=False):
        label = _group_labels(page).get(group, group)
        s = summ.loc[group]
        if s["suppressed"]:
            columns[label] = pd.Series(s["note"], index=[*part["answer"], "Antal svar (n)", "Andel som instämmer (95 % KI)",
                                                         f"Medelvärde (1–{page.question.scale.k})"])
            continue
        cells = {}
        for r in part.itertuples(index=False):
            cells[r.answer] = (f"{r.percent:.0f} % ({int(r.count)})" if r.answer_type == "substantive"
                               else f"{int(r.count)}")
        cells["Antal svar (n)"] = f"{int(s['n'])}"
        cells["Andel som instämmer (95 % KI)"] = (f"{_pct(s['positive'])} ({s['positive_ci_low']:.0f}–"
                                              f"{s['positive_ci_high']:.0f})" if s["n"] else "")
        cells[f"Medelvärde (1–{page.question.scale.k})"] = format_number(s["mean"], 2)
        columns[label] = pd.Series(cells)
    table = pd.DataFrame(columns)
    table.index.name = "Svar"
    return table


def _clear_gaps(page: QuestionPage) -> dict[str, bool]:
    """Question id → the role gap is a "tydlig skillnad" (Holm-adjusted, as in the root causes)."""
    from ..rootcause import memo_friction

    fr = memo_friction(page.survey, page.municipality, page.threshold)
    return dict(zip(fr["question"], fr["gap_notable"].astype(bool)))


def gap_table(page: QuestionPage) -> pd.DataFrame:
    """The ranked role gaps of the municipality as a Swedish display table ("skav").

    Plain column names; the tests behind "Tydlig skillnad" (Mann–Whitney, Holm) are explained in
    the report's appendix "Så har vi räknat", and their numbers are in the CSV tables.
    """
    clear = _clear_gaps(page)
    roles = role_names(page.survey.instrument)
    rows = []
    for r in page.gaps.itertuples(index=False):
        q = page.survey.instrument[r.question]
        shown = not r.suppressed
        rows.append({
            "Plats": "" if pd.isna(r.rank) else int(r.rank),
            "Fråga": f"{q.number}. {q.short}",
            f"Instämmer, {roles.lower('förtroendevald')}": format_percent(r.positive_fv, missing="–") if shown else r.note,
            f"Instämmer, {roles.lower('tjänsteperson')}": format_percent(r.positive_tp, missing="–") if shown else "",
            "Skillnad i procentenheter (95 % KI)": (f"{format_pp(r.gap, missing='–')} ({format_interval(r.gap_ci_low, r.gap_ci_high, signed=True, missing='–')})"
                                                    if shown else ""),
            "Tydlig skillnad": "ja" if shown and clear.get(r.question) else "",
        })
    return pd.DataFrame(rows).set_index("Plats")


def benchmark_table(page: QuestionPage) -> pd.DataFrame:
    """The municipality against the other municipalities, per role, as a Swedish display table."""
    names = {**plots.BENCHMARK_LABELS, "kommun": page.municipality_name}
    rows = []
    for r in page.benchmark.itertuples(index=False):
        shown = not r.suppressed
        rows.append({
            "Roll": _group_labels(page).get(r.role, r.role),
            "Grupp": names.get(r.group, r.group) + ("" if r.group == "kommun" else
                                                  f" ({r.municipalities} {'kommun' if r.municipalities == 1 else 'kommuner'})"),
            "Antal svar": published_count(r.n, bool(r.suppressed), page.threshold),
            "Andel som instämmer (95 % KI)": (f"{_pct(r.positive)} ({r.positive_ci_low:.0f}–{r.positive_ci_high:.0f})"
                                         if shown and r.n else r.note),
            "Andel som inte instämmer": _pct(r.negative) if shown else "",
            "Medelvärde": format_number(r.mean, 2, missing="–") if shown and r.n else "",
        })
    return pd.DataFrame(rows).set_index(["Roll", "Grupp"])


# ---------------------------------------------------------------------------------------------
# Display
# ---------------------------------------------------------------------------------------------
def show_heading(page: QuestionPage) -> str:
    """The question as a Markdown heading, with the municipality and who answered."""
    q = page.question
    if not page.in_export:
        return show_markdown(f"## {q.label}\n\n**{page.municipality_name} ({page.municipality})** · tema: {q.theme}"
                             f"\n\n**Frågan {NOT_IN_EXPORT}**: enkätexporten har ingen kolumn för fråga {q.number}, "
                             "så den kan inte redovisas (det betyder inte att ingen svarade). Kontrollera "
                             "exporten, eller ange kolumnens rubrik under `columns:` i instrumentet.")
    plan = suppression_plan(page.survey.subset(municipalities=page.municipality), questions=[q.id],
                            threshold=page.threshold).set_index("group")
    parts = []
    for g in (TOTAL_GROUP, *ROLES):
        row = plan.loc[g]
        label = _group_labels(page)[g]
        parts.append(f"{label}: {published_count(row['n'], bool(row['suppressed']), page.threshold)}")
    text = (f"## {q.label}\n\n**{page.municipality_name} ({page.municipality})** · tema: {q.theme} · "
            f"{q.scale.counted_answers} — " + ", ".join(parts))
    if page.survey.synthetic:
        text += f"\n\n*{SYNTHETIC_NOTE}*"
    return show_markdown(text)


def show_groups(page: QuestionPage, *, output_dir: str | Path | None = None):
    """The role chart (or the chosen grouping) and its table; writes their data as CSV.

    Only a line (and None) for a question that is not in the export."""
    if not page.in_export:
        return _not_in_export_line()
    ax = plots.role_chart(page.distribution, question=page.question, threshold=page.threshold,
                          labels=_group_labels(page))
    show_figure()
    _show_group_table(page, output_dir)
    return ax


def _show_group_table(page: QuestionPage, output_dir: str | Path | None) -> None:
    """The table of :func:`show_groups` (and the finite population sentence); writes its CSV."""
    show(group_table(page))
    if page.population_given and page.grouping == "role":
        show_markdown(f"*{FPC_SENTENCE}*")
    write_tables(page.tables(lambda n: "_fordelning_" in n or "_sammanfattning_" in n), output_dir)


def _group_labels(page: QuestionPage) -> dict[str, str]:
    """The groups as the survey's instrument names them (:func:`kommunanalys.labels.role_names`)."""
    return role_names(page.survey.instrument).group_labels


def _not_in_export_line() -> None:
    """Under a heading of the page, for a question the export has no column for."""
    show_markdown(f"*Visas inte: frågan {NOT_IN_EXPORT}.*")


def gap_sentence(gaps: pd.DataFrame, question: Question, *, clear: bool | None = None,
                 roles: RoleNames | None = None) -> str:
    """One Swedish sentence on the question's role gap and its rank among the questions.

    ``gaps`` is the ranked role gap of the municipality (:func:`kommunanalys.questions.rank_gaps`);
    ``clear`` its "tydlig skillnad" verdict, which adds how sure the gap is in words
    (:func:`kommunanalys.rootcause.gap_words`); ``roles`` the survey's role names (default: the bundled).
    """
    from ..rootcause import gap_words

    names = roles or role_names()
    row = gaps[gaps["question"] == question.id]
    if not row.empty and row["note"].iloc[0] == NOT_IN_EXPORT:
        return f"Fråga {question.number}: {NOT_IN_EXPORT}."
    if row.empty:
        return f"Fråga {question.number}: ingen skillnad att visa."
    row = row.iloc[0]
    if row["suppressed"] or pd.isna(row["gap"]):
        return f"Fråga {question.number}: visas inte ({row['note'] or 'för få svar'})."
    ranked = int(gaps["rank"].notna().sum())
    words = "" if clear is None else (
        f" – {gap_words(row['gap'], row['gap_ci_low'], row['gap_ci_high'], clear=clear)}")
    return (f"Fråga {question.number}: {format_percent(row['positive_fv'], missing='–')} av "
            f"{names.definite.get('förtroendevald', '')} och "
            f"{format_percent(row['positive_tp'], missing='–')} av {names.definite.get('tjänsteperson', '')} "
            "instämmer, en skillnad på "
            f"{format_pp(row['gap'], missing='–')} procentenheter (95 % KI {format_interval(row['gap_ci_low'], row['gap_ci_high'], signed=True, missing='–')})"
            f"{words}. Plats {int(row['rank'])} av {ranked} frågor efter skillnadens storlek.")


def show_gap(page: QuestionPage, *, output_dir: str | Path | None = None, overview: bool = True):
    """The role gap ("skav"): over all questions (this one highlighted), or this question only.

    With ``overview=False`` (the batch reports, whose root-cause section charts the gaps of all
    questions once) the question's gap and rank are one sentence and one table row, no chart.
    The CSV of the gaps over all questions is written either way. Returns the Axes, or None.
    """
    show_markdown(gap_sentence(page.gaps, page.question, clear=_clear_gaps(page).get(page.question.id),
                               roles=role_names(page.survey.instrument)))
    ax = None
    table = gap_table(page)
    if overview:
        ax = plots.gap_chart(page.gaps, instrument=page.survey.instrument, highlight=page.question.id,
                             threshold=page.threshold)
        ax.set_title(f"Skav i {page.municipality_name}: där rollerna ser olika på kommunen", loc="left",
                     fontsize=11)
        show_figure()
    else:
        table = table[(page.gaps["question"] == page.question.id).to_numpy()]  # a row per gap, in order
    show(table)
    write_tables(page.tables(lambda n: n.endswith("_skillnad_roller")), output_dir)
    return ax


def show_benchmark(page: QuestionPage, *, output_dir: str | Path | None = None):
    """The municipality against the other municipalities (and the comparison group), per role."""
    if not page.in_export:
        return _not_in_export_line()
    ax = _benchmark_chart(page)
    show_figure()
    _show_benchmark_table(page, output_dir)
    return ax


def _benchmark_chart(page: QuestionPage):
    return plots.benchmark_chart(page.benchmark_distribution, municipality_name=page.municipality_name,
                                 question=page.question, threshold=page.threshold, labels=_group_labels(page))


def _show_benchmark_table(page: QuestionPage, output_dir: str | Path | None, *, shown: bool = True) -> None:
    """The table of :func:`show_benchmark` (unless ``shown`` is False); writes its CSVs either way."""
    if shown:
        show(benchmark_table(page))
    write_tables(page.tables(lambda n: "_jamforelse" in n), output_dir)


def has_comparison(page: QuestionPage) -> bool:
    """Whether the benchmark compares with anything: another municipality of the export, or a
    comparison group, pooled in some row (an export of one municipality has neither)."""
    others = page.benchmark[page.benchmark["group"] != "kommun"]
    return bool((others["municipalities"].fillna(0) > 0).any())


#: The heading of the question's results (:func:`show_results`) per grouping, and with a comparison.
_GROUPING_HEADINGS = {"role": "Svaren per roll", "subgroup": "Svaren per undergrupp", "all": "Svaren för alla svarande"}
COMPARED_HEADING = "Svaren per roll, jämfört med andra kommuner"
#: Under the role table when there is nothing to compare with.
NO_COMPARISON_LINE = ("*Ingen jämförelse med andra kommuner: underlaget har inga andra kommuner med "
                      "tillräckligt många svar att jämföra med.*")


def show_results(page: QuestionPage, *, output_dir: str | Path | None = None):
    """The question's answers under one heading, with one chart (the question section of a report).

    With the role grouping and something to compare with (:func:`has_comparison`), the chart is
    the benchmark chart: the municipality's roles, each beside the other municipalities (and the
    comparison group). It holds the role chart's bars, so the role chart is not drawn; the role
    table (n, intervals, mean) and the benchmark table follow it. With nothing to compare with
    (an export of one municipality) the chart is the role chart. Another grouping shows its own
    chart (:func:`show_groups`) and then the benchmark (:func:`show_benchmark`), as two charts of
    different groups. Every CSV of :func:`show_groups` and :func:`show_benchmark` is written in
    each case. Returns the Axes of the chart shown last (None for a question not in the export).
    """
    if page.grouping != "role":
        show_markdown(f"## {_GROUPING_HEADINGS[page.grouping]}")
        show_groups(page, output_dir=output_dir)
        show_markdown("## Jämförelse med andra kommuner")
        return show_benchmark(page, output_dir=output_dir)
    if not page.in_export:
        show_markdown(f"## {_GROUPING_HEADINGS['role']}")
        return _not_in_export_line()
    if not has_comparison(page):
        show_markdown(f"## {_GROUPING_HEADINGS['role']}")
        ax = show_groups(page, output_dir=output_dir)
        show_markdown(NO_COMPARISON_LINE)
        _show_benchmark_table(page, output_dir, shown=False)
        return ax
    show_markdown(f"## {COMPARED_HEADING}")
    ax = _benchmark_chart(page)
    show_figure()
    _show_group_table(page, output_dir)
    _show_benchmark_table(page, output_dir)
    return ax


def comment_counts(survey: Survey, municipality: str, question: str, *, threshold: int | None = None) -> pd.DataFrame:
    """Number of comments about ``question`` per role in the municipality (no text).

    A role that is suppressed for the question (anonymity rule) shows no count. Columns:
    ``question``, ``group``, ``n`` (substantive answers of the role), ``comments``,
    ``suppressed``, ``note``.
    """
    threshold = resolve_threshold(threshold, survey)
    plan = suppression_plan(survey.subset(municipalities=municipality), questions=[question],
                            threshold=threshold).set_index("group")
    c = survey.comments
    c = c[(c["municipality_code"] == municipality) & (c["about"] == question)]
    rows = []
    for role in ROLES:
        hidden = bool(plan.loc[role, "suppressed"])
        rows.append({"question": question, "group": role, "n": int(plan.loc[role, "n"]),
                     "comments": np.nan if hidden else int((c["role"] == role).sum()),
                     "suppressed": hidden, "note": plan.loc[role, "note"]})
    return pd.DataFrame(rows)


def show_comments(page: QuestionPage, *, output_dir: str | Path | None = None,
                  review: pd.DataFrame | str | Path | None = None) -> pd.DataFrame:
    """Comments to the question: their number per role, then the screened quotes.

    Quotes come from :func:`kommunanalys.pages.quotes.show_quotes_for_question`: screened for
    personal data, attributed to a role only where the role group may be shown, and filtered by
    the consultant's review file when one is given. Raw comment text is never displayed.
    """
    from .quotes import show_quotes_for_question

    if not page.in_export:
        return _not_in_export_line()
    table = page.comments
    shown = pd.DataFrame({
        "Roll": [_group_labels(page)[g] for g in table["group"]],
        "Antal kommentarer": [r.note if r.suppressed else int(r.comments) for r in table.itertuples()],
    }).set_index("Roll")
    commented = bool(page.survey.instrument.comment_questions(page.question.id))
    counted = table.loc[~table["suppressed"].astype(bool), "comments"]
    if not commented:
        show_markdown("Enkäten har ingen kommentarsfråga till den här frågan.")
    elif len(counted) == len(table) and counted.sum() == 0:
        show_markdown("Ingen har kommenterat frågan.")
    else:
        show(shown)
    write_tables(page.tables(lambda n: n.endswith("_kommentarer_antal")), output_dir)
    if commented and not shown.empty:
        show_quotes_for_question(page.survey, page.municipality, page.question.id, threshold=page.threshold,
                                 review=review, output_dir=output_dir)
    return shown


# ---------------------------------------------------------------------------------------------
# Interactive view
# ---------------------------------------------------------------------------------------------
def interactive_view(survey: Survey, *, municipality: str, question: str, grouping: str = "role",
                     comparison: Iterable[str] | None = None, threshold: int | None = None,
                     enabled: bool = True):
    """Dropdowns for municipality, question and grouping that redraw the page in place.

    Does nothing (returns None) unless ``enabled`` and running in a Jupyter kernel: batch runs
    (papermill, ``interactive=False``) get the static figures only, since widget state is not
    kept in executed notebooks. Returns the widget box otherwise.
    """
    if not enabled or not in_kernel():
        return None
    import ipywidgets as widgets
    import matplotlib.pyplot as plt

    muni = widgets.Dropdown(description="Kommun",
                            options=[(f"{survey.municipality_name(c)} ({c})", c) for c in survey.municipality_codes],
                            value=str(municipality))
    quest = widgets.Dropdown(description="Fråga",
                             options=[(f"{q.number}. {q.short}", q.id) for q in survey.instrument.likert_questions],
                             value=question, layout=widgets.Layout(width="28em"))
    group = widgets.Dropdown(description="Gruppera",
                             options=[(label, key) for key, label in GROUPING_LABELS.items()], value=grouping)
    out = widgets.Output()

    def redraw(*_):
        with out:
            out.clear_output(wait=True)
            page = build_page(survey, muni.value, quest.value, grouping=group.value, comparison=comparison,
                              threshold=threshold)
            show_heading(page)
            show_results(page)
            plt.close("all")

    for w in (muni, quest, group):
        w.observe(redraw, names="value")
    box = widgets.VBox([widgets.HBox([muni, quest, group]), out])
    redraw()
    show(box)
    return box
