"""The synthetic demo survey: a seeded generator of survey-tool exports.

SYNTETISKA DATA. Nothing here comes from real respondents. The generator produces a wide frame
shaped like the export a consultant receives from a Swedish survey tool (one row per respondent,
``Respondent-ID``, ``Kommun``, ``Inskickad``, then one column per question headed by the question
text, answers as label text) and writes it as a Swedish-style CSV (``;``, cp1252, CRLF).

The default survey covers the 16 municipalities of Värmland with exactly the seed presentation's
totals (656 answers = 207 förtroendevalda + 449 tjänstepersoner, of whom 81 chefer i central
förvaltning). Answers follow a documented latent model whose built-in effects are listed in
:data:`BUILT_IN_EFFECTS` and in ``data/demo/README.md``; ``effects=False`` gives a null model
without any. Free-text comments include every quote of the seed presentation plus invented ones,
and a few planted personal data (:data:`PLANTED_PERSONAL_DATA`) for the screening demo.

Run ``python -m kommunanalys.demo`` to rebuild the committed demo export.
"""

from __future__ import annotations

import argparse
import csv
import sys
from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence

import numpy as np
import pandas as pd

from . import _demo_texts as texts
from . import paths
from .errors import InputError
from .instrument import Instrument, Question, load_instrument
from .municipalities import municipalities

__all__ = [
    "DEMO_SEED",
    "VARMLAND_CODES",
    "SEED_TOTALS",
    "BUILT_IN_EFFECTS",
    "LATENT_MODEL",
    "SEED_QUOTES",
    "PLANTED_PERSONAL_DATA",
    "PLANTED_LOOKALIKES",
    "IDENTITY_COLUMNS",
    "allocate_respondents",
    "generate_survey",
    "write_export",
    "build_demo",
    "PREVIOUS_ROUND",
    "generate_previous_round",
    "build_previous_round",
    "generate_population",
    "build_demo_population",
    "POPULATION_MODEL",
    "main",
]

DEMO_SEED = 20240304
"""Seed of the committed demo (the first day of the synthetic survey period)."""

VARMLAND_CODES: tuple[str, ...] = (
    "1715", "1730", "1737", "1760", "1761", "1762", "1763", "1764",
    "1765", "1766", "1780", "1781", "1782", "1783", "1784", "1785",
)
"""The 16 municipalities of Värmlands län, the demo's default."""

SEED_TOTALS = {"respondents": 656, "fortroendevalda": 207, "tjanstepersoner": 449, "chefer": 81}
"""Respondent totals of the seed presentation, reproduced exactly for the Värmland demo."""

IDENTITY_COLUMNS = ("Respondent-ID", "Kommun", "Inskickad")
"""The export's leading columns, before one column per question."""

# Approximate populations of the Värmland municipalities (SCB, around 2023, rounded to 500).
# Only used to make group sizes grow with municipality size; not a statistic to report.
_APPROX_POPULATION: dict[str, int] = {
    "1715": 12000,  # Kil
    "1730": 8500,  # Eda
    "1737": 11500,  # Torsby
    "1760": 4000,  # Storfors
    "1761": 17000,  # Hammarö
    "1762": 3500,  # Munkfors
    "1763": 11500,  # Forshaga
    "1764": 9000,  # Grums
    "1765": 10000,  # Årjäng
    "1766": 13000,  # Sunne
    "1780": 95500,  # Karlstad
    "1781": 24000,  # Kristinehamn
    "1782": 10500,  # Filipstad
    "1783": 11500,  # Hagfors
    "1784": 26000,  # Arvika
    "1785": 15500,  # Säffle
}
_SIZE_EXPONENT = 0.6  # group size grows with population ** 0.6 (sub-linear: councils do not scale)
_MEAN_PER_MUNICIPALITY = 40  # respondents per municipality for sets other than the Värmland 16
_PROXY_MEDIAN, _PROXY_SIGMA = 16000, 0.9  # lognormal population proxy outside Värmland

_FV, _TP, _CHEF = "förtroendevald", "tjänsteperson", "chef i central förvaltning"

