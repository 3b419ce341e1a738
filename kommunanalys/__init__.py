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

__version__ = "0.1.0"

__all__ = [
    "KommunanalysError", "InputError", "InstrumentError", "DataFormatError", "AnonymityError", "ReportError",
    "Instrument", "Question", "Scale", "load_instrument",
    "Survey", "LoadReport", "load_survey", "load_demo",
    "municipalities", "lookup_municipality",
]
