"""kommunanalys.plots: what is drawn (segments, labels, suppressed bars), not the pixels."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
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