# ------------------------------------------------------------------------------------------------
# The latent model. Each respondent has three standard-normal factors:
#   G  'governance climate' (plus the municipality's effect), shared by Q5, Q6, Q10, Q12, Q14;
#   S  'steering and roles', shared by Q6 and Q14 only (makes their association the strongest);
#   E  'personal involvement', shared by Q7 and Q8 (only weakly tied to G).
# latent = mean + loadings . (G, S, E) + role/subgroup/municipality shifts + N(0, noise);
# cut at the thresholds into the five substantive levels (1 = most negative).
# ------------------------------------------------------------------------------------------------
LATENT_MODEL: dict[str, Any] = {
    "thresholds": (-1.5, -0.5, 0.5, 1.5),
    "municipality_sd": 0.25,  # random municipality effect on G, clipped to +-municipality_clip
    "municipality_clip": 0.45,
    "questions": {
        #  mean: level of a group without any shift; loadings on (G, S, E); noise sd
        "Q5": {"mean": -0.1, "loadings": (0.8, 0.0, 0.0), "noise": 0.6},
        "Q6": {"mean": -0.3, "loadings": (0.7, 0.6, 0.0), "noise": 0.6},
        "Q7": {"mean": 0.9, "loadings": (0.15, 0.0, 0.7), "noise": 0.5},
        "Q8": {"mean": 1.4, "loadings": (0.1, 0.0, 0.7), "noise": 0.5},
        "Q10": {"mean": 0.4, "loadings": (0.6, 0.0, 0.0), "noise": 0.6},
        "Q12": {"mean": -0.5, "loadings": (0.6, 0.0, 0.0), "noise": 0.6},
        "Q14": {"mean": -0.2, "loadings": (0.6, 0.6, 0.0), "noise": 0.6},
    },
    # Share of "Vet ej" per question and role (default, then overrides); skipped cells.
    "dont_know": {"default": {_FV: 0.05, _TP: 0.04},
                  "Q7": {_FV: 0.02, _TP: 0.02}, "Q8": {_FV: 0.02, _TP: 0.02},
                  "Q10": {_FV: 0.07, _TP: 0.04}, "Q12": {_FV: 0.12, _TP: 0.04}},
    "skipped": 0.02,  # Likert and background questions
    "comment_rate": 0.20,  # per comment question; scaled by the answer below
    "comment_factor": {"low": 1.4, "middle": 1.0, "high": 0.8, "none": 0.6},
    # Tone of a comment given the answer it comments on: P(neg, mixed, pos).
    "tone": {"low": (0.70, 0.25, 0.05), "middle": (0.35, 0.50, 0.15),
             "high": (0.10, 0.35, 0.55), "none": (0.30, 0.60, 0.10)},
    "addition_rate": 0.3,  # share of pool comments given a second sentence
}

# The null model: same distribution for everyone, independent questions, no municipality effect.
_NULL_MODEL: dict[str, Any] = {
    "mean": 0.3, "noise": 1.1, "dont_know": 0.05, "skipped": 0.02,
    "comment_rate": 0.20, "tone": (0.35, 0.40, 0.25),
}

BUILT_IN_EFFECTS: dict[str, Any] = {
    "model": "latent normal factors cut into five levels; see LATENT_MODEL",
    "role_differences": [
        {"question": "Q6", "higher": _FV, "lower": _TP, "latent_shift": 0.5},
        {"question": "Q14", "higher": _FV, "lower": _TP, "latent_shift": 0.5},
        {"question": "Q10", "higher": _TP, "lower": _FV, "latent_shift": 0.4},
    ],
    "subgroup_differences": [
        {"question": "Q14", "subgroup": _CHEF, "direction": "lowest",
         "compared_with": [_FV, "övrig tjänsteperson"], "latent_shift": -0.6},
    ],
    "question_differences": [
        {"higher": "Q10", "lower": "Q12", "groups": [_FV, _TP],
         "why": "Kvalitetsarbetet får tyvärr stå åt sidan för arbete med ekonomiska analyser."},
        {"higher": "Q8", "lower": "Q7", "groups": [_FV, _TP]},
    ],
    "high_questions": ["Q7", "Q8"],
    "municipality_effects": [
        {"municipality_code": "1761", "name": "Hammarö", "kind": "climate", "direction": "higher",
         "questions": ["Q5", "Q6", "Q10", "Q12", "Q14"], "latent_shift": 1.0,
         "why": "the seed's positive example: 'Exempel Hammarö kommun'"},
        {"municipality_code": "1781", "name": "Kristinehamn", "kind": "role_gap", "question": "Q14",
         "higher": _FV, "lower": _TP, "latent_shift": {_FV: 0.8, _TP: -0.9},
         "why": "the largest gap in trust between the roles"},
    ],
    "correlations": [
        {"questions": ["Q6", "Q14"], "strength": "strong", "via": ["G", "S"]},
        {"questions": ["Q5", "Q6"], "strength": "moderate", "via": ["G"]},
        {"questions": ["Q5", "Q10"], "strength": "moderate", "via": ["G"]},
        {"questions": ["Q5", "Q12"], "strength": "moderate", "via": ["G"]},
        {"questions": ["Q5", "Q14"], "strength": "moderate", "via": ["G"]},
        {"questions": ["Q10", "Q12"], "strength": "moderate", "via": ["G"]},
        {"questions": ["Q7", "Q8"], "strength": "strong", "via": ["E"]},
    ],
    "weakly_related": {"questions": ["Q7", "Q8"], "to": ["Q5", "Q6", "Q10", "Q12", "Q14"]},
    "non_substantive": {"label": "Vet ej", "share": "3–8 % per question",
                        "more_among": {"question": "Q12", "group": _FV}},
    "skipped_share": "about 2 % per question",
    "comments": {"share": "15–25 % per comment question",
                 "negative_comments_follow_low_answers": True},
}
"""What the analysis should find in the demo (machine-readable; the generator reads its shifts)."""

