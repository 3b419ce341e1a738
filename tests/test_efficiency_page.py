"""The efficiency page (kommunanalys.pages.efficiency) and notebooks/04_efficiency.ipynb.

Expected ratios and DEA scores are recomputed here with plain pandas from the bundled CSV, not
with the package's ratio or DEA functions.
"""

from __future__ import annotations

import itertools

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

import kommunanalys.pages.efficiency as ep  # noqa: E402
from kommunanalys import paths  # noqa: E402
from kommunanalys.plots.efficiency import frontier_plot  # noqa: E402
from kommunanalys.errors import InputError  # noqa: E402
from kommunanalys.labels import GROUP_LABELS  # noqa: E402
from kommunanalys.kolada import DEMO_KEY_FIGURES_FILE, DEMO_MUNICIPALITIES, read_kolada  # noqa: E402
from kommunanalys.report.engine import IPCKernelManager  # noqa: E402


NOTEBOOK = paths.NOTEBOOKS_DIR / "04_efficiency.ipynb"
needs_demo = pytest.mark.skipif(not paths.DEMO_EXPORT.exists(), reason="the demo export is not built yet")

#: Table kind -> (columns, the columns that identify a row: long form, one observation a row).
EXPECTED = {
    "nyckeltal": (["municipality_code", "municipality_name", "period", "link", "link_title", "kpi", "title", "unit",
                   "optional", "value", "is_municipality", "illustrative"], ["municipality_code", "kpi"]),
    "kedja": (["municipality_code", "municipality_name", "period", "link", "link_title", "link_order", "context",
               "description", "kpi", "title", "unit", "optional", "value", "comparison_median", "comparison_size",
               "illustrative"], ["link", "kpi"]),
    "kvoter": (["ratio", "label", "measure", "formula", "unit", "higher_is_better", "municipality_code",
                "municipality_name", "period", "value", "reference_median", "index", "is_municipality",
                "illustrative"], ["ratio", "municipality_code"]),
    "dea": (["municipality_code", "municipality_name", "period", "efficiency", "rank", "returns", "orientation",
             "inputs", "outputs", "is_municipality", "is_peer", "illustrative"], ["municipality_code"]),
    "dea_forebilder": (["municipality_code", "municipality_name", "peer", "peer_name", "weight", "period",
                        "illustrative"], ["municipality_code", "peer"]),
    "enkat": (["municipality_code", "municipality_name", "question", "grouping", "group", "n", "n_respondents",
               "n_non_substantive", "n_skipped", "negative", "neutral", "positive", "positive_ci_low",
               "positive_ci_high", "mean", "sd", "suppressed", "note"], ["question", "group"]),
}
SHARES = ["negative", "neutral", "positive", "positive_ci_low", "positive_ci_high", "mean", "sd"]


@pytest.fixture(scope="module")
def raw_figures() -> pd.DataFrame:
    """The bundled key figures read with plain pandas, totals of the latest year, one column a KPI."""
    raw = pd.read_csv(DEMO_KEY_FIGURES_FILE, dtype={"municipality_code": str})
    raw = raw[(raw["gender"] == "T") & (raw["period"] == raw["period"].max())]
    return raw.pivot(index="municipality_code", columns="kpi", values="value")


@pytest.fixture(scope="module")
def pages(demo):
    return {code: ep.build_efficiency(demo, code) for code in DEMO_MUNICIPALITIES}


def _table(page: ep.EfficiencyPage, kind: str) -> pd.DataFrame:
    return page.tables()[f"effektivitet_{kind}_{page.municipality}"]


def _vrs_input_score(x: pd.Series, y: pd.Series, unit: str) -> float:
    """Input-oriented VRS score with one input and one output, by enumeration.

    The least input that reaches the unit's output is a single unit with at least that output or
    a mix of two units whose outputs bracket it (a basic solution has at most two λ > 0).
    """
    target = y[unit]
    best = x[y >= target].min()
    for i, j in itertools.permutations(x.index, 2):
        if y[i] < target < y[j]:
            share = (target - y[i]) / (y[j] - y[i])
            best = min(best, x[i] + share * (x[j] - x[i]))
    return best / x[unit]


