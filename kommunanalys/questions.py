"""Per-question statistics of a survey: distributions by group, role gap, benchmark.

Every function takes a :class:`~kommunanalys.survey.Survey` first and returns a tidy frame in
which groups under the anonymity threshold are already suppressed (see
:mod:`kommunanalys.anonymity`): their values are NaN, ``suppressed`` is True and ``note`` says
"färre än 5 svar". Percentages are over the substantive answers of each group (as in R's
``likert``); "Vet ej" and skipped questions are counted separately.

Groupings (``by``)
    ``"role"`` (förtroendevald, tjänsteperson), ``"subgroup"`` (förtroendevald, chef i central
    förvaltning, övrig tjänsteperson, tjänsteperson ej angivet), ``"municipality"`` (the codes),
    ``"all"`` (everyone, group ``"alla"``), or the id of a background question (``"Q3"``).
"""

from __future__ import annotations

from typing import Iterable, Sequence

import numpy as np
import pandas as pd

from .anonymity import (
    HIERARCHY_MARGINS,
    TOTAL_GROUP,
    resolve_threshold,
    suppress,
    suppression_plan,
)
from .errors import InputError
from .stats import mann_whitney, newcombe_interval, wilson_interval
from .survey import NOT_IN_EXPORT, ROLES, SUBGROUPS, Survey

__all__ = [
    "GROUPINGS",
    "SKIPPED_LABEL",
    "BENCHMARK_GROUPS",
    "distribution",
    "summary",
    "role_gap",
    "rank_gaps",
    "benchmark",
    "benchmark_distribution",
]

GROUPINGS = ("role", "subgroup", "municipality", "all")
#: The answer label of a question the respondent skipped.
SKIPPED_LABEL = "Ej besvarad"
#: The groups of a benchmark, in display order.
BENCHMARK_GROUPS = ("kommun", "övriga kommuner", "jämförelsegrupp")

#: Columns blanked in a suppressed group (whichever a table has).
_VALUE_COLUMNS = ["count", "percent", "n_respondents", "n_non_substantive", "n_skipped", "negative", "neutral",
                  "positive", "positive_ci_low", "positive_ci_high", "mean", "sd"]
_DIST_COLUMNS = ["question", "grouping", "group", "answer", "answer_type", "level", "count", "percent",
                 "n", "n_respondents", "suppressed", "note"]
_SUMMARY_COLUMNS = ["question", "grouping", "group", "n", "n_respondents", "n_non_substantive", "n_skipped",
                    "negative", "neutral", "positive", "positive_ci_low", "positive_ci_high", "mean", "sd",
                    "suppressed", "note"]


# ---------------------------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------------------------
def _question_ids(survey: Survey, questions: str | Iterable[str] | None) -> list[str]:
    likert_ids = [q.id for q in survey.instrument.likert_questions]
    if questions is None:
        return likert_ids
    ids = [questions] if isinstance(questions, str) else list(questions)
    for qid in ids:
        if qid not in likert_ids:
            raise InputError(f"{qid!r} is not a Likert question of the instrument", value=qid,
                             hint=f"use one of {', '.join(likert_ids)}")
    return ids


def _check_municipality(survey: Survey, code: str) -> str:
    return survey.resolve_municipality(code)


def _grouped(survey: Survey, by: str) -> tuple[pd.DataFrame, list]:
    """The Likert responses with a ``group`` column, and the full list of groups in order."""
    resp = survey.responses
    if by == "role":
        group, order = resp["role"].astype(object), list(ROLES)
    elif by == "subgroup":
        group, order = resp["subgroup"].astype(object), list(SUBGROUPS)
    elif by == "municipality":
        group, order = resp["municipality_code"].astype(object), survey.municipality_codes
    elif by == "all":
        group, order = pd.Series(TOTAL_GROUP, index=resp.index, dtype=object), [TOTAL_GROUP]
    elif by in survey.respondents.columns and by not in ("respondent_id", "source_row"):
        col = survey.respondents.set_index("respondent_id")[by]
        group = resp["respondent_id"].map(col).astype(object)
        order = list(col.cat.categories) if isinstance(col.dtype, pd.CategoricalDtype) else sorted(col.dropna().unique())
    else:
        raise InputError(f"unknown grouping {by!r}", value=by,
                         hint="use by='role', 'subgroup', 'municipality', 'all' or a background question id "
                              f"({', '.join(q.id for q in survey.instrument.of_kind('background'))})")
    resp = resp.assign(group=group)
    return resp[resp["group"].notna()], order


