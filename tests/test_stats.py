"""kommunanalys.stats: likert() against R likert's published numbers; intervals; Mann–Whitney."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from kommunanalys.errors import InputError
from kommunanalys.stats import (
    holm,
    likert,
    mann_whitney,
    newcombe_interval,
    spearman_interval,
    two_proportion_p,
    wilson_interval,
)

pyreadr = pytest.importorskip("pyreadr")
DATA = Path(__file__).parent / "data" / "likert"
ITEMS29 = {"ST25Q01": "Magazines", "ST25Q02": "Comic books", "ST25Q03": "Fiction",
           "ST25Q04": "Non-fiction books", "ST25Q05": "Newspapers"}

# R: summary(likert(items29)) — published in the likert package's reference page.
PUBLISHED = pd.DataFrame(
    [("Magazines", 30.21689, 21.33091, 48.45219, 3.254813, 1.245086),
     ("Newspapers", 37.29377, 15.72688, 46.97935, 3.140282, 1.442299),
     ("Fiction", 41.77380, 19.61739, 38.60882, 2.961111, 1.342667),
     ("Comic books", 62.43096, 15.78368, 21.78536, 2.298768, 1.292631),
     ("Non-fiction books", 61.42466, 19.55493, 19.02042, 2.322898, 1.199176)],
    columns=["item", "low", "neutral", "high", "mean", "sd"])


@pytest.fixture(scope="module")
def pisa():
    return pyreadr.read_r(DATA / "pisaitems.rda")["pisaitems"]


@pytest.fixture(scope="module")
def items29(pisa):
    return pisa[list(ITEMS29)].rename(columns=ITEMS29)


def test_reproduces_published_st25q_summary(items29):
    got = likert(items29).set_index("item").loc[PUBLISHED["item"]]
    for col in ["low", "neutral", "high"]:
        np.testing.assert_allclose(got[col].to_numpy(), PUBLISHED[col].to_numpy(), atol=5e-6, rtol=0)
    np.testing.assert_allclose(got["mean"].to_numpy(), PUBLISHED["mean"].to_numpy(), atol=5e-7, rtol=0)
    np.testing.assert_allclose(got["sd"].to_numpy(), PUBLISHED["sd"].to_numpy(), atol=5e-7, rtol=0)


def test_level_columns_and_n(items29):
    got = likert(items29)
    levels = list(items29["Magazines"].cat.categories)
    assert list(got.columns) == ["item", "n", *levels, "low", "neutral", "high", "mean", "sd"]
    for name in items29:
        counts = items29[name].value_counts(normalize=True, dropna=True) * 100
        row = got.set_index("item").loc[name]
        assert row["n"] == items29[name].notna().sum()
        np.testing.assert_allclose(row[levels].to_numpy(float), counts.reindex(levels).to_numpy(), rtol=1e-12)
        np.testing.assert_allclose(row[levels].sum(), 100)


def test_grouped_by_country(items29, pisa):
    got = likert(items29, pisa["CNT"])
    assert list(got["group"].unique()) == ["Canada", "Mexico", "United States"]
    levels = list(items29["Magazines"].cat.categories)
    for (item, country), row in got.set_index(["item", "group"]).iterrows():
        x = items29.loc[pisa["CNT"] == country, item].dropna()
        codes = x.cat.codes.to_numpy() + 1
        expected = x.value_counts(normalize=True).reindex(levels).to_numpy() * 100
        np.testing.assert_allclose(row[levels].to_numpy(float), expected, rtol=1e-12)
        assert row["low"] == pytest.approx(expected[:2].sum())
        assert row["neutral"] == pytest.approx(expected[2])
        assert row["high"] == pytest.approx(expected[3:].sum())
        assert row["mean"] == pytest.approx(codes.mean())
        assert row["sd"] == pytest.approx(np.std(codes, ddof=1))


def test_mass_reproduces_mathanxiety():
    mass = pyreadr.read_r(DATA / "mass.rda")["mass"]
    published = pyreadr.read_r(DATA / "MathAnxiety.rda")["MathAnxiety"]
    got = likert(mass.drop(columns="Gender")).set_index("item")
    published = published.assign(Item=published["Item"].astype(str)).set_index("Item")
    levels = list(published.columns)
    assert levels == list(mass.iloc[:, 1].cat.categories)
    np.testing.assert_allclose(got.loc[published.index, levels].to_numpy(float), published.to_numpy(float),
                               atol=1e-9)


def test_even_scale_has_no_neutral():
    cats = ["a", "b", "c", "d"]
    items = pd.DataFrame({"x": pd.Categorical(["a", "b", "c", "d", "d", None], categories=cats)})
    row = likert(items).iloc[0]
    assert (row["low"], row["neutral"], row["high"]) == pytest.approx((40.0, 0.0, 60.0))


def test_rejects_non_categorical_and_mixed_levels():
    with pytest.raises(InputError, match="not categorical"):
        likert(pd.DataFrame({"x": [1, 2, 3]}))
    mixed = pd.DataFrame({"x": pd.Categorical(["a"], categories=["a", "b"]),
                          "y": pd.Categorical(["a"], categories=["b", "a"])})
    with pytest.raises(InputError, match="other levels"):
        likert(mixed)
    with pytest.raises(InputError, match="grouping"):
        likert(pd.DataFrame({"x": pd.Categorical(["a", "b"])}), ["g"])


def _wilson(x, n, z=1.959963984540054):
    p = x / n
    centre = (2 * n * p + z**2) / (2 * (n + z**2))
    half = z * np.sqrt(z**2 + 4 * n * p * (1 - p)) / (2 * (n + z**2))
    return centre - half, centre + half


def test_wilson_interval_published_and_formula():
    # Newcombe (1998a), Statistics in Medicine 17:857, example 81/263: Wilson 0.2553 to 0.3662
    lo, hi = wilson_interval(81, 263)
    assert (round(float(lo), 4), round(float(hi), 4)) == (0.2553, 0.3662)
    for x, n in [(0, 10), (10, 10), (3, 7), (45, 60)]:
        assert np.allclose(wilson_interval(x, n), _wilson(x, n))
    assert np.isnan(wilson_interval(0, 0)).all()


def test_newcombe_hybrid_interval_published():
    # Newcombe (1998b), Statistics in Medicine 17:873, example (a) 56/70 - 48/80, method 10
    lo, hi = newcombe_interval(56, 70, 48, 80)
    assert (round(float(lo), 4), round(float(hi), 4)) == (0.0524, 0.3339)
    l1, u1 = _wilson(9, 12)
    l2, u2 = _wilson(5, 20)
    d = 9 / 12 - 5 / 20
    expected = (d - np.sqrt((9 / 12 - l1) ** 2 + (u2 - 5 / 20) ** 2), d + np.sqrt((u1 - 9 / 12) ** 2 + (5 / 20 - l2) ** 2))
    assert np.allclose(newcombe_interval(9, 12, 5, 20), expected)


def test_mann_whitney_rank_biserial_is_cliffs_delta():
    rng = np.random.default_rng(3)
    x = rng.integers(1, 6, 23).astype(float)
    y = rng.integers(1, 6, 31).astype(float)
    greater = (x[:, None] > y[None, :]).sum()
    ties = (x[:, None] == y[None, :]).sum()
    less = (x[:, None] < y[None, :]).sum()
    res = mann_whitney(np.append(x, np.nan), y)
    assert res.u == greater + ties / 2
    assert res.rank_biserial == pytest.approx((greater - less) / (x.size * y.size))
    assert (res.n_x, res.n_y) == (23, 31)
    back = mann_whitney(y, x)
    assert back.rank_biserial == pytest.approx(-res.rank_biserial)
    assert back.p_value == pytest.approx(res.p_value)
    assert 0 < res.p_value <= 1
    assert np.isnan(mann_whitney([], y).p_value)


# ---------------------------------------------------------------------------------------------
# two_proportion_p, spearman_interval, holm (moved here from rootcause)
# ---------------------------------------------------------------------------------------------
def test_two_proportion_p_by_hand():
    # 30/50 vs 20/50: pooled 0.5, se = sqrt(0.25 * 0.04) = 0.1, z = 2
    assert two_proportion_p(30, 50, 20, 50) == pytest.approx(2 * stats.norm.sf(2))


@pytest.mark.parametrize("x1, n1, x2, n2", [(30, 50, 20, 50), (7, 12, 19, 23), (1, 40, 9, 35), (55, 60, 40, 61)])
def test_two_proportion_p_equals_uncorrected_chi_squared(x1, n1, x2, n2):
    # the pooled z-test squared is Pearson's chi-squared of the 2 x 2 table (no Yates correction)
    table = np.array([[x1, n1 - x1], [x2, n2 - x2]])
    expected = stats.chi2_contingency(table, correction=False).pvalue
    assert two_proportion_p(x1, n1, x2, n2) == pytest.approx(expected, rel=1e-9)


def test_two_proportion_p_edges():
    assert np.isnan(two_proportion_p(0, 0, 3, 10))
    assert two_proportion_p(10, 10, 20, 20) == 1.0  # no variance: no evidence of a difference


def test_spearman_interval_by_hand():
    # Bonett & Wright (2000): rho = 0.5, n = 28 -> SE = sqrt((1 + 0.125) / 25) = 0.212132,
    # arctanh(0.5) = 0.549306, z(0.975) = 1.959964 -> tanh(0.549306 -+ 0.415771)
    low, high = spearman_interval(0.5, 28)
    assert low == pytest.approx(math.tanh(0.549306 - 0.415771), abs=1e-5)
    assert high == pytest.approx(math.tanh(0.549306 + 0.415771), abs=1e-5)
    # at rho = 0 the standard error is Fisher's 1 / sqrt(n - 3)
    low, high = spearman_interval(0.0, 103, confidence=0.90)
    assert high == pytest.approx(math.tanh(1.644854 / 10), abs=1e-6) and low == pytest.approx(-high)


def test_spearman_interval_undefined():
    assert all(np.isnan(spearman_interval(0.3, 3)))
    assert all(np.isnan(spearman_interval(float("nan"), 50)))


def test_holm_by_hand():
    p = [0.01, 0.04, 0.03, np.nan, 0.005]
    # sorted: 0.005*4=0.02, 0.01*3=0.03, 0.03*2=0.06, 0.04*1=0.04 -> monotone 0.06
    expected = [0.03, 0.06, 0.06, np.nan, 0.02]
    np.testing.assert_allclose(holm(p), expected)


def test_holm_matches_statsmodels():
    multipletests = pytest.importorskip("statsmodels.stats.multitest").multipletests
    rng = np.random.default_rng(14)
    for size in (1, 2, 7, 40):
        p = rng.uniform(0, 0.2, size) ** 2
        p[rng.integers(0, size)] = 0.9  # one large value, so the cap at 1 is exercised
        expected = multipletests(p, method="holm")[1]
        np.testing.assert_allclose(holm(p), expected, rtol=1e-12)
        with_gaps = np.insert(p, [0, size], np.nan)  # NaN is left out of the family
        np.testing.assert_allclose(holm(with_gaps)[1:-1], expected, rtol=1e-12)
        assert np.isnan(holm(with_gaps)[[0, -1]]).all()
