"""Charts of per-question results (matplotlib/seaborn), Swedish labels throughout.

Every function takes a tidy frame from :mod:`kommunanalys.questions` first, everything else
keyword-only, draws on ``ax`` (a new figure when None) and returns the Axes. The charts are
legible in black and white and for colour-blind readers: a ColorBrewer diverging palette (BrBG,
colour-blind safe), a hatch per answer level and the percentage written in each segment.
A suppressed group is drawn as an empty, dashed bar labelled "färre än 5 svar".
"""

from __future__ import annotations

import io
import textwrap
from typing import Callable, Mapping, Sequence

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from ..anonymity import DEFAULT_THRESHOLD, TOTAL_GROUP
from ..errors import InputError
from ..labels import GROUP_LABELS, ROLE_LABELS, format_pp, role_names

__all__ = [
    "GROUP_LABELS",
    "BENCHMARK_LABELS",
    "likert_bars",
    "role_chart",
    "benchmark_chart",
    "gap_chart",
    "change_chart",
    "wrap",
    "figure_png",
    "ROLE_COLOURS",
    "VERDICT_COLOURS",
    "level_colours",
    "plot_respondents",
    "respondent_colours",
]

BENCHMARK_LABELS = {"kommun": None, "övriga kommuner": "Övriga kommuner", "jämförelsegrupp": "Jämförelsegrupp"}
#: One colour per concept, the same in every chart, the deck included (Okabe–Ito, colour-blind
#: safe). The roles keep theirs everywhere; everyone together is grey.
ROLE_COLOURS: dict[str, str] = {"förtroendevald": "#0072B2", "tjänsteperson": "#E69F00", TOTAL_GROUP: "#7F7F7F"}
#: Better / worse than the comparison group's median / as the median: never a role's colour.
VERDICT_COLOURS: dict[bool | None, str] = {True: "#009E73", False: "#CC79A7", None: "#999999"}


def level_colours(k: int) -> list[str]:
    """Colours of a Likert scale's ``k`` substantive levels, lowest first: ColorBrewer BrBG (brown
    for disagreement, teal for agreement), as hex ``"RRGGBB"``; the HTML charts and the deck's
    native charts use the same."""
    return [matplotlib.colors.to_hex(c)[1:].upper() for c in sns.color_palette("BrBG", k)]


_HATCHES = {2: ["///", "\\\\\\"], 3: ["///", "", "\\\\\\"], 4: ["xxx", "///", "\\\\\\", "..."],
            5: ["xxx", "///", "", "\\\\\\", "..."]}


#: Blank room (inches: left, bottom, right, top) added around a figure before :func:`figure_png`
#: draws it, for labels and legends that stand outside the figure's own edges.
_ROOM = (4.0, 1.5, 1.0, 1.0)


