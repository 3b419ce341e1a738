"""The trend section: what ``notebooks/06_trends.ipynb`` shows, composed here.

:func:`build_trends` gathers the change since each earlier round (:mod:`kommunanalys.rounds`,
anonymity applied in both rounds); :func:`show_trends` displays a heading sentence, the chart
(:func:`kommunanalys.plots.charts.change_chart`), the table and the questions that could not be
compared, and writes the data behind them as CSV.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Mapping

import pandas as pd

from ..plots import charts as plots
from .. import rounds
from ..anonymity import resolve_threshold
from ..labels import format_pp, role_names
from .notebook import SYNTHETIC_NOTE, show, show_figure, show_markdown, write_tables
from ..survey import Survey

__all__ = ["TrendPage", "build_trends", "trend_table", "trend_sentence", "show_trends"]

@dataclass
class TrendPage:
    """The change since the earlier rounds for one municipality.

    Attributes
    ----------
    changes
        :func:`kommunanalys.rounds.changes` of the municipality (all earlier rounds).
    matching
        :func:`kommunanalys.rounds.match_questions` per earlier round (column ``previous_round``).
    """

    survey: Survey
    municipality: str
    municipality_name: str
    threshold: int
    current_label: str
    previous_labels: list[str]
    changes: pd.DataFrame
    matching: pd.DataFrame
    synthetic: bool = False

    def tables(self) -> dict[str, pd.DataFrame]:
        """The data behind the section, by CSV name."""
        return {f"forandring_{self.municipality}": self.changes,
                f"forandring_fragor_{self.municipality}": self.matching}


def build_trends(survey: Survey, municipality: str, *, previous: Mapping[str, object],
                 current_label: str = rounds.CURRENT_LABEL, threshold: int | None = None) -> TrendPage:
    """The change since each earlier round in ``previous`` (``{label: Survey or export path}``)."""
    threshold = resolve_threshold(threshold, survey)
    code = survey.resolve_municipality(municipality)
    earlier = rounds.load_rounds(previous, instrument=survey.instrument, cached=True)
    changes = rounds.changes(survey, earlier, code, current_label=current_label, threshold=threshold)
    matching = pd.concat([rounds.match_questions(survey, s, current_label=current_label, previous_label=label)
                          .assign(previous_round=label) for label, s in earlier.items()], ignore_index=True) \
        if earlier else pd.DataFrame(columns=["question", "previous_question", "short", "status", "matched_by",
                                              "note", "previous_round"])
    return TrendPage(survey=survey, municipality=code, municipality_name=survey.municipality_name(code),
                     threshold=threshold, current_label=current_label, previous_labels=list(earlier),
                     changes=changes, matching=matching,
                     synthetic=survey.synthetic or any(s.synthetic for s in earlier.values()))


def trend_table(page: TrendPage, previous_label: str | None = None) -> pd.DataFrame:
    """The changes as a report shows them (Swedish headers; a hidden group shows its note only)."""
    label = previous_label or rounds.latest_label(page.previous_labels)
    data = page.changes[page.changes["previous_round"] == label]
    inst = page.survey.instrument
    rows = []
    for r in data.itertuples(index=False):
        q = inst[r.question]
        shown = r.status == "visas"
        rows.append({
            "Fråga": f"{q.number}. {q.short}",
            "Grupp": role_names(inst).group_labels.get(r.group, r.group),
            f"Instämmer {label}": f"{r.positive_previous:.0f} %" if shown else "",
            f"Instämmer {page.current_label}": f"{r.positive_current:.0f} %" if shown else "",
            "Förändring, procentenheter": format_pp(r.change) if shown else "",
            "95 % KI": f"{format_pp(r.change_ci_low)}\u00a0till\u00a0{format_pp(r.change_ci_high)}" if shown else "",  # no wrap
            f"Antal svar {label} / {page.current_label}": f"{int(r.n_previous)} / {int(r.n_current)}" if shown else "",
            "Anmärkning": "" if shown else r.note,
        })
    table = pd.DataFrame(rows)
    if len(table) and not table["Anmärkning"].astype(bool).any():
        table = table.drop(columns="Anmärkning")  # nothing hidden or missing: a narrower table
    return table.set_index(["Fråga", "Grupp"])  # the question once per block of groups


def trend_sentence(page: TrendPage, previous_label: str | None = None) -> str:
    """One sentence on the clearest changes (intervals that do not include zero), for the roles."""
    label = previous_label or rounds.latest_label(page.previous_labels)
    data = page.changes[(page.changes["previous_round"] == label) & (page.changes["status"] == "visas")
                        & page.changes["group"].isin(["förtroendevald", "tjänsteperson"])]
    clear = data[(data["change_ci_low"] > 0) | (data["change_ci_high"] < 0)]
    if clear.empty:
        return (f"Ingen tydlig förändring sedan {label}: för varje fråga och roll rymmer intervallet "
                "för förändringen noll.")
    inst = page.survey.instrument
    parts = []
    for r in clear.reindex(clear["change"].abs().sort_values(ascending=False).index).head(4).itertuples():
        q = inst[r.question]
        parts.append(f"{role_names(inst).group_labels[r.group].lower()} om fråga {q.number} ({q.short.lower()}): "
                     f"{format_pp(r.change)} procentenheter")
    return f"Tydligast förändring sedan {label}: " + "; ".join(parts) + "."


def show_trends(page: TrendPage, *, output_dir: str | Path | None = None):
    """Display the section: sentence, chart and table per earlier round, missing questions, method."""
    if not page.previous_labels:
        show_markdown("Ingen tidigare omgång har angetts, så förändringen kan inte visas.")
        return None
    if page.synthetic:
        show_markdown(f"*{SYNTHETIC_NOTE}*")
    ax = None
    for label in sorted(page.previous_labels, key=lambda lab: (lab != rounds.latest_label(page.previous_labels), lab)):
        show_markdown(f"### Förändring sedan {label}\n\n{trend_sentence(page, label)}")
        data = page.changes[(page.changes["previous_round"] == label)]
        ax = plots.change_chart(data, instrument=page.survey.instrument, previous_label=label,
                                current_label=page.current_label, threshold=page.threshold)
        ax.set_title(f"{page.municipality_name}: förändring sedan {label}", loc="left", fontsize=11)
        show_figure()
        show(trend_table(page, label))
    missing = page.matching[page.matching["status"] != "matchad"]
    if len(missing):
        show_markdown("Frågor som inte kan jämföras: " + "; ".join(
            f"{m.short} ({m.note})" for m in missing.itertuples()) + ".")
    show_markdown(
        "Så har vi räknat: förändringen är andelen som instämmer (av dem som tagit ställning) nu minus "
        "andelen förra omgången, i procentenheter, med 95 % konfidensintervall (Newcombe) för två oberoende "
        f"urval. Frågorna matchas mellan omgångarna med instrumentets id. En grupp visas bara om den visas i "
        f"båda omgångarna (minst {page.threshold} svar och inte dold för att skydda en annan grupp).")
    write_tables(page.tables(), output_dir)
    return ax
