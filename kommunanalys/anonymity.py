"""Anonymity: the one disclosure-control layer. What may be published is decided here, nowhere else.

The rule
--------
1. **Primary suppression.** A group with fewer than ``threshold`` answers (default 5, the
   instrument's ``anonymity_threshold``; at least :data:`MIN_THRESHOLD`, validated by
   :func:`resolve_threshold`) shows no distribution, share, mean, interval, size or quote
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
   first in the margin's order); it reads "dold". Margins are re-checked until none breaks the rule.
3. Within a municipality the published totals are the whole municipality, the two roles and the
   subgroups (:data:`HIERARCHY_MARGINS`), whichever view a notebook shows; the rule is applied
   to that hierarchy jointly (:func:`suppression_plan`), so a view by role and a view by subgroup
   can never be combined to reveal a small group.
4. **Pooled figures** (benchmarks: "övriga kommuner", a comparison group; survey-wide root-cause
   contrasts and correlations) are built only from municipality × group cells shown in their own
   municipality (:meth:`DisclosurePlan.pool_scores`, :func:`kommunanalys.questions.benchmark`),
   so subtracting published figures across the reports of a batch cannot reveal a hidden group.
5. **Respondents and questions agree.** A group hidden on the respondents page
   (:func:`respondent_plan`, rules 1–3 on respondent counts) is hidden on every question of its
   municipality too (then rule 2 is applied again), so no table shows a group another page hides
   to protect someone (e.g. the central managers hidden to protect one civil servant who left the
   subgroup question blank).
6. **Quotes** carry their writer's role only when the role group is shown on the question and at
   least ``comment_threshold`` (default: the threshold) members of the role commented on it
   (:meth:`DisclosurePlan.role_attributable`).
7. **No size of a hidden group anywhere**: a count is printed through :func:`published_count`,
   and every CSV goes through :func:`published_sizes`; statistics on parts of shown groups (a
   correlation's pairs, a side of a comparison) are published only when
   :meth:`DisclosurePlan.large_enough`, and their ``n`` is blank otherwise.

:func:`disclosure_plan` computes all of it once per survey and threshold (:class:`DisclosurePlan`);
every page, chart, table, CSV, notebook, the index, the explorer, the deck and the workbook take
its decisions (directly, or through the already-suppressed frames of
:mod:`kommunanalys.questions`). No other module compares a count with the threshold
(``tests/test_disclosure_rule.py`` scans the source).

Where the old copies of the rule went
-------------------------------------
- ``quotes.py`` compared role sizes with the threshold itself (``attributable_roles``): now
  :func:`role_attributable`; the report pages hand it the plan's decisions, including the
  comment threshold (``quotes_page.screened_comments``).
- ``rootcause.py`` had its own default threshold (5) and called :func:`is_reportable` directly in
  ``associations``, ``separation`` and ``subgroup_contrasts``: now they take the threshold of the
  instrument, pool only shown cells (:meth:`DisclosurePlan.pool_scores` — a hidden role gets no
  Spearman correlation, survey-wide contrasts hold no manager hidden in their municipality) and
  ask :meth:`DisclosurePlan.large_enough`.
- ``respondents.py`` applied :func:`suppressed_groups` itself: now :func:`respondent_plan`.
- ``quotes_page._respondent_plan`` applied it again: now a view of :func:`respondent_plan`.
- ``questions.py`` takes :func:`suppression_plan` (rules 1–5), and ``role_gap`` no longer prints
  ``n_fv``/``n_tp`` of a hidden role.
- ``instrument.py`` coerced the instrument's threshold with ``int()``: now :func:`resolve_threshold`;
  ``explorer.py``'s own default 5 became the instrument's.
- Headings, CSVs and tables that printed sizes around the rule: :func:`published_count` and
  :func:`published_sizes` (``notebook.write_table``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Hashable, Iterable, Mapping, Sequence

import numpy as np
import pandas as pd

from .errors import InputError

if TYPE_CHECKING:  # pragma: no cover
    from .survey import Survey

__all__ = [
    "NOT_IN_EXPORT",
    "DisclosurePlan",
    "disclosure_plan",
    "respondent_plan",
    "role_attributable",
    "published_sizes",
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
#: How every output shows a question the export has no column for (not "0 svar", not "inga svar").
NOT_IN_EXPORT = "finns inte i exporten"
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
    # Rule 5: a group the respondents page hides is hidden on every question too (then margins).
    forced = _respondent_hidden(survey, threshold, groups)
    rows_muni = np.tile(np.arange(len(codes)), len(ids))
    extra = forced[rows_muni] & ~hidden if len(codes) else np.zeros_like(hidden)
    hidden |= extra
    reason[extra] = "secondary"
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


# ---------------------------------------------------------------------------------------------
# Respondent counts (rule 5) and the disclosure plan every output asks
# ---------------------------------------------------------------------------------------------
#: The groups of a municipality's hierarchy with their level, in the order the plans list them.
_HIERARCHY = [("all", TOTAL_GROUP), ("role", _FV), ("role", _TP), *(("subgroup", g) for g in _TP_SUBGROUPS)]


def respondent_plan(survey: "Survey", *, threshold: int | None = None) -> pd.DataFrame:
    """For every municipality and group of the hierarchy, counted in respondents: may it be shown?

    Rules 1–3 of the module docstring on the respondent counts of each municipality (the
    "Vem svarade?" page, the index, the workbook). Computed once per survey and threshold.

    Returns
    -------
    pandas.DataFrame
        ``municipality_code``, ``level``, ``group``, ``n``, ``suppressed`` (bool), ``reason``
        (``"primary"``, ``"secondary"`` or ``""``) and ``note`` ("färre än 5 svar", "dold – …",
        "inga svar" or "").
    """
    threshold = resolve_threshold(threshold, survey)

    def compute() -> pd.DataFrame:
        # the hierarchy's sizes of every municipality from one count per (municipality, role,
        # subgroup): the rows of group_sizes(survey, code, "hierarchy"), in its order
        r = survey.respondents
        cells = pd.DataFrame({"m": r["municipality_code"].astype(object), "role": r["role"].astype(object),
                              "sub": r["subgroup"].astype(object)}).value_counts(dropna=False).to_dict()
        levels = _HIERARCHY
        by_code: dict = {}
        for (m, role, sub), count in cells.items():
            n = by_code.setdefault(m, dict.fromkeys((g for _, g in levels), 0))
            n[TOTAL_GROUP] += count
            if role in (_FV, _TP):
                n[role] += count
            if sub in _TP_SUBGROUPS:
                n[sub] += count
        rows = []
        for code in survey.municipality_codes:
            n = by_code[code]
            hidden = suppressed_groups(n, threshold=threshold, margins=HIERARCHY_MARGINS)
            for level, group in levels:
                reason = hidden.get(group, "")
                rows.append((code, level, group, n[group], reason != "", reason,
                             suppression_note(n[group], threshold) if reason else ""))
        columns = ["municipality_code", "level", "group", "n", "suppressed", "reason", "note"]
        out = pd.DataFrame(rows, columns=columns)
        out["n"] = out["n"].astype("int64")
        return out

    return survey.memo(("respondent_plan", threshold), compute)


def _respondent_hidden(survey: "Survey", threshold: int, groups: Sequence[str]) -> np.ndarray:
    """Municipalities × ``groups``: True where the respondent plan hides the group."""
    plan = respondent_plan(survey, threshold=threshold)
    wide = plan.pivot(index="municipality_code", columns="group", values="suppressed")
    wide = wide.reindex(index=survey.municipality_codes, columns=list(groups)).fillna(False)
    return wide.to_numpy(dtype=bool)


class DisclosurePlan:
    """What may be published of one survey at one threshold: the one place that decides.

    Built by :func:`disclosure_plan` (once per survey and threshold). Every output asks it:

    * :attr:`cells` — every municipality × Likert question × group of the hierarchy (``alla``,
      the roles, the tjänsteperson subgroups) with ``n`` (substantive answers), ``suppressed``,
      ``reason`` and ``note`` (:func:`suppression_plan`, rules 1–3 and 5);
    * :attr:`respondents` — the same for respondent counts (:func:`respondent_plan`);
    * :meth:`shown` — may the cell of a municipality, question and group be published;
    * :meth:`pool_scores` — answers that may enter a pooled figure (survey-wide, "övriga
      kommuner", a root-cause contrast or correlation over several municipalities): only the
      answers of groups shown in their own municipality (rule 4);
    * :meth:`large_enough` — may a statistic computed on ``n`` answers of shown groups be
      published (a correlation over the pairs answered, a side of a comparison);
    * :meth:`role_attributable` — may a quote carry its writer's role (enough commenters of the
      role on the question, rule 6).
    """

    def __init__(self, survey: "Survey", threshold: int, comment_threshold: int) -> None:
        self.threshold = threshold
        self.comment_threshold = comment_threshold
        self.cells = suppression_plan(survey, threshold=threshold)
        self.respondents = respondent_plan(survey, threshold=threshold)
        self._shown = {(q, m, g) for q, m, g, h in zip(self.cells["question"], self.cells["municipality_code"],
                                                        self.cells["group"], self.cells["suppressed"]) if not h}

    def shown(self, municipality: str, question: str, group: str) -> bool:
        """Whether the cell (municipality, question, group of the hierarchy) may be published."""
        return (question, municipality, group) in self._shown

    def large_enough(self, n):
        """Whether a statistic over ``n`` answers of shown groups may be published (vectorised)."""
        return is_reportable(n, self.threshold)

    def role_attributable(self, commenters) -> bool:
        """Whether a quote may name its writer's role: at least ``comment_threshold`` commenters."""
        return role_attributable(commenters, self.comment_threshold)

    def pool_scores(self, scores: pd.DataFrame, *, level: str = "role") -> pd.DataFrame:
        """``scores`` (:meth:`Survey.scores`) with the answers of hidden cells set to NaN.

        ``level`` is the grouping of the pooled figure: ``"role"`` (a respondent's answer to a
        question is kept where its municipality × role cell is shown), ``"subgroup"`` (the
        municipality × subgroup cell; förtroendevalda by their role) or ``"all"`` (the
        municipality's whole group).
        """
        out = scores.copy()
        if level == "all":
            groups = pd.Series(TOTAL_GROUP, index=out.index, dtype=object)
        else:  # the subgroup of a förtroendevald is "förtroendevald"
            groups = out["subgroup" if level == "subgroup" else "role"].astype(object)
        munis = out["municipality_code"].astype(object)
        for q in [c for c in out.columns if c in set(self.cells["question"])]:
            keep = np.fromiter(((q, m, g) in self._shown for m, g in zip(munis, groups)), dtype=bool, count=len(out))
            out[q] = out[q].where(keep)
        return out


