"""Data envelopment analysis (DEA): an efficiency frontier across municipalities.

Each unit (municipality) is compared with the best combinations of the others. The radial
envelopment models are solved with :func:`scipy.optimize.linprog` (HiGHS), one linear programme
per unit:

Input orientation (how far could inputs shrink, outputs kept?)
    ``min θ`` subject to ``Σ λ_j x_ij ≤ θ x_io`` for discretionary inputs,
    ``Σ λ_j x_ij ≤ x_io`` for non-discretionary inputs (Banker & Morey 1986),
    ``Σ λ_j y_rj ≥ y_ro`` for outputs, ``λ ≥ 0``; VRS adds ``Σ λ_j = 1`` (Banker, Charnes &
    Cooper 1984), CRS does not (Charnes, Cooper & Rhodes 1978). Efficiency = θ.
Output orientation (how far could outputs grow, inputs kept?)
    ``max φ`` subject to ``Σ λ_j x_ij ≤ x_io`` and ``Σ λ_j y_rj ≥ φ y_ro``. Efficiency = 1/φ,
    so both orientations report a score in (0, 1] with 1 on the frontier. Under CRS the two
    orientations give the same score. Non-discretionary inputs change nothing here (inputs are
    not scaled in the output orientation); the option is accepted for symmetry.

Only the radial score is computed (no second-stage slack maximisation): a unit with score 1 may
still be *weakly* efficient (it could save on one input without losing output). The research
anchor for municipalities is Waldo (2007, Education Economics 15(2)): Swedish municipal schools,
input-oriented, pupils' background as a non-discretionary input.
"""

from __future__ import annotations

import warnings
from typing import Iterable

import numpy as np
import pandas as pd
from scipy.optimize import linprog

from .efficiency import EfficiencyWarning
from .errors import InputError, KommunanalysError

__all__ = ["dea", "dea_peers"]

_LAMBDA_TOLERANCE = 1e-9


def _reject_units(frame: pd.DataFrame, bad_values, message: str, *, hint: str) -> None:
    """Raise :class:`InputError` naming the first column of ``frame`` where ``bad_values(column)``
    holds for a unit, and those units (the first five)."""
    for column in frame.columns:
        bad = frame.index[bad_values(frame[column]).to_numpy()]
        if len(bad):
            raise InputError(message, column=str(column), value=[str(x) for x in bad][:5], hint=hint)


def _validate(
    inputs: pd.DataFrame,
    outputs: pd.DataFrame,
    non_discretionary: Iterable[str] | None,
) -> tuple[pd.DataFrame, pd.DataFrame, list[str]]:
    for frame, name in ((inputs, "inputs"), (outputs, "outputs")):
        if not isinstance(frame, pd.DataFrame):
            raise InputError(
                f"`{name}` must be a DataFrame with one row per unit and one column per {name[:-1]}",
                value=type(frame).__name__,
                hint="a single variable: pass series.to_frame()",
            )
        if frame.shape[1] == 0 or frame.shape[0] == 0:
            raise InputError(f"`{name}` is empty")
        if not frame.index.is_unique:
            raise InputError(
                f"`{name}` has repeated unit labels",
                value=[str(x) for x in frame.index[frame.index.duplicated()].unique()][:5],
            )
        for column in frame.columns:
            if not pd.api.types.is_numeric_dtype(frame[column]):
                raise InputError(
                    f"`{name}` column is not numeric",
                    column=str(column),
                    hint="convert it with pd.to_numeric",
                )
            missing = frame.index[frame[column].isna().to_numpy()]
            if len(missing):
                raise InputError(
                    f"`{name}` has missing values (DEA needs every value of every unit)",
                    column=str(column),
                    value=[str(x) for x in missing][:5],
                    hint="drop those units or impute the value before the analysis",
                )
    if not inputs.index.sort_values().equals(outputs.index.sort_values()):
        only_in = [str(x) for x in inputs.index.difference(outputs.index)][:5]
        only_out = [str(x) for x in outputs.index.difference(inputs.index)][:5]
        raise InputError(
            f"`inputs` and `outputs` cover different units (only in inputs: {only_in}; "
            f"only in outputs: {only_out})",
            hint="select the same municipalities in both frames",
        )
    outputs = outputs.reindex(inputs.index)
    shared = set(map(str, inputs.columns)) & set(map(str, outputs.columns))
    if shared:
        raise InputError(
            "a variable is both an input and an output",
            value=sorted(shared),
        )
    _reject_units(inputs, lambda values: values <= 0, "DEA needs strictly positive inputs",
                  hint="a zero or negative resource usually means a missing or wrongly coded value")
    _reject_units(outputs, lambda values: values < 0, "DEA needs non-negative outputs",
                  hint="translate a measure that can be negative, or leave it out")
    no_output = outputs.index[(outputs <= 0).all(axis=1).to_numpy()]
    if len(no_output):
        raise InputError(
            "a unit has no positive output, so its efficiency is undefined",
            value=[str(x) for x in no_output][:5],
            hint="drop the unit or check its output values",
        )
    fixed = [] if non_discretionary is None else list(non_discretionary)
    if isinstance(non_discretionary, str):
        fixed = [non_discretionary]
    unknown = [c for c in fixed if c not in inputs.columns]
    if unknown:
        raise InputError(
            "`non_discretionary` names columns that are not inputs",
            value=unknown,
            hint=f"choose among {list(map(str, inputs.columns))}",
        )
    if fixed and len(set(fixed)) == inputs.shape[1]:
        raise InputError(
            "every input is non-discretionary: nothing is left to contract",
            value=fixed,
            hint="keep at least one discretionary input (e.g. cost)",
        )
    return inputs.astype(float), outputs.astype(float), fixed


