"""The "Vem svarade?" page: respondents per role and subgroup, and the response rates.

What ``notebooks/00_respondents.ipynb`` shows, composed from the library
(:func:`kommunanalys.respondents.respondent_counts`, :mod:`kommunanalys.population`) and the
chart :func:`kommunanalys.plots.charts.plot_respondents`.
"""

from __future__ import annotations

import os

import pandas as pd

from ..anonymity import resolve_threshold
from .notebook import SYNTHETIC_NOTE, show, show_figure, show_markdown, write_table
from ..plots.charts import plot_respondents
from ..population import (DEFAULT_LOW_RATE, check_population, format_response_rates, format_weighted_shares,
                         low_rate_notes, population_for, response_rates, weighted_shares)
from ..respondents import format_respondents, respondent_counts
from ..survey import Survey

__all__ = ["show_respondents", "show_population"]


def show_respondents(survey: Survey, municipality: str, *, threshold: int | None = None,
                     output_dir=None):
    """The "Vem svarade?" page: a sentence, the table and the chart; writes ``respondenter.csv``.

    Returns the table of :func:`respondent_counts`.
    """
    threshold = resolve_threshold(threshold, survey)
    municipality = survey.resolve_municipality(municipality)
    name = survey.municipality_name(municipality)
    table = respondent_counts(survey, municipality, threshold=threshold)
    write_table(table, output_dir, "respondenter")
    if survey.synthetic:
        show_markdown(f"*{SYNTHETIC_NOTE}*")
    total = table.loc[table["group"] == "alla", "shown"].iat[0]
    show_markdown(
        f"**Svarande i {name}:** {total}.\n\n"
        f"Grupper med färre än {threshold} svarande redovisas utan antal. En grupp vars "
        "antal annars skulle kunna räknas fram ur summan döljs också."
    )
    show(format_respondents(table))
    ax = plot_respondents(table)
    ax.set_title(f"Svarande i {name} per roll")
    show_figure()
    return table


def show_population(survey: Survey, municipality: str, *, population: str | os.PathLike | pd.DataFrame | None,
                    data: str | os.PathLike | None = None, threshold: int | None = None,
                    low_rate: float = DEFAULT_LOW_RATE, output_dir=None):
    """The response-rate part of "Vem svarade?": rates, low-rate notes and weighted figures.

    ``population`` and ``data`` as in :func:`population_for`; without a population the page
    says how to add one and returns None. Writes ``svarsfrekvens.csv`` and
    ``viktade_andelar.csv``. Returns the table of :func:`response_rates`.
    """
    pop = population_for(population, data)
    if pop is None:
        show_markdown("*Svarsfrekvens visas när antalet inbjudna per kommun och roll anges "
                      "(`kommunanalys report --population inbjudna.csv`).*")
        return None
    check_population(pop, survey)
    code = survey.resolve_municipality(municipality)
    rates = response_rates(survey, pop, code, threshold=threshold, low_rate=low_rate)
    write_table(rates.drop(columns=["n"]), output_dir, "svarsfrekvens")
    synthetic = f" *{SYNTHETIC_NOTE} Antalet inbjudna är också påhittat.*" if survey.synthetic else ""
    show_markdown("### Svarsfrekvens\n\nSvarsfrekvens = antal svar / antal inbjudna. För en grupp som "
                  "redovisas utan antal visas varken inbjudna eller svarsfrekvens." + synthetic)
    show(format_response_rates(rates))
    notes = low_rate_notes(rates, low_rate=low_rate)
    if notes:
        show_markdown("\n".join(f"- **Obs:** {n}" for n in notes))
    weighted = weighted_shares(survey, pop, code, threshold=threshold)
    write_table(weighted, output_dir, "viktade_andelar")
    show_markdown(
        "### Alla svarande, viktat efter inbjudna\n\n"
        "Andelen som instämmer bland alla svarande blandar rollerna i den proportion de svarade. "
        "Viktat efter inbjudna väger varje roll som dess andel av de inbjudna. Effektivt n (Kish) "
        "visar hur många oviktade svar det viktade värdet motsvarar. Intervallen (95 %) tar hänsyn "
        "till att en stor del av de inbjudna svarat (ändlighetskorrektion).")
    show(format_weighted_shares(weighted, survey))
    return rates