def _answer_counts(survey: Survey, by: str) -> tuple[pd.DataFrame, list]:
    """Answers per question, municipality, group of ``by`` and answer label ("Ej besvarad" for a
    skipped question), observed combinations only — computed once per survey and grouping.

    Columns: ``question``, ``municipality_code``, ``group``, ``answer``, ``count``.
    """
    def compute():
        resp, order = _grouped(survey, by)
        label = resp["answer"].astype(object).where(resp["answer_type"] != "skipped", SKIPPED_LABEL)
        keys = [resp["question"].astype(object), resp["municipality_code"].astype(object), resp["group"],
                label.rename("answer")]
        counts = resp.groupby(keys, observed=True, sort=True).size().rename("count").reset_index()
        return counts, order

    counts, order = survey.memo(("answer_counts", by), compute)
    return counts, list(order)


def _answer_meta(survey: Survey, ids: list[str]) -> pd.DataFrame:
    """Every answer of each question in display order: the substantive levels, then the
    non-substantive ones, then "Ej besvarad"; with ``answer_type``, ``level`` and ``side``
    (``low``, ``neutral``, ``high`` for the substantive levels)."""
    rows = []
    for qid in ids:
        scale = survey.instrument[qid].scale
        side = {**dict.fromkeys(scale.low_labels(), "low"), **dict.fromkeys(scale.neutral_labels(), "neutral"),
                **dict.fromkeys(scale.high_labels(), "high")}
        rows += [(qid, lab, "substantive", float(i), side.get(lab, "")) for i, lab in enumerate(scale.labels, start=1)]
        rows += [(qid, lab, "non_substantive", np.nan, "") for lab in scale.non_substantive_labels]
        rows.append((qid, SKIPPED_LABEL, "skipped", np.nan, ""))
    return pd.DataFrame(rows, columns=["question", "answer", "answer_type", "level", "side"])


def _tabulate(counts: pd.DataFrame, survey: Survey, ids: list[str], keys: list[str],
              orders: dict[str, list]) -> pd.DataFrame:
    """Counts per question, key combination and answer; every level listed, zeros included.

    ``counts`` holds ``question``, the ``keys``, ``answer`` and ``count`` (observed combinations,
    one row each). Rows come per question (in ``ids`` order), per key combination (the product of
    ``orders``), per answer (:func:`_answer_meta`).
    Columns: question, *keys, answer, answer_type, level, count, n, n_respondents, percent.
    """
    combos = pd.MultiIndex.from_product([orders[k] for k in keys], names=keys).to_frame(index=False)
    meta = _answer_meta(survey, ids)
    out = (pd.DataFrame({"question": ids}).merge(combos, how="cross")
           .merge(meta.drop(columns="side"), on="question", how="left"))
    on = ["question", *keys, "answer"]
    found = counts[counts["question"].isin(ids)]
    lookup = pd.MultiIndex.from_frame(found[on].astype(object))
    pos = lookup.get_indexer(pd.MultiIndex.from_frame(out[on].astype(object)))
    values = found["count"].to_numpy()  # empty for a question that is not in the export
    count = (np.where(pos >= 0, values[pos], 0) if len(values) else np.zeros(len(pos))).astype("int64")
    out.insert(len(on), "count", count)
    block = out.groupby(["question", *keys], sort=False).ngroup().to_numpy()
    substantive = (out["answer_type"] == "substantive").to_numpy()
    n = np.bincount(block, weights=np.where(substantive, count, 0))[block].astype("int64")
    out["n"] = n
    out["n_respondents"] = np.bincount(block, weights=count)[block].astype("int64")
    with np.errstate(invalid="ignore", divide="ignore"):
        pct = count / np.where(n > 0, n, np.nan) * 100
    out["percent"] = np.where(substantive, pct, np.nan)
    return out


