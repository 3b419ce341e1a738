"""Swedish number formatting for everything a report reader sees: one home for it.

Decimal comma, a true minus sign (−), a narrow no-break space between thousands ("1 083") and
p-values that never read "0,000". Every page, the summary and the deliverables format numbers
through these functions, so a report never shows "36.0" beside "36,0".
"""

from __future__ import annotations

import math

__all__ = ["number", "percent", "points", "p_value", "interval"]

MINUS = "−"
THOUSANDS = "\u202f"  # narrow no-break space, as Swedish typography writes 1 083


def _missing(value: object) -> bool:
    try:
        return value is None or math.isnan(float(value))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return True


def number(value: float | int | None, decimals: int = 0, *, signed: bool = False, missing: str = "–") -> str:
    """A number the Swedish way: ``number(1083.4)`` → "1 083", ``number(2.345, 2)`` → "2,35".

    Parameters
    ----------
    value
        The number; None or NaN give ``missing``.
    decimals
        Digits after the decimal comma.
    signed
        Write "+" before a positive number (differences); zero stays unsigned.
    missing
        Text for a missing value.
    """
    if _missing(value):
        return missing
    x = round(float(value), decimals)
    if x == 0:
        x = 0.0  # no "−0"
    text = f"{abs(x):,.{decimals}f}".replace(",", THOUSANDS).replace(".", ",")
    sign = MINUS if x < 0 else ("+" if signed and x > 0 else "")
    return sign + text


def percent(value: float | None, decimals: int = 0, *, missing: str = "–") -> str:
    """A share in percent (``value`` already in percent): ``percent(36.04)`` → "36 %"."""
    return missing if _missing(value) else f"{number(value, decimals)} %"


def points(value: float | None, *, signed: bool = True, missing: str = "–") -> str:
    """A difference in percentage points, signed: ``points(-38.2)`` → "−38"."""
    return number(value, 0, signed=signed, missing=missing)


def interval(low: float | None, high: float | None, *, signed: bool = False, missing: str = "–") -> str:
    """An interval "−59 till −2" (whole numbers; ``signed`` for differences)."""
    if _missing(low) or _missing(high):
        return missing
    return f"{number(low, 0, signed=signed)} till {number(high, 0, signed=signed)}"


def p_value(value: float | None, *, missing: str = "–") -> str:
    """A p-value: "p < 0,001" below one in a thousand, else three decimals ("p = 0,030")."""
    if _missing(value):
        return missing
    if float(value) < 0.001:
        return "p < 0,001"
    return f"p = {number(value, 3)}"