SEED_QUOTES: dict[str, list[str]] = {q: [t["text"] for t in items] for q, items in texts.SEED_QUOTES.items()}
"""Verbatim quotes of the seed presentation, per comment question."""

PLANTED_PERSONAL_DATA: list[dict[str, str]] = [
    {"type": kind, "value": value, "question": q}
    for q, items in texts.PLANTED_COMMENTS.items() for t in items for kind, value in t.get("personal_data", [])
]
"""Fictitious personal data planted in comments; no report may contain any ``value``."""

PLANTED_LOOKALIKES: list[dict[str, str]] = [
    {"type": kind, "value": value, "question": q}
    for q, items in texts.PLANTED_COMMENTS.items() for t in items for kind, value in t.get("lookalikes", [])
]
"""Look-alikes of personal data (case numbers, place names, ordinary words) that must not be masked."""


# ------------------------------------------------------------------------------------------------
# Allocation
# ------------------------------------------------------------------------------------------------
def _largest_remainder(weights: np.ndarray, total: int, *, minimum: int = 0) -> np.ndarray:
    """Split ``total`` in proportion to ``weights`` (Hamilton's method), each part >= ``minimum``."""
    weights = np.asarray(weights, dtype=float)
    rest = total - minimum * len(weights)
    if rest < 0:
        raise ValueError(f"cannot give {len(weights)} parts at least {minimum} out of {total}")
    quota = weights / weights.sum() * rest
    parts = np.floor(quota).astype(int)
    order = np.argsort(-(quota - parts), kind="stable")
    parts[order[: rest - parts.sum()]] += 1
    return parts + minimum


def _normalise_codes(codes: Iterable[Any] | str | None) -> list[str]:
    if codes is None:
        return list(VARMLAND_CODES)
    register = municipalities()
    if isinstance(codes, str):
        if codes.strip().lower() == "all":
            return register["code"].tolist()
        codes = [c for c in codes.replace(";", ",").split(",") if c.strip()]
    known = set(register["code"])
    out: list[str] = []
    for raw in codes:
        code = str(raw).strip().split(".")[0].zfill(4)
        if code not in known:
            raise InputError("unknown municipality code", column="codes", value=raw,
                             hint="use four-digit codes from data/kommuner.csv, e.g. 1761 for Hammarö")
        if code not in out:
            out.append(code)
    if not out:
        raise InputError("no municipalities given", column="codes", value=codes,
                         hint="pass at least one code, None for the Värmland demo, or 'all'")
    return out


def _population_proxy(code: str, seed: int) -> float:
    """Approximate population for Värmland, else a lognormal draw fixed by (seed, code)."""
    if code in _APPROX_POPULATION:
        return float(_APPROX_POPULATION[code])
    rng = np.random.default_rng([seed, int(code)])
    return float(np.clip(_PROXY_MEDIAN * np.exp(rng.normal(0.0, _PROXY_SIGMA)), 2500, 1_000_000))


def allocate_respondents(codes: Iterable[Any] | str | None = None, *, seed: int = DEMO_SEED) -> pd.DataFrame:
    """Number of respondents per municipality, role and subgroup.

    Parameters
    ----------
    codes
        Four-digit municipality codes; ``None`` for the 16 Värmland municipalities, ``"all"``
        for all 290.
    seed
        Seeds the population proxy of municipalities outside Värmland.

    Returns
    -------
    pandas.DataFrame
        One row per municipality (in the order given): ``municipality_code``, ``name``,
        ``fortroendevalda``, ``tjanstepersoner``, ``chefer`` (chefer i central förvaltning, a
        part of ``tjanstepersoner``).

    Notes
    -----
    Each group is split over the municipalities by the largest remainder method with weights
    ``population ** 0.6``, so small municipalities get small groups. For exactly the 16 Värmland
    municipalities the totals are the seed's (207 + 449 = 656, of whom 81 chefer); for any other
    set they are 40 respondents per municipality on average, in the seed's proportions, and
    populations outside Värmland are a seeded lognormal proxy (median 16 000).
    """
    code_list = _normalise_codes(codes)
    names = municipalities().set_index("code")["name"]
    weights = np.array([_population_proxy(c, seed) for c in code_list]) ** _SIZE_EXPONENT
    if sorted(code_list) == sorted(VARMLAND_CODES):
        fv_total, tp_total, chef_total = (SEED_TOTALS["fortroendevalda"], SEED_TOTALS["tjanstepersoner"],
                                          SEED_TOTALS["chefer"])
    else:
        total = _MEAN_PER_MUNICIPALITY * len(code_list)
        fv_total = round(total * SEED_TOTALS["fortroendevalda"] / SEED_TOTALS["respondents"])
        tp_total = total - fv_total
        chef_total = round(total * SEED_TOTALS["chefer"] / SEED_TOTALS["respondents"])
    fv = _largest_remainder(weights, fv_total, minimum=1)
    tp = _largest_remainder(weights, tp_total, minimum=2)
    chef = np.minimum(_largest_remainder(weights, chef_total), tp - 1)
    if chef.sum() != chef_total:  # only possible for extreme proxies; keep the total exact
        short = chef_total - chef.sum()
        room = np.argsort(-(tp - 1 - chef), kind="stable")
        for i in room[:short]:
            chef[i] += 1
    return pd.DataFrame({
        "municipality_code": code_list,
        "name": [names[c] for c in code_list],
        "fortroendevalda": fv,
        "tjanstepersoner": tp,
        "chefer": chef,
    })


