"""Who answered: respondents per role and subgroup of a municipality, safe to publish.

The anonymity rules are those of :mod:`kommunanalys.anonymity` (primary suppression below the
threshold, secondary suppression where a small group could be derived by subtraction, applied
jointly to the municipality's hierarchy). For respondent counts the number *is* the result, so a
suppressed group's number is left out of the returned table altogether.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .anonymity import (HIERARCHY_MARGINS, group_sizes, resolve_threshold, respondent_plan, suppressed_groups,
                        suppression_note)
from .labels import HIERARCHY_LABELS as GROUP_LABELS
from .labels import role_names
from .survey import Survey

__all__ = ["respondent_counts", "format_respondents", "GROUP_LABELS"]

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
        rows = survey.memo(("respondent_plan_rows", threshold),  # each municipality's rows, found once
                           lambda: plan.groupby("municipality_code", sort=False).indices)
        sizes = plan.take(rows.get(survey.resolve_municipality(municipality), np.array([], dtype="int64")))
    out = sizes[(sizes["level"] != "subgroup") | (sizes["n"] > 0)].copy()
    if survey.instrument.subgroup_question is None:  # no such question: "ej angivet" would repeat the role
        out = out[out["level"] != "subgroup"]
    out["label"] = out["group"].map(role_names(survey.instrument).hierarchy_labels).fillna(out["group"])
    out["suppressed"] = out["reason"]
    out["shown"] = [note if reason else str(n) for n, reason, note in zip(out["n"], out["suppressed"], out["note"])]
    out["n"] = out["n"].astype("Int64").mask(out["suppressed"] != "")
    return out[["level", "group", "label", "n", "suppressed", "shown"]].reset_index(drop=True)


def format_respondents(table: pd.DataFrame) -> pd.DataFrame:
    """The table of :func:`respondent_counts` as a report shows it (Swedish headings)."""
    return (table.set_index("label")[["shown"]]
            .rename(columns={"shown": "Antal svar"}).rename_axis("Grupp"))
