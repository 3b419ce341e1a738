"""Who was invited: the population file, response rates and the role mix of a municipality.

A survey export says who answered; the *population* says how many were asked. The consultant
supplies it as a small CSV (``;`` or ``,``), one row per municipality and role, optionally per
tjänsteperson subgroup::

    kommun;roll;delgrupp;inbjudna
    1761;förtroendevald;;61
    1761;tjänsteperson;;180
    1761;tjänsteperson;chef i central förvaltning;25

``kommun`` is a code or a name, ``roll`` förtroendevald/tjänsteperson (plural and capitals
accepted), ``delgrupp`` empty (the role) or a subgroup (chef i central förvaltning, övrig
tjänsteperson), ``inbjudna`` a whole number. A role without its own row is the sum of its
subgroup rows. Every row is loaded or the file is rejected with file, row, column, value and how
to fix it; :func:`check_population` also rejects a cell with more respondents than invited.

What is published (the anonymity rule applies to populations too)
-----------------------------------------------------------------
The response rate of a group is ``answered / invited``. A group whose number of respondents is
hidden (:mod:`kommunanalys.anonymity`: "färre än k svar", or "dold" to protect another group)
has neither its invited count nor its rate published: rate × invited would give back the hidden
count, and a small invited count bounds it ("1 inbjuden" and "färre än 5 svar" means one
answered). Within a margin (the roles of a municipality, the subgroups of tjänstepersoner) the
anonymity rule hides either no group with answers or at least two, so subtracting the shown
invited counts from the total gives only the *sum* of the hidden groups' invited counts, never
one group's. The subgroup "tjänsteperson, ej angivet" has no invited count, so when any subgroup
is hidden no subgroup shows its invited count or rate (the roles and everyone still do). A group
without answers ("inga svar") shows its invited count and 0 %.

Finite population correction and weighting
-------------------------------------------
With n of N invited answering, a share's sampling variance is ``p(1 − p)/n · (N − n)/(N − 1)``
(simple random sampling without replacement; Cochran 1977, *Sampling Techniques*, 3rd ed.,
Theorem 3.2). The intervals here are Wilson intervals on the effective sample size
``n · (N − 1)/(N − n)`` (:func:`kommunanalys.stats.fpc_effective_n`): a census has no sampling
error. Whole-municipality figures ("alla svarande") mix the roles in the proportion they
answered; :func:`weighted_shares` post-stratifies them to the invited role mix (weight of a
respondent of role h: N_h / n_h), with Kish's effective sample size ``(Σw)² / Σw²`` and an
interval from the stratified variance ``Σ W_h² p_h q_h / n_h · (N_h − n_h)/(N_h − 1)`` (Wilson on
the effective n ``p q / V``, as Korn & Graubard 1998, Survey Methodology 24(2):193–201). A
weighted figure is shown only where both roles are shown for that question: otherwise the
weighted and the unweighted figure together would give the hidden role's share.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import numpy as np
import pandas as pd

from ._lru import memoize
from .errors import InputError
from .labels import format_number, format_percent
from .municipalities import lookup_municipality
from .stats import fpc_effective_n, wilson_interval
from .survey import ROLES, Survey

__all__ = [
    "DEFAULT_LOW_RATE",
    "POPULATION_COLUMNS",
    "read_population",
    "check_population",
    "invited_counts",
    "response_rates",
    "format_response_rates",
    "weighted_shares",
    "format_weighted_shares",
    "low_rate_notes",
    "rate_line",
    "post_stratified_share",
    "population_for",
    "population_summary",
]

#: A role whose response rate is below this share gets a note (``low_rate=`` changes it).
DEFAULT_LOW_RATE = 0.30
#: The columns of a population file (Swedish, as the consultant writes them) and their meaning.
POPULATION_COLUMNS = {"kommun": "municipality", "roll": "role", "delgrupp": "subgroup", "inbjudna": "invited"}
_REQUIRED = ("kommun", "roll", "inbjudna")
_FV, _TP = ROLES
_CHEF, _OTHER, _UNKNOWN = "chef i central förvaltning", "övrig tjänsteperson", "tjänsteperson, ej angivet"
_ROLE_NAMES = {"förtroendevald": _FV, "förtroendevalda": _FV, "tjänsteperson": _TP, "tjänstepersoner": _TP}
_SUBGROUP_NAMES = {"chef i central förvaltning": _CHEF, "chefer i central förvaltning": _CHEF, "chef": _CHEF,
                   "chefer": _CHEF, "övrig tjänsteperson": _OTHER, "övriga tjänstepersoner": _OTHER,
                   "övriga": _OTHER, "övrig": _OTHER}


def _norm(text: object) -> str:
    return re.sub(r"\s+", " ", str(text if text is not None else "")).strip().lower()


# ---------------------------------------------------------------------------------------------
# Reading
# ---------------------------------------------------------------------------------------------
def read_population(path: str | os.PathLike) -> pd.DataFrame:
    """Read a population file (module docstring): invited persons per municipality, role, subgroup.

    Parameters
    ----------
    path
        CSV (``;`` or ``,``; UTF-8, UTF-8 with BOM or Windows-1252) or ``.xlsx``.

    Returns
    -------
    pandas.DataFrame
        One row per municipality and group: ``municipality_code``, ``group`` (``förtroendevald``,
        ``tjänsteperson``, ``chef i central förvaltning`` or ``övrig tjänsteperson``),
        ``invited`` (int) and ``source_row`` (the file's row, header = row 1; for a role derived
        from its subgroups the first subgroup row). ``attrs["source"]``, ``attrs["rows_in_file"]``
        and ``attrs["empty_rows"]`` account for every row of the file.

    Raises
    ------
    InputError
        A missing column, an unknown municipality, role or subgroup, an invited count that is not
        a whole number ≥ 0, a group given twice, or subgroups adding up to more than their role.
    """
    from .loader import read_table

    path = Path(path)
    frame, _ = read_table(path, min_columns=1)
    headers = {_norm(c): c for c in frame.columns}
    missing = [c for c in _REQUIRED if c not in headers]
    if missing:
        raise InputError(f"populationsfilen saknar kolumnen {missing[0]!r}", file=path, column=missing[0],
                         hint="rubrikraden ska vara kommun;roll;delgrupp;inbjudna (delgrupp får saknas), "
                              "t.ex. 1761;förtroendevald;;61")
    rows, empty = [], 0
    for i, rec in enumerate(frame.itertuples(index=False, name=None)):
        row = i + 2  # header = row 1
        cells = dict(zip(frame.columns, rec))
        get = (lambda name: str(cells[headers[name]]).strip() if name in headers else "")
        if not any(str(v).strip() for v in rec):
            empty += 1
            continue
        raw_code = get("kommun")
        found = lookup_municipality(raw_code)
        if not found:
            raise InputError("okänd kommun", file=path, row=row, column=headers["kommun"], value=raw_code,
                             hint="skriv kommunens fyrsiffriga kod (t.ex. 1761) eller namn (t.ex. Hammarö)")
        role = _ROLE_NAMES.get(_norm(get("roll")))
        if role is None:
            raise InputError("okänd roll", file=path, row=row, column=headers["roll"], value=get("roll"),
                             hint="skriv förtroendevald eller tjänsteperson")
        sub_text = get("delgrupp")
        group = role
        if sub_text:
            group = _SUBGROUP_NAMES.get(_norm(sub_text))
            if group is None or role != _TP:
                raise InputError("okänd delgrupp" if group is None else "förtroendevalda har inga delgrupper",
                                 file=path, row=row, column=headers["delgrupp"], value=sub_text,
                                 hint="lämna delgrupp tom för hela rollen, eller skriv (för tjänstepersoner) "
                                      "chef i central förvaltning eller övrig tjänsteperson")
        text = get("inbjudna").replace(" ", "").replace("\u00a0", "")
        if not text.isdigit():
            raise InputError("antalet inbjudna måste vara ett heltal, 0 eller mer", file=path, row=row,
                             column=headers["inbjudna"], value=get("inbjudna"),
                             hint="skriv antalet personer som fick enkäten, t.ex. 61")
        rows.append({"municipality_code": found[0], "group": group, "invited": int(text), "source_row": row})
    table = pd.DataFrame(rows, columns=["municipality_code", "group", "invited", "source_row"])
    dupes = table[table.duplicated(["municipality_code", "group"], keep=False)]
    if len(dupes):
        first, second = dupes.iloc[0], dupes.iloc[1]
        raise InputError(f"gruppen {first['group']!r} i kommun {first['municipality_code']} står två gånger "
                         f"(rad {first['source_row']} och {second['source_row']})", file=path,
                         row=int(second["source_row"]), column=headers["roll"], value=first["group"],
                         hint="ange varje kommun, roll och delgrupp på en rad")
    table = _derive_roles(table, path=path, column=headers["inbjudna"])
    table.attrs.update(source=str(path), rows_in_file=len(frame), empty_rows=empty)
    return table


def _derive_roles(table: pd.DataFrame, *, path: Path, column: str) -> pd.DataFrame:
    """Add a tjänsteperson row where only its subgroups are given; check subgroups ≤ role."""
    extra = []
    for code, part in table.groupby("municipality_code", sort=False):
        subs = part[part["group"].isin([_CHEF, _OTHER])]
        role = part[part["group"] == _TP]
        if subs.empty:
            continue
        if role.empty:
            if len(subs) == 2:  # both subgroups: they are the role
                extra.append({"municipality_code": code, "group": _TP, "invited": int(subs["invited"].sum()),
                              "source_row": int(subs["source_row"].min())})
            continue
        if subs["invited"].sum() > role["invited"].iat[0]:
            last = subs.iloc[-1]
            raise InputError(f"delgrupperna har fler inbjudna ({int(subs['invited'].sum())}) än rollen "
                             f"tjänsteperson ({int(role['invited'].iat[0])}) i kommun {code}", file=path,
                             row=int(last["source_row"]), column=column, value=int(last["invited"]),
                             hint="delgruppernas inbjudna ingår i rollens; rätta antalen")
    if extra:
        table = pd.concat([table, pd.DataFrame(extra)], ignore_index=True)
    return table.sort_values(["municipality_code", "source_row"], kind="stable").reset_index(drop=True)


def invited_counts(population: pd.DataFrame, municipality: str) -> dict[str, int]:
    """Invited per group of one municipality, ``alla`` included when both roles are known."""
    part = population[population["municipality_code"] == municipality]
    out = {g: int(n) for g, n in zip(part["group"], part["invited"])}
    if _FV in out and _TP in out:
        out["alla"] = out[_FV] + out[_TP]
    return out


def check_population(population: pd.DataFrame, survey: Survey) -> list[str]:
    """Check the population against the survey: nobody answered who was not invited.

    Returns
    -------
    list of str
        Swedish notes for municipalities of the survey without a population (their rates are
        reported as missing, not as zero).

    Raises
    ------
    InputError
        When a group has more respondents than invited (names the population file's row).
    """
    sizes = survey.respondents.groupby(["municipality_code", "role"], observed=True).size()
    subs = survey.respondents.groupby(["municipality_code", "subgroup"], observed=True).size()
    for rec in population.itertuples():
        answered = int(sizes.get((rec.municipality_code, rec.group), 0) if rec.group in ROLES
                       else subs.get((rec.municipality_code, rec.group), 0))
        if answered > rec.invited:
            raise InputError(f"fler svarande ({answered}) än inbjudna ({rec.invited}) för {rec.group} i kommun "
                             f"{rec.municipality_code}", file=population.attrs.get("source"), row=int(rec.source_row),
                             column="inbjudna", value=int(rec.invited),
                             hint="ange alla som fick enkäten (inbjudna), inte bara de som svarade; "
                                  "kontrollera kommun och roll på raden")
    known = set(population["municipality_code"])
    return [f"{code} {survey.municipality_name(code)}: saknas i populationsfilen (ingen svarsfrekvens)"
            for code in survey.municipality_codes if code not in known]


def population_summary(population: pd.DataFrame) -> str:
    """Row accounting of a population file, for ``kommunanalys validate`` (Swedish)."""
    a = population.attrs
    given = len(population)
    return (f"Populationsfil: {a.get('source', '?')}\nRader i filen: {a.get('rows_in_file', given)} "
            f"({a.get('empty_rows', 0)} tomma)\nGrupper med inbjudna: {given} i "
            f"{population['municipality_code'].nunique()} kommuner")


# ---------------------------------------------------------------------------------------------
# Response rates
# ---------------------------------------------------------------------------------------------
def _disclosure(survey: Survey, municipality: str, threshold: int | None) -> pd.DataFrame:
    """The one place this module asks :mod:`kommunanalys.anonymity` what may be shown.

    Returns the municipality's hierarchy (everyone, roles, subgroups) as
    :func:`kommunanalys.respondents.respondent_counts` publishes it (``n`` missing where hidden,
    ``suppressed`` the reason), plus ``hidden`` (bool) and ``n_all`` (the true size, for
    computing only — never written out for a hidden group).
    """
    from .anonymity import group_sizes, resolve_threshold
    from .respondents import respondent_counts

    t = resolve_threshold(threshold, survey)
    table = respondent_counts(survey, municipality, threshold=t)
    true = dict(zip(*group_sizes(survey, municipality, "hierarchy")[["group", "n"]].to_numpy().T))
    table["n_all"] = table["group"].map(true).astype("int64")
    table["hidden"] = table["suppressed"] != ""
    return table


def response_rates(survey: Survey, population: pd.DataFrame, municipality: str, *,
                   threshold: int | None = None, low_rate: float | None = None) -> pd.DataFrame:
    """Response rate per group of one municipality, safe to publish.

    Parameters
    ----------
    survey
        The loaded survey.
    population
        From :func:`read_population`.
    municipality
        Code or name.
    threshold
        Anonymity threshold (default: the instrument's).
    low_rate
        A shown role or everyone below this rate gets ``low`` = True (and a note on the page);
        None: :data:`DEFAULT_LOW_RATE`.

    Returns
    -------
    pandas.DataFrame
        One row per group of :func:`kommunanalys.respondents.respondent_counts`: ``level``,
        ``group``, ``label``, ``n`` (missing when hidden), ``invited`` and ``rate`` (0..1; missing
        when the group is hidden or the population does not give it), ``suppressed``, ``shown``
        (respondents as published), ``invited_shown``, ``rate_shown`` (Swedish text: the number,
        "dold", "saknas") and ``low``.
    """
    low_rate = DEFAULT_LOW_RATE if low_rate is None else low_rate
    code = survey.resolve_municipality(municipality)
    table = _disclosure(survey, code, threshold)
    invited = invited_counts(population, code)
    table["invited"] = table["group"].map(invited).astype("Int64")
    hidden_with_answers = table["hidden"] & (table["n_all"] > 0)
    # a hidden subgroup's invited count could be pinned through the others' (the subgroup
    # "ej angivet" has none): with any subgroup hidden, no subgroup shows invited or rate
    subgroup = table["level"] == "subgroup"
    hidden_with_answers = hidden_with_answers | (subgroup & bool((hidden_with_answers & subgroup).any()))
    table["invited"] = table["invited"].mask(hidden_with_answers)
    with np.errstate(divide="ignore", invalid="ignore"):
        rate = table["n_all"].to_numpy(dtype=float) / table["invited"].astype("Float64").to_numpy(dtype=float,
                                                                                                  na_value=np.nan)
    rate = np.where(table["invited"].fillna(0).to_numpy(dtype=float) > 0, rate, np.nan)
    table["rate"] = pd.Series(rate, index=table.index).mask(hidden_with_answers)
    table["invited_shown"] = [("dold" if h else ("saknas" if pd.isna(i) else str(int(i))))
                              for h, i in zip(hidden_with_answers, table["invited"])]
    table["rate_shown"] = [("dold" if h else ("saknas" if pd.isna(r) else _percent(r)))
                           for h, r in zip(hidden_with_answers, table["rate"])]
    table["low"] = (table["level"].isin(["all", "role"]) & table["rate"].notna()
                    & (table["rate"] < low_rate)).astype(bool)
    return table[["level", "group", "label", "n", "invited", "rate", "suppressed", "shown", "invited_shown",
                  "rate_shown", "low"]].reset_index(drop=True)


def _percent(rate: float, digits: int = 0) -> str:
    return format_percent(rate * 100, digits, missing="–")


def format_response_rates(table: pd.DataFrame) -> pd.DataFrame:
    """The table of :func:`response_rates` as a report shows it (Swedish headings)."""
    return (table.set_index("label")[["shown", "invited_shown", "rate_shown"]]
            .rename(columns={"shown": "Antal svar", "invited_shown": "Inbjudna", "rate_shown": "Svarsfrekvens"})
            .rename_axis("Grupp"))


def rate_line(row) -> str:
    """One group of :func:`response_rates` as a line of text: "Förtroendevalda: 45 av 61 inbjudna (74 %)"."""
    if row.rate_shown in ("dold", "saknas"):
        return f"{row.label}: {row.shown}"
    return f"{row.label}: {row.shown} av {row.invited_shown} inbjudna ({row.rate_shown})"


def low_rate_notes(table: pd.DataFrame, *, low_rate: float | None = None) -> list[str]:
    """Swedish notes for the groups of :func:`response_rates` whose rate is low (``low_rate`` as there)."""
    low_rate = DEFAULT_LOW_RATE if low_rate is None else low_rate
    return [f"Svarsfrekvensen för {r.label.lower()} är låg ({r.rate_shown}, under {_percent(low_rate)}): "
            "resultatet kan skilja sig från vad alla inbjudna tycker." for r in table.itertuples() if r.low]


# ---------------------------------------------------------------------------------------------
# Weighting to the invited role mix
# ---------------------------------------------------------------------------------------------
def weighted_shares(survey: Survey, population: pd.DataFrame, municipality: str, *,
                    threshold: int | None = None, confidence: float = 0.95) -> pd.DataFrame:
    """Share positive of everyone per Likert question, unweighted and post-stratified by role.

    Built from :func:`kommunanalys.questions.summary` of the municipality (already suppressed)
    and the invited counts of the roles.

    Returns
    -------
    pandas.DataFrame
        One row per Likert question: ``question``, ``n`` (substantive answers of everyone),
        ``positive`` (unweighted, percent) with ``positive_ci_low``/``positive_ci_high`` (Wilson
        with finite population correction, N = everyone invited), ``weighted_positive`` with
        ``weighted_ci_low``/``weighted_ci_high`` (module docstring), ``n_effective`` (Kish),
        ``suppressed`` and ``note`` (why a figure is not shown). Missing values where a figure
        may not be shown or the population lacks a role.
    """
    from . import questions as q

    code = survey.resolve_municipality(municipality)
    sub = survey.subset(municipalities=code)
    roles = q.summary(sub, by="role", threshold=threshold, confidence=confidence)
    alla = q.summary(sub, by="all", threshold=threshold, confidence=confidence)
    invited = invited_counts(population, code)
    rows = []
    for rec in alla.itertuples():
        part = roles[roles["question"] == rec.question].set_index("group")
        row = {"question": rec.question, "n": np.nan, "positive": np.nan, "positive_ci_low": np.nan,
               "positive_ci_high": np.nan, "weighted_positive": np.nan, "weighted_ci_low": np.nan,
               "weighted_ci_high": np.nan, "n_effective": np.nan, "suppressed": bool(rec.suppressed),
               "note": rec.note if rec.suppressed else ""}
        if rec.suppressed or rec.n == 0:
            rows.append(row)
            continue
        n_total = int(rec.n)
        x_total = round(rec.positive * n_total / 100)
        row["n"], row["positive"] = n_total, rec.positive
        big_n = invited.get("alla", np.nan)
        lo, hi = wilson_interval(x_total, n_total, confidence=confidence, population=big_n)
        row["positive_ci_low"], row["positive_ci_high"] = float(lo) * 100, float(hi) * 100
        if any(g not in invited for g in ROLES):
            row["note"] = "viktning saknas: populationsfilen anger inte båda rollerna"
        elif part.loc[list(ROLES), "suppressed"].any() or (part.loc[list(ROLES), "n"] == 0).any():
            row["note"] = "viktat värde visas inte: en roll har för få svar på frågan"
        else:
            n_h = part.loc[list(ROLES), "n"].to_numpy(dtype=float)
            p_h = part.loc[list(ROLES), "positive"].to_numpy(dtype=float) / 100
            big_h = np.array([invited[g] for g in ROLES], dtype=float)
            est = post_stratified_share(p_h, n_h, big_h, confidence=confidence)
            row.update(weighted_positive=est["share"] * 100, weighted_ci_low=est["ci_low"] * 100,
                       weighted_ci_high=est["ci_high"] * 100, n_effective=est["n_effective"])
        rows.append(row)
    return pd.DataFrame(rows)


def post_stratified_share(p: np.ndarray, n: np.ndarray, population: np.ndarray, *,
                          confidence: float = 0.95) -> dict[str, float]:
    """A share post-stratified to known stratum sizes (module docstring).

    Parameters
    ----------
    p, n, population
        Per stratum: the sample share (0..1), the sample size n_h and the population size N_h.

    Returns
    -------
    dict
        ``share`` Σ W_h p_h with W_h = N_h / N; ``n_effective`` Kish's (Σw)²/Σw² with w = N_h/n_h
        for each of the n_h respondents; ``variance`` Σ W_h² p_h q_h / n_h · (N_h − n_h)/(N_h − 1);
        ``ci_low``, ``ci_high`` the Wilson interval on the effective n p q / variance (where the
        variance is 0 because every stratum answered 0 % or 100 %: on Kish's n with the finite
        population correction of the total; a census of every stratum has zero width).
    """
    p, n, big = (np.asarray(v, dtype=float) for v in (p, n, population))
    w_h = big / big.sum()
    share = float((w_h * p).sum())
    n_eff = float(big.sum() ** 2 / (big ** 2 / n).sum())  # Σw = ΣN_h, Σw² = Σ n_h (N_h/n_h)²
    with np.errstate(divide="ignore", invalid="ignore"):
        fpc = np.where(big > 1, (big - n) / (big - 1), 0.0)
    variance = float((w_h ** 2 * p * (1 - p) / n * fpc).sum())
    if variance > 0:
        eff = share * (1 - share) / variance
    elif np.all(n >= big):
        eff = np.inf  # a census of every role: no sampling error
    else:  # every role answered 0 % or 100 %: no variance to estimate, use Kish's n with the FPC
        eff = float(fpc_effective_n(min(n_eff, big.sum()), big.sum()))
    lo, hi = wilson_interval(share, 1.0, confidence=confidence, effective_n=eff)
    return {"share": share, "n_effective": n_eff, "variance": variance, "ci_low": float(lo), "ci_high": float(hi)}


def format_weighted_shares(table: pd.DataFrame, survey: Survey) -> pd.DataFrame:
    """The table of :func:`weighted_shares` as a report shows it (Swedish headings, text cells)."""
    inst = survey.instrument

    def pct(v, lo, hi):
        if pd.isna(v):
            return "–"
        return f"{format_percent(v)} ({format_number(lo, 0)}–{format_number(hi, 0)})"

    out = pd.DataFrame({
        "Fråga": [f"{inst[qid].number}. {inst[qid].short}" for qid in table["question"]],
        "Antal svar": ["–" if pd.isna(n) else str(int(n)) for n in table["n"]],
        "Instämmer, ovägt": [pct(*v) for v in table[["positive", "positive_ci_low", "positive_ci_high"]]
                             .itertuples(index=False)],
        "Instämmer, viktat efter inbjudna": [pct(*v) for v in table[["weighted_positive", "weighted_ci_low",
                                                                      "weighted_ci_high"]].itertuples(index=False)],
        "Effektivt n (Kish)": ["–" if pd.isna(v) else f"{v:.0f}" for v in table["n_effective"]],
        "Anmärkning": table["note"].fillna(""),
    })
    return out.set_index("Fråga")


# ---------------------------------------------------------------------------------------------
# The page
# ---------------------------------------------------------------------------------------------
def population_for(population: str | os.PathLike | pd.DataFrame | None, data: str | os.PathLike | None = None
                   ) -> pd.DataFrame | None:
    """The population to use: ``population`` (a path or a frame of :func:`read_population`), else
    the demo's synthetic population when ``data`` is None (the demo), else None."""
    if isinstance(population, pd.DataFrame):
        return population
    if population is None:
        from . import paths

        if data is not None or not paths.DEMO_POPULATION.exists():
            return None
        population = paths.DEMO_POPULATION
    path = Path(population)
    return _read_cached(str(path.resolve()), path.stat().st_mtime_ns if path.exists() else 0).copy()


@memoize(maxsize=4)
def _read_cached(path: str, mtime_ns: int) -> pd.DataFrame:
    return read_population(path)
