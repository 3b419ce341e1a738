"""Tests of kommunanalys.efficiency: the result chain and the ratio functions.

Expected values are computed by hand in each test (or by the law a property test states).
"""

from __future__ import annotations

import math
import textwrap
import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from kommunanalys.efficiency import (
    LINKS,
    EfficiencyWarning,
    cost_per_output,
    effectiveness,
    index_to_reference,
    load_result_chain,
    place_on_chain,
    productivity,
)
from kommunanalys.errors import InputError
from kommunanalys.kolada import demo_key_figures

CODES = ["1715", "1761", "1780"]


# ----------------------------------------------------------------------------- result chain


def test_default_chain_is_the_seed_school_example():
    chain = load_result_chain()
    assert list(chain.links["link"]) == list(LINKS)
    assert chain.links.loc[chain.links["link"] == "behov", "context"].item()
    assert chain.on_link("resurser")[:2] == ["N15027", "N15034"]
    assert chain.on_link("prestationer") == ["LOKAL_ELEVER_AK9"]
    assert "N15428" in chain.on_link("resultat")
    kpis = chain.kpis.set_index("kpi")
    assert kpis.loc["N15027", "unit"] == "kr/elev"
    assert kpis.loc["N15428", "unit"] == "%"
    assert set(kpis.index[kpis["optional"]]) == {"U15401", "U15010", "U15900"}
    assert not kpis["verified"].any()  # offline: nothing checked against Kolada yet
    assert chain.kpi_ids(include_optional=False) == [
        "N15027", "N15034", "LOKAL_LEKTIONER", "LOKAL_ELEVER_AK9", "N15428",
    ]


def test_default_chain_file_tells_to_verify_ids():
    chain = load_result_chain()
    text = chain.source.read_text(encoding="utf-8")
    assert "VERIFY" in text and "/kpi/<id>" in text


def test_unknown_link_is_rejected():
    with pytest.raises(InputError, match="unknown link"):
        load_result_chain().on_link("kvalitet")


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("kpis: [{kpi: A, title: T, link: nowhere, unit: kr}]", "unknown link"),
        ("kpis: [{kpi: A, title: T, link: resurser}]", "lacks unit"),
        ("kpis: [{kpi: A, title: T, link: resurser, unit: kr}, "
         "{kpi: A, title: U, link: resultat, unit: '%'}]", "listed twice"),
        ("just text", "needs a mapping"),
        ("kpis: [unclosed", "not valid YAML"),
    ],
)
def test_malformed_chain_files(tmp_path, body, message):
    file = tmp_path / "chain.yaml"
    file.write_text(body, encoding="utf-8")
    with pytest.raises(InputError, match=message) as info:
        load_result_chain(file)
    assert "chain.yaml" in str(info.value)


def test_custom_chain_without_links_uses_the_standard_links(tmp_path):
    file = tmp_path / "aldreomsorg.yaml"
    file.write_text(textwrap.dedent("""\
        name: aldreomsorg
        kpis:
          - {kpi: N23002, title: "Kostnad per brukare i särskilt boende", link: resurser, unit: kr/brukare}
          - {kpi: U23471, title: "Brukarbedömning helhetssyn", link: resultat, unit: "%"}
        """), encoding="utf-8")
    chain = load_result_chain(file)
    assert chain.name == "aldreomsorg"
    assert list(chain.links["link"]) == list(LINKS)
    assert chain.on_link("resultat") == ["U23471"]


def test_place_on_chain_puts_figures_on_links_in_chain_order():
    figures = pd.DataFrame(
        {
            "kpi": ["N15428", "N15428", "N15027", "X999"],
            "municipality_code": ["1780", "1780", "1780", "1780"],
            "period": [2023, 2023, 2023, 2023],
            "gender": ["T", "K", "T", "T"],
            "value": [86.0, 88.0, 120000.0, 1.0],
        }
    )
    placed = place_on_chain(figures)
    assert list(placed.columns) == [
        "kpi", "title", "link", "unit", "municipality_code", "period", "value"]
    # resurser before resultat; K dropped; the unknown X999 dropped
    assert placed["kpi"].tolist() == ["N15027", "N15428"]
    assert placed["link"].tolist() == ["resurser", "resultat"]
    assert placed["unit"].tolist() == ["kr/elev", "%"]
    assert placed["value"].tolist() == [120000.0, 86.0]
    kept = place_on_chain(figures, keep_unknown=True)
    assert kept["kpi"].tolist()[-1] == "X999" and pd.isna(kept["link"].iloc[-1])


