"""The efficiency page: what ``notebooks/04_efficiency.ipynb`` shows, composed here.

The seed deck's model: *mål- och resultatkedjan* (behov → mål → resurser → aktiviteter →
prestationer → resultat/kvalitet), Produktivitet = Prestationer / Resurser and
Effektivitet = Kvalitet / Resurser. :func:`build_efficiency` computes every table for one
municipality — its key figures on the chain, the ratios as an index against a comparison group,
a DEA frontier across the municipalities, and its survey answers on economy and quality
follow-up (Q10, Q12, anonymity applied) — and the ``show_*`` functions draw a chart, display a
table and write the data behind them as CSV when given an ``output_dir``.

Which key figures make which ratio (the default chain is the seed's school example,
``data/result_chain.yaml``; every figure there is per pupil or a share, so no total cost is
needed):

* **Produktivitet** (prestationer / resurser): pupils per teacher (N15034) — Kolada publishes the
  ratio itself; the seed's resource is "lärare".
* **Effektivitet** (kvalitet / resurser): share of year-9 pupils eligible (N15428, %) per
  100 000 kr of cost per pupil (N15027), computed with
  :func:`kommunanalys.efficiency.effectiveness`.
* **Kostnad per prestation**: cost per pupil (N15027, kr/elev) — Kolada's cost per output.

Each is indexed with :func:`kommunanalys.efficiency.index_to_reference` against the median of
the comparison group (= 100). The comparison group is every municipality in the key figures for
the year shown, or the given ``comparison`` codes; the municipality itself is always part of it.

The frontier: :func:`kommunanalys.dea.dea`, input-oriented with variable returns to scale (VRS),
input = cost per pupil, output = share eligible (:data:`DEA_INPUTS`, :data:`DEA_OUTPUTS`). Both
are per-pupil ratios; with ratio data the constant-returns model is not appropriate
(Hollingsworth & Smith 2003, "Use of ratios in data envelopment analysis", Applied
Economics Letters 10(11)) — doubling the cost per pupil cannot
double a share bounded by 100 %. Input orientation asks what a municipality can steer: how much
lower the cost per pupil could be at the same result (as Waldo 2007 for Swedish schools).
"""

from __future__ import annotations

import textwrap
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import FancyBboxPatch, Patch
from matplotlib.ticker import FuncFormatter, MaxNLocator

from .. import questions
from ..anonymity import resolve_threshold
from ..dea import dea, dea_peers
from ..efficiency import ResultChain, effectiveness, index_to_reference, load_result_chain, place_on_chain
from ..plots.efficiency import frontier_plot, index_plot
from ..errors import InputError
from ..kolada import DEMO_KEY_FIGURES_FILE, read_kolada
from ..municipalities import lookup_municipality, municipalities
from .notebook import SYNTHETIC_NOTE, show, show_figure, show_markdown, write_tables
from ..labels import format_number, role_names
from .._lru import memoize
from ..plots.charts import ROLE_COLOURS, VERDICT_COLOURS
from ..survey import Survey

__all__ = [
    "ILLUSTRATIVE_NOTE",
    "Ratio",
    "RATIOS",
    "DEA_INPUTS",
    "DEA_OUTPUTS",
    "DEA_RETURNS",
    "DEA_ORIENTATION",
    "EfficiencyPage",
    "build_efficiency",
    "chain_table",
    "ratio_table",
    "frontier_table",
    "survey_table",
    "chain_diagram",
    "survey_figure",
    "show_chain",
    "show_ratios",
    "show_frontier",
    "show_survey_beside_figures",
]

#: The label every view of the bundled demo key figures carries.
ILLUSTRATIVE_NOTE = "Illustrativa nyckeltal – inte Kolada-data"
#: Said on the page of a real (non-demo) survey when no key figures were given.
NO_KEY_FIGURES_NOTE = ("**Inga nyckeltal har angetts.** Mål- och resultatkedjan, kvoterna och effektivitetsfronten "
                       "visas därför inte; enkätsvaren visas ändå. Läs in kommunernas nyckeltal från Kolada och "
                       "ange filen med `kommunanalys report --key-figures FIL` (eller parametern `key_figures`).")

#: DEA model of the page (module docstring: why VRS and input orientation).
DEA_INPUTS = ("N15027",)
DEA_OUTPUTS = ("N15428",)
DEA_RETURNS = "vrs"
DEA_ORIENTATION = "input"

#: Short axis labels for the frontier chart (the chain's titles are long).
_AXIS_TITLES = {"N15027": "kostnad per elev i grundskolan (kr/elev)",
                "N15428": "andel behöriga till yrkesprogram, åk 9 (%)"}

#: The seed's school example, one line per link (shown in the chain diagram of that chain).
_SEED_EXAMPLE = {
    "behov": "Elevernas behov och förutsättningar",
    "mal": "Eleverna är behöriga till gymnasiet",
    "resurser": "Lärare, lokaler",
    "aktiviteter": "Genomförda lektioner",
    "prestationer": "Eleverna har gått ut åk 9",
    "resultat": "Eleverna är behöriga till gymnasiet",
}


@dataclass(frozen=True)
class Ratio:
    """One ratio of the page: what it is called, how it is computed, which way is better."""

    key: str
    label: str
    measure: str
    formula: str
    unit: str
    higher_is_better: bool
    kpis: tuple[str, ...]


