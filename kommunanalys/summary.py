"""The summary a council reads first ("Sammanfattning"): strongest and weakest areas, the largest
role gaps and what to look into — one tidy frame and its plain Swedish text.

Everything comes from already-suppressed frames: :func:`kommunanalys.rootcause.friction` (the
role gap of :func:`kommunanalys.questions.role_gap` and the municipality against the others of
:func:`kommunanalys.questions.benchmark`, both NaN for a hidden group) and its Holm-adjusted
"tydlig skillnad". A hidden group is never a row of the summary, nor part of a number in it.
The report (``report.html``), the deck and the workbook show the same summary.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from .anonymity import resolve_threshold
from .labels import RoleNames, format_interval, format_number, format_percent, format_pp, role_names
# how sure a gap is and the friction table live with the root-cause analysis
from .rootcause import gap_words, memo_friction, rank_friction
from .survey import Survey

__all__ = ["Summary", "summarize", "summary_markdown", "KIND_TITLES"]

_COLUMNS = ["kind", "rank", "question", "number", "short", "value", "ci_low", "ci_high", "other", "clear", "text"]
#: The Swedish heading of each ``kind`` of the summary frame.
KIND_TITLES = {
    "strongest": "Starkast",
    "weakest": "Svagast",
    "role_gap": "Störst skillnad mellan rollerna",
    "look_into": "Att titta närmare på",
}


@dataclass
class Summary:
    """The summary of one municipality.

    Attributes
    ----------
    frame
        Tidy, one row per statement: ``kind`` (``strongest``, ``weakest``, ``role_gap``,
        ``look_into``), ``rank``, ``question``, ``number``, ``short``, ``value`` (share positive
        in percent, or the gap in percentage points), ``ci_low``, ``ci_high`` (its 95 % interval),
        ``other`` (the other municipalities' share, for strongest/weakest), ``clear`` (a "tydlig
        skillnad": Holm-adjusted p < 0.05 and at least 15 percentage points) and ``text`` (the
        statement in Swedish).
    sentences
        The summary as short Swedish paragraphs, in reading order.
    parts
        The same paragraphs by topic: ``strongest``, ``weakest``, ``role_gap``, ``look_into``.
    """

    municipality: str
    municipality_name: str
    threshold: int
    frame: pd.DataFrame
    parts: dict[str, str]

    @property
    def sentences(self) -> list[str]:
        return list(self.parts.values())

    @property
    def markdown(self) -> str:
        """The summary as Markdown (a paragraph per sentence)."""
        return summary_markdown(self)


def summarize(survey: Survey, municipality: str, *, threshold: int | None = None, n_areas: int = 2,
              n_gaps: int = 2) -> Summary:
    """The "Sammanfattning" of one municipality.

    Parameters
    ----------
    survey
        The whole survey (the comparison needs the other municipalities).
    municipality
        Code or name.
    threshold
        Anonymity threshold; default the instrument's.
    n_areas
        How many strongest and weakest questions.
    n_gaps
        How many role gaps.

    Returns
    -------
    Summary
        The tidy frame and the Swedish text.
    """
    t = resolve_threshold(threshold, survey)
    code = survey.resolve_municipality(municipality)
    # once per survey object: report.html, the deck and the workbook of a batch all show it
    made = survey.memo(("summary", code, t, n_areas, n_gaps), lambda: _summarize(survey, code, t, n_areas, n_gaps))
    return replace(made, frame=made.frame.copy(), parts=dict(made.parts))


def _summarize(survey: Survey, code: str, t: int, n_areas: int, n_gaps: int) -> Summary:
    name = survey.municipality_name(code)
    inst = survey.instrument
    fr = memo_friction(survey, code, t)
    rows: list[dict] = []

    def base(q: str) -> dict:
        question = inst[q]
        return {"question": q, "number": question.number, "short": question.short}

    # strongest and weakest: everyone in the municipality (NaN where the municipality is hidden)
    shown, ranked_gaps = rank_friction(fr, inst)  # the order the hypotheses read them in too
    top = shown.head(n_areas)
    bottom = shown[~shown["question"].isin(top["question"])].tail(n_areas).iloc[::-1]
    for kind, part in (("strongest", top), ("weakest", bottom)):
        for rank, r in enumerate(part.itertuples(), start=1):
            rows.append({"kind": kind, "rank": rank, **base(r.question), "value": r.positive_municipality,
                         "ci_low": np.nan, "ci_high": np.nan, "other": r.positive_others,
                         "clear": bool(r.benchmark_notable), "text": ""})

    # the largest role gaps (hidden comparisons have no gap)
    gaps = ranked_gaps.head(n_gaps)
    for rank, r in enumerate(gaps.itertuples(), start=1):
        rows.append({"kind": "role_gap", "rank": rank, **base(r.question), "value": r.gap, "ci_low": r.gap_ci_low,
                     "ci_high": r.gap_ci_high, "other": np.nan, "clear": bool(r.gap_notable), "text": ""})

    # what to look into: the clear findings, else the largest gap
    look = fr[fr["notable"]]
    for rank, r in enumerate(look.head(3).itertuples(), start=1):
        is_gap = bool(r.gap_notable)
        rows.append({"kind": "look_into", "rank": rank, **base(r.question),
                     "value": r.gap if is_gap else r.distance,
                     "ci_low": r.gap_ci_low if is_gap else r.distance_ci_low,
                     "ci_high": r.gap_ci_high if is_gap else r.distance_ci_high,
                     "other": np.nan if is_gap else r.positive_others, "clear": True,
                     "text": "role_gap" if is_gap else "benchmark"})

    frame = pd.DataFrame(rows, columns=_COLUMNS)
    roles = role_names(inst)
    frame["text"] = [_statement(r, name, roles) for r in frame.itertuples()]
    return Summary(municipality=code, municipality_name=name, threshold=t, frame=frame,
                   parts=_sentences(frame, name, t))


def _statement(r, name: str, roles: RoleNames) -> str:
    label = f"{r.short.lower()} (fråga {r.number})"
    if r.kind in ("strongest", "weakest"):
        other = f", övriga kommuner {format_percent(r.other, missing='–')}" if pd.notna(r.other) else ""
        return f"{label}: {format_percent(r.value, missing='–')} instämmer{other}"
    if r.kind == "role_gap":
        higher = roles.lower("förtroendevald") if r.value > 0 else roles.definite.get("tjänsteperson", "")
        words = gap_words(r.value, r.ci_low, r.ci_high, clear=bool(r.clear))
        # said as "x more positive": the interval in the same direction as the gap
        low, high = (r.ci_low, r.ci_high) if r.value > 0 else (-r.ci_high, -r.ci_low)
        return (f"{label}: {higher} är mer positiva, {format_number(abs(r.value), 0, missing='–')} procentenheter "
                f"(95 % konfidensintervall {format_interval(low, high, missing='–')}) – {words}")
    if r.text == "role_gap":
        return (f"{label}: {roles.lower('förtroendevald')} och {roles.lower('tjänsteperson')} ser tydligt olika på frågan "
                f"({format_pp(r.value, missing='–')} procentenheter)")
    direction = "fler" if r.value > 0 else "färre"
    return (f"{label}: tydligt {direction} instämmer i {name} än i övriga kommuner "
            f"({format_pp(r.value, missing='–')} procentenheter)")


def _sentences(frame: pd.DataFrame, name: str, threshold: int) -> dict[str, str]:
    out = {}
    strong, weak = frame[frame["kind"] == "strongest"], frame[frame["kind"] == "weakest"]
    if len(strong):
        out["strongest"] = f"Starkast i {name}: " + "; ".join(strong["text"]) + "."
    if len(weak):
        out["weakest"] = "Svagast: " + "; ".join(weak["text"]) + "."
    if strong.empty and weak.empty:
        out["strongest"] = f"Färre än {threshold} svar per fråga i {name}: inga andelar visas."
    gaps = frame[frame["kind"] == "role_gap"]
    if len(gaps):
        out["role_gap"] = "Störst skillnad mellan rollerna: " + "; ".join(gaps["text"]) + "."
    else:
        out["role_gap"] = f"Rollerna kan inte jämföras: en av dem har färre än {threshold} svar."
    look = frame[frame["kind"] == "look_into"]
    said = set(gaps.loc[gaps["clear"].astype(bool), "question"])  # clear role gaps said just above
    new = look[~(look["question"].isin(said) & look["text"].astype(str).str.contains("ser tydligt olika"))]
    then = " Pröva i intervjuer och dialog vad som ligger bakom innan ni väljer lösning."
    if len(new):
        out["look_into"] = "Att titta närmare på: " + "; ".join(new["text"]) + "." + then
    elif len(look):
        numbers = " och ".join(str(n) for n in look["number"])
        out["look_into"] = (f"Att titta närmare på: de tydliga skillnaderna mellan rollerna ovan "
                            f"(fråga {numbers})." + then)
    else:
        out["look_into"] = _nothing_clear(gaps, weak, name)
    return {k: v[:1].upper() + v[1:] for k, v in out.items()}


def _nothing_clear(gaps: pd.DataFrame, weak: pd.DataFrame, name: str) -> str:
    """"Att titta närmare på" without a clear finding: the municipality's largest role gap and weakest
    area by name, where the hypotheses of "Hur går vi vidare med resultatet?" start."""
    text = (f"Enkäten visar inga tydliga skillnader i {name}, varken mellan rollerna eller mot övriga kommuner. "
            "Intervjuer och dialog kan fånga det enkäten inte mäter")
    said = {}
    for part, what in ((gaps.head(1), "där rollerna skiljer sig mest"), (weak.head(1), "det svagaste området")):
        for r in part.itertuples():
            label = f"{r.short.lower()} (fråga {r.number})"
            said[label] = f"{said[label]} och som är {what}" if label in said else what
    if not said:
        return text + "."
    return (text + "; börja gärna med " + ", och ".join(f"{label}, {what}" for label, what in said.items())
            + ". Hypoteserna under \"Hur går vi vidare med resultatet?\" utgår från "
            + ("dem." if len(said) > 1 else "den."))


def summary_markdown(summary: Summary) -> str:
    """The summary as Markdown paragraphs."""
    return "\n\n".join(summary.sentences)
