"""What a deck or workbook shows of one municipality, gathered from the library's frames.

Only already-suppressed frames are taken: :func:`kommunanalys.questions.summary` and
``distribution`` (via the question page's per-municipality statistics),
:func:`kommunanalys.questions.role_gap`, :func:`kommunanalys.respondents.respondent_counts`, the
quotes page's selection (:func:`kommunanalys.pages.quotes.build_quotes`) and the root-cause
hypotheses (:func:`kommunanalys.rootcause.hypotheses`). Their ``suppressed`` flag and ``note``
decide what is shown; the formats never look at a hidden group's counts.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import pandas as pd

from .. import questions
from ..anonymity import resolve_threshold
from ..pages.question import municipality_statistics
from ..respondents import respondent_counts
from ..survey import Survey

if TYPE_CHECKING:
    from ..pages.efficiency import EfficiencyPage

__all__ = ["MunicipalityContent", "gather", "hidden_text", "METHOD_NOTE"]

METHOD_NOTE = (
    "Så har vi räknat: andelen som instämmer räknas på dem som tagit ställning (vet ej räknas inte). "
    "Intervallen är 95 % konfidensintervall (Wilson för andelar, Newcombe för skillnader mellan rollerna). "
    "Grupper med färre än {k} svar visas inte, inte heller grupper som skulle gå att räkna fram ur summan."
)


def hidden_text(note: object, threshold: int) -> str:
    """The text shown instead of a hidden group: its own note, else "färre än k svar"."""
    return str(note) if isinstance(note, str) and note.strip() else f"färre än {threshold} svar"


@dataclass
class MunicipalityContent:
    """The suppressed frames behind one municipality's deck and workbook."""

    survey: Survey
    code: str
    name: str
    threshold: int
    respondents: pd.DataFrame
    distribution: pd.DataFrame
    summary: pd.DataFrame
    gaps: pd.DataFrame
    quotes: pd.DataFrame
    hypotheses: list = field(default_factory=list)
    #: :func:`kommunanalys.rounds.changes` since earlier rounds (None: no earlier round given).
    changes: pd.DataFrame | None = None
    current_round: str = ""
    #: :func:`kommunanalys.population.response_rates` when a population is given, else None
    rates: pd.DataFrame | None = None
    #: the response rate under which a role gets a note (``kommunanalys report --low-rate``)
    low_rate: float | None = None
    #: The efficiency page's chain and ratios (:func:`kommunanalys.pages.efficiency.build_efficiency`,
    #: without the frontier); None in a light gather. Public register data, not survey answers.
    efficiency: EfficiencyPage | None = None

    @property
    def question_ids(self) -> list[str]:
        return [q.id for q in self.survey.instrument.likert_questions]


def gather(survey: Survey, municipality: str, *, threshold: int | None = None,
           light: bool = False, review=None, population=None, key_figures=None,
           comparison=None, low_rate: float | None = None) -> MunicipalityContent:
    """Collect the suppressed frames of one municipality.

    Parameters
    ----------
    survey
        The whole survey.
    municipality
        Code or name.
    threshold
        Anonymity threshold; default the instrument's.
    light
        Leave out quotes and hypotheses (for the workbook across municipalities).
    review
        A review file (path or frame, :mod:`kommunanalys.review`) applied to the quotes.
    population
        A population file or frame (:mod:`kommunanalys.population`): adds the response rates.
    key_figures, comparison
        The key figures and the comparison group of the efficiency page
        (:func:`kommunanalys.pages.efficiency.build_efficiency`; None: the demo's illustrative
        figures for the synthetic demo, none for a real survey).
    """
    from ..pages.quotes import build_quotes
    from ..rootcause import hypotheses

    t = resolve_threshold(threshold, survey)
    code = survey.resolve_municipality(municipality)
    dist, summ = municipality_statistics(survey, code, "role", t)
    gaps = questions.rank_gaps(questions.role_gap(survey, municipalities=code, threshold=t))
    quotes = pd.DataFrame(columns=["about", "text", "role", "role_shown"]) if light else \
        build_quotes(survey, code, threshold=t, review=review).quotes
    return MunicipalityContent(
        survey=survey, code=code, name=survey.municipality_name(code), threshold=t,
        respondents=respondent_counts(survey, code, threshold=t), distribution=dist, summary=summ,
        gaps=gaps, quotes=quotes, hypotheses=[] if light else hypotheses(survey, code, threshold=t),
        rates=_rates(survey, code, t, population, low_rate), low_rate=low_rate,
        efficiency=None if light else _efficiency(survey, code, t, key_figures, comparison),
    )


def _efficiency(survey: Survey, code: str, threshold: int, key_figures, comparison) -> EfficiencyPage:
    from ..pages.efficiency import build_efficiency

    return build_efficiency(survey, code, comparison=comparison, threshold=threshold, key_figures=key_figures,
                            frontier=False)


def _rates(survey: Survey, code: str, threshold: int, population, low_rate: float | None) -> pd.DataFrame | None:
    from ..population import population_for, response_rates

    pop = population_for(population) if population is not None else None
    return None if pop is None else response_rates(survey, pop, code, threshold=threshold, low_rate=low_rate)
