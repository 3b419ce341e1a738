"""Plots for the efficiency analysis: an index against the comparison group, a DEA frontier.

Computing lives in :mod:`kommunanalys.efficiency` and :mod:`kommunanalys.dea`; these functions
only draw what they are given and return the Axes. Labels a reader sees are in Swedish.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd
from matplotlib.axes import Axes

from .errors import InputError

__all__ = ["index_plot", "frontier_plot"]

_HIGHLIGHT = "#c0392b"
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
    for code in inputs.index:
        name = labels.get(code, code) if labels else code
        ax.annotate(name, (inputs[code], outputs[code]), fontsize=8, xytext=(3, 3),
                    textcoords="offset points",
                    color=_HIGHLIGHT if code == highlight else "black")
    if highlight is not None and highlight in inputs.index:
        ax.scatter([inputs[highlight]], [outputs[highlight]], color=_HIGHLIGHT, zorder=4)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.legend(loc="lower right", fontsize=8)
    return ax


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
