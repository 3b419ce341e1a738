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
``role_names``
    How the reports of one survey name its roles: the instrument's own words ("Politiker",
    "Anställda"), or the bundled "Förtroendevalda"/"Tjänstepersoner" (:class:`RoleNames`).

A number that rounds to zero is written ``0`` — never ``−0`` nor ``+0``.
"""

from __future__ import annotations

import pandas as pd

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Mapping

from .anonymity import TOTAL_GROUP

if TYPE_CHECKING:
    from .instrument import Instrument

__all__ = [
    "MINUS",
    "RoleNames",
    "role_names",
    "BUNDLED_ROLE_NAMES",
    "ROLE_DEFINITE",
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

#: How a report writes the bundled roles (the seed's slide headings); a survey's own words come
#: from its instrument through :func:`role_names`, with these as the default.
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
#: The definite forms of the bundled roles in running text ("86 % av de förtroendevalda").
ROLE_DEFINITE: dict[str, str] = {"förtroendevald": "de förtroendevalda", "tjänsteperson": "tjänstepersonerna"}
#: How a report names a way of splitting the respondents.
GROUPING_LABELS: dict[str, str] = {"role": "Roll", "subgroup": "Undergrupp", "all": "Alla svarande"}


def _lower(text: str) -> str:
    """A label inside a sentence: first letter in lower case, unless it starts an acronym ("KS-ledamöter")."""
    return text[:1].lower() + text[1:] if text[1:2].islower() or len(text) == 1 else text


def _upper_first(text: str) -> str:
    return text[:1].upper() + text[1:]


@dataclass(frozen=True)
class RoleNames:
    """How the reports of one survey name its roles, keyed by the internal role code.

    The codes (``"förtroendevald"``, ``"tjänsteperson"``) stay internal; a reader sees the
    instrument's words. Ask :func:`role_names` for the names of a survey.

    Attributes
    ----------
    plural
        Headings, legends, table columns ("Förtroendevalda", "Politiker").
    singular
        One respondent: quotes' "(förtroendevald)", the slides' "FÖRTROENDEVALD | TJÄNSTEPERSON".
    definite
        Running text, "86 % av de förtroendevalda och 54 % av tjänstepersonerna".
    """

    plural: Mapping[str, str] = field(default_factory=lambda: dict(ROLE_LABELS))
    singular: Mapping[str, str] = field(default_factory=lambda: {r: _upper_first(s) for r, s in ROLE_SUFFIX.items()})
    definite: Mapping[str, str] = field(default_factory=lambda: dict(ROLE_DEFINITE))

    def label(self, role: str) -> str:
        """The heading of a role ("Förtroendevalda"); an unknown code is returned as it is."""
        return self.plural.get(role, role)

    def lower(self, role: str) -> str:
        """The role in running text ("förtroendevalda", "politiker")."""
        return _lower(self.label(role))

    def suffix(self, role: str) -> str:
        """One respondent's role after a quote ("förtroendevald", "politiker")."""
        return _lower(self.singular.get(role, role))

    def heading(self, role: str) -> str:
        """A slide's column heading in capitals ("FÖRTROENDEVALD")."""
        return self.singular.get(role, role).upper()

    @property
    def is_bundled(self) -> bool:
        """True when the roles have the bundled names (the demo's reports)."""
        return dict(self.plural) == ROLE_LABELS and dict(self.definite) == ROLE_DEFINITE

    @property
    def group_labels(self) -> dict[str, str]:
        """:data:`GROUP_LABELS` with this survey's roles (tables and charts of groups)."""
        if self.is_bundled:
            return dict(GROUP_LABELS)
        tp = self.label("tjänsteperson")
        return {**GROUP_LABELS, **self.plural, "övrig tjänsteperson": f"Övriga {_lower(tp)}",
                "tjänsteperson, ej angivet": f"{tp}, ej angivet"}

    @property
    def hierarchy_labels(self) -> dict[str, str]:
        """:data:`HIERARCHY_LABELS` with this survey's roles (the respondent table)."""
        if self.is_bundled:
            return dict(HIERARCHY_LABELS)
        groups = self.group_labels
        return {**HIERARCHY_LABELS, **self.plural,
                "övrig tjänsteperson": f"varav {_lower(groups['övrig tjänsteperson'])}"}

    @property
    def gap_label(self) -> str:
        """The role gap in a heading: "Förtroendevalda − tjänstepersoner"."""
        return f"{self.label('förtroendevald')} \u2212 {self.lower('tjänsteperson')}"

    def placeholders(self) -> dict[str, str]:
        """The roles for the ``{…}`` of the report texts (``data/report_texts.yaml``).

        ``{fortroendevalda}``/``{tjanstepersoner}`` (running text), ``{Fortroendevalda}``/
        ``{Tjanstepersoner}`` (a sentence's start), ``{de_fortroendevalda}``/``{tjanstepersonerna}``
        (definite form) and ``{fortroendevald}``/``{tjansteperson}`` (one respondent).
        """
        out = {}
        for role, key in (("förtroendevald", "fortroendevald"), ("tjänsteperson", "tjansteperson")):
            plural = "fortroendevalda" if key == "fortroendevald" else "tjanstepersoner"
            out[plural] = self.lower(role)
            out[_upper_first(plural)] = _upper_first(self.label(role))
            out[key] = self.suffix(role)
        out["de_fortroendevalda"] = self.definite.get("förtroendevald", self.lower("förtroendevald"))
        out["tjanstepersonerna"] = self.definite.get("tjänsteperson", self.lower("tjänsteperson"))
        return out