# ---------------------------------------------------------------------------------------------
# Every demo municipality
# ---------------------------------------------------------------------------------------------
@needs_demo
@pytest.mark.parametrize("code", DEMO_MUNICIPALITIES)
def test_page_for_every_demo_municipality(pages, code):
    page = pages[code]
    assert page.has_key_figures and page.message is None
    assert page.illustrative and page.year == 2023 and len(page.comparison) == 16
    tables = page.tables()
    assert set(tables) == {f"effektivitet_{kind}_{code}" for kind in EXPECTED}
    for kind, (columns, key) in EXPECTED.items():
        frame = tables[f"effektivitet_{kind}_{code}"]
        assert list(frame.columns) == columns, kind
        assert not frame.duplicated(key).any(), kind
        assert len(frame), kind
    ratios = _table(page, "kvoter")
    assert len(ratios) == 3 * 16
    own = ratios[ratios["is_municipality"]]
    assert list(own["ratio"]) == ["produktivitet", "effektivitet", "kostnad_per_prestation"]
    assert own["index"].notna().all()
    frontier = _table(page, "dea")
    assert frontier["efficiency"].between(0, 1 + 1e-9).all()
    assert frontier["efficiency"].max() == pytest.approx(1.0)
    assert frontier["is_municipality"].sum() == 1
    assert (frontier[["returns", "orientation"]] == ["vrs", "input"]).all().all()
    chain = _table(page, "kedja")
    assert list(chain.drop_duplicates("link")["link"]) == list(page.result_chain.links["link"])
    assert (chain["municipality_code"] == code).all()
    survey = _table(page, "enkat")
    assert sorted(survey["question"].unique()) == ["Q10", "Q12"]
    assert set(survey["group"]) == {"förtroendevald", "tjänsteperson"}


@needs_demo
def test_page_resolves_code_or_name(demo):
    assert ep.build_efficiency(demo, 1761).municipality == "1761"
    assert ep.build_efficiency(demo, "Hammarö").municipality == "1761"
    with pytest.raises(InputError):
        ep.build_efficiency(demo, "Stockholm")
    with pytest.raises(InputError):
        ep.build_efficiency(demo, "1761", comparison=["Ingenstans"])


# ---------------------------------------------------------------------------------------------
# Values recomputed independently
# ---------------------------------------------------------------------------------------------
@needs_demo
def test_ratios_recomputed_with_pandas(pages, raw_figures):
    expected = pd.DataFrame({
        "produktivitet": raw_figures["N15034"],
        "effektivitet": raw_figures["N15428"] / (raw_figures["N15027"] / 100_000),
        "kostnad_per_prestation": raw_figures["N15027"],
    })
    expected_index = expected / expected.median() * 100
    ratios = pages["1761"].ratios.set_index(["ratio", "municipality_code"])
    for ratio in expected.columns:
        got = ratios.loc[ratio]
        assert np.allclose(got.loc[expected.index, "value"], expected[ratio])
        assert np.allclose(got.loc[expected.index, "index"], expected_index[ratio])
        assert got["reference_median"].iloc[0] == pytest.approx(expected[ratio].median())
    chain = pages["1761"].chain.dropna(subset=["kpi"]).set_index("kpi")
    for kpi in ("N15027", "N15034", "LOKAL_LEKTIONER", "LOKAL_ELEVER_AK9", "N15428"):
        assert chain.loc[kpi, "value"] == raw_figures.loc["1761", kpi]
        assert chain.loc[kpi, "comparison_median"] == pytest.approx(raw_figures[kpi].median())