RATIOS: tuple[Ratio, ...] = (
    Ratio("produktivitet", "Produktivitet", "Elever per lärare",
          "Prestationer / resurser: elever per lärare (heltidstjänst), N15034",
          "elever/lärare", True, ("N15034",)),
    Ratio("effektivitet", "Effektivitet", "Andel behöriga per 100 000 kr per elev",
          "Kvalitet / resurser: andel behöriga (N15428) / (kostnad per elev (N15027) / 100 000)",
          "% behöriga per 100 000 kr/elev", True, ("N15428", "N15027")),
    Ratio("kostnad_per_prestation", "Kostnad per prestation", "Kostnad per elev",
          "Resurser / prestationer: kostnad per elev i grundskola F–9, N15027",
          "kr/elev", False, ("N15027",)),
)

_FIGURE_COLUMNS = ["municipality_code", "municipality_name", "period", "link", "link_title", "kpi", "title",
                   "unit", "optional", "value", "is_municipality", "illustrative"]
_CHAIN_COLUMNS = ["municipality_code", "municipality_name", "period", "link", "link_title", "link_order",
                  "context", "description", "kpi", "title", "unit", "optional", "value", "comparison_median",
                  "comparison_size", "illustrative"]
_RATIO_COLUMNS = ["ratio", "label", "measure", "formula", "unit", "higher_is_better", "municipality_code",
                  "municipality_name", "period", "value", "reference_median", "index", "is_municipality",
                  "illustrative"]
_DEA_COLUMNS = ["municipality_code", "municipality_name", "period", "efficiency", "rank", "returns",
                "orientation", "inputs", "outputs", "is_municipality", "is_peer", "illustrative"]
_PEER_COLUMNS = ["municipality_code", "municipality_name", "peer", "peer_name", "weight", "period",
                 "illustrative"]


# ---------------------------------------------------------------------------------------------
# The page
# ---------------------------------------------------------------------------------------------
@dataclass
class EfficiencyPage:
    """Every table of the efficiency page for one municipality.

    Attributes
    ----------
    figures
        The chain's key figures for every municipality of the comparison group in ``year``
        (long form: one row per municipality and key figure).
    chain
        The municipality's result chain: one row per link and key figure (links without key
        figures, behov and mål, have one row with ``kpi`` missing), with the comparison median.
    ratios
        Productivity, effectiveness and cost per output per municipality of the group, with the
        index against the group's median (= 100).
    frontier, peers
        The DEA scores per municipality and the peers (λ weights) of every municipality.
    survey_results
        :func:`kommunanalys.questions.summary` of the instrument's ``key_figure_questions`` by role in the municipality,
        anonymity applied.
    message
        A Swedish message when the municipality has no key figures (else None): the chain,
        ratios and frontier are then empty and only the survey answers are shown.
    notes
        Swedish remarks on the data (municipalities without key figures, units left out).
    """

    survey: Survey
    municipality: str
    municipality_name: str
    threshold: int
    year: int | None
    comparison: list[str]
    illustrative: bool
    result_chain: ResultChain
    figures: pd.DataFrame
    chain: pd.DataFrame
    ratios: pd.DataFrame
    frontier: pd.DataFrame
    peers: pd.DataFrame
    survey_results: pd.DataFrame
    message: str | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def has_key_figures(self) -> bool:
        """True when the municipality has key figures to show."""
        return self.message is None

    def names(self) -> dict[str, str]:
        """Code -> name for every municipality of the page (for chart labels)."""
        names = _register_names()
        names[self.municipality] = self.municipality_name
        return names

    def tables(self) -> dict[str, pd.DataFrame]:
        """The data behind every chart and table, long form, keyed by CSV name."""
        code = self.municipality
        survey = self.survey_results.copy()
        survey.insert(0, "municipality_name", self.municipality_name)
        survey.insert(0, "municipality_code", code)
        return {
            f"effektivitet_nyckeltal_{code}": self.figures,
            f"effektivitet_kedja_{code}": self.chain,
            f"effektivitet_kvoter_{code}": self.ratios,
            f"effektivitet_dea_{code}": self.frontier,
            f"effektivitet_dea_forebilder_{code}": self.peers,
            f"effektivitet_enkat_{code}": survey,
        }


def _register_names() -> dict[str, str]:
    register = municipalities()
    return dict(zip(register["code"], register["name"]))


def _normalise_codes(frame: pd.DataFrame) -> pd.DataFrame:
    codes = frame["municipality_code"].astype(str).str.strip()
    codes = codes.where(~codes.str.fullmatch(r"\d{1,4}"), codes.str.zfill(4))
    return frame.assign(municipality_code=codes)


def _load_key_figures(key_figures) -> tuple[pd.DataFrame, bool]:
    """The key figures as a tidy frame, and whether they are the bundled illustrative demo."""
    if key_figures is None:
        key_figures = DEMO_KEY_FIGURES_FILE
    if isinstance(key_figures, pd.DataFrame):
        illustrative = ("source" in key_figures.columns
                        and key_figures["source"].astype(str).str.contains("ILLUSTRATIV").any())
        if "municipality_code" not in key_figures.columns:
            raise InputError("`key_figures` lacks the column municipality_code",
                             value=list(key_figures.columns)[:10],
                             hint="read saved Kolada responses with kommunanalys.kolada.read_kolada")
        return _normalise_codes(key_figures), bool(illustrative)
    path = Path(key_figures).resolve()
    # read once per process while unchanged: every municipality's page of a batch asks for the same file
    stamp = tuple((str(f), f.stat().st_mtime_ns) for f in sorted(path.rglob("*")) if f.is_file()) \
        if path.is_dir() else (path.stat().st_mtime_ns if path.exists() else 0)
    frame, illustrative = _read_key_figures(str(path), stamp)
    return frame.copy(), illustrative