# ------------------------------------------------------------------------------------------------
# Answers
# ------------------------------------------------------------------------------------------------
def _respondents(alloc: pd.DataFrame) -> pd.DataFrame:
    rows = []
    for rec in alloc.itertuples(index=False):
        rows += [(rec.municipality_code, rec.name, _FV, False)] * rec.fortroendevalda
        rows += [(rec.municipality_code, rec.name, _TP, True)] * rec.chefer
        rows += [(rec.municipality_code, rec.name, _TP, False)] * (rec.tjanstepersoner - rec.chefer)
    return pd.DataFrame(rows, columns=["code", "name", "role", "chef"])


def _municipality_effects(codes: Sequence[str], rng: np.random.Generator) -> dict[str, float]:
    sd, clip = LATENT_MODEL["municipality_sd"], LATENT_MODEL["municipality_clip"]
    effects = {c: float(np.clip(rng.normal(0.0, sd), -clip, clip)) for c in codes}
    for spec in BUILT_IN_EFFECTS["municipality_effects"]:
        if spec["kind"] == "climate" and spec["municipality_code"] in effects:
            effects[spec["municipality_code"]] = spec["latent_shift"]
    return effects


def _latent_scores(people: pd.DataFrame, likert: list[Question], rng: np.random.Generator,
                   *, effects: bool, round_shifts: Sequence[Mapping[str, Any]] = (),
                   municipality_effects: Mapping[str, float] | None = None) -> dict[str, np.ndarray]:
    """Substantive level codes 1..5 per Likert question (before "Vet ej" and skips)."""
    n = len(people)
    thresholds = np.array(LATENT_MODEL["thresholds"])
    if not effects:
        return {q.id: np.searchsorted(thresholds, _NULL_MODEL["mean"] + rng.normal(0.0, _NULL_MODEL["noise"], n)) + 1
                for q in likert}
    mun = (dict(municipality_effects) if municipality_effects is not None
           else _municipality_effects(list(dict.fromkeys(people["code"])), rng))
    factors = np.column_stack([people["code"].map(mun).to_numpy() + rng.normal(size=n),
                               rng.normal(size=n), rng.normal(size=n)])
    is_fv = (people["role"] == _FV).to_numpy()
    is_chef = people["chef"].to_numpy(dtype=bool)
    out: dict[str, np.ndarray] = {}
    for q in likert:
        spec = LATENT_MODEL["questions"][q.id]
        latent = spec["mean"] + factors @ np.array(spec["loadings"]) + rng.normal(0.0, spec["noise"], n)
        for eff in BUILT_IN_EFFECTS["role_differences"]:
            if eff["question"] == q.id:  # the ``higher`` role gets the shift
                latent += eff["latent_shift"] * (people["role"] == eff["higher"]).to_numpy()
        for eff in BUILT_IN_EFFECTS["subgroup_differences"]:
            if eff["question"] == q.id:
                latent += eff["latent_shift"] * is_chef
        for eff in BUILT_IN_EFFECTS["municipality_effects"]:
            if eff["kind"] == "role_gap" and eff["question"] == q.id:
                here = (people["code"] == eff["municipality_code"]).to_numpy()
                latent += here * np.where(is_fv, eff["latent_shift"][_FV], eff["latent_shift"][_TP])
        for eff in round_shifts:  # an earlier round's differences (PREVIOUS_ROUND)
            if eff["question"] == q.id:
                here = np.ones(n, dtype=bool) if not eff.get("municipalities") else \
                    people["code"].isin(eff["municipalities"]).to_numpy()
                if eff.get("role"):
                    here &= (people["role"] == eff["role"]).to_numpy()
                latent += eff["latent_shift"] * here
        out[q.id] = np.searchsorted(thresholds, latent) + 1
    return out


def _background(people: pd.DataFrame, scale_labels: list[str], probs: dict[str, Sequence[float]],
                rng: np.random.Generator, *, effects: bool) -> np.ndarray:
    group = np.where(people["role"] == _FV, "fv", np.where(people["chef"], "chef", "tp"))
    out = np.empty(len(people), dtype=object)
    for key in ("fv", "chef", "tp"):
        idx = np.flatnonzero(group == key)
        p = np.asarray(probs[key if effects else "null"], dtype=float)
        out[idx] = np.asarray(scale_labels, dtype=object)[rng.choice(len(scale_labels), size=len(idx), p=p / p.sum())]
    return out


_TENURE = {"fv": (0.20, 0.35, 0.25, 0.20), "tp": (0.15, 0.25, 0.25, 0.35),
           "chef": (0.15, 0.30, 0.25, 0.30), "null": (0.2, 0.3, 0.25, 0.25)}
