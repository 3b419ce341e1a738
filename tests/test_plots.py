"""kommunanalys.plots.charts: what is drawn (segments, labels, suppressed bars), not the pixels."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from matplotlib.patches import Rectangle  # noqa: E402

from kommunanalys import plots  # noqa: E402
from kommunanalys.errors import InputError  # noqa: E402
from kommunanalys.loader import load_survey  # noqa: E402
from kommunanalys.questions import benchmark_distribution, distribution, rank_gaps, role_gap  # noqa: E402

from ._question_fixture import FIXTURE  # noqa: E402


@pytest.fixture(scope="module")
def survey():
    return load_survey(FIXTURE)


@pytest.fixture(autouse=True)
def _close():
    yield
    plt.close("all")


def _bars(ax):
    return [p for p in ax.patches if isinstance(p, Rectangle) and p.get_fill()]


def test_role_chart_segments_are_the_percentages(survey):
    dist = distribution(survey.subset(municipalities="1780"), "Q6")
    ax = plots.role_chart(dist, question=survey.instrument["Q6"])
    assert ax.get_title(loc="left").startswith("6. Anser du")
    labels = [t.get_text() for t in ax.get_yticklabels()]
    n = dist.groupby("group")["n"].first()
    assert labels == [f"Förtroendevalda (n = {n['förtroendevald']})", f"Tjänstepersoner (n = {n['tjänsteperson']})"]
    widths = [p.get_width() for p in _bars(ax)]
    expected = dist[dist["answer_type"] == "substantive"]["percent"].to_numpy()
    np.testing.assert_allclose(widths, expected)
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend == survey.instrument["Q6"].scale.labels
    # readable without colour: every level has its own hatch except the neutral one
    hatches = [p.get_hatch() for p in ax.get_legend().get_patches()]
    assert len(set(hatches)) == 5


def test_neutral_is_centred(survey):
    dist = distribution(survey.subset(municipalities="1780"), "Q6")
    ax = plots.role_chart(dist)
    first = _bars(ax)[:5]
    pct = dist[(dist["group"] == "förtroendevald") & (dist["answer_type"] == "substantive")]["percent"].to_numpy()
    assert first[0].get_x() == pytest.approx(-(pct[0] + pct[1] + pct[2] / 2))
    assert first[2].get_x() + first[2].get_width() / 2 == pytest.approx(0)


def test_suppressed_group_is_an_empty_bar(survey):
    dist = distribution(survey.subset(municipalities="1715"), "Q6")
    ax = plots.role_chart(dist)
    assert _bars(ax) == []
    texts = [t.get_text() for t in ax.texts]
    assert "färre än 5 svar" in texts
    assert all("n =" not in t.get_text() for t in ax.get_yticklabels())


def test_benchmark_chart(survey):
    data = benchmark_distribution(survey, "1761", "Q6")
    ax = plots.benchmark_chart(data, municipality_name="Hammarö", question=survey.instrument["Q6"])
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels[0].startswith("Förtroendevalda – Hammarö (n = ")
    assert any(lab.startswith("Tjänstepersoner – Övriga kommuner") for lab in labels)
    assert "Hammarö jämfört med andra kommuner" in ax.get_title(loc="left")


def test_gap_chart(survey):
    gaps = rank_gaps(role_gap(survey, municipalities="1780"))
    ax = plots.gap_chart(gaps, instrument=survey.instrument, highlight="Q6")
    labels = [t.get_text() for t in ax.get_yticklabels()]
    q = survey.instrument[gaps["question"].iloc[0]]
    assert labels[0] == f"{q.number}. {q.short}" and len(labels) == 7
    kil = rank_gaps(role_gap(survey, municipalities="1715"))
    ax = plots.gap_chart(kil)
    assert any("färre än 5 svar" in t.get_text() for t in ax.texts)
    with pytest.raises(InputError, match="one municipality"):
        plots.gap_chart(role_gap(survey, municipalities=["1715", "1780"]))


def test_wrong_input_is_explained(survey):
    with pytest.raises(InputError, match="lacks the column"):
        plots.likert_bars(role_gap(survey, municipalities="1780"))
    with pytest.raises(InputError, match="one question"):
        plots.role_chart(distribution(survey, ["Q6", "Q7"]))


# ---------------------------------------------------------------------------------------------
# figure_png: drawn once, cropped like matplotlib's own bbox_inches="tight"
# ---------------------------------------------------------------------------------------------
def _pixels(png: bytes) -> np.ndarray:
    import io

    from PIL import Image

    return np.asarray(Image.open(io.BytesIO(png)).convert("RGB")).astype(int)


def _matplotlib_tight(fig) -> np.ndarray:
    import io

    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=96, bbox_inches="tight", pad_inches=0.1)
    return _pixels(buffer.getvalue())


def _chart_figures(survey):
    kil = distribution(survey.subset(municipalities="1780"), "Q6")
    yield lambda: plots.role_chart(kil, question=survey.instrument["Q6"]).figure
    bench = benchmark_distribution(survey, "1761", "Q6")
    yield lambda: plots.benchmark_chart(bench, municipality_name="Hammarö", question=survey.instrument["Q6"]).figure

    def with_suptitle():
        fig, (a, b) = plt.subplots(1, 2, figsize=(8, 3))
        a.plot([0, 1], [0, 1])
        b.barh(["en mycket lång etikett till vänster", "kort"], [3, 4])
        fig.suptitle("Överrubrik på figuren")
        fig.text(0.01, 0.01, "Not längst ned", fontsize=8)
        return fig
    yield with_suptitle


@pytest.mark.parametrize("index", range(3))
def test_figure_png_matches_matplotlib_tight_crop(survey, index):
    """The same picture as savefig(bbox_inches="tight"), the reference: the same size within a
    pixel or two (rounding), and, as the drawing sits at another sub-pixel offset, aligned at the
    best offset nearly every pixel has its like within one pixel in the reference."""
    make = list(_chart_figures(survey))[index]
    reference = _matplotlib_tight(make())
    ours = _pixels(plots.figure_png(make(), dpi=96, pad_inches=0.1))
    assert np.abs(np.subtract(reference.shape, ours.shape)).max() <= 2
    padded = np.pad(reference, ((1, 14), (1, 14), (0, 0)), constant_values=255)
    h, w = ours.shape[:2]

    def unmatched(dy: int, dx: int) -> float:
        matched = np.zeros((h, w), dtype=bool)
        for ny in range(3):
            for nx in range(3):
                part = padded[dy + ny:dy + ny + h, dx + nx:dx + nx + w]
                matched |= np.abs(ours - part).max(axis=2) <= 48
        return 1 - matched.mean()
    assert min(unmatched(dy, dx) for dy in range(7) for dx in range(7)) < 0.02

    def ink_size(image: np.ndarray) -> tuple[int, int]:
        ink = (image != 255).any(axis=2)
        rows, cols = np.flatnonzero(ink.any(axis=1)), np.flatnonzero(ink.any(axis=0))
        return rows[-1] - rows[0], cols[-1] - cols[0]
    # everything drawn is there: the drawn area has the reference's size (nothing cut or missing)
    assert np.abs(np.subtract(ink_size(ours), ink_size(reference))).max() <= 2


def test_figure_png_falls_back_when_content_reaches_the_edge():
    """A label far outside the figure (beyond the blank room) is not cut off."""
    fig, ax = plt.subplots(figsize=(4, 3))
    ax.plot([0, 1], [0, 1])
    ax.text(-4.0, 0.5, "långt till vänster", transform=ax.transAxes)  # 4 axes widths to the left
    ours = _pixels(plots.figure_png(fig, dpi=96, pad_inches=0.1))
    fig2, ax2 = plt.subplots(figsize=(4, 3))
    ax2.plot([0, 1], [0, 1])
    ax2.text(-4.0, 0.5, "långt till vänster", transform=ax2.transAxes)
    reference = _matplotlib_tight(fig2)
    assert ours.shape == reference.shape
    assert (ours == reference).all()


def test_figure_png_with_a_layout_engine_is_matplotlibs_tight_crop():
    def make():
        fig, ax = plt.subplots(figsize=(5, 3), layout="constrained")
        ax.barh(["a", "b"], [1, 2])
        ax.legend(["x"], loc="upper left", bbox_to_anchor=(1.02, 1))
        return fig
    assert (_pixels(plots.figure_png(make(), dpi=96, pad_inches=0.1)) == _matplotlib_tight(make())).all()


def test_figure_alt_text_names_the_titles():
    from kommunanalys.pages.notebook import figure_alt

    fig, (a, b) = plt.subplots(1, 2)
    fig.suptitle("Uppföljning")
    a.set_title("Upplevd\nuppföljning", loc="left")
    b.set_title("Uppmätt")
    assert figure_alt(fig) == "Diagram: Uppföljning – Upplevd uppföljning – Uppmätt"
    assert figure_alt(plt.figure()) == "Diagram"


# one colour per concept; names on a DEA frontier do not collide
def test_roles_and_verdicts_never_share_a_colour():
    assert not set(plots.ROLE_COLOURS.values()) & set(plots.VERDICT_COLOURS.values())
    assert len(set(plots.VERDICT_COLOURS.values())) == 3


def test_likert_levels_have_the_same_colours_in_the_charts_and_the_deck():
    import matplotlib.colors as mcolors
    import seaborn as sns

    expected = [mcolors.to_hex(c)[1:].upper() for c in sns.color_palette("BrBG", 5)]  # ColorBrewer BrBG
    assert plots.level_colours(5) == expected


def test_frontier_labels_do_not_overlap():
    from kommunanalys.plots.efficiency import frontier_plot

    rng = np.random.default_rng(7)
    codes = [f"{1700 + i}" for i in range(14)]
    inputs = pd.Series(50 + rng.normal(0, 1.5, len(codes)), index=codes)  # a tight cluster
    outputs = pd.Series(40 + rng.normal(0, 1.5, len(codes)), index=codes)
    names = {c: f"Kommun {c}" for c in codes}
    ax = frontier_plot(inputs, outputs, labels=names, highlight=codes[0])
    ax.figure.canvas.draw()
    renderer = ax.figure.canvas.get_renderer()
    from matplotlib.text import Text

    boxes = [Text.get_window_extent(t, renderer) for t in ax.texts if t.get_text() in names.values()]
    assert len(boxes) == len(codes)
    for i, a in enumerate(boxes):
        for b in boxes[i + 1:]:
            assert not a.overlaps(b), "two names overlap"
    plt.close(ax.figure)


def test_respondent_bars_are_drawn_in_the_roles_colours(survey):
    """Every role's bar has its ROLE_COLOURS colour (as in every other chart), everyone the total's;
    a hidden group has no bar height."""
    import matplotlib.colors as mcolors

    from kommunanalys.anonymity import TOTAL_GROUP
    from kommunanalys.plots.charts import ROLE_COLOURS, plot_respondents
    from kommunanalys.respondents import respondent_counts

    for code in ("1715", "1780"):
        table = respondent_counts(survey, code, threshold=5)
        ax = plot_respondents(table)
        bars = [p for p in ax.patches if isinstance(p, Rectangle)]
        assert len(bars) == len(table)
        by_label = {t.get_text(): bar for t, bar in zip(ax.get_yticklabels(), bars)}
        for r in table.itertuples():
            colour = mcolors.to_hex(by_label[r.label].get_facecolor()).upper()
            if r.level == "role":
                assert colour == ROLE_COLOURS[r.group].upper()
            elif r.level == "all":
                assert colour == ROLE_COLOURS[TOTAL_GROUP].upper()
            else:  # a part of the tjänstepersoner: a tint, neither role's nor the total's colour
                assert colour not in {c.upper() for c in ROLE_COLOURS.values()}
            if r.suppressed:
                assert by_label[r.label].get_width() == 0
        plt.close("all")
