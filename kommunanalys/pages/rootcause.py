"""The root-cause page: what ``notebooks/03_root_causes.ipynb`` shows, composed here.

:func:`build_rootcause` computes every table for one municipality (anonymity applied); the
``show_*`` functions draw a chart, display a table and write the data behind them as CSV when
given an ``output_dir``; :func:`show_next_steps` also writes the editable hypotheses and
interview guide as ``nasta_steg.md``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.axes import Axes

from .. import rootcause as rc
from ..anonymity import TOTAL_GROUP, resolve_threshold
from ..labels import format_number, format_percent, format_pp, role_names
from .notebook import SYNTHETIC_NOTE, show, show_figure, show_markdown, write_tables
from ..survey import Survey

__all__ = [
    "RootCausePage",
    "build_rootcause",
    "friction_chart",
    "association_heatmap",
    "show_where",
    "show_associations",
    "show_next_steps",
    "show_quotes_found",
    "NEXT_STEPS_FILE",
]

NEXT_STEPS_FILE = "nasta_steg.md"


@dataclass
class RootCausePage:
    """Every table of the root-cause follow-up for one municipality."""

    survey: Survey
    municipality: str
    municipality_name: str
    threshold: int
    friction: pd.DataFrame
    findings: pd.DataFrame
    associations: pd.DataFrame
    separation: pd.DataFrame
    subgroups: pd.DataFrame
    subgroup_scope: str
    hypotheses: list[rc.Hypothesis]

    def tables(self) -> dict[str, pd.DataFrame]:
        """The data behind every chart and table, long form, keyed by CSV name."""
        code = self.municipality
        context = {"municipality_code": code, "municipality_name": self.municipality_name}
        return {
            f"orsaker_skav_{code}": self.friction.assign(**context),
            f"orsaker_fynd_{code}": self.findings.assign(**context),
            f"orsaker_samband_{code}": self.associations.assign(**context),
            f"orsaker_kultur_{code}": self.separation.assign(**context),
            f"orsaker_undergrupper_{code}": self.subgroups.assign(scope=self.subgroup_scope, **context),
        }


def build_rootcause(survey: Survey, municipality: str, *, threshold: int | None = None) -> RootCausePage:
    """Compute the root-cause follow-up for one municipality (see :mod:`kommunanalys.rootcause`)."""
    t = resolve_threshold(threshold, survey)
    municipality = survey.resolve_municipality(municipality)
    local = survey.subset(municipalities=municipality)
    subgroups = rc.memo_table(local, "subgroup_contrasts", t)
    scope = "kommunen"
    if subgroups.empty:
        subgroups = rc.memo_table(survey, "subgroup_contrasts", t)
        scope = "hela enkäten"
    from ..rootcause import memo_friction  # shared with the summary and the question pages

    friction = memo_friction(survey, municipality, t)
    found = rc.findings(survey, municipality, threshold=t, friction_table=friction)
    return RootCausePage(
        survey=survey, municipality=municipality, municipality_name=survey.municipality_name(municipality),
        threshold=t, friction=friction, findings=found,
        associations=rc.memo_table(local, "associations", t), separation=rc.memo_table(local, "separation", t),
        subgroups=subgroups, subgroup_scope=scope,
        hypotheses=rc.hypotheses(survey, municipality, threshold=t, findings_table=found),
    )


# ---------------------------------------------------------------------------------------------
# Charts
# ---------------------------------------------------------------------------------------------
def friction_chart(data: pd.DataFrame, *, instrument=None, ax: Axes | None = None) -> Axes:
    """Role gap and distance to the other municipalities per question, with 95 % intervals.

    ``data`` is :func:`kommunanalys.rootcause.friction`. Filled markers are notable findings;
    suppressed values are left out. Markers differ in shape as well as colour.
    """
    if ax is None:
        _, ax = plt.subplots(figsize=(9, 0.45 * len(data) + 1.6))
    labels = [instrument[q].short if instrument is not None else q for q in data["question"]]
    y = np.arange(len(data))
    palette = ["0.1", "0.5"]  # neither is a role: black and grey, told apart by marker shape
    series = [("gap", "gap_ci_low", "gap_ci_high", "gap_notable", role_names(instrument).gap_label, "o", -0.15),
              ("distance", "distance_ci_low", "distance_ci_high", "benchmark_notable",
               "Kommunen − övriga kommuner", "s", 0.15)]
    for (col, lo, hi, flag, label, marker, shift), colour in zip(series, palette):
        ok = data[col].notna()
        for yy, row in zip(y[ok.to_numpy()], data[ok].itertuples()):
            value, low, high, notable = getattr(row, col), getattr(row, lo), getattr(row, hi), getattr(row, flag)
            ax.plot([low, high], [yy + shift] * 2, color=colour, lw=1.5)
            ax.plot(value, yy + shift, marker=marker, color=colour, markersize=7,
                    markerfacecolor=colour if notable else "white")
        ax.plot([], [], marker=marker, color=colour, linestyle="-", label=label)
    ax.axvline(0, color="0.3", lw=0.8)
    ax.set_yticks(y, labels)
    ax.invert_yaxis()
    ax.set_xlabel("Skillnad i andel som instämmer (procentenheter), 95 % konfidensintervall")
    ax.set_title("Var skaver det? Ifyllda markörer: tydliga skillnader", loc="left", fontsize=11)
    # below the x label, outside the axes: never over a marker or an interval
    from matplotlib.transforms import offset_copy

    ax.legend(loc="upper center", bbox_to_anchor=(0.5, 0.0), ncol=2, fontsize=8, frameon=False,
              bbox_transform=offset_copy(ax.transAxes, fig=ax.figure, y=-0.62, units="inches"))
    return ax


def association_heatmap(data: pd.DataFrame, *, instrument=None, group: str | None = None,
                        ax: Axes | None = None) -> Axes:
    """Spearman correlations between the questions for one group, as a heatmap with values.

    ``data`` is :func:`kommunanalys.rootcause.associations`; pairs not computed (too few answers)
    stay blank. Notable pairs are marked with an asterisk.
    """
    part = data if group is None else data[data["group"] == group]
    ids = list(dict.fromkeys([*part["question_a"], *part["question_b"]]))
    order = [q.id for q in instrument.likert_questions if q.id in ids] if instrument is not None else ids
    matrix = pd.DataFrame(np.nan, index=order, columns=order)
    notes = pd.DataFrame("", index=order, columns=order)
    for r in part.itertuples():
        for a, b in ((r.question_a, r.question_b), (r.question_b, r.question_a)):
            matrix.loc[a, b] = r.rho
            if not np.isnan(r.rho):
                notes.loc[a, b] = format_number(r.rho, 2) + ("*" if r.notable else "")
    if ax is None:
        _, ax = plt.subplots(figsize=(6.5, 5.2))
    names = [f"{instrument[q].number}" if instrument is not None else q for q in order]
    sns.heatmap(matrix.astype(float), annot=notes.to_numpy(), fmt="", vmin=-1, vmax=1, cmap="vlag",
                square=True, cbar_kws={"label": "Spearman ρ"}, xticklabels=names, yticklabels=names,
                ax=ax, linewidths=0.5, linecolor="white")
    ax.set_xlabel("Fråga")
    ax.set_ylabel("Fråga")
    groups = role_names(instrument).group_labels
    title = groups.get(group, group) if group else groups[TOTAL_GROUP]
    ax.set_title(f"Vilka svar följs åt? {title} (* tydligt samband)", loc="left", fontsize=11)
    return ax


# ---------------------------------------------------------------------------------------------
# Display
# ---------------------------------------------------------------------------------------------
def _pp(value: float) -> str:
    return format_pp(value, missing="–")


def _comparison_table(table: pd.DataFrame, instrument, label_a: str, label_b: str) -> pd.DataFrame:
    """A two-sided comparison (:func:`rc.subgroup_contrasts`, :func:`rc.separation`) for display."""
    return pd.DataFrame({
        "Fråga": [instrument[q].short for q in table["question"]],
        label_a: [format_percent(v * 100, missing="–") for v in table["positive_a"]],
        label_b: [format_percent(v * 100, missing="–") for v in table["positive_b"]],
        "Skillnad (procentenheter)": [_pp(v * 100) for v in table["difference"]],
        "Tydlig skillnad": ["ja" if n else "" for n in table["notable"]],
    }).set_index("Fråga")


def show_where(page: RootCausePage, *, output_dir: str | Path | None = None) -> Axes:
    """Where it chafes: the chart of role gaps and benchmark distances, and its table."""
    inst = page.survey.instrument
    text = f"## Var skaver det? – {page.municipality_name}"
    if page.survey.synthetic:
        text += f"\n\n*{SYNTHETIC_NOTE}*"
    show_markdown(text)
    ax = friction_chart(page.friction, instrument=inst)
    show_figure()
    table = pd.DataFrame({
        "Fråga": [inst[q].short for q in page.friction["question"]],
        f"{role_names(inst).gap_label} (procentenheter)": [_pp(v) for v in page.friction["gap"]],
        "Kommunen − övriga kommuner (procentenheter)": [_pp(v) for v in page.friction["distance"]],
        "Tydlig skillnad": ["ja" if n else "" for n in page.friction["notable"]],
    }).set_index("Fråga")
    show(table)
    scope = "i kommunen" if page.subgroup_scope == "kommunen" else "i hela enkäten (för få svar i kommunen)"
    if inst.subgroup_question is None:
        show_markdown(inst.skipped_note("subgroup"))
    else:
        others = role_names(inst).group_labels["övrig tjänsteperson"].lower()
        show_markdown(f"### Chefer i central förvaltning jämfört med {others}, {scope}")
    if inst.subgroup_question is None:
        pass
    elif page.subgroups.empty:
        show_markdown(f"Färre än {page.threshold} svar i någon av grupperna: ingen jämförelse visas.")
    else:
        show(_comparison_table(page.subgroups, inst, "Chefer, instämmer", "Övriga, instämmer"))
    frames = page.tables()
    write_tables(frames, output_dir, [n for n in frames if "_skav_" in n or "_undergrupper_" in n or "_fynd_" in n])
    return ax


def show_associations(page: RootCausePage, *, output_dir: str | Path | None = None) -> list[Axes]:
    """What goes together: correlations per role, and what separates a culture of efficiency."""
    inst = page.survey.instrument
    show_markdown(f"## Vad hänger ihop?\n\n{rc.ASSOCIATION_NOTE}")
    axes = []
    for group in page.associations["group"].drop_duplicates():
        part = page.associations[page.associations["group"] == group]
        if part["rho"].notna().any():
            axes.append(association_heatmap(page.associations, instrument=inst, group=group))
            show_figure()
    target = inst.culture_question
    if target is None:
        show_markdown(inst.skipped_note("culture_question"))
    else:
        show_markdown(f"### Vad skiljer dem som {rc.culture_label(inst)} (fråga {target.number}) "
                      "från dem som inte gör det?")
    if target is None:
        pass
    elif page.separation.empty:
        show_markdown(f"Färre än {page.threshold} svar på någon sida: ingen jämförelse visas.")
    else:
        show(_comparison_table(page.separation, inst, "Instämmer i fråga {} (% instämmer)".format(target.number),
                               "Instämmer inte i fråga {} (% instämmer)".format(target.number)))
    frames = page.tables()
    write_tables(frames, output_dir, [n for n in frames if "_samband_" in n or "_kultur_" in n])
    return axes


def show_quotes_found(page: RootCausePage, *, output_dir: str | Path | None = None,
                      review: pd.DataFrame | str | Path | None = None, n: int = 3,
                      in_report: bool = False) -> str:
    """What the comments say about it: themes and screened quotes for the questions found.

    For every question with a notable finding (then, if none, the three largest) that has a
    comment question: its theme counts by role and a few screened, representative quotes, with
    the same anonymity rules as the quotes notebook (:mod:`kommunanalys.pages.quotes`). With
    ``in_report=True`` the quotes are left to the question pages (each quote once per report) and
    only the themes are shown.
    """
    from .quotes import build_quotes, show_quotes_for_question, theme_chart, theme_counts_for

    inst = page.survey.instrument
    commented = {q.comments for q in inst.comment_questions()}
    found = page.findings[page.findings["notable"]]["question"].drop_duplicates().tolist()
    if not found:
        found = page.friction["question"].head(3).tolist()
    chosen = [q for q in found if q in commented]
    intro = ("Teman i kommentarerna till de frågor där det skaver mest. Citaten står under respektive fråga "
             "tidigare i rapporten." if in_report else
             "Teman och citat för de frågor där det skaver mest. Citaten är granskade: namn, personnummer, "
             "e-post, telefonnummer och adresser är borttagna.")
    parts = [show_markdown(f"## Vad säger kommentarerna?\n\n{intro}")]
    if not chosen:
        parts.append(show_markdown("Inga kommentarsfrågor hör till de frågor där det skaver mest."))
    for qid in chosen:
        parts.append(show_markdown(f"### {inst[qid].label}"))
        if in_report:  # the themes only: the counts need no selection of quotes (nor the review)
            counts = theme_counts_for(page.survey, page.municipality, question=qid, threshold=page.threshold)
        else:
            quotes = build_quotes(page.survey, page.municipality, question=qid, threshold=page.threshold,
                                  review=review, n=n)
            counts = quotes.counts
        if not counts.empty:
            theme_chart(counts, title=f"Kommentarer per tema och roll – fråga {inst[qid].number}",
                        labels=role_names(inst).group_labels)
            show_figure()
            write_tables({f"orsaker_teman_{qid}_{page.municipality}": counts}, output_dir)
        if not in_report:
            parts.append(show_quotes_for_question(page.survey, page.municipality, qid, threshold=page.threshold,
                                                  output_dir=output_dir, level=4, intro=False, page=quotes,
                                                  table_prefix="orsaker_citat"))
    return "\n\n".join(parts)


def show_next_steps(page: RootCausePage, *, output_dir: str | Path | None = None) -> str:
    """The generated hypotheses and interview guide; written as ``nasta_steg.md`` to edit."""
    from ..summary import summarize

    parts = summarize(page.survey, page.municipality, threshold=page.threshold).parts
    text = rc.next_steps_markdown(page.hypotheses, municipality_name=page.municipality_name,
                                  synthetic=page.survey.synthetic, instrument=page.survey.instrument,
                                  context=[parts[k] for k in ("role_gap", "look_into") if k in parts])
    show_markdown(text.replace("# Hur går vi vidare", "## Hur går vi vidare", 1))
    if output_dir:
        folder = Path(output_dir)
        folder.mkdir(parents=True, exist_ok=True)
        (folder / NEXT_STEPS_FILE).write_text(text, encoding="utf-8")
    return text
