"""Who answered: respondents per role and subgroup of a municipality, safe to publish.

The anonymity rules are those of :mod:`kommunanalys.anonymity` (primary suppression below the
threshold, secondary suppression where a small group could be derived by subtraction, applied
jointly to the municipality's hierarchy). For respondent counts the number *is* the result, so a
suppressed group's number is left out of the returned table altogether.
"""

from __future__ import annotations

import pandas as pd

from .anonymity import (HIERARCHY_MARGINS, group_sizes, resolve_threshold, respondent_plan, suppressed_groups,
                        suppression_note)
from .labels import HIERARCHY_LABELS as GROUP_LABELS
from .survey import Survey

__all__ = ["respondent_counts", "format_respondents", "plot_respondents", "show_respondents", "GROUP_LABELS"]

def respondent_counts(survey: Survey, municipality: str | None = None, *,
                      threshold: int | None = None) -> pd.DataFrame:
    """Respondents of one municipality: everyone, per role, and tjänstepersoner per subgroup.

    Parameters
    ----------
    survey
        The loaded survey.
    municipality
        A municipality code; ``None`` counts every respondent of ``survey``.
    threshold
        Smallest group shown with its number (default: the instrument's, usually 5).

    Returns
    -------
    DataFrame
        One row per group: ``level`` (``all``/``role``/``subgroup``), ``group``, ``label``
        (Swedish), ``n`` (nullable integer, missing when suppressed), ``suppressed``
        (``""``, ``"primary"`` or ``"secondary"``) and ``shown`` (what a report writes: the
        number, "färre än 5 svar", "dold – skyddar en grupp med färre än 5 svar" or "inga svar").
        Subgroups without respondents are left out.
    """
    threshold = resolve_threshold(threshold, survey)
    if municipality is None:  # the whole survey as one group: the rule on its own hierarchy
        sizes = group_sizes(survey, None, "hierarchy")
        hidden = suppressed_groups(dict(zip(sizes["group"], sizes["n"])), threshold=threshold,
                                   margins=HIERARCHY_MARGINS)
        sizes["reason"] = sizes["group"].map(hidden).fillna("")
        sizes["note"] = [suppression_note(n, threshold) if r else "" for n, r in zip(sizes["n"], sizes["reason"])]
    else:  # the disclosure plan's decision for the municipality (anonymity.respondent_plan)
        plan = respondent_plan(survey, threshold=threshold)
        sizes = plan[plan["municipality_code"] == survey.resolve_municipality(municipality)]
    out = sizes[(sizes["level"] != "subgroup") | (sizes["n"] > 0)].copy()
    if survey.instrument.subgroup_question is None:  # no such question: "ej angivet" would repeat the role
        out = out[out["level"] != "subgroup"]
    out["label"] = out["group"].map(GROUP_LABELS).fillna(out["group"])
    out["suppressed"] = out["reason"]
    out["shown"] = [note if reason else str(n) for n, reason, note in zip(out["n"], out["suppressed"], out["note"])]
    out["n"] = out["n"].astype("Int64").mask(out["suppressed"] != "")
    return out[["level", "group", "label", "n", "suppressed", "shown"]].reset_index(drop=True)


def format_respondents(table: pd.DataFrame) -> pd.DataFrame:
    """The table of :func:`respondent_counts` as a report shows it (Swedish headings)."""
    return (table.set_index("label")[["shown"]]
            .rename(columns={"shown": "Antal svar"}).rename_axis("Grupp"))


def plot_respondents(table: pd.DataFrame, *, ax=None):
    """Horizontal bars of the shown groups of :func:`respondent_counts`; hidden groups are written out.

    Returns the matplotlib Axes.
    """
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=(8, 0.5 + 0.45 * len(table)))
    labels = table["label"].tolist()[::-1]
    values = table["n"].fillna(0).astype(float).tolist()[::-1]
    shown = table["shown"].tolist()[::-1]
    suppressed = table["suppressed"].tolist()[::-1]
    colors = ["#9aa5b1" if lvl == "all" else "#2a6f97" for lvl in table["level"].tolist()[::-1]]
    bars = ax.barh(labels, values, color=colors)
    top = max(values) if values and max(values) > 0 else 1
    for bar, text, hidden in zip(bars, shown, suppressed):
        ax.text(bar.get_width() + top * 0.01, bar.get_y() + bar.get_height() / 2, text,
                va="center", ha="left", fontsize=9, style="italic" if hidden else "normal")
    ax.set_xlim(0, top * 1.25)
    ax.set_xlabel("Antal svar")
    ax.set_ylabel("")
    ax.grid(axis="y", visible=False)
    return ax



def show_respondents(survey: Survey, municipality: str, *, threshold: int | None = None,
                     output_dir=None):
    """The "Vem svarade?" page: a sentence, the table and the chart; writes ``respondenter.csv``.

    Returns the table of :func:`respondent_counts`.
    """
    from .notebook import SYNTHETIC_NOTE, show, show_figure, show_markdown, write_table

    threshold = resolve_threshold(threshold, survey)
    municipality = survey.resolve_municipality(municipality)
    name = survey.municipality_name(municipality)
    table = respondent_counts(survey, municipality, threshold=threshold)
    write_table(table, output_dir, "respondenter")
    if survey.synthetic:
        show_markdown(f"*{SYNTHETIC_NOTE}*")
    total = table.loc[table["group"] == "alla", "shown"].iat[0]
    show_markdown(
        f"**Svarande i {name}:** {total}.\n\n"
        f"Grupper med färre än {threshold} svarande redovisas utan antal. En grupp vars "
        "antal annars skulle kunna räknas fram ur summan döljs också."
    )
    show(format_respondents(table))
    ax = plot_respondents(table)
    ax.set_title(f"Svarande i {name} per roll")
    show_figure()
    return table