#: The bundled names: "Förtroendevalda"/"Tjänstepersoner" (the seed's words).
BUNDLED_ROLE_NAMES = RoleNames()


def role_names(instrument: Instrument | None = None) -> RoleNames:
    """How the reports of a survey name its roles: the one place that resolves them.

    Each level of the instrument's role question gives the words: ``label`` (one respondent,
    "Politiker"), optional ``plural`` (headings and legends, "Politiker"; default: the label) and
    optional ``definite`` (running text, "politikerna"; default: the plural in lower case). A
    level whose label is the bundled role ("Förtroendevald", "Tjänsteperson") gets the bundled
    words ("Förtroendevalda", "de förtroendevalda"; "Tjänstepersoner", "tjänstepersonerna").

    Parameters
    ----------
    instrument
        The survey's instrument (``survey.instrument``); None: the bundled names.

    Returns
    -------
    RoleNames
        Keyed by role code (``"förtroendevald"``, ``"tjänsteperson"``).
    """
    if instrument is None:
        return BUNDLED_ROLE_NAMES
    # an instrument is immutable: its names are resolved once and kept on it (as its cached properties are)
    names = instrument.__dict__.get("_role_names")
    if names is None:
        names = instrument.__dict__["_role_names"] = _resolve_role_names(instrument)
    return names


def _resolve_role_names(instrument: Instrument) -> RoleNames:
    from .errors import InstrumentError

    try:
        scale = instrument.role_question.scale
    except InstrumentError:  # no role question (a hand-built instrument): the bundled words
        return BUNDLED_ROLE_NAMES
    plural, singular, definite = (dict(BUNDLED_ROLE_NAMES.plural), dict(BUNDLED_ROLE_NAMES.singular),
                                  dict(BUNDLED_ROLE_NAMES.definite))
    for level in (scale.levels if scale is not None else ()):
        role = str(level.value or level.label).strip().lower()
        if role not in ROLE_LABELS:
            continue
        label = " ".join(str(level.label).split())
        if label.lower() == role and not level.plural and not level.definite:
            continue  # the bundled role under its bundled name
        singular[role] = label
        plural[role] = level.plural or label
        definite[role] = level.definite or _lower(plural[role])
    names = RoleNames(plural=plural, singular=singular, definite=definite)
    return BUNDLED_ROLE_NAMES if names == BUNDLED_ROLE_NAMES else names


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