def test_demo_figures_fill_every_link_of_the_default_chain():
    placed = place_on_chain(demo_key_figures())
    assert set(placed["link"]) == {"resurser", "aktiviteter", "prestationer", "resultat"}
    assert placed["municipality_code"].nunique() == 16


def test_place_on_chain_needs_tidy_columns():
    with pytest.raises(InputError, match="lack the columns"):
        place_on_chain(pd.DataFrame({"kpi": ["N15027"]}))


# ----------------------------------------------------------------------------- ratios by hand


def test_scalars():
    assert productivity(120, 60) == 2.0
    assert effectiveness(85.0, 100_000.0) == pytest.approx(0.00085)
    assert cost_per_output(1_200_000, 100) == 12_000.0


def test_series_result_and_units():
    outputs = pd.Series([100.0, 150.0, 300.0], index=CODES)
    resources = pd.Series([10.0, 12.0, 30.0], index=CODES)
    result = productivity(outputs, resources, output_unit="elever", resource_unit="lärare")
    expected = pd.Series([10.0, 12.5, 10.0], index=CODES)
    pd.testing.assert_series_equal(result, expected, check_names=False)
    assert result.attrs["unit"] == "elever/lärare"


def test_units_come_from_attrs_when_not_given():
    quality = pd.Series([80.0, 90.0], index=CODES[:2])
    quality.attrs["unit"] = "%"
    cost = pd.Series([100_000.0, 120_000.0], index=CODES[:2])
    cost.attrs["unit"] = "kr/elev"
    result = effectiveness(quality, cost)
    assert result.attrs["unit"] == "%/(kr/elev)"
    assert result.tolist() == pytest.approx([80 / 100_000, 90 / 120_000])
    assert productivity(quality, cost, unit="poäng per kr").attrs["unit"] == "poäng per kr"
    assert productivity(quality.copy(), pd.Series([1.0, 2.0], index=CODES[:2])).attrs["unit"] is None


def test_cost_per_output_unit():
    cost = pd.Series([1_000_000.0, 3_000_000.0], index=CODES[:2])
    pupils = pd.Series([10.0, 20.0], index=CODES[:2])
    result = cost_per_output(cost, pupils, cost_unit="kr", output_unit="elev")
    assert result.tolist() == [100_000.0, 150_000.0]
    assert result.attrs["unit"] == "kr/elev"


def test_alignment_follows_labels_not_positions():
    outputs = pd.Series([100.0, 150.0], index=["1780", "1761"])
    resources = pd.Series([15.0, 10.0], index=["1761", "1780"])
    result = productivity(outputs, resources)
    assert result.index.tolist() == ["1780", "1761"]
    assert result.tolist() == [10.0, 10.0]


def test_misaligned_series_raise_with_labels():
    outputs = pd.Series([1.0, 2.0], index=["1780", "1761"])
    resources = pd.Series([1.0, 2.0], index=["1780", "1715"])
    with pytest.raises(InputError, match="same labels") as info:
        productivity(outputs, resources)
    assert "1761" in str(info.value) and "1715" in str(info.value)


def test_mixed_kinds_and_bad_types_raise():
    frame = pd.DataFrame({"2023": [1.0]}, index=["1780"])
    series = pd.Series([1.0], index=["1780"])
    with pytest.raises(InputError, match="DataFrame"):
        productivity(frame, series)
    with pytest.raises(InputError, match="must be a number"):
        productivity([1, 2], series)
    with pytest.raises(InputError, match="repeated"):
        productivity(pd.Series([1.0, 2.0], index=["1780", "1780"]),
                     pd.Series([1.0, 2.0], index=["1780", "1780"]))
    with pytest.raises(InputError, match="not numbers"):
        productivity(pd.Series(["a"], index=["1780"]), series)