def _summarise_counts(counts: pd.DataFrame, survey: Survey, keys: list[str], confidence: float) -> pd.DataFrame:
    """One row per question and key combination from the output of :func:`_tabulate`."""
    group_keys = ["question", *keys]
    side = _answer_meta(survey, list(dict.fromkeys(counts["question"])))
    side = counts[["question", "answer"]].merge(side[["question", "answer", "side"]], on=["question", "answer"],
                                                how="left")["side"].to_numpy()
    c = counts["count"].to_numpy(dtype=float)
    kind = counts["answer_type"].to_numpy()
    level = counts["level"].to_numpy(dtype=float)
    block = counts.groupby(group_keys, sort=False).ngroup().to_numpy()
    first = np.unique(block, return_index=True)[1]
    size = first.size

    def total(mask) -> np.ndarray:
        return np.bincount(block, weights=np.where(mask, c, 0), minlength=size)

    substantive = kind == "substantive"
    n = total(substantive)
    pos, neg, neu = total(side == "high"), total(side == "low"), total(side == "neutral")
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.bincount(block, weights=np.where(substantive, c * np.nan_to_num(level), 0), minlength=size) / n
    # sd as numpy computes it from each block's level codes (blocks are contiguous, levels ascending)
    codes = np.repeat(level[substantive], c[substantive].astype("int64"))
    sd = np.array([x.std(ddof=1) if x.size > 1 else np.nan
                   for x in np.split(codes, np.cumsum(n)[:-1].astype("int64"))]) if size else np.empty(0)
    with np.errstate(invalid="ignore", divide="ignore"):
        negative, neutral, positive = (np.where(n > 0, x / n * 100, np.nan) for x in (neg, neu, pos))
        lo, hi = wilson_interval(pos, n, confidence=confidence)
    out = counts.iloc[first][group_keys].reset_index(drop=True)
    out["n"] = n.astype("int64")
    out["n_respondents"] = total(np.ones_like(substantive)).astype("int64")
    out["n_non_substantive"] = total(kind == "non_substantive").astype("int64")
    out["n_skipped"] = total(kind == "skipped").astype("int64")
    out["negative"], out["neutral"], out["positive"] = negative, neutral, positive
    out["positive_ci_low"], out["positive_ci_high"] = lo * 100, hi * 100
    out["mean"] = np.where(n > 0, mean, np.nan)
    out["sd"] = np.where(n > 1, sd, np.nan)
    return out


def _group_counts(survey: Survey, ids: list[str], by: str) -> tuple[pd.DataFrame, list]:
    """Answers per question, group of ``by`` and answer; and the groups in order."""
    counts, order = _answer_counts(survey, by)
    counts = counts[counts["question"].isin(ids)]
    return counts.groupby(["question", "group", "answer"], sort=False)["count"].sum().reset_index(), order


def _group_table(survey: Survey, ids: list[str], by: str) -> tuple[pd.DataFrame, list]:
    """:func:`_tabulate` of :func:`_group_counts`, computed once per survey object (the same
    counts lie behind :func:`distribution` and :func:`summary`); a copy each call."""
    def compute():
        counts, order = _group_counts(survey, ids, by)
        return _tabulate(counts, survey, ids, ["group"], {"group": order}), order

    table, order = survey.memo(("group_table", tuple(ids), by), compute)
    return table.copy(), list(order)


#: Columns blanked for a question that is not in the export (beside the value columns): it has
#: no group sizes at all, and "0" would read as "nobody answered".
_NOT_IN_EXPORT_BLANK = ("count", "percent", "n", "n_respondents", "n_non_substantive", "n_skipped", "n_fv", "n_tp",
                        "positive_fv", "positive_tp", "gap", "gap_ci_low", "gap_ci_high", "mean_fv", "mean_tp",
                        "u", "p_value", "rank_biserial", "municipalities")


def _mark_not_in_export(frame: pd.DataFrame, survey: Survey) -> pd.DataFrame:
    """Rows of questions the export has no column for: hidden, values and sizes blank, and the
    note "finns inte i exporten" (never zero answers); every report shows the note."""
    missing = [q for q in pd.unique(frame["question"]) if not survey.in_export(q)] if len(frame) else []
    if not missing:
        return frame
    out = frame.copy()
    rows = out["question"].isin(missing).to_numpy()
    for col in [*_values(out), *_NOT_IN_EXPORT_BLANK]:
        if col in out.columns:
            if out[col].dtype.kind in "iub":
                out[col] = out[col].astype(float)
            out.loc[rows, col] = np.nan
    out.loc[rows, "suppressed"] = True
    out.loc[rows, "note"] = NOT_IN_EXPORT
    return out


