"""Anonymity: which groups may be shown, shared by every notebook and report.

The rule
--------
1. **Primary suppression.** A group with fewer than ``threshold`` answers (default 5, the
   instrument's ``anonymity_threshold``) shows no distribution, share, mean, interval or quote
   attribution: its cells read "färre än 5 svar" (with the actual threshold). ``n`` is the number
   of answers the statistic is computed from (for a question: its substantive answers).
   A group with no answers at all reads "inga svar".
2. **Secondary (complementary) suppression.** A *margin* is a list of groups whose sum is itself
   published (e.g. förtroendevalda + tjänstepersoner = the municipality; chef i central
   förvaltning + övrig tjänsteperson + tjänsteperson, ej angivet = tjänstepersoner;
   förtroendevalda + the three tjänsteperson subgroups = the municipality). In every
   margin the suppressed groups must together hold 0 or at least ``threshold`` answers —
   otherwise their combined result could be derived by subtraction from the total. While a
   margin breaks this, its smallest still-shown group with answers is suppressed too (ties:
   first in the margin's order). Margins are re-checked until none breaks the rule.
3. Within a municipality the published totals are the whole municipality, the two roles and the
   subgroups (:data:`HIERARCHY_MARGINS`), whichever view a notebook shows; the rule is applied
   to that hierarchy jointly (:func:`suppression_plan`), so a view by role and a view by subgroup
   can never be combined to reveal a small group.
4. **Aggregates over municipalities** (benchmarks: "övriga kommuner", a comparison group) are
   built only from municipality × role groups that are reportable in their own municipality,
   so subtracting published figures across reports cannot reveal a suppressed group either
   (see :func:`kommunanalys.questions.benchmark`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Hashable, Iterable, Mapping, Sequence

import numpy as np
import pandas as pd

from .errors import InputError

if TYPE_CHECKING:  # pragma: no cover
    from .survey import Survey

__all__ = [
    "DEFAULT_THRESHOLD",
    "MIN_THRESHOLD",
    "parse_threshold",
    "published_count",
    "TOTAL_GROUP",
    "HIERARCHY_MARGINS",
    "resolve_threshold",
    "is_reportable",
    "suppression_note",
    "suppressed_groups",
    "suppress",
    "group_sizes",
    "suppression_plan",
]

DEFAULT_THRESHOLD = 5
#: The smallest threshold accepted. With groups of 1 or 2 any published result is one person's
#: answer, or lets each of two members read the other's by subtracting their own; 3 is the
#: least that keeps a single member from recovering another's answers (Hundepool et al. 2012,
#: Statistical Disclosure Control, ch. 4: the minimum-frequency rule uses 3 as its floor).
MIN_THRESHOLD = 3
#: The group label of "everyone" (all respondents of the selection).
TOTAL_GROUP = "alla"
_FV, _TP = "förtroendevald", "tjänsteperson"
_TP_SUBGROUPS = ["chef i central förvaltning", "övrig tjänsteperson", "tjänsteperson, ej angivet"]
#: Margins of one municipality: the roles sum to everyone, the tjänsteperson subgroups to the
#: role, and förtroendevalda plus the tjänsteperson subgroups (the finest partition) to everyone.
HIERARCHY_MARGINS: tuple[tuple[str, ...], ...] = ((_FV, _TP), tuple(_TP_SUBGROUPS), (_FV, *_TP_SUBGROUPS))


def resolve_threshold(threshold: int | None = None, survey: "Survey | None" = None) -> int:
    """The threshold to use: ``threshold`` if given, else the instrument's, else 5; validated.

    The threshold is checked *before* it is used and never coerced: it must be a whole number
    (``int`` or a NumPy integer, not ``bool``, not a float such as 4.5, not a string such as "5")
    of at least :data:`MIN_THRESHOLD`.

    Parameters
    ----------
    threshold
        The requested threshold, or None for the instrument's.
    survey
        The survey whose instrument supplies the default.

    Returns
    -------
    int
        The validated threshold.

    Raises
    ------
    InputError
        For anything that is not a whole number of at least :data:`MIN_THRESHOLD`.
    """
    if threshold is None:
        threshold = getattr(getattr(survey, "instrument", None), "anonymity_threshold", DEFAULT_THRESHOLD)
    if isinstance(threshold, bool) or not isinstance(threshold, (int, np.integer)):
        raise InputError(f"anonymitetsgränsen måste vara ett heltal (minst {MIN_THRESHOLD}), "
                         f"inte {type(threshold).__name__}", column="anonymity_threshold", value=threshold,
                         hint="ange t.ex. anonymity_threshold=5 (vanligt: 5 eller 10)")
    if threshold < MIN_THRESHOLD:
        raise InputError(f"anonymitetsgränsen måste vara minst {MIN_THRESHOLD}", column="anonymity_threshold",
                         value=threshold,
                         hint=f"med färre än {MIN_THRESHOLD} svar i en grupp kan en svarande räkna ut en "
                              "annans svar; ange t.ex. 5 (vanligt: 5 eller 10)")
    return int(threshold)


def parse_threshold(text: str) -> int:
    """Parse a threshold given as text (the command line); validated like :func:`resolve_threshold`.

    Parameters
    ----------
    text
        E.g. ``"5"``; ``"4.5"``, ``"sant"``, ``"0"`` and ``"-1"`` are rejected.

    Raises
    ------
    InputError
        When ``text`` is not a whole number of at least :data:`MIN_THRESHOLD`.
    """
    stripped = str(text).strip()
    if not stripped.lstrip("+-").isdigit():
        raise InputError(f"anonymitetsgränsen måste vara ett heltal (minst {MIN_THRESHOLD})",
                         column="--anonymity-threshold", value=text,
                         hint="ange t.ex. --anonymity-threshold 5 (vanligt: 5 eller 10)")
    return resolve_threshold(int(stripped))


def published_count(n, hidden: bool, threshold: int) -> str:
    """A group size as it may be published: the number, or the text of a hidden group.

    The one function every output (HTML, notebooks, CSV, explorer, index) uses to print a count,
    so that the size of a hidden group is never shown: a group hidden for being small reads
    "färre än k svar", a group hidden to protect another reads "dold", and an empty group
    "inga svar" (its size, 0, reveals nothing).

    Parameters
    ----------
    n
        The group's size.
    hidden
        Whether the plan hides the group.
    threshold
        The validated anonymity threshold.
    """
    if n is None or (isinstance(n, float) and np.isnan(n)) or n == 0:
        return "inga svar" if hidden else "0"
    if not hidden:
        return str(int(n))
    return "dold" if n >= threshold else f"färre än {threshold} svar"


def is_reportable(n, threshold: int = DEFAULT_THRESHOLD):
    """Whether a group of ``n`` answers may be shown (``n >= threshold``); vectorised."""
    result = np.asarray(n, dtype=float) >= threshold
    return bool(result) if result.ndim == 0 else result


def suppression_note(n, threshold: int = DEFAULT_THRESHOLD) -> str:
    """The Swedish text of a suppressed cell.

    "färre än 5 svar" (with the actual threshold) for a small group, "inga svar" when ``n`` is 0,
    and "dold – skyddar en grupp med färre än 5 svar" for a group hidden by rule 2 although it is
    large enough itself.
    """
    if n is None or (isinstance(n, float) and np.isnan(n)) or n == 0:
        return "inga svar"
    if n >= threshold:
        return f"dold – skyddar en grupp med färre än {threshold} svar"
    return f"färre än {threshold} svar"


def suppressed_groups(sizes: Mapping[Hashable, float], *, threshold: int = DEFAULT_THRESHOLD,
                      margins: Iterable[Sequence[Hashable]] = ()) -> dict[Hashable, str]:
    """Which groups to suppress, and why (``"primary"`` or ``"secondary"``).

    Parameters
    ----------
    sizes
        Answers per group.
    threshold
        Smallest reportable group.
    margins
        Lists of groups whose sum is published elsewhere (module docstring, rule 2). Groups of a
        margin missing from ``sizes`` count as 0.
    """
    out: dict[Hashable, str] = {g: "primary" for g, n in sizes.items() if not is_reportable(n, threshold)}
    margins = [list(m) for m in margins]
    changed = True
    while changed:
        changed = False
        for margin in margins:
            hidden = sum(sizes.get(g, 0) for g in margin if g in out)
            if 0 < hidden < threshold:
                shown = [g for g in margin if g not in out and sizes.get(g, 0) > 0]
                if not shown:
                    continue
                smallest = min(shown, key=lambda g: sizes[g])  # min keeps the first of ties
                out[smallest] = "secondary"
                changed = True
    return out


def suppress(table: pd.DataFrame, *, n_column: str = "n", threshold: int = DEFAULT_THRESHOLD,
             group_column: str = "group", by: Sequence[str] = (), margins: Iterable[Sequence] = (),
             value_columns: Sequence[str] | None = None, extra: Mapping | None = None) -> pd.DataFrame:
    """Blank the values of groups that may not be shown; add ``suppressed`` and ``note``.

    Parameters
    ----------
    table
        Long form; every row of a group carries the group's size in ``n_column``.
    n_column, group_column
        Columns holding the group size and the group label.
    by
        Columns identifying separate tables inside ``table`` (e.g. ``["question"]``);
        suppression is decided per table.
    margins
        See :func:`suppressed_groups`.
    value_columns
        Columns blanked (NaN) in suppressed rows; default every numeric column except
        ``n_column`` and the ``by`` columns. ``n`` stays: the size of a group is not its answers.
    extra
        Already decided suppressions, ``{(by values..., group): reason}``, applied in addition
        (e.g. from :func:`suppression_plan`).

    Returns
    -------
    pandas.DataFrame
        A copy with ``suppressed`` (bool) and ``note`` ("färre än 5 svar", "inga svar" or "").
    """
    for col in (n_column, group_column, *by):
        if col not in table.columns:
            raise InputError(f"the table has no column {col!r}", column=col,
                             hint=f"columns present: {', '.join(map(str, table.columns))}")
    out = table.copy()
    if value_columns is None:
        value_columns = [c for c in out.columns if c not in (n_column, *by, group_column)
                         and pd.api.types.is_numeric_dtype(out[c]) and not pd.api.types.is_bool_dtype(out[c])]
    margins = [list(m) for m in margins]
    extra = dict(extra or {})
    columns = [*by, group_column]
    # the size of every group of every table, then the rule per table
    sizes = out.groupby(columns, sort=False, observed=True)[n_column].max().fillna(0)
    tables: dict[tuple, dict] = {}
    for index, n in sizes.items():
        index = index if isinstance(index, tuple) else (index,)
        tables.setdefault(index[:-1], {})[index[-1]] = n
    hidden = set()
    for key, table in tables.items():
        hidden |= {(*key, g) for g in suppressed_groups(table, threshold=threshold, margins=margins)}
        hidden |= {(*key, g) for g in table if (*key, g) in extra}
    rows = pd.MultiIndex.from_frame(out[columns]) if by else pd.Index(out[group_column])
    flags = rows.isin(list(hidden) if by else [g for (g,) in hidden]) if hidden else np.zeros(len(out), dtype=bool)
    flags = np.asarray(flags, dtype=bool)
    out["suppressed"] = flags
    out["note"] = ""
    if flags.any():
        for col in value_columns:
            out[col] = out[col].astype(float)
            out.loc[flags, col] = np.nan
        out.loc[flags, "note"] = [suppression_note(n, threshold) for n in out.loc[flags, n_column]]
    return out


def _group_of(frame: pd.DataFrame, by: str) -> pd.Series:
    if by == "all":
        return pd.Series(TOTAL_GROUP, index=frame.index)
    if by in ("role", "subgroup"):
        return frame[by].astype(object)
    raise InputError(f"unknown grouping {by!r}", value=by, hint="use by='role', 'subgroup', 'all' or 'hierarchy'")


def group_sizes(survey: "Survey", municipality: str | None = None, by: str = "role", *,
                question: str | None = None) -> pd.DataFrame:
    """Group sizes of a municipality (or of the whole survey when ``municipality`` is None).

    Parameters
    ----------
    by
        ``"role"``, ``"subgroup"``, ``"all"`` or ``"hierarchy"`` (everyone, both roles and the
        tjänsteperson subgroups; column ``level`` tells which).
    question
        Count the substantive answers to this question instead of respondents.

    Returns
    -------
    pandas.DataFrame
        ``group``, ``n`` (and ``level`` for the hierarchy); every role/subgroup is listed, 0 when empty.
    """
    if question is None:
        frame = survey.respondents
        if municipality is not None:  # the rows of every municipality, found once per survey
            rows = survey.memo(("respondent_rows",),
                               lambda: frame.groupby("municipality_code", observed=True).indices)
            frame = frame.take(rows.get(municipality, np.array([], dtype="int64")))
    else:
        frame = survey.responses[(survey.responses["question"] == question)
                                 & (survey.responses["answer_type"] == "substantive")]
        if municipality is not None:
            frame = frame[frame["municipality_code"] == municipality]
    if by == "hierarchy":
        parts = [_sizes(frame, b).assign(level=b) for b in ("all", "role", "subgroup")]
        out = pd.concat(parts, ignore_index=True)
        # förtroendevald is both a role and a subgroup: list it once, as a role
        out = out[~((out["level"] == "subgroup") & (out["group"] == _FV))]
        return out[["level", "group", "n"]].reset_index(drop=True)
    return _sizes(frame, by)


def _sizes(frame: pd.DataFrame, by: str) -> pd.DataFrame:
    groups = _group_of(frame, by)
    order = {"all": [TOTAL_GROUP], "role": [_FV, _TP], "subgroup": [_FV, *_TP_SUBGROUPS]}[by]
    counts = groups.value_counts()
    return pd.DataFrame({"group": order, "n": [int(counts.get(g, 0)) for g in order]})


def suppression_plan(survey: "Survey", *, questions: Sequence[str] | None = None,
                     threshold: int | None = None) -> pd.DataFrame:
    """For every municipality, question and group of the hierarchy: may it be shown?

    Applies rules 1–3 of the module docstring to each municipality's hierarchy (everyone, roles,
    subgroups) with ``n`` = substantive answers to the question.

    Returns
    -------
    pandas.DataFrame
        ``question``, ``municipality_code``, ``level``, ``group``, ``n``, ``suppressed``,
        ``reason`` (``"primary"``, ``"secondary"`` or ``""``) and ``note``.
    """
    threshold = resolve_threshold(threshold, survey)
    likert = [q.id for q in survey.instrument.likert_questions]
    ids = list(questions) if questions is not None else likert
    if not set(ids) <= set(likert):
        return survey.memo(("suppression_plan", tuple(ids), threshold),
                           lambda: _suppression_plan(survey, ids, threshold))
    # One plan of every Likert question per survey and threshold (a question's rows do not depend
    # on the other questions); a selection of questions is a slice of it.
    plan, rows = survey.memo(("suppression_plan", threshold), lambda: _plan_by_question(survey, likert, threshold))
    if ids == likert:
        return plan.copy()
    return plan.take(np.concatenate([rows[q] for q in ids]) if ids else []).reset_index(drop=True)


def _plan_by_question(survey: "Survey", ids: list[str], threshold: int) -> tuple[pd.DataFrame, dict]:
    plan = _suppression_plan(survey, ids, threshold)
    return plan, {q: np.flatnonzero((plan["question"] == q).to_numpy()) for q in ids}


def _suppression_plan(survey: "Survey", ids: list[str], threshold: int) -> pd.DataFrame:
    """Rules 1–3 on every municipality's hierarchy at once: :func:`suppressed_groups` with
    :data:`HIERARCHY_MARGINS`, vectorised over the (question, municipality) pairs."""
    resp = survey.responses
    resp = resp[resp["question"].isin(ids) & (resp["answer_type"] == "substantive")]
    codes = survey.municipality_codes
    finest = [_FV, *_TP_SUBGROUPS]
    counts = resp.groupby(["question", "municipality_code", "subgroup"], observed=True).size()
    index = pd.MultiIndex.from_product([ids, codes], names=["question", "municipality_code"])
    wide = (counts.unstack("subgroup") if len(counts) else pd.DataFrame(index=index))
    wide = wide.reindex(index=index, columns=finest).fillna(0).astype("int64")
    # columns: the hierarchy in the plan's row order — alla, the roles, the tjänsteperson subgroups
    groups = [TOTAL_GROUP, _FV, _TP, *_TP_SUBGROUPS]
    sizes = np.empty((len(index), len(groups)), dtype="int64")
    sizes[:, 1] = wide[_FV].to_numpy()
    sizes[:, 3:] = wide[_TP_SUBGROUPS].to_numpy()
    sizes[:, 2] = sizes[:, 3:].sum(axis=1)
    sizes[:, 0] = sizes[:, 1] + sizes[:, 2]
    reason = np.where(sizes < threshold, "primary", "").astype(object)  # is_reportable: n >= threshold
    hidden = reason != ""
    margins = [[groups.index(g) for g in margin] for margin in HIERARCHY_MARGINS]
    changed = np.ones(len(index), dtype=bool)
    while changed.any():  # as suppressed_groups: passes over the margins until nothing changes
        changed = np.zeros(len(index), dtype=bool)
        for margin in margins:
            part, shut = sizes[:, margin], hidden[:, margin]
            total = np.where(shut, part, 0).sum(axis=1)
            open_ = ~shut & (part > 0)
            breaks = (total > 0) & (total < threshold) & open_.any(axis=1)
            if not breaks.any():
                continue
            smallest = np.argmin(np.where(open_, part, np.iinfo("int64").max), axis=1)  # first of ties
            rows = np.flatnonzero(breaks)
            cols = np.asarray(margin)[smallest[rows]]
            hidden[rows, cols] = True
            reason[rows, cols] = "secondary"
            changed[rows] = True
    levels = ["all", "role", "role", *["subgroup"] * len(_TP_SUBGROUPS)]
    n_groups = len(groups)
    n = sizes.ravel()
    notes = [suppression_note(int(v), threshold) if h else "" for v, h in zip(n, hidden.ravel())]
    absent = [not survey.in_export(q) for q in index.get_level_values("question")]
    if any(absent):  # a question without a column in the export: hidden, and said so (not "inga svar")
        from .survey import NOT_IN_EXPORT

        gone = np.repeat(absent, n_groups)
        hidden.ravel()[gone] = True
        notes = [NOT_IN_EXPORT if g else note for g, note in zip(gone, notes)]
    return pd.DataFrame({
        "question": np.repeat(index.get_level_values("question").to_numpy(dtype=object), n_groups).tolist(),
        "municipality_code": np.repeat(index.get_level_values("municipality_code").to_numpy(dtype=object),
                                       n_groups).tolist(),
        "level": levels * len(index),
        "group": groups * len(index),
        "n": n,
        "suppressed": hidden.ravel(),
        "reason": reason.ravel().tolist(),
        "note": notes,
    }, columns=["question", "municipality_code", "level", "group", "n", "suppressed", "reason", "note"])
