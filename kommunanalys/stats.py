"""Generic statistics for ordinal (Likert) items: no survey, no roles, just data.

``likert``
    R ``likert``-style summary of a wide frame of ordered categorical items, optionally grouped.
``wilson_interval``
    Wilson score interval for a proportion.
``fpc_effective_n``
    Effective sample size of a share under a finite population correction.
``newcombe_interval``
    Newcombe's hybrid score interval for the difference of two independent proportions.
``two_proportion_test``
    The pooled z-test of the difference of two independent proportions.
``mann_whitney``
    Mann–Whitney U test with the rank-biserial correlation (= Cliff's delta).
``two_proportion_p``
    Two-sided p-value of the pooled two-proportion z-test.
``spearman_interval``
    Fisher-z interval for Spearman's rank correlation.
``holm``
    Holm's step-down adjustment of p-values for multiple testing.

Survey-level statistics (per question, role, municipality) live in :mod:`kommunanalys.questions`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np
import pandas as pd
from scipy import stats as _sps

from .errors import InputError

__all__ = [
    "likert",
    "wilson_interval",
    "fpc_effective_n",
    "newcombe_interval",
    "two_proportion_test",
    "mann_whitney",
    "MannWhitneyResult",
    "two_proportion_p",
    "spearman_interval",
    "holm",
]


# ---------------------------------------------------------------------------------------------
# likert
# ---------------------------------------------------------------------------------------------
def _levels_of(items: pd.DataFrame) -> list:
    levels = None
    for name in items.columns:
        col = items[name]
        if not isinstance(col.dtype, pd.CategoricalDtype):
            raise InputError(
                f"column {name!r} is not categorical (dtype {col.dtype})", column=str(name),
                hint="convert it with pd.Categorical(values, categories=[...levels in order...], ordered=True)",
            )
        cats = list(col.cat.categories)
        if levels is None:
            levels = cats
        elif cats != levels:
            raise InputError(
                f"column {name!r} has other levels than the first item", column=str(name), value=cats,
                hint=f"all items must share the same levels in the same order: {levels}; "
                     "check for extra whitespace, capitalisation, or a different scale",
            )
    if not levels:
        raise InputError("no items given (the frame has no columns or no levels)",
                         hint="pass a DataFrame with one ordered categorical column per item")
    return levels


def _summarise(codes: np.ndarray, k: int, centre: float) -> dict:
    """Statistics of one item in one group; ``codes`` are level codes 1..k, NaN = missing."""
    codes = codes[~np.isnan(codes)]
    n = codes.size
    counts = np.bincount(codes.astype(int), minlength=k + 1)[1:] if n else np.zeros(k, dtype=int)
    pct = counts / n * 100 if n else np.full(k, np.nan)
    level_codes = np.arange(1, k + 1)
    low = pct[level_codes < centre].sum() if n else np.nan
    high = pct[level_codes > centre].sum() if n else np.nan
    neutral = pct[level_codes == centre].sum() if n else np.nan
    return {
        "n": n,
        "pct": pct,
        "low": low,
        "neutral": neutral,
        "high": high,
        "mean": codes.mean() if n else np.nan,
        "sd": codes.std(ddof=1) if n > 1 else np.nan,
    }


def likert(items: pd.DataFrame, grouping: pd.Series | Sequence | None = None, *,
           center: float | None = None) -> pd.DataFrame:
    """Summarise Likert items like R's ``likert(items, grouping=)`` and ``summary()`` of it.

    Parameters
    ----------
    items
        One categorical column per item (ordered or not: the category order is the level
        order, from most negative to most positive). All items share the same levels.
        Missing values are dropped item by item.
    grouping
        Optional group of each row (same length as ``items``). Rows whose group is missing are
        left out. Groups come in category order for a categorical, otherwise sorted.
    center
        The centre of the scale in level codes; default ``(k + 1) / 2`` as in R. Levels below it
        count as ``low``, above it as ``high``, equal to it as ``neutral``.

    Returns
    -------
    pandas.DataFrame
        One row per item (and group): ``item``, ``group`` (only when grouped), ``n`` (non-missing
        answers), one column per level (percent of ``n``), ``low``, ``neutral``, ``high``
        (percent), ``mean`` and ``sd`` (of the level codes 1..k; ``sd`` divides by n - 1).

    Examples
    --------
    >>> import pandas as pd
    >>> levels = ["Nej", "Kanske", "Ja"]
    >>> items = pd.DataFrame({"A": pd.Categorical(["Ja", "Nej", "Ja", None], categories=levels)})
    >>> likert(items)[["item", "n", "Ja", "high", "mean"]].round(2).to_dict("records")
    [{'item': 'A', 'n': 3, 'Ja': 66.67, 'high': 66.67, 'mean': 2.33}]
    """
    if not isinstance(items, pd.DataFrame):
        raise InputError(f"`items` must be a DataFrame, got {type(items).__name__}",
                         hint="pass a wide frame with one categorical column per item")
    levels = _levels_of(items)
    k = len(levels)
    centre = (k + 1) / 2 if center is None else float(center)
    codes = {name: items[name].cat.codes.to_numpy().astype(float) + 1 for name in items.columns}
    for arr in codes.values():
        arr[arr == 0] = np.nan  # cat code -1 (missing) + 1

    if grouping is None:
        group_values = None
        groups: list = [None]
    else:
        group_values = pd.Series(grouping).reset_index(drop=True)
        if len(group_values) != len(items):
            raise InputError(f"`grouping` has {len(group_values)} values but `items` has {len(items)} rows",
                             hint="pass one group per row of items")
        if isinstance(group_values.dtype, pd.CategoricalDtype):
            present = set(group_values.dropna().unique())
            groups = [g for g in group_values.cat.categories if g in present]
        else:
            groups = sorted(group_values.dropna().unique())

    rows = []
    for g in groups:
        mask = np.ones(len(items), dtype=bool) if g is None else (group_values == g).to_numpy()
        for name in items.columns:
            s = _summarise(codes[name][mask], k, centre)
            row = {"item": str(name)}
            if g is not None:
                row["group"] = g
            row["n"] = s["n"]
            row.update({str(level): p for level, p in zip(levels, s["pct"])})
            row.update({key: s[key] for key in ("low", "neutral", "high", "mean", "sd")})
            rows.append(row)
    columns = ["item", *(["group"] if grouping is not None else []), "n",
               *[str(lv) for lv in levels], "low", "neutral", "high", "mean", "sd"]
    return pd.DataFrame(rows, columns=columns)


# ---------------------------------------------------------------------------------------------
# Intervals
# ---------------------------------------------------------------------------------------------
def fpc_effective_n(n, population):
    """Effective sample size ``n · (N − 1) / (N − n)`` of a share from ``n`` of ``N`` units.

    Under simple random sampling without replacement the variance of a sample share is
    ``p(1 − p)/n · (N − n)/(N − 1)`` (Cochran 1977, *Sampling Techniques*, 3rd ed., Theorem 3.2):
    the with-replacement variance times the finite population correction. Dividing ``n`` by that
    factor gives the sample size whose binomial variance is the same, which the Wilson interval
    then uses (the effective-sample-size approach of Korn & Graubard 1998, Survey Methodology
    24(2):193–201). Infinite for a census (``n == N``); ``n`` itself where ``N`` is missing (NaN)
    or infinite. Vectorised.

    Raises
    ------
    InputError
        Where ``n`` exceeds ``N`` (more answers than units in the population).
    """
    m = np.asarray(n, dtype=float)
    big = np.asarray(population, dtype=float)
    if np.any(m > big):
        raise InputError("n is larger than the population N", value=(np.asarray(n).tolist(),
                                                                     np.asarray(population).tolist()),
                         hint="the population (invited) must be at least the number of answers")
    with np.errstate(invalid="ignore", divide="ignore"):
        eff = np.where(np.isfinite(big), m * (big - 1) / (big - m), m)
    return np.where(m == 0, 0.0, eff)


def wilson_interval(successes, n, *, confidence: float = 0.95, population=None,
                    effective_n=None) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score interval for a proportion ``successes / n`` (proportions, 0..1).

    Vectorised over array-like ``successes`` and ``n``; where ``n == 0`` both bounds are NaN.
    Wilson (1927), JASA 22(158):209–212.

    ``population`` (N, optional, NaN = unknown) applies the finite population correction: the
    interval is Wilson's on the share ``successes / n`` with the effective sample size of
    :func:`fpc_effective_n` (a census, ``n == N``, has an interval of zero width).
    ``effective_n`` gives that size directly (e.g. of a weighted share); it overrides ``population``.
    """
    x = np.asarray(successes, dtype=float)
    m = np.asarray(n, dtype=float)
    z = _sps.norm.ppf(1 - (1 - confidence) / 2)
    eff = m
    if effective_n is not None:
        eff = np.asarray(effective_n, dtype=float)
    elif population is not None:
        eff = fpc_effective_n(m, population)
    with np.errstate(invalid="ignore", divide="ignore"):
        p = x / m
        denom = 1 + z**2 / eff
        centre = (p + z**2 / (2 * eff)) / denom
        half = z * np.sqrt(p * (1 - p) / eff + z**2 / (4 * eff**2)) / denom
        low = np.where(m > 0, np.clip(centre - half, 0, 1), np.nan)
        high = np.where(m > 0, np.clip(centre + half, 0, 1), np.nan)
    return low, high