@memoize(maxsize=4)
def _read_key_figures(path: str, stamp) -> tuple[pd.DataFrame, bool]:
    """The key figures of a file or folder, and whether they are the illustrative demo's."""
    where = Path(path)
    frame = read_kolada(where)
    return frame, where == DEMO_KEY_FIGURES_FILE.resolve() or _labelled_illustrative(where)


def _labelled_illustrative(path: Path) -> bool:
    """Whether a CSV (or a CSV in a folder) carries the demo's ``source = ILLUSTRATIV ...`` label."""
    files = sorted(path.glob("*.csv")) if path.is_dir() else [path]
    for file in files:
        if file.suffix.lower() != ".csv":
            continue
        try:
            source = pd.read_csv(file, dtype=str, sep=None, engine="python", encoding="utf-8-sig",
                                 usecols=lambda c: str(c).strip().lower() == "source")
        except (ValueError, UnicodeDecodeError, pd.errors.ParserError):
            continue
        if not source.empty and source.iloc[:, 0].astype(str).str.contains("ILLUSTRATIV").any():
            return True
    return False


def _resolve_comparison(comparison) -> list[str] | None:
    if comparison is None:
        return None
    values = [comparison] if isinstance(comparison, (str, int)) else list(comparison)
    codes = []
    for value in values:
        found = lookup_municipality(value)
        if found is None:
            raise InputError("unknown municipality in `comparison`", column="comparison", value=value,
                             hint="use four-digit codes as strings (e.g. '1780') or names (e.g. 'Karlstad')")
        codes.append(found[0])
    return list(dict.fromkeys(codes))


def _empty(columns: list[str]) -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=object) for c in columns})


def build_efficiency(survey: Survey, municipality, *, comparison=None, threshold: int | None = None,
                     year: int | None = None, key_figures=None,
                     chain: ResultChain | None = None, frontier: bool = True) -> EfficiencyPage:
    """Compute every table of the efficiency page for one municipality.

    Parameters
    ----------
    survey
        The survey (its municipality supplies the answers to the instrument's
        ``key_figure_questions``).
    municipality
        Code (``"1761"`` or ``1761``) or name (``"Hammarö"``) of a municipality in the survey.
    comparison
        Codes or names of the comparison group for the index and the frontier; default every
        municipality in the key figures. The municipality itself is always included.
    threshold
        Anonymity threshold for the survey answers; default the instrument's.
    year
        The year of the key figures; default the latest year with any key figure of the
        municipality.
    key_figures
        None for the bundled ILLUSTRATIVE demo key figures with the synthetic demo survey (a
        real survey then gets no key figures and a note saying none were given), a path read with
        :func:`kommunanalys.kolada.read_kolada` (saved Kolada responses, a folder, a CSV export),
        or a tidy frame of that layout.
    chain
        The result chain; default :func:`kommunanalys.efficiency.load_result_chain`.
    frontier
        Compute the DEA frontier (``frontier`` and ``peers``); False leaves them empty (the
        deck's result-chain slide needs only the chain and the ratios).

    Returns
    -------
    EfficiencyPage
        When the municipality has no key figures (for ``year``), ``message`` says so in Swedish
        and the key-figure tables are empty; nothing raises.

    Raises
    ------
    InputError
        The municipality is not in the survey, a comparison name is unknown, or the key figures
        cannot be read.
    """
    t = resolve_threshold(threshold, survey)
    code = survey.resolve_municipality(municipality)
    name = survey.municipality_name(code)
    chain = chain if chain is not None else load_result_chain()
    comp = _resolve_comparison(comparison)
    survey_results = _survey_results(survey, code, t)
    notes: list[str] = []
    if key_figures is None and not survey.synthetic:
        # a real survey never borrows the illustrative demo figures
        empty_page = dict(figures=_empty(_FIGURE_COLUMNS), chain=_empty(_CHAIN_COLUMNS),
                          ratios=_empty(_RATIO_COLUMNS), frontier=_empty(_DEA_COLUMNS), peers=_empty(_PEER_COLUMNS))
        return EfficiencyPage(survey=survey, municipality=code, municipality_name=name, threshold=t, year=year,
                              comparison=comp or [], illustrative=False, result_chain=chain,
                              survey_results=survey_results, message=NO_KEY_FIGURES_NOTE, notes=notes, **empty_page)
    data, illustrative = _load_key_figures(key_figures)
    placed = place_on_chain(data, chain)
    placed = placed[placed["value"].notna()]

    own = placed[placed["municipality_code"] == code]
    if year is None and not own.empty:
        year = int(own["period"].max())
    own_year = own[own["period"] == year] if year is not None else own
    empty_page = dict(figures=_empty(_FIGURE_COLUMNS), chain=_empty(_CHAIN_COLUMNS),
                      ratios=_empty(_RATIO_COLUMNS), frontier=_empty(_DEA_COLUMNS), peers=_empty(_PEER_COLUMNS))
    if own_year.empty:
        when = f" för år {year}" if year is not None else ""
        message = (f"**Inga nyckeltal för {name} ({code}){when}** i de nyckeltal som lästs in. Kedjan, kvoterna "
                   "och effektivitetsfronten kan därför inte visas; enkätsvaren visas ändå. Läs in kommunens "
                   "nyckeltal från Kolada och ange filen eller mappen som parametern `key_figures`.")
        return EfficiencyPage(survey=survey, municipality=code, municipality_name=name, threshold=t, year=year,
                              comparison=comp or [], illustrative=illustrative, result_chain=chain,
                              survey_results=survey_results, message=message, notes=notes, **empty_page)

    in_year = placed[placed["period"] == year]
    available = sorted(in_year["municipality_code"].unique())
    if comp is None:
        group = available
    else:
        missing = [c for c in comp if c not in available and c != code]
        if missing:
            register = _register_names()
            notes.append("Saknar nyckeltal år {} och ingår därför inte i jämförelsen: {}.".format(
                year, ", ".join(f"{register.get(c, c)} ({c})" for c in missing)))
        group = sorted({code, *[c for c in comp if c in available]})
    names = {**_register_names(), code: name}

    figures = _figures(in_year[in_year["municipality_code"].isin(group)], chain, code, names, illustrative)
    chain_frame = _chain_frame(figures, chain, code, name, year, len(group), illustrative)
    ratios = _ratios(figures, group, code, names, year, illustrative, notes)
    frontier_frame, peers = (_frontier(figures, group, code, names, year, illustrative, notes) if frontier
                       else (_empty(_DEA_COLUMNS), _empty(_PEER_COLUMNS)))
    return EfficiencyPage(survey=survey, municipality=code, municipality_name=name, threshold=t, year=year,
                          comparison=group, illustrative=illustrative, result_chain=chain, figures=figures,
                          chain=chain_frame, ratios=ratios, frontier=frontier_frame, peers=peers,
                          survey_results=survey_results, message=None, notes=notes)