def _values(frame: pd.DataFrame) -> list[str]:
    return [c for c in _VALUE_COLUMNS if c in frame.columns]


def _suppress_groups(frame: pd.DataFrame, survey: Survey, ids: list[str], by: str, order: list,
                     threshold: int) -> pd.DataFrame:
    """Apply the anonymity rule to a frame with columns question, group, n."""
    codes = survey.municipality_codes
    if by in ("role", "subgroup", "all") and len(codes) == 1:
        plan = suppression_plan(survey, questions=ids, threshold=threshold)
        extra = {(r.question, r.group): r.reason for r in plan.itertuples() if r.suppressed}
        return suppress(frame, threshold=threshold, by=["question"], extra=extra, value_columns=_values(frame))
    if by == "role":
        margins: Sequence = [list(ROLES)]
    elif by == "subgroup":
        margins = [list(SUBGROUPS), list(HIERARCHY_MARGINS[1])]
    else:
        margins = [order]
    return suppress(frame, threshold=threshold, by=["question"], margins=margins, value_columns=_values(frame))


# ---------------------------------------------------------------------------------------------
# public API
# ---------------------------------------------------------------------------------------------
def distribution(survey: Survey, questions: str | Iterable[str] | None = None, *, by: str = "role",
                 threshold: int | None = None) -> pd.DataFrame:
    """The answers to one or more questions per group, in long form.

    Parameters
    ----------
    survey
        The survey, or a subset of it (``survey.subset(municipalities="1761")``). For a
        single-municipality survey the whole hierarchy (everyone, roles, subgroups) is protected
        jointly; over several municipalities the groups' sum (and for subgroups the
        tjänsteperson total) is treated as published.
    questions
        A Likert question id, several, or None for all Likert questions.
    by
        The grouping (module docstring).
    threshold
        Anonymity threshold; default the instrument's.

    Returns
    -------
    pandas.DataFrame
        One row per question, group and answer — every level of the scale (zeros included), then
        "Vet ej" and "Ej besvarad": ``question``, ``grouping``, ``group``, ``answer``,
        ``answer_type`` (substantive / non_substantive / skipped), ``level`` (1..k), ``count``,
        ``percent`` (of ``n``; NaN for Vet ej and skipped), ``n`` (substantive answers),
        ``n_respondents``, ``suppressed``, ``note``.
    """
    ids = _question_ids(survey, questions)
    threshold = resolve_threshold(threshold, survey)
    counts, order = _group_table(survey, ids, by)
    counts.insert(1, "grouping", by)
    out = _suppress_groups(counts, survey, ids, by, order, threshold)
    return _mark_not_in_export(out[_DIST_COLUMNS], survey)


def summary(survey: Survey, questions: str | Iterable[str] | None = None, *, by: str = "role",
            threshold: int | None = None, confidence: float = 0.95) -> pd.DataFrame:
    """Per question and group: n, shares negative/neutral/positive, Wilson interval, mean, sd.

    Returns
    -------
    pandas.DataFrame
        ``question``, ``grouping``, ``group``, ``n`` (substantive answers), ``n_respondents``,
        ``n_non_substantive`` ("Vet ej"), ``n_skipped``, ``negative``, ``neutral``, ``positive``
        (percent of ``n``: levels below, at and above the centre), ``positive_ci_low``,
        ``positive_ci_high`` (Wilson interval of the share positive, percent), ``mean``, ``sd``
        (level codes 1..k, n − 1), ``suppressed``, ``note``.
    """
    ids = _question_ids(survey, questions)
    threshold = resolve_threshold(threshold, survey)
    counts, order = _group_table(survey, ids, by)
    table = _summarise_counts(counts, survey, ["group"], confidence)
    table.insert(1, "grouping", by)
    out = _suppress_groups(table, survey, ids, by, order, threshold)
    return _mark_not_in_export(out[_SUMMARY_COLUMNS], survey)