_AREA = {"fv": (0.30, 0.20, 0.20, 0.15, 0.10, 0.05), "tp": (0.10, 0.30, 0.30, 0.15, 0.08, 0.07),
         "chef": (0.70, 0.10, 0.08, 0.06, 0.03, 0.03), "null": (0.2, 0.2, 0.2, 0.15, 0.15, 0.1)}


# ------------------------------------------------------------------------------------------------
# Timestamps and ids
# ------------------------------------------------------------------------------------------------
_PERIOD_START = pd.Timestamp("2024-03-04")  # Monday; invitations sent, reminders on day 7 and 14
_PERIOD_DAYS = 21


def _submitted(people: pd.DataFrame, rng: np.random.Generator) -> pd.Series:
    days = np.arange(_PERIOD_DAYS)
    density = (0.45 * np.exp(-days / 2.0)
               + 0.30 * np.where(days >= 7, np.exp(-(days - 7) / 1.5), 0)
               + 0.25 * np.where(days >= 14, np.exp(-(days - 14) / 2.0), 0))
    weekday = (_PERIOD_START + pd.to_timedelta(days, unit="D")).day_of_week
    density = density * np.where(weekday >= 5, 0.35, 1.0)
    n = len(people)
    day = rng.choice(days, size=n, p=density / density.sum())
    is_fv = (people["role"] == _FV).to_numpy()
    evening = rng.random(n) < np.where(is_fv, 0.45, 0.10)  # politicians often answer after work
    hour = np.where(evening, rng.uniform(17.5, 22.5, n),
                    np.where(rng.random(n) < 0.55, rng.normal(10.0, 1.2, n), rng.normal(14.0, 1.3, n)))
    minutes = np.clip(np.round(hour * 60), 7 * 60, 23 * 60 + 59).astype(int)
    stamps = _PERIOD_START + pd.to_timedelta(day, unit="D") + pd.to_timedelta(minutes, unit="m")
    return pd.Series(stamps, index=people.index)


# ------------------------------------------------------------------------------------------------
# Comments
# ------------------------------------------------------------------------------------------------
_TONES = ("neg", "mixed", "pos")
# Answers a comment of each tone may follow when it is placed deliberately.
_BANDS_FOR_TONE = {"neg": ("low", "middle", "none"), "mixed": ("low", "middle", "high", "none"),
                   "pos": ("middle", "high")}


def _band(codes: np.ndarray, missing: np.ndarray) -> np.ndarray:
    return np.where(missing, "none", np.where(codes <= 2, "low", np.where(codes == 3, "middle", "high")))


def _fits(role_tag: str, is_fv: bool, is_chef: bool) -> bool:
    return (role_tag == "any" or (role_tag == "fv" and is_fv) or (role_tag == "tp" and not is_fv)
            or (role_tag == "chef" and is_chef))


def _comments(people: pd.DataFrame, question: Question, commented: np.ndarray, missing: np.ndarray,
              rng: np.random.Generator, *, effects: bool) -> np.ndarray:
    """Comment texts for one free-text question (empty string = no comment)."""
    n = len(people)
    band = _band(commented, missing)
    if effects:
        factor = pd.Series(band).map(LATENT_MODEL["comment_factor"]).to_numpy()
        writes = rng.random(n) < LATENT_MODEL["comment_rate"] * factor
        tone_p = {b: np.asarray(p) for b, p in LATENT_MODEL["tone"].items()}
        tone = np.array([_TONES[rng.choice(3, p=tone_p[b])] for b in band])
    else:
        writes = rng.random(n) < _NULL_MODEL["comment_rate"]
        tone = np.array(rng.choice(_TONES, size=n, p=_NULL_MODEL["tone"]), dtype=object)
    is_fv = (people["role"] == _FV).to_numpy()
    is_chef = people["chef"].to_numpy(dtype=bool)
    codes = people["code"].to_numpy()
    out = np.full(n, "", dtype=object)

    # Fixed texts first: every seed quote and every planted comment appears exactly once, given
    # to a commenter whose role fits and whose answer fits the tone, in the text's preferred
    # municipality when it has one and it is in the survey (relaxing tone, then commenting).
    fixed = texts.SEED_QUOTES.get(question.id, []) + texts.PLANTED_COMMENTS.get(question.id, [])
    for item in fixed:
        role_ok = np.array([_fits(item["role"], f, c) for f, c in zip(is_fv, is_chef)], dtype=bool)
        free = out == ""
        place = codes == item.get("municipality", "")
        tone_ok = tone == item["tone"]
        answer_ok = np.isin(band, _BANDS_FOR_TONE[item["tone"]])
        for mask in (writes & role_ok & free & tone_ok & place, writes & role_ok & free & answer_ok & place,
                     role_ok & free & answer_ok & place, writes & role_ok & free & tone_ok,
                     writes & role_ok & free & answer_ok, role_ok & free & answer_ok, role_ok & free):
            candidates = np.flatnonzero(mask)
            if len(candidates):
                break
        else:  # no respondent of a fitting role at all (tiny custom sets): leave the text out
            continue
        i = int(rng.choice(candidates))
        out[i], writes[i], tone[i] = item["text"], True, item["tone"]

    # The rest from the invented pool, spreading use evenly, some with a second sentence.
    pool = texts.POOL[question.id]
    used = np.zeros(len(pool), dtype=int)
    for i in np.flatnonzero(writes & (out == "")):
        fitting = [k for k, t in enumerate(pool) if t["tone"] == tone[i] and _fits(t["role"], is_fv[i], is_chef[i])]
        least = [k for k in fitting if used[k] == min(used[fitting])]
        k = int(rng.choice(least))
        used[k] += 1
        text = pool[k]["text"]
        if rng.random() < LATENT_MODEL["addition_rate"] and "\n" not in text:
            text = f"{text} {rng.choice(texts.ADDITIONS[pool[k]['tone']])}"
        out[i] = text
    return out