def _survey_results(survey: Survey, code: str, threshold: int) -> pd.DataFrame:
    """The instrument's ``key_figure_questions`` by role in the municipality (empty without any)."""
    qids = survey.instrument.key_figure_questions
    local = survey.subset(municipalities=code)
    if qids:
        return questions.summary(local, qids, by="role", threshold=threshold)
    first = [q.id for q in survey.instrument.likert_questions[:1]]
    return questions.summary(local, first, by="role", threshold=threshold).iloc[0:0]


def _figures(placed: pd.DataFrame, chain: ResultChain, code: str, names: dict[str, str],
             illustrative: bool) -> pd.DataFrame:
    link_titles = dict(zip(chain.links["link"], chain.links["title"]))
    optional = dict(zip(chain.kpis["kpi"], chain.kpis["optional"]))
    out = placed.assign(
        municipality_name=placed["municipality_code"].map(names),
        link_title=placed["link"].map(link_titles),
        optional=placed["kpi"].map(optional).astype(bool),
        is_municipality=placed["municipality_code"] == code,
        illustrative=illustrative,
    )
    return out[_FIGURE_COLUMNS].reset_index(drop=True)


def _chain_frame(figures: pd.DataFrame, chain: ResultChain, code: str, name: str, year: int, size: int,
                 illustrative: bool) -> pd.DataFrame:
    medians = figures.groupby("kpi")["value"].median()
    own = figures[figures["is_municipality"]].set_index("kpi")["value"]
    example = _SEED_EXAMPLE if chain.name == "grundskola" else {}
    rows = []
    for link in chain.links.itertuples(index=False):
        kpis = chain.kpis[chain.kpis["link"] == link.link]
        base = {"municipality_code": code, "municipality_name": name, "period": year, "link": link.link,
                "link_title": link.title, "link_order": link.order, "context": bool(link.context),
                "description": example.get(link.link, ""), "comparison_size": size, "illustrative": illustrative}
        if kpis.empty:
            rows.append({**base, "kpi": None, "title": None, "unit": None, "optional": False,
                         "value": np.nan, "comparison_median": np.nan})
        for k in kpis.itertuples(index=False):
            rows.append({**base, "kpi": k.kpi, "title": k.title, "unit": k.unit, "optional": bool(k.optional),
                         "value": float(own.get(k.kpi, np.nan)),
                         "comparison_median": float(medians.get(k.kpi, np.nan))})
    return pd.DataFrame(rows, columns=_CHAIN_COLUMNS)


def _ratio_values(wide: pd.DataFrame) -> dict[str, pd.Series]:
    """The ratios per municipality from a frame with one column per key figure."""
    wide = wide.reindex(columns=sorted({k for r in RATIOS for k in r.kpis}))
    with warnings.catch_warnings():  # a zero cost gives NaN, reported as a missing ratio
        warnings.simplefilter("ignore")
        eff = effectiveness(wide["N15428"], wide["N15027"] / 100_000, quality_unit="%",
                            resource_unit="100 000 kr/elev")
    return {"produktivitet": wide["N15034"], "effektivitet": eff, "kostnad_per_prestation": wide["N15027"]}


def _ratios(figures: pd.DataFrame, group: list[str], code: str, names: dict[str, str], year: int,
            illustrative: bool, notes: list[str]) -> pd.DataFrame:
    wide = figures.pivot(index="municipality_code", columns="kpi", values="value").reindex(group)
    values = _ratio_values(wide)
    parts = []
    for ratio in RATIOS:
        series = values[ratio.key].astype(float)
        present = series.dropna()
        index = pd.Series(np.nan, index=series.index)
        median = np.nan
        if not present.empty and present.median() > 0:
            median = float(present.median())
            index = index_to_reference(present).reindex(series.index)
        if pd.isna(series.get(code, np.nan)):
            notes.append(f"{ratio.label} ({ratio.measure.lower()}) saknas för kommunen år {year}.")
        parts.append(pd.DataFrame({
            "ratio": ratio.key, "label": ratio.label, "measure": ratio.measure, "formula": ratio.formula,
            "unit": ratio.unit, "higher_is_better": ratio.higher_is_better, "municipality_code": series.index,
            "municipality_name": [names.get(c, c) for c in series.index], "period": year,
            "value": series.to_numpy(), "reference_median": median, "index": index.to_numpy(),
            "is_municipality": series.index == code, "illustrative": illustrative,
        }))
    return pd.concat(parts, ignore_index=True)[_RATIO_COLUMNS]


