"""The result chain (*mål- och resultatkedjan*) and the efficiency ratios of the seed deck.

Produktivitet = Prestationer / Resurser; Effektivitet = Kvalitet / Resurser (the definitions of
the seed, ESV and ESO 2014:7). This module holds

* the result chain as data: :func:`load_result_chain` reads ``data/result_chain.yaml`` (default:
  the seed's school example) and :func:`place_on_chain` puts tidy key figures (as returned by
  :func:`kommunanalys.kolada.read_kolada`) on the chain's links;
* the ratio functions :func:`productivity`, :func:`effectiveness`, :func:`cost_per_output` and
  :func:`index_to_reference`.

Conventions of the ratio functions
----------------------------------
Inputs
    A scalar, a :class:`pandas.Series` or a :class:`pandas.DataFrame`. Two pandas arguments must
    be of the same kind and carry the same labels (index, and columns for frames); order may
    differ, the result follows the first argument's order. Different labels raise
    :class:`~kommunanalys.errors.InputError` naming the labels found on one side only — nothing
    is silently aligned to NaN. A scalar combines with anything (broadcast).
Missing values
    NaN in, NaN out, silently (a missing key figure is common in Kolada).
Zero denominators
    Zero resources (or zero outputs in :func:`cost_per_output`) give NaN and an
    :class:`EfficiencyWarning` naming the labels: a ratio over nothing is undefined, but one
    municipality with a zero should not stop a comparison of 290.
Negative values
    Raise :class:`~kommunanalys.errors.InputError` unless ``allow_negative=True`` (key figures
    such as a net result can be negative; resources and outputs normally cannot).
Units
    Pandas results carry their unit in ``result.attrs["unit"]`` (a string such as
    ``"elever/kr"``). The unit is built from the ``*_unit=`` arguments or, when those are not
    given, from the arguments' own ``attrs["unit"]``; it is ``None`` when neither is known.
    Scalar results are plain floats (no unit). A tidy frame with a ``unit`` column was
    considered and rejected: it would make the functions return a different shape than they
    were given.
"""

from __future__ import annotations

import numbers
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Union

import numpy as np
import pandas as pd
import yaml

from . import paths
from .errors import EfficiencyWarning, InputError

__all__ = [
    "EfficiencyWarning",
    "ResultChain",
    "LINKS",
    "load_result_chain",
    "place_on_chain",
    "productivity",
    "effectiveness",
    "cost_per_output",
    "index_to_reference",
]

Data = Union[float, int, pd.Series, pd.DataFrame]

#: The links of the result chain in order, with the Swedish label a reader sees.
LINKS: dict[str, str] = {
    "behov": "Behov",
    "mal": "Mål",
    "resurser": "Resurser",
    "aktiviteter": "Aktiviteter",
    "prestationer": "Prestationer",
    "resultat": "Resultat (kvalitet)",
}

_CHAIN_COLUMNS = ["kpi", "title", "link", "unit", "municipality_code", "period", "value"]


# --------------------------------------------------------------------------------------------
# The result chain
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ResultChain:
    """A result chain: its links in order and the key figures placed on them.

    Attributes
    ----------
    name
        Short identifier (``"grundskola"``).
    title
        Swedish title for a report.
    links
        Frame with columns ``link``, ``title``, ``context``, ``order`` in chain order.
    kpis
        Frame with columns ``kpi``, ``title``, ``link``, ``unit``, ``source``, ``optional``,
        ``verified``, ``note``, one row a key figure.
    source
        The file the chain was read from.
    """

    name: str
    title: str
    links: pd.DataFrame
    kpis: pd.DataFrame
    source: Path | None = field(default=None, compare=False)

    def kpi_ids(self, *, include_optional: bool = True) -> list[str]:
        """The chain's key-figure ids, in file order."""
        frame = self.kpis if include_optional else self.kpis[~self.kpis["optional"]]
        return list(frame["kpi"])

    def on_link(self, link: str) -> list[str]:
        """The key-figure ids placed on ``link``."""
        if link not in set(self.links["link"]):
            raise InputError(
                "unknown link of the result chain",
                value=link,
                hint=f"use one of {list(self.links['link'])}",
            )
        return list(self.kpis.loc[self.kpis["link"] == link, "kpi"])