def test_dataframes_align_on_index_and_columns():
    outputs = pd.DataFrame({"2022": [100.0, 200.0], "2023": [110.0, 210.0]}, index=["1780", "1761"])
    resources = pd.DataFrame({"2023": [11.0, 7.0], "2022": [10.0, 8.0]}, index=["1761", "1780"])
    result = productivity(outputs, resources)
    expected = pd.DataFrame({"2022": [100 / 8, 200 / 10], "2023": [110 / 7, 210 / 11]},
                            index=["1780", "1761"])
    pd.testing.assert_frame_equal(result, expected)
    with pytest.raises(InputError, match="same columns"):
        productivity(outputs, resources.rename(columns={"2022": "2021"}))


def test_scalar_broadcasts():
    outputs = pd.Series([100.0, 200.0], index=CODES[:2])
    assert productivity(outputs, 50.0).tolist() == [2.0, 4.0]


def test_zero_resources_give_nan_and_a_warning_naming_the_unit():
    outputs = pd.Series([100.0, 150.0, 0.0], index=CODES)
    resources = pd.Series([10.0, 0.0, 5.0], index=CODES)
    with pytest.warns(EfficiencyWarning, match="1761"):
        result = productivity(outputs, resources)
    assert result["1715"] == 10.0
    assert math.isnan(result["1761"])
    assert result["1780"] == 0.0  # zero output over positive resources is a valid zero
    with pytest.warns(EfficiencyWarning):
        assert math.isnan(productivity(1.0, 0))
    with pytest.warns(EfficiencyWarning, match="outputs"):
        cost_per_output(pd.Series([1.0], index=["1780"]), pd.Series([0.0], index=["1780"]))


def test_missing_values_propagate_silently():
    outputs = pd.Series([100.0, np.nan], index=CODES[:2])
    resources = pd.Series([np.nan, 10.0], index=CODES[:2])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        result = productivity(outputs, resources)
    assert result.isna().all()


def test_negative_values_raise_unless_allowed():
    outputs = pd.Series([100.0, -5.0], index=CODES[:2])
    resources = pd.Series([10.0, 10.0], index=CODES[:2])
    with pytest.raises(InputError, match="negative") as info:
        productivity(outputs, resources)
    assert "1761" in str(info.value)
    assert productivity(outputs, resources, allow_negative=True).tolist() == [10.0, -0.5]
    with pytest.raises(InputError, match="negative"):
        effectiveness(1.0, -1.0)


# ----------------------------------------------------------------------------- index


def test_index_to_median_by_hand():
    values = pd.Series([100.0, 120.0, 150.0, 200.0], index=["a", "b", "c", "d"])
    result = index_to_reference(values)
    # median = (120 + 150) / 2 = 135
    assert result.tolist() == pytest.approx([100 / 1.35, 120 / 1.35, 150 / 1.35, 200 / 1.35])
    assert result.attrs["unit"] == "index (median = 100)"


def test_index_to_mean_code_and_number():
    values = pd.Series([100.0, 200.0, 300.0], index=CODES)
    assert index_to_reference(values, reference="mean").tolist() == pytest.approx([50, 100, 150])
    by_code = index_to_reference(values, reference="1780")
    assert by_code.tolist() == pytest.approx([100 / 3, 200 / 3, 100])
    assert by_code.attrs["unit"] == "index (1780 = 100)"
    assert index_to_reference(values, reference=50, base=1).tolist() == [2.0, 4.0, 6.0]


def test_index_frame_column_by_column():
    frame = pd.DataFrame({"N15027": [100.0, 200.0, 300.0], "N15428": [80.0, 90.0, 100.0]},
                         index=CODES)
    result = index_to_reference(frame, reference="1715")
    assert result["N15027"].tolist() == [100.0, 200.0, 300.0]
    assert result["N15428"].tolist() == pytest.approx([100.0, 112.5, 125.0])
    median = index_to_reference(frame)
    assert median.loc["1761"].tolist() == [100.0, 100.0]


def test_index_errors():
    values = pd.Series([0.0, 1.0, 2.0], index=CODES)
    with pytest.raises(InputError, match="zero or missing"):
        index_to_reference(values, reference="1715")
    with pytest.raises(InputError, match="not among"):
        index_to_reference(values, reference="0180")
    with pytest.raises(InputError, match="Series or DataFrame"):
        index_to_reference([1.0, 2.0])
    with pytest.raises(InputError, match="negative"):
        index_to_reference(pd.Series([-1.0, 2.0], index=CODES[:2]))