def figure_png(fig: Figure, *, dpi: float | None = None, pad_inches: float | None = None,
               compress_level: int = 6) -> bytes:
    """The figure as PNG, cropped to what is drawn plus ``pad_inches`` (``bbox_inches="tight"``).

    Matplotlib's ``savefig(bbox_inches="tight")`` lays the figure out twice: once to measure the
    drawn area, once more to draw into a canvas of that size. Here the figure is drawn once, on a
    canvas with blank room around it (the axes keep their size in inches), the drawn area is
    measured with the same renderer (``Figure.get_tightbbox``) and the pixels are cropped to it.
    When the drawn area does not fit in the room, when the figure has a layout engine or a figure
    legend (whose placement depends on the figure size), the figure is saved with
    ``bbox_inches="tight"`` as it was. The figure is changed: close it afterwards.

    Parameters
    ----------
    fig
        The figure.
    dpi, pad_inches
        Default ``rcParams["savefig.dpi"]`` (the figure's dpi for "figure") and
        ``rcParams["savefig.pad_inches"]``.
    compress_level
        zlib level of the PNG (1 is faster and larger; the pixels are the same).
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from PIL import Image

    if dpi is None:
        dpi = matplotlib.rcParams["savefig.dpi"]
        dpi = fig.dpi if dpi == "figure" else float(dpi)
    if pad_inches is None:
        pad_inches = float(matplotlib.rcParams["savefig.pad_inches"])
    buffer = io.BytesIO()
    if fig.get_layout_engine() is None and not fig.legends:
        width, height = fig.get_size_inches()
        left, bottom, right, top = _ROOM
        big_w, big_h = width + left + right, height + bottom + top

        def moved(x: float, y: float) -> tuple[float, float]:
            return (x * width + left) / big_w, (y * height + bottom) / big_h

        axes = {ax: ax.get_position(original=True).bounds for ax in fig.axes}
        texts = {text: text.get_position() for text in fig.texts}  # suptitle, fig.text
        for ax, (x0, y0, w, h) in axes.items():
            ax.set_position([*moved(x0, y0), w * width / big_w, h * height / big_h])
        for text, xy in texts.items():
            text.set_position(moved(*xy))
        fig.set_size_inches(big_w, big_h)
        original_dpi = fig.dpi
        fig.set_dpi(dpi)
        canvas = FigureCanvasAgg(fig)
        canvas.draw()
        renderer = canvas.get_renderer()
        # the drawn area as matplotlib's tight crop measures it; cheap now that the text is laid out
        box = fig.get_tightbbox(renderer).padded(pad_inches)
        if box.x0 >= 0 and box.y0 >= 0 and box.x1 <= big_w and box.y1 <= big_h:  # nothing is cut off
            rows = slice(int(round((big_h - box.y1) * dpi)), int(round((big_h - box.y0) * dpi)))
            cols = slice(int(round(box.x0 * dpi)), int(round(box.x1 * dpi)))
            pixels = np.asarray(renderer.buffer_rgba())[rows, cols]
            if (pixels[..., 3] == 255).all():  # opaque: RGB, a quarter smaller, and no alpha mask in a PDF
                pixels = pixels[..., :3]
            Image.fromarray(pixels).save(buffer, format="png", compress_level=compress_level)
            return buffer.getvalue()
        for ax, bounds in axes.items():  # back as it was, for matplotlib's own tight crop
            ax.set_position(bounds)
        for text, xy in texts.items():
            text.set_position(xy)
        fig.set_size_inches(width, height)
        fig.set_dpi(original_dpi)
    fig.savefig(buffer, format="png", dpi=dpi, bbox_inches="tight", pad_inches=pad_inches,
                pil_kwargs={"compress_level": compress_level})
    return buffer.getvalue()


def wrap(text: str, width: int = 70) -> str:
    """Wrap a question text for a chart title."""
    return "\n".join(line for part in text.splitlines() for line in (textwrap.wrap(part, width) or [""]))


def _require(data: pd.DataFrame, columns: Sequence[str], arg: str = "data") -> None:
    if not isinstance(data, pd.DataFrame):
        raise InputError(f"`{arg}` must be a DataFrame, got {type(data).__name__}",
                         hint="pass the output of kommunanalys.questions.distribution()")
    missing = [c for c in columns if c not in data.columns]
    if missing:
        raise InputError(f"`{arg}` lacks the column(s) {', '.join(missing)}", value=list(data.columns),
                         hint="pass the long-form output of kommunanalys.questions (distribution, role_gap, ...)")


def _new_ax(ax: Axes | None, height: float) -> Axes:
    if ax is None:
        _, ax = plt.subplots(figsize=(9.5, height))
    return ax


def likert_bars(data: pd.DataFrame, *, group: str | Sequence[str] = "group", ax: Axes | None = None,
                labels: Callable[[tuple], str] | Mapping | None = None, title: str | None = None,
                threshold: int = DEFAULT_THRESHOLD, min_label: float = 4.0, legend: bool = True) -> Axes:
    """Diverging stacked bars: one bar per group, negative levels left of 0, positive right.

    The centre level (odd scales) is split evenly around 0, as in R's ``likert`` plots.

    Parameters
    ----------
    data
        Long form for one question: ``answer``, ``answer_type``, ``level``, ``percent``, ``n``,
        ``suppressed``, ``note`` and the ``group`` column(s). Only substantive answers are drawn.
    group
        Column(s) identifying a bar; bars are drawn top to bottom in order of appearance.
    labels
        Bar label: a mapping from the group value (tuple for several columns) or a function;
        default :data:`GROUP_LABELS`. " (n = …)" is appended for shown groups.
    title
        Chart title (wrapped).
    threshold
        Only for the label of a suppressed bar without ``note``.
    min_label
        Smallest percentage written inside a segment.
    """
    cols = [group] if isinstance(group, str) else list(group)
    _require(data, [*cols, "answer", "answer_type", "level", "percent", "n"])
    subst = data[data["answer_type"] == "substantive"].sort_values("level", kind="stable")
    levels = list(dict.fromkeys(subst["answer"]))
    k = len(levels)
    if k == 0:
        raise InputError("no substantive answer levels to draw", hint="pass a distribution() table")
    bars = _bar_table(subst, cols, levels)
    keys = list(bars.index)
    ax = _new_ax(ax, 1.3 + 0.55 * len(keys))
    palette = [f"#{c}" for c in level_colours(k)]
    hatches = _HATCHES.get(k, [""] * k)
    centre = (k + 1) / 2
    pct = bars[levels].to_numpy(dtype=float)
    hidden = bars["_hidden"].to_numpy(dtype=bool)
    rows = np.flatnonzero(~hidden)
    for y in np.flatnonzero(hidden):
        note = bars["_note"].iloc[y] or f"färre än {threshold} svar"
        ax.text(0, y, note, ha="center", va="center", fontsize=9, style="italic", color="0.2")
    if hidden.any():
        ax.barh(np.flatnonzero(hidden), 100, left=-50, height=0.6, fill=False, edgecolor="0.5", linestyle="--",
                linewidth=1)
    if rows.size:
        # All segments in one call, bar by bar (row-major), each level with its colour and hatch.
        widths = np.nan_to_num(pct[rows], nan=0.0)
        codes = np.arange(1, k + 1)
        start = -(widths[:, codes < centre].sum(axis=1) + widths[:, codes == centre].sum(axis=1) / 2)
        lefts = start[:, None] + np.cumsum(widths, axis=1) - widths
        ys = np.repeat(rows, k)
        ax.barh(ys, widths.ravel(), left=lefts.ravel(), height=0.6, color=list(palette) * rows.size,
                hatch=list(hatches) * rows.size, edgecolor="0.25", linewidth=0.6)
        box = dict(boxstyle="round,pad=0.15", fc="white", ec="none", alpha=0.85)
        for y, w, left in zip(ys, widths.ravel(), lefts.ravel()):
            if w >= min_label:
                ax.text(left + w / 2, y, f"{w:.0f}", ha="center", va="center", fontsize=8.5, bbox=box)
    ax.axvline(0, color="0.2", linewidth=0.8)
    ax.set_xlim(-100, 100)
    ticks = np.arange(-100, 101, 25)
    ax.set_xticks(ticks, [f"{abs(t)} %" for t in ticks])
    ax.set_yticks(range(len(keys)), [_bar_label(key, bars.iloc[i], labels) for i, key in enumerate(keys)])
    ax.set_ylim(len(keys) - 0.4, -0.6)
    left_out = [*dict.fromkeys(data.loc[data["answer_type"] == "non_substantive", "answer"].astype(str)),
                "ej besvarad"]  # the scale's own "Vet ej"/"Ingen uppfattning"
    ax.set_xlabel(f"Andel av svaren ({' och '.join(left_out)} ingår inte)")
    ax.grid(axis="y", visible=False)
    if title:
        ax.set_title(wrap(title), loc="left", fontsize=11)
    if legend:
        handles = [Patch(facecolor=palette[i], hatch=hatches[i], edgecolor="0.25", label=levels[i]) for i in range(k)]
        ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, -0.18 if len(keys) > 2 else -0.3),
                  ncol=min(k, 5), frameon=False, fontsize=8.5, handlelength=2.2, handleheight=1.4)
    return ax


def _bar_table(subst: pd.DataFrame, cols: list[str], levels: list) -> pd.DataFrame:
    """One row per bar, indexed by its ``cols`` values (tuples, in order of appearance): the
    percentage of every level, ``_hidden`` (suppressed, or no percentage at all), ``_note`` (the
    first note given), ``_suppressed`` and ``_n`` (of the bar's first row)."""
    keys = list(subst[cols].itertuples(index=False, name=None))
    order = list(dict.fromkeys(keys))
    row_of = {key: i for i, key in enumerate(order)}
    rows = np.array([row_of[key] for key in keys], dtype=int)
    level_of = {level: i for i, level in enumerate(levels)}
    pct = np.full((len(order), len(levels)), np.nan)
    pct[rows, [level_of[a] for a in subst["answer"]]] = subst["percent"].to_numpy(dtype=float, na_value=np.nan)
    suppressed = np.zeros(len(order), dtype=bool)
    if "suppressed" in subst:
        np.logical_or.at(suppressed, rows, subst["suppressed"].fillna(False).to_numpy(dtype=bool))
    notes = [""] * len(order)
    if "note" in subst:
        given = [None] * len(order)
        for row, note in zip(rows, subst["note"]):
            if given[row] is None and not pd.isna(note):
                given[row] = note
        truthy = np.zeros(len(order), dtype=bool)
        for row, note in zip(rows, subst["note"]):
            truthy[row] |= bool(note) and not pd.isna(note)
        notes = [given[i] if truthy[i] else "" for i in range(len(order))]
    first = np.unique(rows, return_index=True)[1]
    out = pd.DataFrame(pct, columns=pd.Index(levels, dtype=object), index=pd.Index(order, tupleize_cols=False))
    out["_hidden"] = suppressed | np.isnan(pct).all(axis=1)
    out["_note"] = notes
    out["_suppressed"] = suppressed
    out["_n"] = subst["n"].to_numpy()[first]
    return out


def _bar_label(key: tuple, bar: pd.Series, labels) -> str:
    value = key[0] if len(key) == 1 else key
    if callable(labels):
        text = labels(value)
    elif labels is not None and value in labels:
        text = labels[value]
    else:
        text = " – ".join(GROUP_LABELS.get(str(v), str(v)) for v in key)
    if bar["_suppressed"]:
        return text
    return f"{text} (n = {int(bar['_n'])})"


def role_chart(data: pd.DataFrame, *, question=None, ax: Axes | None = None,
               threshold: int = DEFAULT_THRESHOLD, labels: Mapping[str, str] | None = None) -> Axes:
    """The question for the roles (or another grouping) side by side, as in the seed's slides.

    ``data`` is :func:`kommunanalys.questions.distribution` for one question; ``question`` a
    :class:`~kommunanalys.instrument.Question` whose label becomes the title; ``labels`` the
    groups' names (the survey's ``role_names(instrument).group_labels``; default :data:`GROUP_LABELS`).
    """
    _require(data, ["question", "group"])
    if data["question"].nunique() != 1:
        raise InputError("role_chart draws one question; the table holds several",
                         value=sorted(data["question"].unique()), hint="filter the table to one question first")
    return likert_bars(data, group="group", ax=ax, title=getattr(question, "label", None), threshold=threshold,
                       labels=labels)


def benchmark_chart(data: pd.DataFrame, *, municipality_name: str, question=None, ax: Axes | None = None,
                    roles: Sequence[str] = ("förtroendevald", "tjänsteperson"),
                    threshold: int = DEFAULT_THRESHOLD, labels: Mapping[str, str] | None = None) -> Axes:
    """The municipality against the other municipalities (and the comparison group), per role.

    ``data`` is :func:`kommunanalys.questions.benchmark_distribution` for one question; ``labels``
    the roles' names (default :data:`GROUP_LABELS`). A bar's label names its role and its group,
    the municipality by name; the municipality's own bars have bold labels.
    """
    groups = GROUP_LABELS if labels is None else labels
    _require(data, ["question", "role", "group"])
    part = data[data["role"].isin(list(roles))].copy()
    part["_role_order"] = part["role"].map({r: i for i, r in enumerate(roles)})
    part = part.sort_values(["_role_order"], kind="stable")
    names = {**BENCHMARK_LABELS, "kommun": municipality_name}

    def label(key: tuple) -> str:
        role, grp = key
        return f"{groups.get(role, role)} – {names.get(grp, grp)}"

    title = f"{municipality_name} jämfört med andra kommuner"
    if question is not None:
        title = f"{question.label}\n{title}"
    ax = likert_bars(part, group=["role", "group"], ax=ax, labels=label, title=title, threshold=threshold)
    own = tuple(label((role, "kommun")) for role in roles)
    for tick in ax.get_yticklabels():  # the municipality's own bars stand out from those compared with
        if tick.get_text().startswith(own):
            tick.set_fontweight("bold")
    return ax


def gap_chart(data: pd.DataFrame, *, instrument=None, ax: Axes | None = None,
              highlight: str | None = None, threshold: int = DEFAULT_THRESHOLD) -> Axes:
    """The role gap (förtroendevalda − tjänstepersoner, share positive) over all questions.

    ``data`` is :func:`kommunanalys.questions.rank_gaps` (or ``role_gap``) for one municipality;
    questions are drawn in the order given (largest gap on top), each as a point with its
    interval. ``instrument`` turns ids into "6. Bra modell för målstyrning"; ``highlight`` marks
    one question (filled black square).
    """
    _require(data, ["question", "gap", "gap_ci_low", "gap_ci_high"])
    if "municipality_code" in data and data["municipality_code"].nunique() > 1:
        raise InputError("gap_chart draws one municipality; the table holds several",
                         value=sorted(data["municipality_code"].unique()),
                         hint="filter the table to one municipality_code first")
    ax = _new_ax(ax, 1.2 + 0.45 * len(data))
    names = []
    for y, row in enumerate(data.itertuples(index=False)):
        q = instrument[row.question] if instrument is not None else None
        names.append(f"{q.number}. {q.short}" if q is not None else row.question)
        if getattr(row, "suppressed", False) or pd.isna(row.gap):
            note = getattr(row, "note", "") or f"färre än {threshold} svar"
            ax.text(0, y, note, ha="center", va="center", fontsize=8.5, style="italic", color="0.2",
                    bbox=dict(boxstyle="round,pad=0.2", fc="white", ec="0.6", ls="--"))
            continue
        marked = highlight == row.question
        ax.errorbar(row.gap, y, xerr=[[row.gap - row.gap_ci_low], [row.gap_ci_high - row.gap]], fmt="s" if marked else "o",
                    color="black", mfc="black" if marked else "white", ms=7, capsize=3, lw=1.2)
        ax.text(row.gap_ci_high + 2, y, format_pp(row.gap), va="center", fontsize=8.5)
    ax.axvline(0, color="0.3", lw=0.8, ls="--")
    ax.set_yticks(range(len(data)), names)
    ax.set_ylim(len(data) - 0.5, -0.5)
    ax.set_xlim(-100, 100)
    names_of = role_names(instrument)
    fv, tp = names_of.lower("förtroendevald"), names_of.lower("tjänsteperson")
    ax.set_xlabel(f"Skillnad i andel positiva svar (procentenheter), {fv} − {tp}\n"
                  f"← {tp} mer positiva    {fv} mer positiva →\n"
                  "(linje: 95 % konfidensintervall, Newcombe)", fontsize=9)
    ax.set_title("Skav: där rollerna ser olika på kommunen", loc="left", fontsize=11)
    ax.grid(axis="y", visible=False)
    return ax


def change_chart(data: pd.DataFrame, *, instrument=None, ax: Axes | None = None, previous_label: str = "förra omgången",
                 current_label: str = "nu", threshold: int = DEFAULT_THRESHOLD) -> Axes:
    """The change in share positive since an earlier round, per question and role, with intervals.

    ``data`` is :func:`kommunanalys.rounds.change` for one municipality and one earlier round;
    the two roles are drawn per question (förtroendevalda: circle, tjänstepersoner: square),
    each as a point with its 95 % interval. A hidden or missing group is its note, no point.
    """
    _require(data, ["question", "group", "change", "change_ci_low", "change_ci_high", "status", "note"])
    if "municipality_code" in data and data["municipality_code"].nunique() > 1:
        raise InputError("change_chart draws one municipality; the table holds several",
                         value=sorted(data["municipality_code"].unique()),
                         hint="filter the table to one municipality_code first")
    part = data[data["group"].isin(list(ROLE_LABELS))]
    roles = role_names(instrument)
    qids = list(dict.fromkeys(part["question"]))
    ax = _new_ax(ax, 1.4 + 0.75 * len(qids))
    offsets = {"förtroendevald": -0.18, "tjänsteperson": 0.18}
    markers = {"förtroendevald": ("o", "black"), "tjänsteperson": ("s", "white")}
    names = []
    for y, qid in enumerate(qids):
        q = instrument[qid] if instrument is not None else None
        names.append(f"{q.number}. {q.short}" if q is not None else qid)
        for row in part[part["question"] == qid].itertuples(index=False):
            yy = y + offsets.get(row.group, 0.0)
            if row.status != "visas" or pd.isna(row.change):
                text = f"{roles.group_labels.get(row.group, row.group)}: {row.note or f'färre än {threshold} svar'}"
                ax.text(0, yy, text, ha="center", va="center", fontsize=8, style="italic", color="0.2",
                        bbox=dict(boxstyle="round,pad=0.15", fc="white", ec="0.6", ls="--"))
                continue
            marker, face = markers.get(row.group, ("o", "black"))
            ax.errorbar(row.change, yy, xerr=[[row.change - row.change_ci_low], [row.change_ci_high - row.change]],
                        fmt=marker, color="black", mfc=face, ms=6, capsize=3, lw=1.1)
            ax.text(row.change_ci_high + 2, yy, format_pp(row.change), va="center", fontsize=8)
    ax.axvline(0, color="0.3", lw=0.8, ls="--")
    ax.set_yticks(range(len(qids)), names)
    ax.set_ylim(len(qids) - 0.5, -0.5)
    ax.set_xlim(-100, 100)
    ax.set_xlabel(f"Förändring i andel positiva svar (procentenheter), {current_label} − {previous_label}\n"
                  "← mindre positiva än förra gången    mer positiva än förra gången →\n"
                  "(linje: 95 % konfidensintervall, Newcombe)", fontsize=9)
    ax.legend(handles=[plt.Line2D([], [], marker="o", color="black", mfc="black", ls="", label=roles.label("förtroendevald")),
                       plt.Line2D([], [], marker="s", color="black", mfc="white", ls="", label=roles.label("tjänsteperson"))],
              loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False, fontsize=9)
    ax.set_title(f"Förändring sedan {previous_label}", loc="left", fontsize=11)
    ax.grid(axis="y", visible=False)
    return ax


def respondent_colours(table: pd.DataFrame) -> list[str]:
    """The colour of each row of :func:`kommunanalys.respondents.respondent_counts`, as in every other
    chart: a role its :data:`ROLE_COLOURS` colour, everyone the total's, a subgroup (a part of the
    tjänstepersoner) a lighter tint of the tjänstepersoner's colour.

    Returns
    -------
    list of str
        ``"#RRGGBB"`` per row, in the table's order.
    """
    def tint(colour: str) -> str:  # halfway to white
        rgb = [int(colour[i:i + 2], 16) for i in (1, 3, 5)]
        return "#" + "".join(f"{(c + 255) // 2:02X}" for c in rgb)

    colours = []
    for level, group in zip(table["level"], table["group"]):
        if level == "subgroup":
            colours.append(tint(ROLE_COLOURS["tjänsteperson"]))
        else:
            colours.append(ROLE_COLOURS.get(group, ROLE_COLOURS[TOTAL_GROUP]))
    return colours


def plot_respondents(table: pd.DataFrame, *, ax=None):
    """Horizontal bars of the shown groups of :func:`kommunanalys.respondents.respondent_counts`; hidden groups are written out.

    Returns the matplotlib Axes.
    """
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=(8, 0.5 + 0.45 * len(table)))
    labels = table["label"].tolist()[::-1]
    values = table["n"].fillna(0).astype(float).tolist()[::-1]
    shown = table["shown"].tolist()[::-1]
    suppressed = table["suppressed"].tolist()[::-1]
    bars = ax.barh(labels, values, color=respondent_colours(table)[::-1])  # the roles' colours
    top = max(values) if values and max(values) > 0 else 1
    for bar, text, hidden in zip(bars, shown, suppressed):
        ax.text(bar.get_width() + top * 0.01, bar.get_y() + bar.get_height() / 2, text,
                va="center", ha="left", fontsize=9, style="italic" if hidden else "normal")
    ax.set_xlim(0, top * 1.25)
    ax.set_xlabel("Antal svar")
    ax.set_ylabel("")
    ax.grid(axis="y", visible=False)
    return ax
