"""Comparison groups as data: a file mapping each municipality to its group.

The benchmark of a question (:func:`kommunanalys.questions.benchmark`) sets the municipality
beside "övriga kommuner" and, optionally, a *jämförelsegrupp* of municipalities. Which
municipalities are comparable is a classification the user brings with its source, for example
their copy of SKR's *kommungruppsindelning* or Kolada's "liknande kommuner"; the package ships
none (it does not invent one). ``kommunanalys report --comparison-groups FILE`` (or
``run_reports(..., comparison_groups=FILE)``) gives every municipality the other municipalities
of its group in the survey as its comparison group.

The file
    CSV (``;`` or ``,``) or Excel, one row per municipality, a header row. The municipality column
    (``Kommun``, ``Kommunkod``, ``Kod``, ``Kommunnamn``) holds the four-digit code or the name;
    the group column (``Kommungrupp``, ``Grupp``, ``Jämförelsegrupp``, or any header starting with
    "Kommungrupp") holds the group's name or code. Other columns are ignored. Every problem is
    reported with file, row, column and value.
"""

from __future__ import annotations

from pathlib import Path
from typing import Iterable

import pandas as pd

from .errors import InputError
from .instrument import normalize_text
from .municipalities import lookup_municipality

__all__ = ["MUNICIPALITY_HEADERS", "GROUP_HEADERS", "load_comparison_groups", "comparison_for"]

#: Headers recognised as the municipality column (case- and whitespace-insensitive).
MUNICIPALITY_HEADERS = ("kommun", "kommunkod", "kod", "kommunnamn", "kommun-id", "municipality")
#: Headers recognised as the group column; a header starting with "kommungrupp" also is.
GROUP_HEADERS = ("kommungrupp", "grupp", "jämförelsegrupp", "group")
_HINT = ("filen ska ha en rad per kommun med kolumnerna 'Kommun' (kod eller namn) och 'Kommungrupp', "
         "t.ex. din kopia av SKR:s kommungruppsindelning")


def _find_column(headers: list[str], wanted: tuple[str, ...], *, prefix: str | None, given: str | None,
                 path: Path, what: str) -> str:
    if given is not None:
        if given not in headers:
            raise InputError(f"kolumnen för {what} finns inte i filen", file=path, column=given,
                             hint="kolumner i filen: " + ", ".join(headers))
        return given
    folded = {normalize_text(h): h for h in headers}
    for name in wanted:
        if name in folded:
            return folded[name]
    if prefix is not None:
        for key, header in folded.items():
            if key.startswith(prefix):
                return header
    raise InputError(f"ingen kolumn för {what}", file=path,
                     hint=f"{_HINT}; kolumner i filen: {', '.join(headers)}")


def load_comparison_groups(path: str | Path, *, municipality_column: str | None = None,
                           group_column: str | None = None) -> pd.DataFrame:
    """Read a municipality → group file (module docstring).

    Parameters
    ----------
    path
        The file (CSV or Excel).
    municipality_column, group_column
        The headers to use when they are not recognised.

    Returns
    -------
    pandas.DataFrame
        ``municipality_code``, ``municipality_name``, ``group``, ``source_row`` (the row in the
        file, header = row 1), one row per municipality.

    Raises
    ------
    InputError
        The file is missing or unreadable, a column is missing, or a row has an empty or unknown
        municipality, an empty group, or a municipality already placed in another group.
    """
    from .loader import read_table

    path = Path(path)
    frame, _ = read_table(path, min_columns=2)
    headers = [str(c) for c in frame.columns]
    mcol = _find_column(headers, MUNICIPALITY_HEADERS, prefix=None, given=municipality_column, path=path,
                        what="kommunen")
    gcol = _find_column(headers, GROUP_HEADERS, prefix="kommungrupp", given=group_column, path=path,
                        what="kommungruppen")
    rows, seen = [], {}
    for i, (raw, group) in enumerate(zip(frame[mcol].astype(str), frame[gcol].astype(str))):
        row = i + 2
        raw, group = raw.strip(), " ".join(group.split())
        if not raw and not group:
            continue  # an empty line
        if not raw:
            raise InputError("kommunen saknas", file=path, row=row, column=mcol, hint="fyll i kommunens kod eller namn")
        found = lookup_municipality(raw)
        if found is None:
            raise InputError("okänd kommun", file=path, row=row, column=mcol, value=raw,
                             hint="ange kommunens fyrsiffriga kod (t.ex. 1761) eller namn som SCB skriver det")
        if not group:
            raise InputError(f"kommungruppen saknas för {found[1]}", file=path, row=row, column=gcol,
                             hint="fyll i gruppen eller ta bort raden")
        code = found[0]
        if code in seen and seen[code][1] != group:
            raise InputError(f"{found[1]} står i två grupper (rad {seen[code][0]}: {seen[code][1]!r})", file=path,
                             row=row, column=gcol, value=group, hint="en kommun hör till en grupp; ta bort en av raderna")
        if code not in seen:
            seen[code] = (row, group)
            rows.append((code, found[1], group, row))
    if not rows:
        raise InputError("filen har inga kommuner", file=path, hint=_HINT)
    return pd.DataFrame(rows, columns=["municipality_code", "municipality_name", "group", "source_row"])


def comparison_for(groups: pd.DataFrame, municipality: str, *,
                   available: Iterable[str] | None = None) -> list[str] | None:
    """The comparison group of ``municipality``: the other municipalities of its group.

    Parameters
    ----------
    groups
        :func:`load_comparison_groups`.
    municipality
        A four-digit code.
    available
        Codes that may be used (those with respondents in the survey); default all.

    Returns
    -------
    list of str or None
        Sorted codes, without ``municipality`` itself; None when the municipality is not in the
        file or no other municipality of its group is available (no comparison group then).
    """
    mine = groups.loc[groups["municipality_code"] == municipality, "group"]
    if mine.empty:
        return None
    members = groups.loc[(groups["group"] == mine.iloc[0]) & (groups["municipality_code"] != municipality),
                         "municipality_code"]
    if available is not None:
        allowed = set(available)
        members = members[members.isin(allowed)]
    return sorted(members) or None