def _frontier(figures: pd.DataFrame, group: list[str], code: str, names: dict[str, str], year: int,
              illustrative: bool, notes: list[str]) -> tuple[pd.DataFrame, pd.DataFrame]:
    wide = figures.pivot(index="municipality_code", columns="kpi", values="value").reindex(group)
    wide = wide.reindex(columns=[*DEA_INPUTS, *DEA_OUTPUTS])
    complete = wide.dropna()
    complete = complete[(complete[list(DEA_INPUTS)] > 0).all(axis=1) & (complete[list(DEA_OUTPUTS)] > 0).any(axis=1)]
    left_out = [c for c in group if c not in complete.index]
    if left_out:
        notes.append("Ingår inte i effektivitetsfronten (nyckeltal saknas eller är noll): "
                     + ", ".join(f"{names.get(c, c)} ({c})" for c in left_out) + ".")
    if code not in complete.index:
        return _empty(_DEA_COLUMNS), _empty(_PEER_COLUMNS)
    units = len(complete)
    rule = 3 * (len(DEA_INPUTS) + len(DEA_OUTPUTS))
    if units < rule:
        notes.append(f"Effektivitetsfronten bygger på bara {units} kommuner (tumregel: minst {rule}); många kan "
                     "se effektiva ut bara för att jämförelsen är liten.")
    with warnings.catch_warnings():  # the rule of thumb is reported in Swedish above
        warnings.simplefilter("ignore")
        result = dea(complete[list(DEA_INPUTS)], complete[list(DEA_OUTPUTS)], returns=DEA_RETURNS,
                     orientation=DEA_ORIENTATION)
    peers = dea_peers(result)
    own_peers = set(peers.loc[peers["unit"] == code, "peer"])
    frontier = pd.DataFrame({
        "municipality_code": result["unit"], "municipality_name": result["unit"].map(names), "period": year,
        "efficiency": result["efficiency"].to_numpy(),
        "rank": result["efficiency"].round(9).rank(ascending=False, method="min").astype(int).to_numpy(),
        "returns": DEA_RETURNS, "orientation": DEA_ORIENTATION, "inputs": ", ".join(DEA_INPUTS),
        "outputs": ", ".join(DEA_OUTPUTS), "is_municipality": result["unit"] == code,
        "is_peer": result["unit"].isin(own_peers) & (result["unit"] != code), "illustrative": illustrative,
    })
    peer_frame = pd.DataFrame({
        "municipality_code": peers["unit"], "municipality_name": peers["unit"].map(names), "peer": peers["peer"],
        "peer_name": peers["peer"].map(names), "weight": peers["weight"], "period": year,
        "illustrative": illustrative,
    })
    return frontier[_DEA_COLUMNS], peer_frame[_PEER_COLUMNS]


# ---------------------------------------------------------------------------------------------
# Display tables (Swedish, text cells)
# ---------------------------------------------------------------------------------------------
def _number(value: float, unit: str | None = None) -> str:
    """A number as a Swedish reader writes it: space between thousands, decimal comma."""
    if value is None or pd.isna(value):
        return "–"
    if abs(value) >= 1000 or (unit or "").startswith("kr"):
        text = format_number(value, 0, grouping=True)
    elif (unit or "").startswith("index") or (float(value).is_integer() and "/" not in (unit or "/")):
        text = format_number(value, 0)
    elif abs(value) < 10:
        text = format_number(value, 2)
    else:
        text = format_number(value, 1)
    return f"{text}\u00a0{unit}" if unit else text


def _index_text(value: float) -> str:
    return "–" if value is None or pd.isna(value) else f"{value:.0f}"


def _score_text(value: float) -> str:
    """A DEA score with two decimals; only a unit on the frontier reads 1,00."""
    shown = round(float(value), 2)
    if shown >= 1 and value < 1 - 1e-9:
        shown = 0.99
    return format_number(shown, 2)


def chain_table(page: EfficiencyPage) -> pd.DataFrame:
    """The municipality's result chain as a display table: link, key figure, value, group median."""
    rows = []
    for r in page.chain.itertuples(index=False):
        has_kpi = isinstance(r.kpi, str)
        rows.append({
            "Länk": r.link_title,
            "Nyckeltal": r.title if has_kpi else (r.description or "–") + (" (sammanhang)" if r.context else ""),
            "Id": r.kpi if has_kpi else "",
            f"{page.municipality_name} {page.year}": _number(r.value, r.unit) if has_kpi else "",
            "Median i jämförelsegruppen": _number(r.comparison_median, r.unit) if has_kpi else "",
        })
    return pd.DataFrame(rows).set_index("Länk")


def ratio_table(page: EfficiencyPage) -> pd.DataFrame:
    """The municipality's three ratios with formula, value, group median and index."""
    own = page.ratios[page.ratios["is_municipality"]]
    rows = []
    for r in own.itertuples(index=False):
        shown = np.nan if pd.isna(r.index) else round(r.index)
        if pd.isna(shown):
            reading = "saknas"
        elif shown == 100:
            reading = "som medianen"
        elif r.higher_is_better:
            reading = "bättre än medianen" if shown > 100 else "sämre än medianen"
        else:
            reading = "dyrare än medianen" if shown > 100 else "billigare än medianen"
        rows.append({"Mått": f"{r.label}: {r.measure.lower()}", "Beräkning": r.formula,
                     page.municipality_name: _number(r.value, r.unit),
                     "Median i jämförelsegruppen": _number(r.reference_median, r.unit),
                     "Index (median = 100)": _index_text(r.index), "Läsning": reading})
    return pd.DataFrame(rows).set_index("Mått")