def load_result_chain(path: str | Path | None = None) -> ResultChain:
    """Read a result chain from YAML (default: ``data/result_chain.yaml``, the seed's school example).

    Parameters
    ----------
    path
        A YAML file with ``name``, ``title``, ``links`` (list of ``{id, title, context?}``) and
        ``kpis`` (list of ``{kpi, title, link, unit, source?, optional?, verified?, note?}``).

    Returns
    -------
    ResultChain

    Raises
    ------
    InputError
        The file is missing, is not YAML, or a key figure lacks a field, names an unknown link
        or repeats an id.
    """
    file = Path(path) if path is not None else paths.DATA_DIR / "result_chain.yaml"
    if not file.is_file():
        raise InputError("result chain file not found", file=file, hint="check the path")
    try:
        spec = yaml.safe_load(file.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise InputError(f"not valid YAML: {exc}", file=file) from exc
    if not isinstance(spec, dict) or "kpis" not in spec:
        raise InputError(
            "a result chain needs a mapping with a 'kpis' list",
            file=file,
            hint="see data/result_chain.yaml for the layout",
        )
    raw_links = spec.get("links") or [{"id": key, "title": label} for key, label in LINKS.items()]
    link_rows = []
    for order, item in enumerate(raw_links):
        if not isinstance(item, dict) or "id" not in item:
            raise InputError("each link needs an 'id'", file=file, value=item)
        link_rows.append(
            {
                "link": str(item["id"]),
                "title": str(item.get("title", LINKS.get(str(item["id"]), item["id"]))),
                "context": bool(item.get("context", False)),
                "order": order,
            }
        )
    links = pd.DataFrame(link_rows, columns=["link", "title", "context", "order"])
    known = set(links["link"])

    rows = []
    seen: set[str] = set()
    for number, item in enumerate(spec["kpis"] or [], start=1):
        if not isinstance(item, dict):
            raise InputError(f"key figure {number} is not a mapping", file=file, value=item)
        missing = [key for key in ("kpi", "title", "link", "unit") if not item.get(key)]
        if missing:
            raise InputError(
                f"key figure {number} lacks {', '.join(missing)}",
                file=file,
                value=item.get("kpi"),
                hint="every key figure needs kpi, title, link and unit",
            )
        kpi = str(item["kpi"]).strip()
        if kpi in seen:
            raise InputError("key figure listed twice", file=file, value=kpi)
        seen.add(kpi)
        if item["link"] not in known:
            raise InputError(
                "key figure placed on an unknown link",
                file=file,
                column="link",
                value=item["link"],
                hint=f"use one of {sorted(known)}",
            )
        rows.append(
            {
                "kpi": kpi,
                "title": str(item["title"]),
                "link": str(item["link"]),
                "unit": str(item["unit"]),
                "source": str(item.get("source", "kolada")),
                "optional": bool(item.get("optional", False)),
                "verified": bool(item.get("verified", False)),
                "note": str(item.get("note", "")),
            }
        )
    kpis = pd.DataFrame(
        rows,
        columns=["kpi", "title", "link", "unit", "source", "optional", "verified", "note"],
    )
    return ResultChain(
        name=str(spec.get("name", file.stem)),
        title=str(spec.get("title", spec.get("name", file.stem))),
        links=links,
        kpis=kpis,
        source=file,
    )


def place_on_chain(
    figures: pd.DataFrame,
    chain: ResultChain | None = None,
    *,
    gender: str = "T",
    keep_unknown: bool = False,
) -> pd.DataFrame:
    """Place tidy key figures on the links of a result chain.

    Parameters
    ----------
    figures
        Tidy key figures with columns ``kpi``, ``municipality_code``, ``period``, ``value`` and
        optionally ``gender`` (the frame :func:`kommunanalys.kolada.read_kolada` returns).
    chain
        The chain; default :func:`load_result_chain`.
    gender
        Which gender rows to keep when ``figures`` has a ``gender`` column (``"T"`` = total).
    keep_unknown
        Keep key figures that are not on the chain (with ``link`` and ``unit`` missing) instead
        of dropping them.

    Returns
    -------
    pandas.DataFrame
        Columns ``kpi``, ``title``, ``link``, ``unit``, ``municipality_code``, ``period``,
        ``value``, sorted in chain order, then by municipality and period.
    """
    chain = chain if chain is not None else load_result_chain()
    needed = {"kpi", "municipality_code", "period", "value"}
    missing = needed - set(figures.columns)
    if missing:
        raise InputError(
            f"key figures lack the columns {sorted(missing)}",
            hint="read them with kommunanalys.read_kolada, which returns the tidy layout",
        )
    data = figures
    if "gender" in data.columns:
        data = data[data["gender"] == gender]
    merged = data[["kpi", "municipality_code", "period", "value"]].merge(
        chain.kpis[["kpi", "title", "link", "unit"]],
        on="kpi",
        how="left" if keep_unknown else "inner",
    )
    order = dict(zip(chain.links["link"], chain.links["order"]))
    kpi_order = {kpi: number for number, kpi in enumerate(chain.kpis["kpi"])}
    merged = merged.assign(
        _link_order=merged["link"].map(order).fillna(len(order)),
        _kpi_order=merged["kpi"].map(kpi_order).fillna(len(kpi_order)),
    )
    merged = merged.sort_values(["_link_order", "_kpi_order", "municipality_code", "period"])
    return merged[_CHAIN_COLUMNS].reset_index(drop=True)


# --------------------------------------------------------------------------------------------
# Ratio functions
# --------------------------------------------------------------------------------------------


def _is_scalar(value: Any) -> bool:
    return isinstance(value, numbers.Number) and not isinstance(value, bool)


def _check_kind(value: Any, name: str) -> None:
    if isinstance(value, (pd.Series, pd.DataFrame)) or _is_scalar(value):
        return
    raise InputError(
        f"`{name}` must be a number, a pandas Series or a pandas DataFrame",
        value=type(value).__name__,
        hint="wrap lists in pd.Series(values, index=municipality_codes)",
    )


def _label_difference(left: pd.Index, right: pd.Index) -> str:
    only_left = [str(x) for x in left.difference(right)][:5]
    only_right = [str(x) for x in right.difference(left)][:5]
    return f"only in the first: {only_left}; only in the second: {only_right}"


def _align(a: Data, b: Data, names: tuple[str, str]) -> tuple[Data, Data]:
    """Return ``a`` and ``b`` with identical labels in ``a``'s order, or raise InputError."""
    _check_kind(a, names[0])
    _check_kind(b, names[1])
    if _is_scalar(a) or _is_scalar(b):
        return a, b
    if type(a) is not type(b):
        raise InputError(
            f"`{names[0]}` is a {type(a).__name__} but `{names[1]}` is a {type(b).__name__}",
            hint="pass two Series or two DataFrames with the same labels (or a scalar)",
        )
    for arg, name in ((a, names[0]), (b, names[1])):
        if not arg.index.is_unique:
            raise InputError(
                f"`{name}` has repeated index labels",
                value=[str(x) for x in arg.index[arg.index.duplicated()].unique()][:5],
                hint="one row per municipality (and period): pivot the tidy frame first",
            )
    if not a.index.sort_values().equals(b.index.sort_values()):
        raise InputError(
            f"`{names[0]}` and `{names[1]}` do not cover the same labels "
            f"({_label_difference(a.index, b.index)})",
            hint="select the same municipalities and periods in both, e.g. with .reindex()",
        )
    if isinstance(a, pd.DataFrame):
        if not a.columns.sort_values().equals(b.columns.sort_values()):
            raise InputError(
                f"`{names[0]}` and `{names[1]}` do not have the same columns "
                f"({_label_difference(a.columns, b.columns)})",
                hint="give both frames the same columns (e.g. periods)",
            )
        return a, b.reindex(index=a.index, columns=a.columns)
    return a, b.reindex(a.index)


def _as_float(value: Data, name: str) -> Data:
    if _is_scalar(value):
        return float(value)
    try:
        return value.astype(float)
    except (TypeError, ValueError) as exc:
        raise InputError(
            f"`{name}` holds values that are not numbers",
            hint="convert the column with pd.to_numeric(..., errors='coerce') first",
        ) from exc


def _negative_labels(value: Data) -> list[str]:
    if _is_scalar(value):
        return ["(scalar)"] if value < 0 else []
    mask = value < 0
    if isinstance(value, pd.DataFrame):
        stacked = mask.stack()
        return [str(label) for label in stacked[stacked].index][:5]
    return [str(label) for label in value.index[mask.to_numpy()]][:5]


def _check_negative(value: Data, name: str, allow_negative: bool) -> None:
    if allow_negative:
        return
    found = _negative_labels(value)
    if found:
        raise InputError(
            f"`{name}` has negative values",
            value=found,
            hint="pass allow_negative=True if negative values are meaningful for this key figure",
        )


def _unit_of(value: Data, given: str | None) -> str | None:
    if given is not None:
        return given
    if isinstance(value, (pd.Series, pd.DataFrame)):
        return value.attrs.get("unit")
    return None


def _ratio(
    numerator: Data,
    denominator: Data,
    *,
    names: tuple[str, str],
    units: tuple[str | None, str | None],
    allow_negative: bool,
    unit: str | None,
) -> Data:
    num, den = _align(numerator, denominator, names)
    num, den = _as_float(num, names[0]), _as_float(den, names[1])
    _check_negative(num, names[0], allow_negative)
    _check_negative(den, names[1], allow_negative)
    num_unit, den_unit = _unit_of(numerator, units[0]), _unit_of(denominator, units[1])

    if _is_scalar(num) and _is_scalar(den):
        if den == 0:
            warnings.warn(
                f"`{names[1]}` is zero: the ratio is undefined and returned as NaN",
                EfficiencyWarning,
                stacklevel=3,
            )
            return float("nan")
        return num / den

    zero = den == 0
    if isinstance(zero, (pd.Series, pd.DataFrame)):
        has_zero = bool(np.asarray(zero).any())
    else:
        has_zero = bool(zero)
    if has_zero:
        if isinstance(zero, pd.DataFrame):
            stacked = zero.stack()
            labels = [str(x) for x in stacked[stacked].index][:5]
        elif isinstance(zero, pd.Series):
            labels = [str(x) for x in zero.index[zero.to_numpy()]][:5]
        else:
            labels = ["(scalar)"]
        warnings.warn(
            f"`{names[1]}` is zero for {labels}: those ratios are undefined and set to NaN",
            EfficiencyWarning,
            stacklevel=3,
        )
        den = den.mask(zero) if isinstance(den, (pd.Series, pd.DataFrame)) else float("nan")
    result = num / den
    if not isinstance(result, (pd.Series, pd.DataFrame)):  # pragma: no cover - defensive
        return result
    result = result.copy()
    if unit is None and num_unit is not None and den_unit is not None:
        unit = f"{num_unit}/{den_unit}"
    result.attrs = {"unit": unit}
    return result


def productivity(
    outputs: Data,
    resources: Data,
    *,
    output_unit: str | None = None,
    resource_unit: str | None = None,
    unit: str | None = None,
    allow_negative: bool = False,
) -> Data:
    """Produktivitet = Prestationer / Resurser.

    Parameters
    ----------
    outputs
        Prestationer (e.g. pupils leaving year 9), a scalar, Series or DataFrame.
    resources
        Resurser (e.g. cost in kr, teachers), same kind and labels as ``outputs`` or a scalar.
    output_unit, resource_unit
        Units of the two arguments (e.g. ``"elever"``, ``"kr"``); default: their
        ``attrs["unit"]``.
    unit
        The result's unit, overriding ``"<output_unit>/<resource_unit>"``.
    allow_negative
        Accept negative values instead of raising.

    Returns
    -------
    float, Series or DataFrame
        Outputs per resource. Pandas results carry ``attrs["unit"]``.

    Raises
    ------
    InputError
        Different labels, a non-numeric argument, or a negative value.

    Warns
    -----
    EfficiencyWarning
        Zero resources (the ratio is NaN there).

    Examples
    --------
    >>> productivity(120, 12_000_000, output_unit="elever", resource_unit="kr")
    1e-05
    """
    return _ratio(
        outputs,
        resources,
        names=("outputs", "resources"),
        units=(output_unit, resource_unit),
        allow_negative=allow_negative,
        unit=unit,
    )


def effectiveness(
    quality: Data,
    resources: Data,
    *,
    quality_unit: str | None = None,
    resource_unit: str | None = None,
    unit: str | None = None,
    allow_negative: bool = False,
) -> Data:
    """Effektivitet = Kvalitet / Resurser.

    Parameters
    ----------
    quality
        Resultat/kvalitet (e.g. share of pupils eligible for upper secondary school, %).
    resources
        Resurser (e.g. cost per pupil, kr/elev).
    quality_unit, resource_unit, unit, allow_negative
        As in :func:`productivity`.

    Returns
    -------
    float, Series or DataFrame
        Quality per resource, with ``attrs["unit"]`` on pandas results (e.g. ``"%/(kr/elev)"``
        when the resource unit itself holds a slash, it is parenthesised).

    Raises
    ------
    InputError
        As :func:`productivity`.

    Warns
    -----
    EfficiencyWarning
        Zero resources.
    """
    q_unit = _unit_of(quality, quality_unit)
    r_unit = _unit_of(resources, resource_unit)
    if r_unit is not None and "/" in r_unit:
        r_unit = f"({r_unit})"
    return _ratio(
        quality,
        resources,
        names=("quality", "resources"),
        units=(q_unit, r_unit),
        allow_negative=allow_negative,
        unit=unit,
    )


def cost_per_output(
    cost: Data,
    outputs: Data,
    *,
    cost_unit: str | None = None,
    output_unit: str | None = None,
    unit: str | None = None,
    allow_negative: bool = False,
) -> Data:
    """Cost per output (styckkostnad) = Kostnad / Prestationer, the inverse view of productivity.

    Parameters
    ----------
    cost
        Total cost (e.g. kr).
    outputs
        Prestationer (e.g. pupils).
    cost_unit, output_unit, unit, allow_negative
        As in :func:`productivity`; default unit ``"<cost_unit>/<output_unit>"`` (``"kr/elev"``).

    Returns
    -------
    float, Series or DataFrame

    Warns
    -----
    EfficiencyWarning
        Zero outputs (the cost per output is NaN there).
    """
    return _ratio(
        cost,
        outputs,
        names=("cost", "outputs"),
        units=(cost_unit, output_unit),
        allow_negative=allow_negative,
        unit=unit,
    )


def index_to_reference(
    values: pd.Series | pd.DataFrame,
    *,
    reference: str | float | int = "median",
    base: float = 100,
    allow_negative: bool = False,
) -> pd.Series | pd.DataFrame:
    """Index key figures against a reference: ``values / reference * base``.

    Parameters
    ----------
    values
        A Series indexed by municipality code, or a DataFrame with one row per municipality and
        one column per key figure (or period); a frame is indexed column by column.
    reference
        ``"median"`` or ``"mean"`` of the comparison group (NaN skipped), a municipality code
        (an index label: that municipality is the reference), or a number.
    base
        The index value of the reference (default 100).
    allow_negative
        Accept negative values instead of raising.

    Returns
    -------
    Series or DataFrame
        Same shape; ``attrs["unit"]`` is ``"index (median = 100)"``, ``"index (medelvärde = 100)"``, ``"index (1780 = 100)"``
        or ``"index (referens = 100)"``.

    Raises
    ------
    InputError
        Unknown reference code, a reference value that is zero or missing, a negative value.

    Notes
    -----
    A median of an even-sized group is the mean of the two middle values, so no municipality
    need have exactly 100. For a cost (lower is better) an index above 100 means more expensive
    than the reference.
    """
    if not isinstance(values, (pd.Series, pd.DataFrame)):
        raise InputError(
            "`values` must be a pandas Series or DataFrame indexed by municipality",
            value=type(values).__name__,
        )
    data = _as_float(values, "values")
    _check_negative(data, "values", allow_negative)
    if isinstance(reference, str) and reference in ("median", "mean"):
        ref = data.median() if reference == "median" else data.mean()
        label = "median" if reference == "median" else "medelvärde"
    elif _is_scalar(reference):
        ref = float(reference)
        label = "referens"
    else:
        if reference not in data.index:
            raise InputError(
                "reference municipality not among the values",
                value=reference,
                hint="use 'median', 'mean', a number, or a code present in the index "
                "(codes are four-digit strings such as '1780')",
            )
        ref = data.loc[reference]
        label = str(reference)
    ref_values = np.atleast_1d(np.asarray(ref, dtype=float))
    if np.isnan(ref_values).any() or (ref_values == 0).any():
        raise InputError(
            "the reference value is zero or missing, so no index can be formed",
            value=reference,
            hint="choose another reference or drop the key figure",
        )
    result = (data / ref * base).copy()
    base_text = f"{base:g}"
    result.attrs = {"unit": f"index ({label} = {base_text})"}
    return result
