"""Every chart of kommunanalys: functions that take frames and return Axes or Figures.

- :mod:`.charts`: answer distributions, the two roles side by side, benchmarks, role gaps,
  changes between rounds, respondents, the one colour per concept (``ROLE_COLOURS``,
  ``VERDICT_COLOURS``, ``level_colours``) and ``figure_png``.
- :mod:`.efficiency`: an index against the comparison group and the DEA frontier.

Charts import only the library (``kommunanalys.*`` outside ``pages`` and ``report``); the rule
is checked by ``tests/test_architecture.py``.
"""

from .charts import (
    BENCHMARK_LABELS,
    GROUP_LABELS,
    ROLE_COLOURS,
    VERDICT_COLOURS,
    benchmark_chart,
    change_chart,
    figure_png,
    gap_chart,
    level_colours,
    likert_bars,
    plot_respondents,
    role_chart,
    wrap,
)
from .efficiency import frontier_plot, index_plot

__all__ = [
    "GROUP_LABELS", "BENCHMARK_LABELS", "ROLE_COLOURS", "VERDICT_COLOURS", "level_colours",
    "likert_bars", "role_chart", "benchmark_chart", "gap_chart", "change_chart", "plot_respondents",
    "wrap", "figure_png", "index_plot", "frontier_plot",
]
