"""kommunanalys: analysis of Swedish municipal governance surveys.

Förtroendevalda (elected officials) and tjänstepersoner (civil servants) answer questions about
how their municipality is steered; kommunanalys loads the survey export, computes the
statistics question by question with the two roles side by side, screens the free-text quotes,
follows up root causes and efficiency, and builds one report per municipality.
"""

from .errors import (
    AnonymityError,
    DataFormatError,
    InputError,
    InstrumentError,
    KommunanalysError,
    ReportError,
)
from .instrument import Instrument, Question, Scale, load_instrument
from .loader import load_demo, load_survey
from .municipalities import lookup_municipality, municipalities
from .survey import LoadReport, Survey
from .stats import likert, mann_whitney, newcombe_interval, wilson_interval
from .efficiency import cost_per_output, effectiveness, index_to_reference, load_result_chain, productivity
from .kolada import fetch_kolada, read_kolada
from .dea import dea
from .screening import screen_frame, screen_text
from .questions import benchmark, benchmark_distribution, distribution, rank_gaps, role_gap, summary
from .anonymity import group_sizes, is_reportable, suppress, suppression_plan

__version__ = "0.1.0"

__all__ = [
    "KommunanalysError", "InputError", "InstrumentError", "DataFormatError", "AnonymityError", "ReportError",
    "Instrument", "Question", "Scale", "load_instrument",
    "Survey", "LoadReport", "load_survey", "load_demo",
    "municipalities", "lookup_municipality",
    "likert", "wilson_interval", "newcombe_interval", "mann_whitney",
    "productivity", "effectiveness", "cost_per_output", "index_to_reference", "load_result_chain",
    "read_kolada", "fetch_kolada", "dea",
    "screen_text", "screen_frame",
    "distribution", "summary", "role_gap", "rank_gaps", "benchmark", "benchmark_distribution",
    "is_reportable", "suppress", "group_sizes", "suppression_plan",
    "explore",
]


def __getattr__(name: str):
    # ipywidgets and the drawing stack load only when the explorer is asked for
    if name == "explore":
        from .pages.explorer import explore

        return explore
    raise AttributeError(f"module 'kommunanalys' has no attribute {name!r}")