def frontier_table(page: EfficiencyPage) -> pd.DataFrame:
    """Every municipality's DEA score, best first; the municipality and its peers marked."""
    data = page.frontier.sort_values(["efficiency", "municipality_name"], ascending=[False, True])
    mark = np.where(data["is_municipality"], "vald kommun", np.where(data["is_peer"], "förebild", ""))
    return pd.DataFrame({
        "Kommun": [f"{n} ({c})" for n, c in zip(data["municipality_name"], data["municipality_code"])],
        "Effektivitetstal": [_score_text(v) for v in data["efficiency"]],
        "Rang": data["rank"].to_numpy(),
        "": mark,
    }).set_index("Kommun")


def survey_table(page: EfficiencyPage) -> pd.DataFrame:
    """The key-figure questions per role as a display table; a suppressed group shows its note, never a share."""
    inst = page.survey.instrument
    rows = []
    for r in page.survey_results.itertuples(index=False):
        q = inst[r.question]
        shown = not r.suppressed and r.n > 0
        rows.append({
            "Fråga": f"{q.number}. {q.short}",
            "Roll": role_names(inst).group_labels.get(r.group, r.group),
            "Andel som instämmer (95 % KI)": (
                f"{r.positive:.0f} % ({r.positive_ci_low:.0f}–{r.positive_ci_high:.0f})" if shown
                else (r.note or "inga svar")),
            "Andel som inte instämmer": f"{r.negative:.0f} %" if shown else "",
            "Antal svar (n)": f"{int(r.n)}" if shown else "",
        })
    return pd.DataFrame(rows).set_index(["Fråga", "Roll"])


# ---------------------------------------------------------------------------------------------
# Charts
# ---------------------------------------------------------------------------------------------
def chain_diagram(chain: pd.DataFrame, *, title: str | None = None, ax: Axes | None = None) -> Axes:
    """The result chain as boxes and arrows, each box with its key figures and their values.

    ``chain`` is :attr:`EfficiencyPage.chain` (one municipality); optional key figures (Kolada's
    own indices) are left out of the boxes. Below the boxes, the seed's two ratios span the
    links they relate.
    """
    links = chain.drop_duplicates("link").sort_values("link_order")
    n = len(links)
    if ax is None:
        _, ax = plt.subplots(figsize=(2.3 * n, 4.6))
    positions = {}
    for i, link in enumerate(links.itertuples(index=False)):
        x0 = i + 0.06
        positions[link.link] = i + 0.5
        box = FancyBboxPatch((x0, 0.3), 0.88, 0.66, boxstyle="round,pad=0.01,rounding_size=0.04",
                             facecolor="#f2f2f2" if link.context else "white",
                             edgecolor="0.55" if link.context else "0.15",
                             linestyle="--" if link.context else "-", linewidth=1.2)
        ax.add_patch(box)
        ax.text(i + 0.5, 0.92, link.link_title, ha="center", va="top", fontsize=10, fontweight="bold")
        if link.description:
            ax.text(i + 0.5, 0.83, textwrap.fill(link.description, 22), ha="center", va="top", fontsize=7.5,
                    style="italic", color="0.35")
        lines = []
        kpis = chain[(chain["link"] == link.link) & chain["kpi"].notna() & ~chain["optional"].astype(bool)]
        for k in kpis.itertuples(index=False):
            lines.append(textwrap.fill(str(k.title), 22) + "\n= " + _number(k.value, k.unit))
        ax.text(i + 0.5, 0.72, "\n\n".join(lines), ha="center", va="top", fontsize=7.5, linespacing=1.15)
        if i < n - 1:
            ax.annotate("", xy=(i + 1.06, 0.63), xytext=(i + 0.94, 0.63),
                        arrowprops={"arrowstyle": "-|>", "color": "0.2", "lw": 1.4})
    # neutral ink: blue, orange and green mean the roles and the verdicts in the other charts
    spans = [("resurser", "prestationer", "Produktivitet = Prestationer / Resurser", 0.19, "0.1"),
             ("resurser", "resultat", "Effektivitet = Kvalitet / Resurser", 0.06, "0.42")]
    for start, end, label, y, colour in spans:
        if start in positions and end in positions:
            ax.annotate("", xy=(positions[end], y), xytext=(positions[start], y),
                        arrowprops={"arrowstyle": "<->", "color": colour, "lw": 1.4})
            ax.text((positions[start] + positions[end]) / 2, y + 0.015, label, ha="center", va="bottom",
                    fontsize=9, color=colour, fontweight="bold")
    ax.set_xlim(0, n)
    ax.set_ylim(0, 1)
    ax.axis("off")
    if title:
        ax.set_title(title, loc="left", fontsize=11)
    return ax