# ------------------------------------------------------------------------------------------------
# The survey
# ------------------------------------------------------------------------------------------------
def generate_survey(codes: Iterable[Any] | str | None = None, *, seed: int = DEMO_SEED,
                    effects: bool = True, instrument: Instrument | None = None,
                    round_shifts: Sequence[Mapping[str, Any]] = (),
                    municipality_effects: Mapping[str, float] | None = None) -> pd.DataFrame:
    """Generate a synthetic survey export as a wide frame (one row per respondent).

    Parameters
    ----------
    codes
        Four-digit municipality codes; ``None`` (default) for the 16 Värmland municipalities with
        the seed's totals, ``"all"`` for all 290 (about 40 respondents each).
    seed
        Seed of the random generator; the same seed gives the same frame.
    effects
        ``True`` (default): answers follow the latent model with the effects in
        :data:`BUILT_IN_EFFECTS`. ``False``: the null model — every respondent's answers are drawn
        independently from one distribution (no role, subgroup, municipality or question
        differences, no correlation between questions; "Vet ej", skips and comment tones at the
        same rate for everyone).
    instrument
        The instrument whose questions become columns (default: the bundled one). Its Likert
        questions must be those of :data:`LATENT_MODEL`.
    round_shifts
        Latent shifts of an earlier round (entries as in :data:`PREVIOUS_ROUND`), added after the
        built-in effects; default none.
    municipality_effects
        The municipalities' climate effects to use instead of drawing them (an earlier round of
        the same municipalities keeps its climate).

    Returns
    -------
    pandas.DataFrame
        Columns ``Respondent-ID``, ``Kommun``, ``Inskickad`` and one per question headed by
        ``question.label``; all cells are strings, ``""`` for an empty cell. Rows are ordered by
        submission time, as a survey tool exports them.
    """
    instrument = instrument if instrument is not None else load_instrument()
    alloc = allocate_respondents(codes, seed=seed)
    rng = np.random.default_rng(seed)
    people = _respondents(alloc)
    n = len(people)
    is_fv = (people["role"] == _FV).to_numpy()
    likert = instrument.likert_questions
    missing_model = [q.id for q in likert if q.id not in LATENT_MODEL["questions"]]
    if missing_model:
        raise InputError("the demo generator has no latent model for these Likert questions",
                         value=missing_model, hint="generate the demo with the bundled instrument")

    scores = _latent_scores(people, likert, rng, effects=effects, round_shifts=round_shifts,
                            municipality_effects=municipality_effects)
    columns: dict[str, Any] = {}
    codes_by_q: dict[str, np.ndarray] = {}
    missing_by_q: dict[str, np.ndarray] = {}
    skip_rate = LATENT_MODEL["skipped"] if effects else _NULL_MODEL["skipped"]
    for q in instrument.questions:
        if q.kind == "role":
            labels = {lv.value: lv.label for lv in q.scale.levels}  # type: ignore[union-attr]
            columns[q.label] = people["role"].map(labels).to_numpy()
        elif q.kind == "subgroup":
            yes, no = q.scale.labels[0], q.scale.labels[1]  # type: ignore[union-attr]
            columns[q.label] = np.where(is_fv, "", np.where(people["chef"], yes, no))
        elif q.kind == "background":
            probs = _TENURE if q.scale.name == "tenure" else _AREA  # type: ignore[union-attr]
            values = _background(people, q.scale.labels, probs, rng, effects=effects)  # type: ignore[union-attr]
            values[rng.random(n) < skip_rate / 2] = ""
            columns[q.label] = values
        elif q.kind == "likert":
            scale = q.scale
            assert scale is not None
            level = scores[q.id]
            if effects:
                dk = LATENT_MODEL["dont_know"].get(q.id, LATENT_MODEL["dont_know"]["default"])
                dk_rate = np.where(is_fv, dk[_FV], dk[_TP])
            else:
                dk_rate = np.full(n, _NULL_MODEL["dont_know"])
            u = rng.random(n)
            dont_know, skipped = u < dk_rate, (u >= dk_rate) & (u < dk_rate + skip_rate)
            values = np.asarray(scale.labels, dtype=object)[level - 1]
            values[dont_know] = scale.non_substantive_labels[0]
            values[skipped] = ""
            columns[q.label] = values
            codes_by_q[q.id], missing_by_q[q.id] = level, dont_know | skipped
        elif q.kind == "free_text":
            columns[q.label] = None  # filled below, once every Likert answer exists
    for q in instrument.comment_questions():
        about = q.comments
        columns[q.label] = _comments(people, q, codes_by_q[about], missing_by_q[about], rng, effects=effects)

    stamps = _submitted(people, rng)
    frame = pd.DataFrame(columns)
    frame.insert(0, "Inskickad", stamps)
    frame.insert(0, "Kommun", people["name"].to_numpy())
    frame = frame.sort_values("Inskickad", kind="stable").reset_index(drop=True)
    ids = 100 + np.cumsum(1 + rng.geometric(0.85, size=n) - 1)  # gaps: started, never submitted
    frame.insert(0, "Respondent-ID", [f"R{i:06d}" for i in ids])
    frame["Inskickad"] = frame["Inskickad"].dt.strftime("%Y-%m-%d %H:%M")
    return frame.fillna("").astype(str)