def role_attributable(size, threshold: int) -> bool:
    """Whether a quote may carry its writer's role, the role group having ``size`` members
    (commenters on the question, or respondents) and the comment threshold being ``threshold``."""
    return bool(is_reportable(size, threshold))


def disclosure_plan(survey: "Survey", *, threshold: int | None = None,
                    comment_threshold: int | None = None) -> DisclosurePlan:
    """The :class:`DisclosurePlan` of ``survey`` at ``threshold`` (computed once, then shared).

    Parameters
    ----------
    survey
        The survey; a municipality's subset gives the same decisions for that municipality.
    threshold
        Anonymity threshold (default: the instrument's), validated by :func:`resolve_threshold`.
    comment_threshold
        Fewest commenters of a role on a question for a quote to carry the role; default the
        anonymity threshold; validated like it.
    """
    t = resolve_threshold(threshold, survey)
    c = t if comment_threshold is None else resolve_threshold(comment_threshold)
    return survey.memo(("disclosure_plan", t, c), lambda: DisclosurePlan(survey, t, c))


def published_sizes(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` as it may be written: the size columns of hidden rows as text, never numbers.

    Rows with a true ``suppressed`` column get the values of their ``n``-like columns (``n``,
    ``n_respondents``, ``n_total``, ``n_comments``; blanks stay blank) replaced by the row's ``note`` ("färre än k svar", "dold – …",
    "inga svar"; :func:`suppression_note`), or "dold" when the row has no note. Used by every CSV
    writer (:func:`kommunanalys.pages.notebook.write_table`), so that no table prints a hidden size.
    """
    if "suppressed" not in frame.columns or not len(frame):
        return frame
    hidden = np.array([bool(v) and v == v for v in frame["suppressed"]], dtype=bool)
    if not hidden.any():
        return frame
    out = frame.copy()
    notes = out["note"].astype(object).tolist() if "note" in out.columns else [""] * len(out)
    for column in [c for c in ("n", "n_respondents", "n_total", "n_comments") if c in out.columns]:
        out[column] = [(note if isinstance(note, str) and note else "dold") if h and pd.notna(v) else v
                       for v, h, note in zip(out[column].astype(object), hidden, notes)]
    return out