def newcombe_interval(x1, n1, x2, n2, *, confidence: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """Interval for the difference ``x1/n1 - x2/n2`` of two independent proportions.

    Newcombe's hybrid score interval (method 10 in Newcombe, R. G. (1998), "Interval estimation
    for the difference between independent proportions: comparison of eleven methods",
    Statistics in Medicine 17(8):873–890), built from the two Wilson intervals (l1, u1), (l2, u2):
    ``d - sqrt((p1 - l1)² + (u2 - p2)²)`` to ``d + sqrt((u1 - p1)² + (p2 - l2)²)``.
    Proportions (−1..1); NaN where a group is empty.
    """
    x1, n1, x2, n2 = (np.asarray(v, dtype=float) for v in (x1, n1, x2, n2))
    l1, u1 = wilson_interval(x1, n1, confidence=confidence)
    l2, u2 = wilson_interval(x2, n2, confidence=confidence)
    with np.errstate(invalid="ignore", divide="ignore"):
        p1, p2 = x1 / n1, x2 / n2
        d = p1 - p2
        low = d - np.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2)
        high = d + np.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2)
    return low, high


def two_proportion_test(x1, n1, x2, n2) -> tuple[np.ndarray, np.ndarray]:
    """Two-sided pooled z-test of ``x1/n1 = x2/n2`` for two independent proportions.

    ``z = (p1 - p2) / sqrt(p (1 - p) (1/n1 + 1/n2))`` with the pooled ``p = (x1 + x2) / (n1 + n2)``;
    ``z²`` is Pearson's chi-square of the 2×2 table without continuity correction (Agresti,
    *Categorical Data Analysis*, 3rd ed., 2013, sect. 3.1). Vectorised; returns ``(z, p_value)``,
    NaN where a group is empty, ``z = 0`` and ``p = 1`` where both proportions are 0 or both 1.
    """
    x1, n1, x2, n2 = (np.asarray(v, dtype=float) for v in (x1, n1, x2, n2))
    with np.errstate(invalid="ignore", divide="ignore"):
        pooled = (x1 + x2) / (n1 + n2)
        se = np.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
        diff = x1 / n1 - x2 / n2
        z = np.where(se > 0, diff / se, 0.0)
        p = 2 * _sps.norm.sf(np.abs(z))
    empty = (n1 <= 0) | (n2 <= 0)
    return np.where(empty, np.nan, z), np.where(empty, np.nan, p)