def survey_figure(survey_results: pd.DataFrame, ratios: pd.DataFrame, *, instrument,
                  municipality_name: str, illustrative: bool = False) -> Figure:
    """Two panels: the share who agree with the key-figure questions per role, and the municipality's indices.

    ``survey_results`` is :attr:`EfficiencyPage.survey_results` (suppressed groups are drawn as
    their note, never as a bar); ``ratios`` is :attr:`EfficiencyPage.ratios` (the rows of the
    municipality are used; empty when it has no key figures).
    """
    fig, (left, right) = plt.subplots(1, 2, figsize=(12, 4.4), gridspec_kw={"width_ratios": [1.1, 1]})
    palette = ROLE_COLOURS  # a role's colour is the same in every chart
    labels, y = [], 0
    for r in survey_results.itertuples(index=False):
        q = instrument[r.question]
        labels.append(f"{q.number}. {q.short}\n{role_names(instrument).group_labels.get(r.group, r.group)}")
        if r.suppressed or not r.n:
            left.text(1, y, r.note or "inga svar", va="center", fontsize=8, style="italic", color="0.35")
        else:
            left.barh(y, r.positive, color=palette.get(r.group, "0.5"), height=0.6)
            below, above = max(r.positive - r.positive_ci_low, 0.0), max(r.positive_ci_high - r.positive, 0.0)
            left.errorbar(r.positive, y, xerr=[[below], [above]], color="0.2", capsize=3, lw=1)
            left.text(r.positive_ci_high + 2, y, f"{r.positive:.0f} %", va="center", fontsize=8)
        y += 1
    left.set_yticks(range(len(labels)), labels, fontsize=8)
    left.set_ylim(len(labels) - 0.5, -0.5)
    left.set_xlim(0, 112)
    left.set_xticks(range(0, 101, 20))
    left.set_xlabel("Andel som instämmer (%), 95 % konfidensintervall")
    left.set_title("Upplevd uppföljning (enkäten)", loc="left", fontsize=10)

    own = ratios[ratios["is_municipality"].astype(bool)] if len(ratios) else ratios
    if own.empty or own["index"].isna().all():
        right.text(0.5, 0.5, "Inga nyckeltal för kommunen", ha="center", va="center", fontsize=10,
                   transform=right.transAxes)
        right.set_axis_off()
    else:
        names = [f"{r.label}\n({r.measure.lower()})" for r in own.itertuples(index=False)]
        better = VERDICT_COLOURS  # not the roles' colours
        verdicts = [None if pd.isna(v) or round(v) == 100 else bool((v > 100) == h)
                    for v, h in zip(own["index"], own["higher_is_better"])]
        colours = [better[v] for v in verdicts]
        right.barh(range(len(own)), own["index"].fillna(0), color=colours, height=0.6)
        for i, v in enumerate(own["index"]):
            inside = not pd.isna(v) and v < 100
            right.text((0 if pd.isna(v) else v) + (-2 if inside else 2), i, _index_text(v), va="center",
                       ha="right" if inside else "left", fontsize=8, color="white" if inside else "black")
        right.axvline(100, color="black", lw=1)
        right.set_yticks(range(len(own)), names, fontsize=8)
        right.invert_yaxis()
        right.set_xlim(0, max(150, float(own["index"].max()) + 15))
        right.set_xlabel("Index (jämförelsegruppens median = 100)")
        handles = [Patch(color=better[True], label="bättre än medianen (för kostnad: lägre)"),
                   Patch(color=better[False], label="sämre än medianen (för kostnad: högre)")]
        if None in verdicts:
            handles.append(Patch(color=better[None], label="som medianen"))
        right.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.4, -0.25), ncol=1, fontsize=7,
                     frameon=False)
        subtitle = f"\n{ILLUSTRATIVE_NOTE}" if illustrative else ""
        right.set_title(f"Uppmätt (nyckeltal){subtitle}", loc="left", fontsize=10)
    fig.suptitle(f"Uppföljning av ekonomi och kvalitet i {municipality_name}: upplevd och uppmätt",
                 x=0.01, ha="left", fontsize=11)
    fig.tight_layout()
    return fig


# ---------------------------------------------------------------------------------------------
# Display
# ---------------------------------------------------------------------------------------------
def _source_line(page: EfficiencyPage) -> str:
    parts = []
    if page.illustrative:
        parts.append(f"**{ILLUSTRATIVE_NOTE}.** Nyckeltalen är påhittade demodata för att visa analysen; "
                     "citera dem inte som fakta om någon kommun.")
    if page.survey.synthetic:
        parts.append(f"*{SYNTHETIC_NOTE}*")
    return "\n\n".join(parts)


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:] if text[:1].isupper() and not text[1:2].isupper() else text


def _missing(page: EfficiencyPage) -> str:
    return f"*Inga nyckeltal för {page.municipality_name} – se meddelandet ovan.*"


def _notes(page: EfficiencyPage) -> str:
    return "\n".join(f"- {n}" for n in page.notes)


def show_chain(page: EfficiencyPage, *, output_dir: str | Path | None = None) -> Axes | None:
    """The result chain with the municipality's key figures (diagram and table); writes their data."""
    text = f"**{page.municipality_name} ({page.municipality})**"
    if page.has_key_figures:
        text += (f" · nyckeltal år {page.year} · jämförelsegrupp: {len(page.comparison)} kommuner "
                 f"· {page.result_chain.title}")
    for extra in (_source_line(page), page.message or "", _notes(page)):
        if extra:
            text += "\n\n" + extra
    show_markdown(text)
    frames = page.tables()
    code = page.municipality
    write_tables(frames, output_dir, [f"effektivitet_nyckeltal_{code}", f"effektivitet_kedja_{code}"])
    if not page.has_key_figures:
        return None
    ax = chain_diagram(page.chain, title=f"Mål- och resultatkedjan – {page.municipality_name} {page.year}")
    show_figure()
    show(chain_table(page))
    return ax


def show_ratios(page: EfficiencyPage, *, output_dir: str | Path | None = None) -> list[Axes]:
    """Productivity, effectiveness and cost per output as an index against the group; writes the data."""
    code = page.municipality
    write_tables(page.tables(), output_dir, [f"effektivitet_kvoter_{code}"])
    if not page.has_key_figures:
        show_markdown(_missing(page))
        return []
    names = page.names()
    fig, axes = plt.subplots(1, len(RATIOS), figsize=(4.6 * len(RATIOS), 0.32 * len(page.comparison) + 1.8),
                             sharey=False)
    axes = np.atleast_1d(axes)
    for ratio, ax in zip(RATIOS, axes):
        part = page.ratios[page.ratios["ratio"] == ratio.key].set_index("municipality_code")["index"]
        part.attrs["unit"] = "index (median = 100)"
        if part.notna().any():
            index_plot(part, highlight=code, labels=names, ax=ax)
        ax.set_title(f"{ratio.label}\n{ratio.measure.lower()}", loc="left", fontsize=10)
        ax.tick_params(axis="y", labelsize=8)
    if page.illustrative:
        fig.text(0.01, 0.005, ILLUSTRATIVE_NOTE, fontsize=8, style="italic", color="0.35")
    fig.tight_layout()
    show_figure()
    show(ratio_table(page))
    return list(axes)


