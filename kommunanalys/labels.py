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
``format_interval``
    An interval in running text (``(-59.3, -1.6)`` → ``"−59 till −2"``).
``format_p``
    A p-value that never reads "0,000" (``"p < 0,001"``, ``"p = 0,030"``).

A number that rounds to zero is written ``0`` — never ``−0`` nor ``+0``.
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
    "format_interval",
    "format_p",
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
        → ``"+3,5"``, ``format_number(12345.6, 0, grouping=True)`` → ``"12\u00a0346"``;
        ``format_number(-0.2, 0)`` → ``"0"`` (a number that rounds to zero has no sign).
    """
    if _missing(value):
        return missing
    x = float(value)  # type: ignore[arg-type]
    text = format(abs(x), f"{',' if grouping else ''}.{decimals}f")
    if not any(digit in text for digit in "123456789"):
        sign = ""  # rounds to zero: no "−0", no "+0"
    else:
        sign = MINUS if x < 0 else ("+" if signed else "")
    return sign + text.replace(",", "\u00a0").replace(".", ",")


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


def format_interval(low: float | None, high: float | None, *, signed: bool = False, decimals: int = 0,
                    missing: str = "") -> str:
    """An interval in running text: ``(-59.3, -1.6)`` → ``"−59 till −2"``.

    Parameters
    ----------
    low, high
        The ends; either missing gives ``missing``.
    signed
        Write ``+`` before positive ends (an interval of a difference).
    decimals
        Decimals shown.
    missing
        The text when an end is missing.
    """
    if _missing(low) or _missing(high):
        return missing
    return f"{format_number(low, decimals, signed=signed)} till {format_number(high, decimals, signed=signed)}"


def format_p(value: float | None, *, missing: str = "") -> str:
    """A p-value: ``"p < 0,001"`` below one in a thousand, else three decimals (``"p = 0,030"``).

    Parameters
    ----------
    value
        The p-value; None, NaN and ``pd.NA`` are missing.
    missing
        The text for a missing value.
    """
    if _missing(value):
        return missing
    if float(value) < 0.001:  # type: ignore[arg-type]
        return "p < 0,001"
    return f"p = {format_number(value, 3)}"