def role_gap(survey: Survey, questions: str | Iterable[str] | None = None, *,
             municipalities: str | Iterable[str] | None = None, threshold: int | None = None,
             confidence: float = 0.95) -> pd.DataFrame:
    """Where the roles see their municipality differently: förtroendevalda − tjänstepersoner.

    Per question and municipality: the difference in share positive (percentage points) with
    Newcombe's hybrid score interval (Newcombe 1998, method 10, from the two Wilson intervals;
    :func:`kommunanalys.stats.newcombe_interval`), and the Mann–Whitney U test of the level codes
    with the rank-biserial correlation (= Cliff's delta; positive: förtroendevalda answer higher).
    Nothing is shown when either role is suppressed in the municipality (``suppressed``).

    Returns
    -------
    pandas.DataFrame
        ``question``, ``municipality_code``, ``municipality_name``, ``n_fv``, ``n_tp``,
        ``positive_fv``, ``positive_tp`` (percent), ``gap``, ``gap_ci_low``, ``gap_ci_high``
        (percentage points), ``mean_fv``, ``mean_tp``, ``u`` (U of förtroendevalda),
        ``p_value``, ``rank_biserial``, ``suppressed``, ``note``.
    """
    ids = _question_ids(survey, questions)
    threshold = resolve_threshold(threshold, survey)
    codes = (survey.municipality_codes if municipalities is None else
             [_check_municipality(survey, c) for c in ([municipalities] if isinstance(municipalities, str)
                                                        else municipalities)])
    # once per survey object: every question page of a municipality ranks the same gaps
    return survey.memo(("role_gap", tuple(ids), tuple(codes), threshold, confidence),
                       lambda: _mark_not_in_export(_role_gap(survey, ids, codes, threshold, confidence), survey))


def _role_gap(survey: Survey, ids: list[str], codes: list[str], threshold: int, confidence: float) -> pd.DataFrame:
    plan = suppression_plan(survey, questions=ids, threshold=threshold)
    plan = plan[(plan["level"] == "role") & plan["municipality_code"].isin(codes)]
    plan = plan.set_index(["question", "municipality_code", "group"])
    counts, _ = _answer_counts(survey, "role")
    counts = counts[counts["question"].isin(ids) & counts["municipality_code"].isin(codes)]
    levels = _answer_meta(survey, ids)
    counts = counts.merge(levels[levels["answer_type"] == "substantive"], on=["question", "answer"])
    scores = {k: np.repeat(g["level"].to_numpy(dtype=float), g["count"].to_numpy())
              for k, g in counts.groupby(["question", "municipality_code", "group"])}
    empty = np.array([], dtype=float)
    rows = []
    for code in codes:
        for qid in ids:
            scale = survey.instrument[qid].scale
            high_from = (scale.k + 1) // 2 + 1  # first level code above the centre
            fv = scores.get((qid, code, ROLES[0]), empty)
            tp = scores.get((qid, code, ROLES[1]), empty)
            x_fv, x_tp = int((fv >= high_from).sum()), int((tp >= high_from).sum())
            lo, hi = newcombe_interval(x_fv, fv.size, x_tp, tp.size, confidence=confidence)
            mw = mann_whitney(fv, tp)
            hidden = [plan.loc[(qid, code, r)] for r in ROLES if plan.loc[(qid, code, r), "suppressed"]]
            row = {
                "question": qid, "municipality_code": code, "municipality_name": survey.municipality_name(code),
                "n_fv": fv.size, "n_tp": tp.size,
                "positive_fv": x_fv / fv.size * 100 if fv.size else np.nan,
                "positive_tp": x_tp / tp.size * 100 if tp.size else np.nan,
                "gap": (x_fv / fv.size - x_tp / tp.size) * 100 if fv.size and tp.size else np.nan,
                "gap_ci_low": float(lo) * 100, "gap_ci_high": float(hi) * 100,
                "mean_fv": fv.mean() if fv.size else np.nan, "mean_tp": tp.mean() if tp.size else np.nan,
                "u": mw.u, "p_value": mw.p_value, "rank_biserial": mw.rank_biserial,
                "suppressed": bool(hidden), "note": "",
            }
            if hidden:
                for col in ("positive_fv", "positive_tp", "gap", "gap_ci_low", "gap_ci_high", "mean_fv",
                            "mean_tp", "u", "p_value", "rank_biserial"):
                    row[col] = np.nan
                row["note"] = "; ".join(f"{h.name[2]}: {h['note']}" for h in hidden)
                for h in hidden:  # the size of a hidden role is not published either
                    row["n_fv" if h.name[2] == ROLES[0] else "n_tp"] = np.nan
            rows.append(row)
    return pd.DataFrame(rows)


