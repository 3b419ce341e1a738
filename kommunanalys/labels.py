"""Swedish labels and number formatting: how every report writes groups and numbers.

One home for what a reader of a report sees of the groups (``"Förtroendevalda"``,
``"Alla svarande"``) and of numbers: a decimal comma, a real minus sign (U+2212, not the
hyphen-minus), a space before ``%`` and a non-breaking space between thousands, as in Swedish
typesetting (Språkrådet, *Svenska skrivregler*, on numbers and units).

``format_number``
    A number with a decimal comma and a real minus sign (``-0.25`` → ``"−0,25"``).
``format_percent``
    A percentage with its unit (``45.2`` → ``"45 %"``).
``format_pp``
    A signed difference in percentage points (``-5`` → ``"−5"``, ``3`` → ``"+3"``).
"""

from __future__ import annotations

import pandas as pd

from .anonymity import TOTAL_GROUP

__all__ = [
    "MINUS",
    "ROLE_LABELS",
    "ROLE_SUFFIX",
    "GROUP_LABELS",
    "HIERARCHY_LABELS",
    "GROUPING_LABELS",
    "format_number",
    "format_percent",
    "format_pp",
]

#: The minus sign of typeset numbers (U+2212).
MINUS = "\u2212"

#: How a report writes the roles (the seed's slide headings).
ROLE_LABELS: dict[str, str] = {"förtroendevald": "Förtroendevalda", "tjänsteperson": "Tjänstepersoner"}
#: How a quote names its writer's role (the seed: "(förtroendevald)").
ROLE_SUFFIX: dict[str, str] = {"förtroendevald": "förtroendevald", "tjänsteperson": "tjänsteperson"}
#: How tables and charts write the groups of :mod:`kommunanalys.questions` (roles, everyone, subgroups).
GROUP_LABELS: dict[str, str] = {
    **ROLE_LABELS,
    TOTAL_GROUP: "Alla svarande",
    "chef i central förvaltning": "Chefer i central förvaltning",
    "övrig tjänsteperson": "Övriga tjänstepersoner",
    "tjänsteperson, ej angivet": "Tjänstepersoner, ej angivet",
}
#: How the respondent table names the groups of the hierarchy (``group_sizes(..., by="hierarchy")``):
#: the subgroups are parts of the tjänstepersoner ("varav …").
HIERARCHY_LABELS: dict[str, str] = {
    TOTAL_GROUP: "Alla svarande",
    **ROLE_LABELS,
    "chef i central förvaltning": "varav chefer i central förvaltning",
    "övrig tjänsteperson": "varav övriga tjänstepersoner",
    "tjänsteperson, ej angivet": "varav ej angivet om chef",
}
#: How a report names a way of splitting the respondents.
GROUPING_LABELS: dict[str, str] = {"role": "Roll", "subgroup": "Undergrupp", "all": "Alla svarande"}


def _missing(value: object) -> bool:
    return value is None or bool(pd.isna(value))


def format_number(value: float | None, decimals: int = 2, *, signed: bool = False, grouping: bool = False,
                  missing: str = "") -> str:
    """A number as a Swedish reader writes it: decimal comma, real minus sign.

    Parameters
    ----------
    value
        The number; None, NaN and ``pd.NA`` are missing.
    decimals
        Decimals shown (rounded half to even, as Python's format does).
    signed
        Write ``+`` before positive numbers (differences).
    grouping
        A non-breaking space between thousands (``12 345``).
    missing
        The text for a missing value.

    Returns
    -------
    str
        For example ``format_number(-0.254)`` → ``"−0,25"``, ``format_number(3.5, 1, signed=True)``
        → ``"+3,5"``, ``format_number(12345.6, 0, grouping=True)`` → ``"12\u00a0346"``.
    """
    if _missing(value):
        return missing
    spec = f"{'+' if signed else ''}{',' if grouping else ''}.{decimals}f"
    text = format(float(value), spec)  # type: ignore[arg-type]
    return text.replace(",", "\u00a0").replace(".", ",").replace("-", MINUS)


def format_percent(value: float | None, decimals: int = 0, *, missing: str = "") -> str:
    """A percentage (0–100) with a space before the unit: ``45.2`` → ``"45 %"``.

    Parameters
    ----------
    value
        The percentage; None, NaN and ``pd.NA`` are missing.
    decimals
        Decimals shown.
    missing
        The text for a missing value.
    """
    if _missing(value):
        return missing
    return f"{format_number(value, decimals)} %"


def format_pp(value: float | None, decimals: int = 0, *, missing: str = "") -> str:
    """A difference in percentage points, always signed: ``-5`` → ``"−5"``, ``3`` → ``"+3"``.

    The unit ("procentenheter") is left to the sentence or column heading around it.

    Parameters
    ----------
    value
        The difference; None, NaN and ``pd.NA`` are missing.
    decimals
        Decimals shown.
    missing
        The text for a missing value.
    """
    return format_number(value, decimals, signed=True, missing=missing)