def dea(
    inputs: pd.DataFrame,
    outputs: pd.DataFrame,
    *,
    returns: str = "crs",
    orientation: str = "input",
    non_discretionary: Iterable[str] | None = None,
) -> pd.DataFrame:
    """Radial DEA efficiency scores and peers for each unit.

    Parameters
    ----------
    inputs
        One row per unit (e.g. municipality code as index), one column per input (resurser).
        Strictly positive.
    outputs
        Same units, one column per output (prestationer, resultat). Non-negative, each unit with
        at least one positive output.
    returns
        ``"crs"`` (constant returns to scale, CCR) or ``"vrs"`` (variable, BCC).
    orientation
        ``"input"`` (θ: proportional input saving) or ``"output"`` (1/φ: proportional output
        expansion).
    non_discretionary
        Input columns the unit cannot change (e.g. pupils' background); they are held at the
        unit's own level in the input orientation (Banker & Morey).

    Returns
    -------
    pandas.DataFrame
        One row per unit in ``inputs`` order, columns ``unit``, ``efficiency`` (in (0, 1]; 1 =
        on the frontier) and ``peers`` (a dict ``{peer unit: λ weight}`` of the units spanning
        the unit's target on the frontier; an efficient unit is normally its own peer). The
        frame's ``attrs`` record ``returns`` and ``orientation``. :func:`dea_peers` turns the
        peers into a long frame.

    Raises
    ------
    InputError
        Misaligned or missing data, non-positive inputs, negative outputs, an unknown option.
    KommunanalysError
        The linear programme failed for a unit (should not happen for valid data).

    Warns
    -----
    EfficiencyWarning
        Fewer units than ``3 × (inputs + outputs)`` (rule of thumb, e.g. Cooper, Seiford & Tone
        2007): many units then look efficient only because there are few to compare with.

    Examples
    --------
    >>> x = pd.DataFrame({"kostnad": [2.0, 4.0, 5.0]}, index=["A", "B", "C"])
    >>> y = pd.DataFrame({"elever": [1.0, 4.0, 2.0]}, index=["A", "B", "C"])
    >>> dea(x, y)["efficiency"].round(2).tolist()  # doctest: +SKIP
    [0.5, 1.0, 0.4]
    """
    if returns not in ("crs", "vrs"):
        raise InputError("unknown `returns`", value=returns, hint="use 'crs' or 'vrs'")
    if orientation not in ("input", "output"):
        raise InputError("unknown `orientation`", value=orientation, hint="use 'input' or 'output'")
    x_frame, y_frame, fixed = _validate(inputs, outputs, non_discretionary)
    n_units, n_inputs = x_frame.shape
    n_outputs = y_frame.shape[1]
    if n_units < 3 * (n_inputs + n_outputs):
        warnings.warn(
            f"{n_units} units for {n_inputs} inputs and {n_outputs} outputs: the usual rule of "
            f"thumb asks for at least 3 × (inputs + outputs) = {3 * (n_inputs + n_outputs)}; "
            "many units may look efficient only for lack of comparison",
            EfficiencyWarning,
            stacklevel=2,
        )
    x = x_frame.to_numpy().T  # inputs × units
    y = y_frame.to_numpy().T  # outputs × units
    discretionary = np.array([c not in fixed for c in x_frame.columns])
    labels = list(x_frame.index)

    rows = []
    for o in range(n_units):
        score, lambdas = _solve(x, y, o, returns=returns, orientation=orientation,
                                discretionary=discretionary)
        peers = {
            labels[j]: float(lambdas[j])
            for j in np.flatnonzero(lambdas > _LAMBDA_TOLERANCE)
        }
        rows.append({"unit": labels[o], "efficiency": score, "peers": peers})
    result = pd.DataFrame(rows, columns=["unit", "efficiency", "peers"])
    result.attrs = {"returns": returns, "orientation": orientation,
                    "non_discretionary": list(fixed)}
    return result