@needs_demo
def test_comparison_group_sets_the_median(demo, raw_figures):
    page = ep.build_efficiency(demo, "1761", comparison=["1780", "Kil"])
    assert page.comparison == ["1715", "1761", "1780"]
    cost = raw_figures.loc[page.comparison, "N15027"]
    got = page.ratios[page.ratios["ratio"] == "kostnad_per_prestation"].set_index("municipality_code")["index"]
    assert np.allclose(got.loc[cost.index], cost / cost.median() * 100)
    assert set(page.frontier["municipality_code"]) == set(page.comparison)
    assert any("bara 3 kommuner" in note for note in page.notes)


@needs_demo
@pytest.mark.parametrize("code", ["1761", "1762", "1780"])
def test_frontier_recomputed_by_enumeration(pages, raw_figures, code):
    x, y = raw_figures["N15027"], raw_figures["N15428"]
    got = pages[code].frontier.set_index("municipality_code")["efficiency"]
    for unit in x.index:
        assert got[unit] == pytest.approx(_vrs_input_score(x, y, unit), abs=1e-7), unit
    peers = pages[code].peers
    own = peers[peers["municipality_code"] == code]
    assert own["weight"].sum() == pytest.approx(1.0)  # VRS: the λ of a unit sum to one


# ---------------------------------------------------------------------------------------------
# Anonymity of the survey part
# ---------------------------------------------------------------------------------------------
def _assert_no_small_share(page: ep.EfficiencyPage) -> None:
    results = page.survey_results
    small = results["n"] < page.threshold
    assert results.loc[small, "suppressed"].all()
    hidden = results[results["suppressed"]]
    assert hidden[SHARES].isna().all().all()
    shown = ep.survey_table(page)
    for r in hidden.itertuples(index=False):
        q = page.survey.instrument[r.question]
        row = shown.loc[(f"{q.number}. {q.short}", GROUP_LABELS[r.group])]
        assert row["Andel som instämmer (95 % KI)"] == r.note
        assert "%" not in "".join(row.astype(str)) and row["Antal svar (n)"] == ""
    fig = ep.survey_figure(results, page.ratios, instrument=page.survey.instrument,
                           municipality_name=page.municipality_name)
    assert len(fig.axes[0].patches) == int((~results["suppressed"]).sum())  # a bar only for shown groups
    plt.close(fig)


@needs_demo
@pytest.mark.parametrize("code,threshold", [("1760", 10), ("1762", 10), ("1761", 5), ("1780", 15),
                                            ("1730", 5)])  # Eda: 0 % positive on Q12 (an interval edge)
def test_survey_never_shows_a_small_group_demo(demo, code, threshold):
    page = ep.build_efficiency(demo, code, threshold=threshold)
    if code == "1760":
        assert page.survey_results["suppressed"].all()  # Storfors: 6 förtroendevalda < 10
    _assert_no_small_share(page)


def test_survey_never_shows_a_small_group_fixture(fixture_survey):
    page = ep.build_efficiency(fixture_survey, "1715")  # Kil: 3 förtroendevalda
    assert page.survey_results["suppressed"].all()
    _assert_no_small_share(page)


# ---------------------------------------------------------------------------------------------
# No key figures, other key figures
# ---------------------------------------------------------------------------------------------
@needs_demo
def test_municipality_without_key_figures_gets_a_message(demo, tmp_path):
    figures = read_kolada(DEMO_KEY_FIGURES_FILE)
    page = ep.build_efficiency(demo, "1761", key_figures=figures[figures["municipality_code"] != "1761"])
    assert not page.has_key_figures
    assert "Inga nyckeltal för Hammarö (1761)" in page.message
    tables = page.tables()
    assert all(tables[f"effektivitet_{kind}_1761"].empty for kind in ("nyckeltal", "kedja", "kvoter", "dea"))
    assert len(tables["effektivitet_enkat_1761"]) == 4
    assert ep.show_chain(page, output_dir=tmp_path) is None
    assert ep.show_ratios(page, output_dir=tmp_path) == []
    assert ep.show_frontier(page, output_dir=tmp_path) is None
    ep.show_survey_beside_figures(page, output_dir=tmp_path)
    plt.close("all")
    written = {p.stem for p in (tmp_path / "tables").glob("*.csv")}
    assert written == set(tables)

    old = ep.build_efficiency(demo, "1761", year=2019)
    assert not old.has_key_figures and "för år 2019" in old.message