def rank_gaps(gaps: pd.DataFrame) -> pd.DataFrame:
    """The questions ranked by the size of the role gap (|gap|, largest first): the "skav".

    Takes the output of :func:`role_gap`; ranks within each municipality. Suppressed rows come
    last without a rank. Adds ``abs_gap`` and ``rank``.
    """
    out = gaps.copy()
    out["abs_gap"] = out["gap"].abs()
    out = out.sort_values(["municipality_code", "abs_gap"], ascending=[True, False], na_position="last",
                          kind="stable")
    out["rank"] = out.groupby("municipality_code")["abs_gap"].rank(method="min", ascending=False)
    return out.reset_index(drop=True)


def _benchmark_base(survey: Survey, threshold: int) -> tuple[pd.DataFrame, dict]:
    """Answers per question, municipality, ``role`` (förtroendevald, tjänsteperson, "alla") and
    answer, with ``reportable``: whether that municipality × role group may be shown in its own
    municipality (anonymity rule 4); and each municipality's row positions. Computed once per
    survey and threshold."""
    def compute():
        roles, _ = _answer_counts(survey, "role")
        everyone, _ = _answer_counts(survey, "all")
        base = pd.concat([roles, everyone], ignore_index=True).rename(columns={"group": "role"})
        plan = suppression_plan(survey, threshold=threshold)
        plan = plan[plan["level"].isin(["all", "role"])]
        shown = pd.MultiIndex.from_frame(plan.loc[~plan["suppressed"], ["question", "municipality_code", "group"]]
                                         .astype(object))
        keys = pd.MultiIndex.from_frame(base[["question", "municipality_code", "role"]].astype(object))
        base["reportable"] = keys.isin(shown)
        return base, base.groupby("municipality_code", sort=False).indices

    # a tuple: the memo hands it out as it is (the base is large and only ever filtered)
    return survey.memo(("benchmark_base", threshold), compute)


def _benchmark_pool(survey: Survey, municipality: str, ids: list[str], comparison: Iterable[str] | None,
                    threshold: int) -> tuple[pd.DataFrame, pd.Series, dict]:
    """Answers per question, ``role`` (incl. "alla"), benchmark ``group`` and answer; the number of
    municipalities each (question, role, group) pools; and the groups' members. The aggregates
    hold only municipality × role groups reportable in their own municipality (anonymity rule 4)."""
    municipality = _check_municipality(survey, municipality)
    others = [c for c in survey.municipality_codes if c != municipality]
    groups: dict[str, list[str]] = {"kommun": [municipality], "övriga kommuner": others}
    if comparison is not None:
        comp = [comparison] if isinstance(comparison, str) else [str(c) for c in comparison]
        unknown = [c for c in comp if c not in survey.municipality_codes]
        if unknown:
            raise InputError(f"comparison municipalities without respondents: {', '.join(unknown)}",
                             value=unknown, hint="choose codes present in the survey: "
                                                 + ", ".join(survey.municipality_codes))
        comp = [c for c in comp if c != municipality]
        if not comp:
            raise InputError("the comparison group holds no municipality besides the one analysed",
                             value=comparison, hint="add at least one other municipality code")
        groups["jämförelsegrupp"] = comp
    base, rows = _benchmark_base(survey, threshold)
    empty = np.array([], dtype="int64")
    parts = []
    for name, members in groups.items():
        if name == "övriga kommuner":  # everyone but the municipality: a mask, not 289 slices
            part = base[(base["municipality_code"] != municipality).to_numpy() & base["reportable"].to_numpy()]
        else:
            part = base.take(np.concatenate([rows.get(c, empty) for c in members]))
            part = part if name == "kommun" else part[part["reportable"].to_numpy()]
        parts.append(part[part["question"].isin(ids).to_numpy()].assign(group=name))
    pool = pd.concat(parts, ignore_index=True)
    keys = ["question", "role", "group"]
    counts = pool.groupby([*keys, "answer"], sort=False)["count"].sum().reset_index()
    pooled = pool.groupby(keys)["municipality_code"].nunique()
    return counts, pooled, groups


