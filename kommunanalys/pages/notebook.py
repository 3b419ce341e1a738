"""What every notebook needs: loading the survey once per kernel, display defaults, outputs.

Notebooks stay thin: a ``parameters`` cell, then calls into the package. The batch runner
reuses warm kernels, so :func:`kommunanalys.loader.survey_for` (importable from here too)
caches the parsed survey per data file (keyed by path and modification time).
"""

from __future__ import annotations

from pathlib import Path
from typing import Iterable, Mapping

import pandas as pd

from ..anonymity import published_sizes
from ..loader import survey_for  # noqa: F401 (the notebooks' import; lives with the loader)
from ..textsafety import write_csv

__all__ = [
    "survey_for", "setup", "tables_dir", "write_table", "write_tables", "SYNTHETIC_NOTE",
    "in_kernel", "show", "show_markdown", "show_figure", "display_table",
]

SYNTHETIC_NOTE = "Syntetiska demodata – inga verkliga svar."


def setup() -> None:
    """Display defaults shared by every notebook: figure style, sizes and table formatting.

    Titles sit at the top of their axes (``axes.titley = 1.0``) instead of matplotlib's automatic
    placement, which measures every tick label at each draw to dodge ticks on top (none of the
    package's charts has them): about a tenth of a chart's drawing time.
    """
    import matplotlib
    import seaborn as sns

    sns.set_theme(style="whitegrid", context="notebook")
    matplotlib.rcParams.update({"figure.dpi": 96, "savefig.dpi": 96, "figure.figsize": (9, 4.5),
                                "svg.hashsalt": "kommunanalys", "axes.titley": 1.0})
    pd.set_option("display.max_columns", 30)
    pd.set_option("display.width", 160)
    pd.set_option("display.max_colwidth", None)  # no "tjänstep..." in a table


def tables_dir(output_dir: str | Path | None) -> Path | None:
    """The folder for CSV tables inside ``output_dir`` (created), or None when not writing."""
    if not output_dir:
        return None
    folder = Path(output_dir) / "tables"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def write_table(frame: pd.DataFrame, output_dir: str | Path | None, name: str) -> Path | None:
    """Write the data behind a chart or table as ``<output_dir>/tables/<name>.csv`` (UTF-8).

    Text cells that a spreadsheet would read as a formula are neutralised
    (:func:`kommunanalys.textsafety.spreadsheet_safe`); numbers stay numbers.
    """
    folder = tables_dir(output_dir)
    if folder is None:
        return None
    target = folder / f"{name}.csv"
    frame = published_sizes(frame)  # a hidden group's size is written as its note, never as a number
    write_csv(frame, target, index=False, encoding="utf-8")
    return target


def write_tables(frames: Mapping[str, pd.DataFrame], output_dir: str | Path | None,
                 names: Iterable[str] | None = None) -> list[Path]:
    """Write several tables (all, or those in ``names``) with :func:`write_table`."""
    written = []
    for name in (names if names is not None else frames):
        path = write_table(frames[name], output_dir, name)
        if path is not None:
            written.append(path)
    return written


# ---------------------------------------------------------------------------------------------
# Display: the same functions work in a kernel (rich output) and outside one (no output).
# ---------------------------------------------------------------------------------------------
def in_kernel() -> bool:
    """True when running inside a Jupyter kernel (interactive or papermill)."""
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover
        return False
    shell = get_ipython()
    return shell is not None and getattr(shell, "kernel", None) is not None


def display_table(frame: pd.DataFrame) -> str:
    """A display table as HTML with one header row: the index names head the index columns.

    pandas writes the names of the index levels ("Svar", "Rang", "Roll", "Grupp") in a second,
    otherwise empty header row, and cuts long labels at 50 characters ("tjänstep..."): here the
    names stand in the one header row above their column, nothing is cut, every cell is escaped
    and decimals have a decimal comma.
    """
    import html as _html

    names = list(frame.index.names)
    named = any(n is not None for n in names)
    shown = frame.rename_axis([None] * len(names)) if named else frame
    with pd.option_context("display.max_colwidth", None):
        text = shown.to_html(na_rep="", escape=True, border=0, decimal=",")
    if named:
        head, sep, rest = text.partition("</thead>")
        for name in names:  # the index columns' empty header cells come first
            head = head.replace("<th></th>", f"<th>{_html.escape(str(name or ''))}</th>", 1)
        text = head + sep + rest
    return text


def show(obj) -> None:
    """Display an object (a table, a widget) in the notebook; nothing outside a kernel.

    A DataFrame is shown through :func:`display_table` (one header row, nothing truncated).
    """
    if in_kernel():
        from IPython.display import HTML, display

        display(HTML(display_table(obj)) if isinstance(obj, pd.DataFrame) else obj)


def show_markdown(text: str) -> str:
    """Display Markdown in the notebook; return the text (for tests and reuse)."""
    if in_kernel():
        from IPython.display import Markdown, display

        display(Markdown(text))
    return text


def figure_alt(fig) -> str:
    """Alternative text for a figure: its titles (the reports' ``alt`` of the image)."""
    titles = [fig.get_suptitle()] + [ax.get_title(loc) for ax in fig.axes for loc in ("left", "center", "right")]
    text = " – ".join(" ".join(t.split()) for t in titles if t.strip())
    return f"Diagram: {text}" if text else "Diagram"


#: Pixels per displayed pixel of a figure: drawn at twice the display resolution, shown at its
#: size, so charts stay sharp on high-density screens, on a projector and in the printed PDF.
FIGURE_SCALE = 2


def show_figure() -> None:
    """Show the open matplotlib figures in the notebook as PNG and close them.

    The PNG is cropped to the drawn area like the inline backend's ``bbox_inches="tight"``, but
    drawn once (:func:`kommunanalys.plots.charts.figure_png`), and compressed at zlib level 1: for these
    charts about as small as the default level 6, in a third of the time. It is drawn at
    :data:`FIGURE_SCALE` times ``savefig.dpi`` and displayed at the size of one times (the image's
    ``width``), so a report's figures keep their size and have twice the resolution.
    """
    import matplotlib
    import matplotlib.pyplot as plt

    if in_kernel():
        from IPython.display import Image, display

        from ..plots.charts import figure_png

        dpi = matplotlib.rcParams["savefig.dpi"]
        for number in plt.get_fignums():
            fig = plt.figure(number)
            scale_dpi = (fig.dpi if dpi == "figure" else float(dpi)) * FIGURE_SCALE
            png = figure_png(fig, dpi=scale_dpi, compress_level=1)
            width = int.from_bytes(png[16:20], "big")  # the PNG header's IHDR width
            display(Image(data=png, width=max(1, round(width / FIGURE_SCALE)), metadata={"alt": figure_alt(fig)}))
    plt.close("all")