# ------------------------------------------------------------------------------------------------
# Writing
# ------------------------------------------------------------------------------------------------
def write_export(frame: pd.DataFrame, path: str | Path, *, encoding: str = "cp1252", sep: str = ";") -> Path:
    """Write a wide survey frame as a survey tool's CSV export.

    Parameters
    ----------
    frame
        The export-shaped frame, e.g. from :func:`generate_survey`. Missing values become empty cells.
    path
        Where to write; parent folders are created.
    encoding
        Text encoding (default cp1252, as Swedish Windows tools write it).
    sep
        Field separator (default ``;``).

    Returns
    -------
    pathlib.Path
        The path written. Lines end with CRLF; fields holding the separator, quotes or line
        breaks are quoted with ``"`` (``csv.QUOTE_MINIMAL``).

    Raises
    ------
    InputError
        When a cell cannot be encoded in ``encoding`` (names its row and column).
    """
    path = Path(path)
    cells = frame.astype(object).where(frame.notna(), "")
    header = [str(c) for c in cells.columns]
    rows = [[str(v) for v in row] for row in cells.itertuples(index=False, name=None)]
    for r, row in enumerate([header, *rows], start=1):
        for c, value in enumerate(row):
            try:
                value.encode(encoding)
            except UnicodeEncodeError as exc:
                raise InputError(f"character {value[exc.start]!r} cannot be written as {encoding}",
                                 file=path, row=r, column=header[c], value=value,
                                 hint="replace the character or write with encoding='utf-8-sig'") from None
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding=encoding, newline="") as handle:
        writer = csv.writer(handle, delimiter=sep, quotechar='"', quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n")
        writer.writerow(header)
        writer.writerows(rows)
    return path


def build_demo(path: str | Path = paths.DEMO_EXPORT) -> Path:
    """Regenerate the committed demo export (16 Värmland municipalities, :data:`DEMO_SEED`)."""
    return write_export(generate_survey(), path)


# ------------------------------------------------------------------------------------------------
# The previous round (2024)
# ------------------------------------------------------------------------------------------------
PREVIOUS_ROUND: dict[str, Any] = {
    "label": "2024",
    "current_label": "2026",
    "seed": 20220307,
    # Latent shifts of the 2024 round relative to the current model: a negative shift in 2024
    # is an improvement since. Everything not listed is unchanged (only sampling noise differs).
    "round_shifts": [
        {"question": "Q14", "municipalities": ["1780", "1784"], "latent_shift": -0.8,
         "why": "tillit: Karlstad och Arvika har arbetat med rollerna sedan 2024 (förbättring)"},
        {"question": "Q10", "role": _TP, "latent_shift": -0.4,
         "why": "uppföljning av ekonomi: tjänstepersonerna ser en bättre modell än 2024 (förbättring)"},
        {"question": "Q12", "municipalities": ["1781"], "latent_shift": 0.7,
         "why": "uppföljning av kvalitet: Kristinehamn sämre än 2024 (försämring)"},
    ],
    "unchanged": ["Q5", "Q6", "Q7", "Q8"],
}
"""The demo's previous round: label, seed and the changes built in (machine-readable)."""


def generate_previous_round(codes: Iterable[Any] | str | None = None, *,
                            seed: int = PREVIOUS_ROUND["seed"]) -> pd.DataFrame:
    """The synthetic previous round (2024) of the demo.

    The same municipalities with their climate effects as in the current demo (drawn with
    :data:`DEMO_SEED`), other respondents (``seed``), and the changes of :data:`PREVIOUS_ROUND`
    built in. Returns the export-shaped frame, as :func:`generate_survey`.
    """
    code_list = list(allocate_respondents(codes)["municipality_code"])
    climate = _municipality_effects(code_list, np.random.default_rng(DEMO_SEED))  # the current demo's draws
    return generate_survey(codes, seed=seed, round_shifts=PREVIOUS_ROUND["round_shifts"],
                           municipality_effects=climate)


def build_previous_round(path: str | Path = paths.DEMO_PREVIOUS_EXPORT) -> Path:
    """Regenerate the committed previous round of the demo (``data/demo/``)."""
    return write_export(generate_previous_round(), path)
#: How the synthetic population (invited persons) is drawn around the allocated respondents:
#: a response rate per municipality and role, uniform in these ranges; invited = ceil(answered /
#: rate). One municipality (Karlstad, 1780) gets a low rate for tjänstepersoner, so the demo
#: shows the low-response note.
POPULATION_MODEL = {
    "rate_range": {"förtroendevald": (0.50, 0.85), "tjänsteperson": (0.40, 0.75), "chef": (0.65, 0.95)},
    "low_rate": {"1780": {"tjänsteperson": 0.24}},
    "stream": 17,  # the generator's own random stream (the export's stays as it is)
}


def generate_population(codes: Iterable[Any] | str | None = None, *, seed: int = DEMO_SEED) -> pd.DataFrame:
    """A synthetic population file consistent with :func:`generate_survey` (same codes and seed).

    SYNTETISKA DATA. For every municipality: invited förtroendevalda and tjänstepersoner, and the
    tjänsteperson subgroups (chef i central förvaltning, övrig tjänsteperson), each at least the
    number who answered (:func:`allocate_respondents`); the response rates follow
    :data:`POPULATION_MODEL`.

    Returns
    -------
    pandas.DataFrame
        Columns ``kommun``, ``roll``, ``delgrupp``, ``inbjudna`` (as the population file has them;
        :func:`kommunanalys.population.read_population` reads it).
    """
    alloc = allocate_respondents(codes, seed=seed)
    rng = np.random.default_rng([seed, POPULATION_MODEL["stream"]])
    ranges, low = POPULATION_MODEL["rate_range"], POPULATION_MODEL["low_rate"]
    rows = []
    for rec in alloc.itertuples(index=False):
        rate = {key: rng.uniform(*bounds) for key, bounds in ranges.items()}
        rate.update(low.get(rec.municipality_code, {}))
        fv = int(np.ceil(rec.fortroendevalda / rate[_FV]))
        chef = int(np.ceil(rec.chefer / rate["chef"]))
        tp = max(int(np.ceil(rec.tjanstepersoner / rate[_TP])), chef + rec.tjanstepersoner - rec.chefer)
        rows += [(rec.municipality_code, "förtroendevald", "", fv),
                 (rec.municipality_code, "tjänsteperson", "", tp),
                 (rec.municipality_code, "tjänsteperson", "chef i central förvaltning", chef),
                 (rec.municipality_code, "tjänsteperson", "övrig tjänsteperson", tp - chef)]
    return pd.DataFrame(rows, columns=["kommun", "roll", "delgrupp", "inbjudna"]).astype(str)


def build_demo_population(path: str | Path = paths.DEMO_POPULATION) -> Path:
    """Regenerate the committed synthetic population file of the demo (:data:`DEMO_SEED`)."""
    return write_export(generate_population(), path)


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m kommunanalys.demo [--out PATH] [--municipalities all|CODES] [--seed N] [--null-model]``."""
    parser = argparse.ArgumentParser(
        prog="python -m kommunanalys.demo",
        description="Write a synthetic (SYNTETISK) survey export. Without options: rebuild the committed demo.",
    )
    parser.add_argument("--out", type=Path, default=paths.DEMO_EXPORT, help="output CSV (default: %(default)s)")
    parser.add_argument("--municipalities", default=None,
                        help="'all' for all 290, or comma-separated codes (default: the 16 of Värmland)")
    parser.add_argument("--seed", type=int, default=DEMO_SEED, help="random seed (default: %(default)s)")
    parser.add_argument("--null-model", action="store_true", help="no built-in effects (pure noise)")
    parser.add_argument("--previous-round", action="store_true",
                        help=f"write the previous round (2024) instead (default out: {paths.DEMO_PREVIOUS_EXPORT})")
    parser.add_argument("--population-out", type=Path, default=None,
                        help="also write the synthetic population file (invited per municipality and role) "
                             "here (default: beside the committed demo when --out is not given)")
    args = parser.parse_args(argv)
    try:
        if args.previous_round:
            out = build_previous_round(args.out if args.out != paths.DEMO_EXPORT else paths.DEMO_PREVIOUS_EXPORT)
            print(f"wrote the synthetic previous round ({PREVIOUS_ROUND['label']}) to {out}")
            return 0
        frame = generate_survey(args.municipalities, seed=args.seed, effects=not args.null_model)
        out = write_export(frame, args.out)
        pop_out = args.population_out or (paths.DEMO_POPULATION if args.out == paths.DEMO_EXPORT else None)
        if pop_out is not None:
            write_export(generate_population(args.municipalities, seed=args.seed), pop_out)
            print(f"wrote the synthetic population to {pop_out}")
    except InputError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"wrote {len(frame)} synthetic respondents in {frame['Kommun'].nunique()} municipalities to {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