def _benchmark_suppress(frame: pd.DataFrame, survey: Survey, municipality: str, ids: list[str],
                        threshold: int) -> pd.DataFrame:
    plan = suppression_plan(survey, questions=ids, threshold=threshold)
    plan = plan[(plan["municipality_code"] == municipality) & plan["level"].isin(["all", "role"])]
    extra = {(q, g, "kommun"): r for q, g, r, hidden in zip(plan["question"], plan["group"], plan["reason"],
                                                             plan["suppressed"]) if hidden}
    return suppress(frame, threshold=threshold, by=["question", "role"], extra=extra, value_columns=_values(frame))


def _benchmark_counts(survey: Survey, municipality, questions, comparison, threshold):
    """Counts per question, role and benchmark group behind :func:`benchmark` and
    :func:`benchmark_distribution` (a municipality name or an int becomes its code)."""
    ids = _question_ids(survey, questions)
    threshold = resolve_threshold(threshold, survey)
    municipality = _check_municipality(survey, municipality)
    if comparison is not None:
        comparison = [comparison] if isinstance(comparison, str) else [str(c) for c in comparison]

    def compute():
        pool, pooled, groups = _benchmark_pool(survey, municipality, ids, comparison, threshold)
        orders = {"role": [*ROLES, TOTAL_GROUP], "group": list(groups)}
        return _tabulate(pool, survey, ids, ["role", "group"], orders), pooled

    # computed once per survey object: benchmark() and benchmark_distribution() share the counts
    key = ("benchmark_counts", municipality, tuple(ids), None if comparison is None else tuple(comparison), threshold)
    counts, pooled = survey.memo(key, compute)
    return ids, threshold, municipality, counts.copy(), pooled.copy()


def benchmark(survey: Survey, municipality: str, questions: str | Iterable[str] | None = None, *,
              comparison: Iterable[str] | None = None, threshold: int | None = None,
              confidence: float = 0.95) -> pd.DataFrame:
    """The municipality against the other municipalities (and a comparison group), per role.

    Groups: ``kommun`` (the municipality), ``övriga kommuner`` (all respondents of the other
    municipalities of the survey), ``jämförelsegrupp`` (the municipalities in ``comparison``,
    the analysed one left out) — each for ``role`` förtroendevald, tjänsteperson and ``alla``.
    The aggregates pool only municipality × role groups that are reportable in their own
    municipality (anonymity rule 4); ``municipalities`` says how many municipalities a group pools.

    Returns
    -------
    pandas.DataFrame
        ``question``, ``role``, ``group``, ``municipalities``, then the columns of :func:`summary`
        from ``n`` on.
    """
    ids, threshold, municipality, counts, pooled = _benchmark_counts(survey, municipality, questions,
                                                                     comparison, threshold)
    table = _summarise_counts(counts, survey, ["role", "group"], confidence)
    table.insert(3, "municipalities", [int(pooled.get(k, 0)) for k in
                                       zip(table["question"], table["role"], table["group"])])
    out = _benchmark_suppress(table, survey, municipality, ids, threshold)
    return _mark_not_in_export(out[["question", "role", "group", "municipalities", *_SUMMARY_COLUMNS[3:]]], survey)


def benchmark_distribution(survey: Survey, municipality: str, questions: str | Iterable[str] | None = None, *,
                           comparison: Iterable[str] | None = None, threshold: int | None = None) -> pd.DataFrame:
    """The answer distributions behind :func:`benchmark`, long form (columns as :func:`distribution`
    with ``role`` and ``group`` = benchmark group instead of ``grouping``/``group``)."""
    ids, threshold, municipality, counts, _ = _benchmark_counts(survey, municipality, questions,
                                                                comparison, threshold)
    out = _benchmark_suppress(counts, survey, municipality, ids, threshold)
    return _mark_not_in_export(out[["question", "role", "group", *_DIST_COLUMNS[3:]]], survey)