def show_frontier(page: EfficiencyPage, *, output_dir: str | Path | None = None) -> Axes | None:
    """The DEA frontier across the municipalities, the municipality's score and its peers."""
    code = page.municipality
    write_tables(page.tables(), output_dir, [f"effektivitet_dea_{code}", f"effektivitet_dea_forebilder_{code}"])
    if not page.has_key_figures:
        show_markdown(_missing(page))
        return None
    if page.frontier.empty:
        show_markdown(f"{page.municipality_name} saknar kostnad per elev eller andel behöriga år {page.year}: "
                      "ingen effektivitetsfront kan beräknas.")
        return None
    names = page.names()
    wide = page.figures.pivot(index="municipality_code", columns="kpi", values="value")
    units = list(page.frontier["municipality_code"])
    titles = {**dict(zip(page.result_chain.kpis["kpi"], page.result_chain.kpis["title"])), **_AXIS_TITLES}
    x_kpi, y_kpi = DEA_INPUTS[0], DEA_OUTPUTS[0]
    _, ax = plt.subplots(figsize=(9, 5.5))
    frontier_plot(wide.loc[units, x_kpi], wide.loc[units, y_kpi],
                  efficiency=page.frontier.set_index("municipality_code")["efficiency"], returns=DEA_RETURNS,
                  highlight=code, labels=names, xlabel=f"Resurser: {titles.get(x_kpi, x_kpi)}",
                  ylabel=f"Resultat: {titles.get(y_kpi, y_kpi)}", ax=ax)
    ax.xaxis.set_major_locator(MaxNLocator(6))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: _number(v)))
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: _number(v)))
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8, frameon=False)
    ax.set_title(f"Effektivitetsfronten {page.year} (DEA, inputorienterad, variabel skalavkastning)"
                 + (f"\n{ILLUSTRATIVE_NOTE}" if page.illustrative else ""), loc="left", fontsize=10)
    show_figure()
    own = page.frontier[page.frontier["is_municipality"]].iloc[0]
    peers = page.peers[(page.peers["municipality_code"] == code) & (page.peers["peer"] != code)]
    score = _score_text(own["efficiency"])
    if peers.empty:
        text = (f"**{page.municipality_name}** ligger på fronten (effektivitetstal {score}, rang {own['rank']} av "
                f"{len(page.frontier)}): ingen kombination av de andra kommunerna når samma andel behöriga "
                "till lägre kostnad per elev.")
    else:
        total = peers["weight"].sum()
        if len(peers) == 1:
            listed = f"förebilden {peers['peer_name'].iloc[0]}"
        else:
            parts = [f"{n} (vikt {w / total * 100:.0f} %)" for n, w in zip(peers["peer_name"], peers["weight"])]
            listed = "förebilderna " + ", ".join(parts[:-1]) + " och " + parts[-1]
        text = (f"**{page.municipality_name}** har effektivitetstalet {score} (rang {own['rank']} av "
                f"{len(page.frontier)}): med samma andel behöriga hade kostnaden per elev kunnat vara "
                f"{(1 - own['efficiency']) * 100:.0f} % lägre, jämfört med {listed}.")
    text += (" Effektivitetstalet jämför bara med kommunerna i gruppen och säger inget om orsaken – "
             "elevernas bakgrund, skolstruktur och lokalkostnader skiljer sig.")
    show_markdown(text)
    show(frontier_table(page))
    return ax


def show_survey_beside_figures(page: EfficiencyPage, *, output_dir: str | Path | None = None) -> Figure:
    """The instrument's ``key_figure_questions`` per role beside the municipality's key figures
    (two panels and a table)."""
    code = page.municipality
    write_tables(page.tables(), output_dir, [f"effektivitet_enkat_{code}", f"effektivitet_kvoter_{code}"])
    inst = page.survey.instrument
    asked = [inst[q] for q in inst.key_figure_questions]
    if asked:
        listed = " och ".join(f"{_lower_first(q.short)} (fråga {q.number})" for q in asked)
        text = (f"Till vänster: andelen i {page.municipality_name} som instämmer om {listed}, per roll. "
                f"Grupper med färre än {page.threshold} svar visas inte.")
    else:
        text = inst.skipped_note("key_figure_questions")
    if page.has_key_figures:
        text += (" Till höger: kommunens nyckeltal som index mot jämförelsegruppens median (= 100). Enkäten mäter "
                 "hur uppföljningen upplevs, nyckeltalen vad den har att följa upp; att de pekar åt olika håll är "
                 "en fråga att ställa, inte ett bevis.")
        if page.illustrative:
            text += f"\n\n**{ILLUSTRATIVE_NOTE}:** siffrorna till höger är påhittade demodata."
    else:
        text += " " + _missing(page)
    show_markdown(text)
    fig = survey_figure(page.survey_results, page.ratios, instrument=page.survey.instrument,
                        municipality_name=page.municipality_name, illustrative=page.illustrative)
    show_figure()
    if asked:
        show(survey_table(page))
    return fig
