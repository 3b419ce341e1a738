"""Tests of kommunanalys.dea against a published example and hand computations.

Published reference
-------------------
Cooper, W. W., Seiford, L. M. & Tone, K. (2007). *Data Envelopment Analysis: A Comprehensive
Text with Models, Applications, References and DEA-Solver Software*, 2nd ed., Springer.
Table 1.5: twelve hospitals A–L, inputs doctors and nurses, outputs outpatients and inpatients
(the same data ship as ``CST22`` in the R package qDEA, whose documentation lists the table).
The input-oriented CCR (constant returns) scores of this example, to three decimals: A 1, B 1,
C 0.883, D 1, E 0.763, F 0.835, G 0.902, H 0.796, I 0.960, J 0.871, K 0.955, L 0.958.

Honest note on provenance: the data table is confirmed against qDEA's documentation; the scores
were written down from the book from memory, not copied from a printed page at hand. They are
therefore also checked against an independent implementation: the PyPI package ``pyfrontier``
(``Pyfrontier.frontier_model.EnvelopDEA``, which solves the envelopment problem with PuLP/CBC),
for CRS and VRS, input and output orientation (test ``test_agrees_with_pyfrontier``).
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kommunanalys.dea import dea, dea_peers
from kommunanalys.efficiency import EfficiencyWarning
from kommunanalys.errors import InputError

HOSPITALS = pd.DataFrame(
    {
        "doctors": [20, 19, 25, 27, 22, 55, 33, 31, 30, 50, 53, 38],
        "nurses": [151, 131, 160, 168, 158, 255, 235, 206, 244, 268, 306, 284],
        "outpatients": [100, 150, 160, 180, 94, 230, 220, 152, 190, 250, 260, 250],
        "inpatients": [90, 50, 55, 72, 66, 90, 88, 80, 100, 100, 147, 120],
    },
    index=list("ABCDEFGHIJKL"),
)
CST_CCR_SCORES = {
    "A": 1.0, "B": 1.0, "C": 0.883, "D": 1.0, "E": 0.763, "F": 0.835,
    "G": 0.902, "H": 0.796, "I": 0.960, "J": 0.871, "K": 0.955, "L": 0.958,
}


def _hospitals():
    return HOSPITALS[["doctors", "nurses"]], HOSPITALS[["outpatients", "inpatients"]]


def test_published_ccr_scores_cooper_seiford_tone_hospitals():
    inputs, outputs = _hospitals()
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # 12 units = 3 × (2 + 2): just enough, no warning
        result = dea(inputs, outputs, returns="crs", orientation="input")
    assert result["unit"].tolist() == list("ABCDEFGHIJKL")
    scores = dict(zip(result["unit"], result["efficiency"].round(3)))
    assert scores == pytest.approx(CST_CCR_SCORES, abs=5e-4)


def test_ccr_output_orientation_gives_the_same_scores():
    inputs, outputs = _hospitals()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", EfficiencyWarning)
        result = dea(inputs, outputs, orientation="output")
    assert result["efficiency"].round(3).tolist() == pytest.approx(
        list(CST_CCR_SCORES.values()), abs=5e-4)


def test_peers_span_a_feasible_target():
    # Independent of the solver's own objective: the λ-combination of the peers must use at
    # most θ times the unit's inputs and produce at least its outputs.
    inputs, outputs = _hospitals()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", EfficiencyWarning)
        result = dea(inputs, outputs)
    for unit, theta, peers in result.itertuples(index=False):
        weights = pd.Series(peers)
        target_x = inputs.loc[weights.index].mul(weights, axis=0).sum()
        target_y = outputs.loc[weights.index].mul(weights, axis=0).sum()
        assert (target_x <= theta * inputs.loc[unit] + 1e-6).all()
        assert (target_y >= outputs.loc[unit] - 1e-6).all()
        # peers of an inefficient unit are efficient units
        if theta < 1 - 1e-6:
            assert unit not in peers
            assert set(peers) <= {"A", "B", "D"}
    long = dea_peers(result)
    assert list(long.columns) == ["unit", "peer", "weight"]
    assert (long["weight"] > 0).all()


def test_one_input_one_output_crs_equals_ratio_to_best():
    x = pd.DataFrame({"kostnad": [2.0, 4.0, 5.0, 8.0, 3.0, 6.0]}, index=list("abcdef"))
    y = pd.DataFrame({"elever": [1.0, 4.0, 2.0, 6.0, 1.5, 3.0]}, index=list("abcdef"))
    ratio = y["elever"] / x["kostnad"]
    expected = (ratio / ratio.max()).tolist()
    result = dea(x, y)
    assert result["efficiency"].tolist() == pytest.approx(expected, abs=1e-9)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.floats(0.5, 1000), st.floats(0.5, 1000)), min_size=6, max_size=20))
def test_property_one_input_one_output_crs(pairs):
    index = [f"{1700 + i}" for i in range(len(pairs))]
    x = pd.DataFrame({"x": [p[0] for p in pairs]}, index=index)
    y = pd.DataFrame({"y": [p[1] for p in pairs]}, index=index)
    ratio = y["y"] / x["x"]
    result = dea(x, y)
    np.testing.assert_allclose(result["efficiency"], ratio / ratio.max(), rtol=1e-6, atol=1e-8)
    # scaling every input (a change of currency) leaves the scores unchanged
    np.testing.assert_allclose(dea(x * 7.5, y)["efficiency"], result["efficiency"], rtol=1e-6)


def test_vrs_by_hand():
    # A(1,1), B(2,3), C(4,4), D(3,2): VRS frontier A–B–C.
    # D input-oriented: the frontier reaches y = 2 at x = 1.5 on A–B, θ = 1.5 / 3 = 0.5.
    # D output-oriented: at x = 3 the frontier B–C gives y = 3.5, φ = 1.75, score 1/1.75.
    # CRS: best y/x is B's 1.5; D has 2/3, so 0.444…; C has 1, so 0.666….
    x = pd.DataFrame({"x": [1.0, 2.0, 4.0, 3.0]}, index=list("ABCD"))
    y = pd.DataFrame({"y": [1.0, 3.0, 4.0, 2.0]}, index=list("ABCD"))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", EfficiencyWarning)
        vrs_in = dea(x, y, returns="vrs").set_index("unit")["efficiency"]
        vrs_out = dea(x, y, returns="vrs", orientation="output").set_index("unit")["efficiency"]
        crs = dea(x, y).set_index("unit")["efficiency"]
    assert vrs_in.tolist() == pytest.approx([1.0, 1.0, 1.0, 0.5])
    assert vrs_out["D"] == pytest.approx(1 / 1.75)
    assert vrs_out[["A", "B", "C"]].tolist() == pytest.approx([1.0, 1.0, 1.0])
    assert crs.tolist() == pytest.approx([2 / 3, 1.0, 2 / 3, 4 / 9])


def test_vrs_peers_by_hand():
    x = pd.DataFrame({"x": [1.0, 2.0, 4.0, 3.0]}, index=list("ABCD"))
    y = pd.DataFrame({"y": [1.0, 3.0, 4.0, 2.0]}, index=list("ABCD"))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", EfficiencyWarning)
        result = dea(x, y, returns="vrs").set_index("unit")
    # D's target (1.5, 2) is halfway between A(1,1) and B(2,3)
    assert result.loc["D", "peers"] == pytest.approx({"A": 0.5, "B": 0.5})


def test_non_discretionary_input_by_hand():
    # One output (1 for all). x1 discretionary, x2 fixed: A(2,1), B(1,2), C(4,2).
    # Radial CRS for C: λ_A = a, λ_B = 1 - a needs θ ≥ (1 + a)/4 and θ ≥ (2 - a)/2 → a = 1,
    # θ = 0.5. Banker–Morey with x2 fixed (Σλx2 ≤ 2): B alone (x1 = 1) → θ = 1/4.
    x = pd.DataFrame({"x1": [2.0, 1.0, 4.0], "x2": [1.0, 2.0, 2.0]}, index=list("ABC"))
    y = pd.DataFrame({"y": [1.0, 1.0, 1.0]}, index=list("ABC"))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", EfficiencyWarning)
        radial = dea(x, y).set_index("unit")["efficiency"]
        fixed = dea(x, y, non_discretionary=["x2"]).set_index("unit")
    assert radial["C"] == pytest.approx(0.5)
    assert fixed.loc["C", "efficiency"] == pytest.approx(0.25)
    assert fixed.loc["C", "peers"] == pytest.approx({"B": 1.0})


def test_order_of_outputs_does_not_matter():
    inputs, outputs = _hospitals()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", EfficiencyWarning)
        a = dea(inputs, outputs)
        b = dea(inputs, outputs.iloc[::-1])
    pd.testing.assert_series_equal(a["efficiency"], b["efficiency"])


def test_attrs_record_the_model():
    inputs, outputs = _hospitals()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", EfficiencyWarning)
        result = dea(inputs, outputs, returns="vrs", orientation="output")
    assert result.attrs["returns"] == "vrs" and result.attrs["orientation"] == "output"


def test_vrs_scores_are_at_least_crs():
    inputs, outputs = _hospitals()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", EfficiencyWarning)
        crs = dea(inputs, outputs)["efficiency"]
        vrs = dea(inputs, outputs, returns="vrs")["efficiency"]
    assert (vrs >= crs - 1e-9).all()


def test_warning_with_too_few_units():
    inputs, outputs = _hospitals()
    with pytest.warns(EfficiencyWarning, match="rule of thumb"):  # 11 < 3 × (2 + 2)
        dea(inputs.iloc[:11], outputs.iloc[:11])


def test_no_warning_with_enough_units():
    x = pd.DataFrame({"x": np.arange(1.0, 7.0)}, index=list("abcdef"))
    y = pd.DataFrame({"y": np.arange(6.0, 0.0, -1)}, index=list("abcdef"))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        dea(x, y)


# ----------------------------------------------------------------------------- validation


@pytest.mark.parametrize(
    ("inputs", "outputs", "kwargs", "message"),
    [
        ({"x": [1.0, 0.0]}, {"y": [1.0, 1.0]}, {}, "strictly positive"),
        ({"x": [1.0, 2.0]}, {"y": [1.0, -1.0]}, {}, "non-negative"),
        ({"x": [1.0, 2.0]}, {"y": [0.0, 1.0]}, {}, "no positive output"),
        ({"x": [1.0, np.nan]}, {"y": [1.0, 1.0]}, {}, "missing values"),
        ({"x": [1.0, 2.0]}, {"y": [1.0, 1.0]}, {"returns": "irs"}, "unknown `returns`"),
        ({"x": [1.0, 2.0]}, {"y": [1.0, 1.0]}, {"orientation": "both"}, "unknown `orientation`"),
        ({"x": [1.0, 2.0]}, {"y": [1.0, 1.0]}, {"non_discretionary": ["z"]}, "not inputs"),
        ({"x": [1.0, 2.0]}, {"y": [1.0, 1.0]}, {"non_discretionary": ["x"]}, "every input"),
        ({"x": [1.0, 2.0]}, {"x": [1.0, 1.0]}, {}, "both an input and an output"),
    ],
)
def test_validation(inputs, outputs, kwargs, message):
    x = pd.DataFrame(inputs, index=["1780", "1761"])
    y = pd.DataFrame(outputs, index=["1780", "1761"])
    with pytest.raises(InputError, match=message):
        dea(x, y, **kwargs)


def test_misaligned_units_are_named():
    x = pd.DataFrame({"x": [1.0, 2.0]}, index=["1780", "1761"])
    y = pd.DataFrame({"y": [1.0, 2.0]}, index=["1780", "1715"])
    with pytest.raises(InputError, match="different units") as info:
        dea(x, y)
    assert "1761" in str(info.value) and "1715" in str(info.value)


def test_series_instead_of_frame_is_rejected():
    x = pd.Series([1.0, 2.0], index=["a", "b"])
    with pytest.raises(InputError, match="to_frame"):
        dea(x, x.to_frame("y"))


@pytest.mark.parametrize("returns", ["crs", "vrs"])
@pytest.mark.parametrize("orientation", ["input", "output"])
@pytest.mark.parametrize("dataset", ["hospitals", "random"])
def test_agrees_with_pyfrontier(returns, orientation, dataset):
    """An independent implementation (pyfrontier, PuLP/CBC) gives the same scores."""
    frontier = pytest.importorskip("Pyfrontier.frontier_model")
    if dataset == "hospitals":
        inputs, outputs = _hospitals()
    else:
        rng = np.random.default_rng(11)
        inputs = pd.DataFrame(rng.uniform(1, 10, size=(25, 2)), columns=["x1", "x2"])
        outputs = pd.DataFrame(rng.uniform(1, 10, size=(25, 2)), columns=["y1", "y2"])
    model = frontier.EnvelopDEA(returns.upper(), "in" if orientation == "input" else "out")
    model.fit(inputs.to_numpy(float), outputs.to_numpy(float))
    reference = np.array([r.score for r in model.result])
    if orientation == "output":  # pyfrontier reports phi >= 1; kommunanalys reports 1/phi
        reference = 1 / reference
    ours = dea(inputs, outputs, returns=returns, orientation=orientation)["efficiency"].to_numpy()
    np.testing.assert_allclose(ours, reference, atol=1e-6)