def _solve(
    x: np.ndarray,
    y: np.ndarray,
    o: int,
    *,
    returns: str,
    orientation: str,
    discretionary: np.ndarray,
) -> tuple[float, np.ndarray]:
    """Solve one envelopment LP; variables are ``[score, λ_1 .. λ_n]``."""
    n_inputs, n_units = x.shape
    n_outputs = y.shape[0]
    if orientation == "input":
        # min θ; Σλx - θx_o ≤ 0 (discretionary) or Σλx ≤ x_o (fixed); -Σλy ≤ -y_o
        c = np.r_[1.0, np.zeros(n_units)]
        score_col = np.where(discretionary, -x[:, o], 0.0)
        a_inputs = np.c_[score_col, x]
        b_inputs = np.where(discretionary, 0.0, x[:, o])
        a_outputs = np.c_[np.zeros(n_outputs), -y]
        b_outputs = -y[:, o]
    else:
        # max φ ⇔ min -φ; Σλx ≤ x_o; φy_o - Σλy ≤ 0
        c = np.r_[-1.0, np.zeros(n_units)]
        a_inputs = np.c_[np.zeros(n_inputs), x]
        b_inputs = x[:, o]
        a_outputs = np.c_[y[:, o], -y]
        b_outputs = np.zeros(n_outputs)
    a_ub = np.vstack([a_inputs, a_outputs])
    b_ub = np.r_[b_inputs, b_outputs]
    a_eq = b_eq = None
    if returns == "vrs":
        a_eq = np.r_[0.0, np.ones(n_units)][None, :]
        b_eq = np.array([1.0])
    bounds = [(0, None)] * (n_units + 1)
    solution = linprog(c, A_ub=a_ub, b_ub=b_ub, A_eq=a_eq, b_eq=b_eq, bounds=bounds,
                       method="highs")
    if solution.status != 0:
        raise KommunanalysError(
            f"DEA linear programme failed for unit number {o + 1}: {solution.message}"
        )
    value = float(solution.x[0])
    score = value if orientation == "input" else 1.0 / value
    return score, np.asarray(solution.x[1:])


def dea_peers(result: pd.DataFrame) -> pd.DataFrame:
    """The peers of a :func:`dea` result as a long frame.

    Parameters
    ----------
    result
        The frame returned by :func:`dea`.

    Returns
    -------
    pandas.DataFrame
        Columns ``unit``, ``peer``, ``weight`` (λ), one row per unit and peer.
    """
    if not {"unit", "peers"} <= set(result.columns):
        raise InputError("expected the frame returned by dea()", hint="pass dea(...) itself")
    rows = [
        {"unit": unit, "peer": peer, "weight": weight}
        for unit, peers in zip(result["unit"], result["peers"])
        for peer, weight in peers.items()
    ]
    return pd.DataFrame(rows, columns=["unit", "peer", "weight"])
