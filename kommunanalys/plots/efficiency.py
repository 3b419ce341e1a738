"""Plots for the efficiency analysis: an index against the comparison group, a DEA frontier.

Computing lives in :mod:`kommunanalys.efficiency` and :mod:`kommunanalys.dea`; these functions
only draw what they are given and return the Axes. Labels a reader sees are in Swedish.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd
from matplotlib.axes import Axes

from ..errors import InputError

__all__ = ["index_plot", "frontier_plot", "MUNICIPALITY_COLOUR"]

_HIGHLIGHT = "#c0392b"
#: The chosen municipality in an index chart (also the deck's result-chain chart).
MUNICIPALITY_COLOUR = _HIGHLIGHT
_OTHER = "#7f8c8d"


def index_plot(
    indexed: pd.Series,
    *,
    highlight: str | None = None,
    labels: dict[str, str] | None = None,
    title: str | None = None,
    ax: Axes | None = None,
) -> Axes:
    """Horizontal bars of an index (e.g. from :func:`~kommunanalys.efficiency.index_to_reference`).

    Parameters
    ----------
    indexed
        Index values by municipality code; ``attrs["unit"]`` (e.g. ``"index (median = 100)"``)
        becomes the axis label.
    highlight
        A municipality code drawn in colour.
    labels
        Code -> name for the tick labels (e.g. from ``kommunanalys.municipalities()``).
    title
        Axes title.
    ax
        Axes to draw on; default a new figure.

    Returns
    -------
    matplotlib.axes.Axes
    """
    if not isinstance(indexed, pd.Series):
        raise InputError("`indexed` must be a Series indexed by municipality code",
                         value=type(indexed).__name__)
    ax = ax if ax is not None else plt.subplots(figsize=(7, 0.3 * len(indexed) + 1.5))[1]
    data = indexed.dropna().sort_values()
    names = [labels.get(code, code) if labels else code for code in data.index]
    colours = [_HIGHLIGHT if code == highlight else _OTHER for code in data.index]
    ax.barh(names, data.to_numpy(), color=colours)
    reference = 100.0
    unit = indexed.attrs.get("unit") or "index"
    if "=" in unit:
        try:
            reference = float(unit.split("=")[-1].strip(" )"))
        except ValueError:
            reference = 100.0
    ax.axvline(reference, color="black", linewidth=1)
    ax.set_xlabel(unit)
    if title:
        ax.set_title(title)
    return ax


def frontier_plot(
    inputs: pd.Series,
    outputs: pd.Series,
    *,
    efficiency: pd.Series | None = None,
    returns: str = "crs",
    highlight: str | None = None,
    labels: dict[str, str] | None = None,
    xlabel: str = "Resurser",
    ylabel: str = "Prestationer",
    ax: Axes | None = None,
) -> Axes:
    """Scatter of one input against one output, with the DEA frontier of the chosen returns.

    Parameters
    ----------
    inputs, outputs
        One value per municipality (same labels).
    efficiency
        DEA scores by municipality (e.g. ``dea(...).set_index("unit")["efficiency"]``); units
        with score 1 are marked as the frontier.
    returns
        ``"crs"``: the constant-returns frontier, a ray from the origin through the best
        output/input ratio. ``"vrs"``: the variable-returns frontier of the input orientation,
        the concave hull from the unit with the least input up to the unit with the most output,
        then flat (pass the same value as to :func:`~kommunanalys.dea.dea`).
    highlight, labels, ax
        As in :func:`index_plot`.
    xlabel, ylabel
        Axis labels (Swedish: what a reader sees).

    Returns
    -------
    matplotlib.axes.Axes
    """
    if not inputs.index.sort_values().equals(outputs.index.sort_values()):
        raise InputError("`inputs` and `outputs` cover different municipalities",
                         hint="select the same municipalities in both")
    if returns not in ("crs", "vrs"):
        raise InputError("unknown `returns`", value=returns, hint="use 'crs' or 'vrs'")
    outputs = outputs.reindex(inputs.index)
    ax = ax if ax is not None else plt.subplots(figsize=(7, 5))[1]
    ax.scatter(inputs, outputs, color=_OTHER, zorder=2)
    if returns == "crs":
        best = (outputs / inputs).max()
        ax.plot([0, inputs.max() * 1.05], [0, best * inputs.max() * 1.05], color="black",
                linewidth=1, label="Effektivitetsfront (konstant skalavkastning)")
    else:
        fx, fy = _vrs_frontier(inputs, outputs)
        ax.plot(fx, fy, color="black", linewidth=1,
                label="Effektivitetsfront (variabel skalavkastning)")
    if efficiency is not None:
        front = efficiency.reindex(inputs.index) >= 1 - 1e-9
        ax.scatter(inputs[front], outputs[front], facecolor="none", edgecolor="black", s=120,
                   label="Effektiva enheter", zorder=3)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    _label_points(ax, [(inputs[c], outputs[c]) for c in inputs.index],
                  [labels.get(c, c) if labels else c for c in inputs.index],
                  colours=[_HIGHLIGHT if c == highlight else "black" for c in inputs.index])
    if highlight is not None and highlight in inputs.index:
        ax.scatter([inputs[highlight]], [outputs[highlight]], color=_HIGHLIGHT, zorder=4)
    ax.legend(loc="lower right", fontsize=8)
    return ax


def _label_points(ax: Axes, points, names, *, colours, fontsize: float = 8) -> None:
    """Name each point without two names overlapping: a name sits right of and above its point and
    moves up or down, a line's height at a time, until it clears the names already placed (then a
    thin line ties it to its point)."""
    ax.autoscale_view()
    scale = ax.figure.dpi / 72  # display pixels per point
    height = fontsize * 1.3  # points
    placed: list[tuple[float, float, float, float]] = []

    def clear(box) -> bool:
        x0, y0, x1, y1 = box
        return all(x1 <= a0 or x0 >= a1 or y1 <= b0 or y0 >= b1 for a0, b0, a1, b1 in placed)

    from matplotlib.font_manager import FontProperties

    renderer = ax.figure.canvas.get_renderer()
    font = FontProperties(size=fontsize)
    order = sorted(range(len(names)), key=lambda i: (points[i][1], points[i][0]))
    for i in order:
        px, py = ax.transData.transform(points[i]) / scale  # in points
        width = renderer.get_text_width_height_descent(str(names[i]), font, ismath=False)[0] / scale + 1
        for step in sorted(range(-20, 21), key=lambda k: (abs(k), -k)):  # nearest free line first
            dy = 2 + step * height
            box = (px + 3, py + dy, px + 3 + width, py + dy + height)
            if clear(box):
                break
        placed.append(box)
        ax.annotate(str(names[i]), points[i], fontsize=fontsize, xytext=(3, dy), textcoords="offset points",
                    va="bottom", color=colours[i],
                    arrowprops={"arrowstyle": "-", "color": "0.6", "lw": 0.5, "shrinkA": 0, "shrinkB": 2}
                    if step else None)


def _vrs_frontier(inputs: pd.Series, outputs: pd.Series) -> tuple[list[float], list[float]]:
    """Vertices of the input-oriented VRS frontier of one input and one output, for drawing.

    The units no other unit dominates (less or equal input, more or equal output) are joined
    by their upper concave hull; the line starts below the unit with the least input and ends
    flat to the right of the unit with the most output.
    """
    points = sorted(zip(inputs.astype(float), outputs.astype(float)), key=lambda p: (p[0], -p[1]))
    pareto: list[tuple[float, float]] = []
    for x, y in points:  # ascending input: keep a unit only when it adds output
        if not pareto or y > pareto[-1][1]:
            pareto.append((x, y))
    hull: list[tuple[float, float]] = []
    for point in pareto:
        while len(hull) >= 2:
            (ox, oy), (ax_, ay) = hull[-2], hull[-1]
            cross = (ax_ - ox) * (point[1] - oy) - (ay - oy) * (point[0] - ox)
            if cross >= 0:  # hull[-1] lies on or below the chord: not a vertex
                hull.pop()
            else:
                break
        hull.append(point)
    span = float(outputs.max() - outputs.min()) or 1.0
    xs = [hull[0][0]] + [x for x, _ in hull] + [float(inputs.max()) * 1.05]
    ys = [float(outputs.min()) - 0.05 * span] + [y for _, y in hull] + [hull[-1][1]]
    return xs, ys