# ----------------------------------------------------------------------------- properties

positive = st.floats(min_value=1e-3, max_value=1e7, allow_nan=False, allow_infinity=False)
factor = st.floats(min_value=1e-3, max_value=1e3, allow_nan=False, allow_infinity=False)


@st.composite
def paired_series(draw, min_size=1, max_size=12):
    size = draw(st.integers(min_size, max_size))
    index = [f"{1700 + i:04d}" for i in range(size)]
    first = draw(st.lists(positive, min_size=size, max_size=size))
    second = draw(st.lists(positive, min_size=size, max_size=size))
    return pd.Series(first, index=index), pd.Series(second, index=index)


@given(paired_series(), factor)
def test_property_scale_invariance(pair, k):
    outputs, resources = pair
    base = productivity(outputs, resources)
    scaled = productivity(outputs * k, resources * k)
    np.testing.assert_allclose(scaled.to_numpy(), base.to_numpy(), rtol=1e-9)


@given(paired_series(), factor)
def test_property_homogeneity(pair, k):
    # doubling outputs doubles productivity; doubling resources halves it
    outputs, resources = pair
    base = productivity(outputs, resources).to_numpy()
    np.testing.assert_allclose(productivity(outputs * k, resources).to_numpy(), base * k,
                               rtol=1e-9)
    np.testing.assert_allclose(effectiveness(outputs, resources * k).to_numpy(), base / k,
                               rtol=1e-9)


@given(positive, positive, positive)
def test_property_monotonicity(output, resource, extra):
    assert productivity(output + extra, resource) >= productivity(output, resource)
    assert productivity(output, resource + extra) <= productivity(output, resource)
    assert cost_per_output(resource, output + extra) <= cost_per_output(resource, output)


@given(paired_series())
def test_property_cost_per_output_is_inverse_of_productivity(pair):
    outputs, cost = pair
    product = productivity(outputs, cost) * cost_per_output(cost, outputs)
    np.testing.assert_allclose(product.to_numpy(), 1.0, rtol=1e-9)


@given(paired_series(min_size=1), st.data())
def test_property_index_of_reference_is_base(pair, data):
    values, _ = pair
    code = data.draw(st.sampled_from(list(values.index)))
    base = data.draw(st.sampled_from([1, 100, 1000]))
    result = index_to_reference(values, reference=code, base=base)
    assert result[code] == pytest.approx(base, rel=1e-12)


@settings(max_examples=50)
@given(paired_series(min_size=1, max_size=15))
def test_property_median_index_has_median_base(pair):
    values, _ = pair
    result = index_to_reference(values)
    assert result.median() == pytest.approx(100.0, rel=1e-9)


@given(paired_series(min_size=2), factor)
def test_property_index_is_scale_free(pair, k):
    values, _ = pair
    np.testing.assert_allclose(index_to_reference(values * k).to_numpy(),
                               index_to_reference(values).to_numpy(), rtol=1e-9)


@given(paired_series(min_size=2))
def test_property_index_preserves_order(pair):
    values, _ = pair
    assume(values.nunique() == len(values))
    result = index_to_reference(values)
    # in the values' order the index never falls (two values a rounding apart may index equal)
    assert (np.diff(result[values.sort_values().index].to_numpy()) >= 0).all()


# ----------------------------------------------------------------------------- plots (smoke)


def test_plots_draw_and_return_axes():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from kommunanalys.plots.efficiency import frontier_plot, index_plot

    values = pd.Series([100.0, 120.0, 150.0], index=CODES)
    ax = index_plot(index_to_reference(values), highlight="1761")
    assert ax.get_xlabel() == "index (median = 100)"
    assert len(ax.patches) == 3
    x = pd.Series([2.0, 4.0, 5.0], index=CODES)
    y = pd.Series([1.0, 4.0, 2.0], index=CODES)
    ax2 = frontier_plot(x, y, efficiency=pd.Series([0.5, 1.0, 0.4], index=CODES),
                        highlight="1780")
    assert ax2.get_xlabel() == "Resurser"
    plt.close("all")