# ---------------------------------------------------------------------------------------------
# Mann–Whitney
# ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class MannWhitneyResult:
    """Mann–Whitney U of ``x`` against ``y``.

    ``u`` is the U statistic of ``x`` (pairs with x > y, ties counting one half);
    ``rank_biserial`` = 2U / (n_x n_y) − 1 = P(X > Y) − P(X < Y), i.e. Cliff's delta: positive
    when ``x`` tends to be higher. ``p_value`` is two-sided (scipy, normal approximation with tie
    correction when there are ties).
    """

    u: float
    p_value: float
    rank_biserial: float
    n_x: int
    n_y: int


def mann_whitney(x, y) -> MannWhitneyResult:
    """Mann–Whitney U test with the rank-biserial correlation (Cliff's delta).

    Parameters
    ----------
    x, y
        Ordinal scores (e.g. level codes 1..k) of two independent groups; NaN values are dropped.
        With an empty group every statistic is NaN.
    """
    a = np.asarray(x, dtype=float)
    b = np.asarray(y, dtype=float)
    a, b = a[~np.isnan(a)], b[~np.isnan(b)]
    if a.size == 0 or b.size == 0:
        return MannWhitneyResult(np.nan, np.nan, np.nan, int(a.size), int(b.size))
    res = _sps.mannwhitneyu(a, b, alternative="two-sided")
    u = float(res.statistic)
    return MannWhitneyResult(u=u, p_value=float(res.pvalue), rank_biserial=2 * u / (a.size * b.size) - 1,
                             n_x=int(a.size), n_y=int(b.size))