@needs_demo
def test_key_figures_from_a_file_are_not_labelled_illustrative(demo, tmp_path):
    raw = pd.read_csv(DEMO_KEY_FIGURES_FILE, dtype={"municipality_code": str})
    raw = raw[raw["municipality_code"].isin(["1761", "1780", "1715", "1784"])].drop(columns="source")
    path = tmp_path / "kolada.csv"
    raw.to_csv(path, index=False)
    page = ep.build_efficiency(demo, "1761", key_figures=path, year=2022)
    assert not page.illustrative and page.year == 2022
    assert page.comparison == ["1715", "1761", "1780", "1784"]
    assert not page.ratios["illustrative"].any()
    assert ep.build_efficiency(demo, "1761").illustrative
    labelled = tmp_path / "copy_of_demo.csv"
    pd.read_csv(DEMO_KEY_FIGURES_FILE, dtype=str).to_csv(labelled, index=False)
    assert ep.build_efficiency(demo, "1761", key_figures=labelled).illustrative  # the label travels


@needs_demo
def test_show_functions_write_every_table(pages, tmp_path):
    page = pages["1762"]
    ep.show_chain(page, output_dir=tmp_path)
    ep.show_ratios(page, output_dir=tmp_path)
    ep.show_frontier(page, output_dir=tmp_path)
    ep.show_survey_beside_figures(page, output_dir=tmp_path)
    plt.close("all")
    written = {p.stem: p for p in (tmp_path / "tables").glob("*.csv")}
    assert set(written) == set(page.tables())
    back = pd.read_csv(written["effektivitet_kvoter_1762"], dtype={"municipality_code": str})
    assert np.allclose(back["index"], page.ratios["index"])


def test_frontier_plot_draws_the_vrs_hull():
    x = pd.Series([2.0, 3.0, 4.0, 5.0, 6.0], index=list("ABCDE"))
    y = pd.Series([1.0, 1.5, 4.0, 2.0, 4.5], index=list("ABCDE"))
    ax = frontier_plot(x, y, returns="vrs")
    line = ax.get_lines()[0]
    # B lies under the chord A–C and E adds output: the frontier is A, C, E, then flat.
    assert list(line.get_xdata()[1:-1]) == [2.0, 4.0, 6.0]
    assert list(line.get_ydata()[1:]) == [1.0, 4.0, 4.5, 4.5]
    with pytest.raises(InputError):
        frontier_plot(x, y, returns="drs")
    plt.close("all")


# ---------------------------------------------------------------------------------------------
# The notebook
# ---------------------------------------------------------------------------------------------
@needs_demo
@pytest.mark.slow
def test_notebook_runs_for_a_demo_municipality(tmp_path):
    papermill = pytest.importorskip("papermill")
    out_dir, out_nb = tmp_path / "out", tmp_path / "executed.ipynb"
    papermill.execute_notebook(str(NOTEBOOK), str(out_nb),
                               parameters={"municipality": "1762", "interactive": False, "output_dir": str(out_dir)},
                               cwd=str(paths.PROJECT_ROOT), progress_bar=False, kernel_name="python3",
                               kernel_manager_class=IPCKernelManager)
    written = {p.stem for p in (out_dir / "tables").glob("*.csv")}
    assert written == {f"effektivitet_{kind}_1762" for kind in EXPECTED}
    text = out_nb.read_text(encoding="utf-8")
    assert "Traceback" not in text and "papermill-error-cell-tag" not in text
    assert ep.ILLUSTRATIVE_NOTE in text and "image/png" in text