# ---------------------------------------------------------------------------------------------
# Tests of proportions and correlations; multiple testing
# ---------------------------------------------------------------------------------------------
def two_proportion_p(x1: float, n1: float, x2: float, n2: float) -> float:
    """Two-sided p-value of the pooled two-proportion z-test of ``x1/n1`` against ``x2/n2``.

    Parameters
    ----------
    x1, n1, x2, n2
        Successes and group sizes of the two independent groups.

    Returns
    -------
    float
        ``2 * P(Z > |z|)`` with ``z = (p1 - p2) / sqrt(p (1 - p) (1/n1 + 1/n2))`` and ``p`` the
        pooled proportion; NaN when a group is empty, 1.0 when both groups are all successes or
        all failures. Equals the p-value of Pearson's chi-squared test of the 2 × 2 table
        without continuity correction.
    """
    if not (n1 and n2):
        return float("nan")
    pooled = (x1 + x2) / (n1 + n2)
    se = np.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
    if se == 0:
        return 1.0
    z = (x1 / n1 - x2 / n2) / se
    return float(2 * _sps.norm.sf(abs(z)))


def spearman_interval(rho: float, n: int, *, confidence: float = 0.95) -> tuple[float, float]:
    """Fisher-z interval for Spearman's rank correlation ``rho`` over ``n`` pairs.

    ``tanh(arctanh(rho) ± z * SE)`` with Bonett & Wright's standard error
    ``SE = sqrt((1 + rho²/2) / (n − 3))`` (Bonett, D. G. & Wright, T. A. (2000), "Sample size
    requirements for estimating Pearson, Kendall and Spearman correlations", Psychometrika
    65(1):23–28).

    Parameters
    ----------
    rho
        Spearman's rho.
    n
        Number of pairs.
    confidence
        Confidence level of the interval.

    Returns
    -------
    tuple of float
        ``(low, high)``; ``(nan, nan)`` when ``n <= 3`` or ``rho`` is NaN.
    """
    if n <= 3 or np.isnan(rho):
        return (np.nan, np.nan)
    z = np.arctanh(np.clip(rho, -0.999999, 0.999999))
    se = np.sqrt((1 + rho**2 / 2) / (n - 3))
    q = _sps.norm.ppf(1 - (1 - confidence) / 2)
    return float(np.tanh(z - q * se)), float(np.tanh(z + q * se))


def holm(p: Sequence[float] | np.ndarray) -> np.ndarray:
    """Holm's step-down adjusted p-values; NaN stays NaN and is not counted.

    Holm, S. (1979), "A simple sequentially rejective multiple test procedure", Scandinavian
    Journal of Statistics 6(2):65–70. Controls the family-wise error rate: the chance of calling
    anything notable in a family without any real effect is at most the level used.

    Parameters
    ----------
    p
        The unadjusted p-values of one family of tests.

    Returns
    -------
    numpy.ndarray
        Adjusted p-values in the order given: with the m non-missing p-values sorted,
        ``max over j <= i of (m - j + 1) p_(j)``, capped at 1.
    """
    p = np.asarray(p, dtype=float)
    out = np.full_like(p, np.nan)
    ok = np.flatnonzero(~np.isnan(p))
    m = ok.size
    if m:
        order = ok[np.argsort(p[ok], kind="stable")]
        adjusted = np.maximum.accumulate((m - np.arange(m)) * p[order])
        out[order] = np.minimum(adjusted, 1.0)
    return out
