"""Root-cause follow-up: where it chafes, what goes with it, and a plan for the next step.

*Spring inte på ny lösning innan ni förstår orsakssambanden.* This module does not find causes:
it finds **associations in one survey** — where the roles differ, which answers go together —
and turns them into hypotheses to test in interviews and dialogue.

Everything returns tidy frames; intervals are 95 % intervals. A finding is "notable" only when
its p-value survives Holm's correction over the whole family of tests it belongs to (for a
municipality: every role gap, benchmark distance, subgroup contrast and culture comparison
together, :func:`findings`) at the 5 % level *and* its size passes an effect-size floor — so that
a survey without real differences yields nothing notable, and a finding that is called notable
carries strong evidence.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Sequence

import numpy as np
import pandas as pd
from scipy import stats as _sps

from .anonymity import disclosure_plan
from .labels import (BUNDLED_ROLE_NAMES, MINUS, RoleNames, _lower, _upper_first, format_number, format_percent,
                     role_names)
from .stats import holm, mann_whitney, newcombe_interval, spearman_interval, two_proportion_p
from .survey import ROLES, Survey

__all__ = [
    "ASSOCIATION_NOTE",
    "associations",
    "separation",
    "subgroup_contrasts",
    "friction",
    "rank_friction",
    "findings",
    "Hypothesis",
    "hypotheses",
    "next_steps_markdown",
    "interview_questions",
    "culture_label",
    "role_name",
    "HYPOTHESIS_TEMPLATES",
    "gap_words",
    "memo_friction",
    "LARGE_GAP",
    "UNCERTAIN_WIDTH",
]

#: Said plainly beside every association table.
ASSOCIATION_NOTE = (
    "Sambanden visar vilka svar som följs åt i den här enkäten. De är samband, inte orsaker: "
    "de pekar ut vad som bör prövas i djupare analys, intervjuer och dialog."
)

#: Smallest |Spearman rho| called notable (a weak-to-moderate association).
MIN_RHO = 0.2
#: Smallest difference in share positive (proportion) called notable.
MIN_DIFFERENCE = 0.15
#: Family-wise / false-discovery level.
ALPHA = 0.05


def associations(
    survey: Survey,
    *,
    questions: Sequence[str] | None = None,
    by: str | None = "role",
    threshold: int | None = None,
    min_rho: float = MIN_RHO,
) -> pd.DataFrame:
    """Spearman rank correlations between the Likert questions, per group.

    Parameters
    ----------
    survey
        The survey (or a municipality's subset of it).
    questions
        Question ids (default: every Likert question).
    by
        Respondent column to split by (``"role"``, ``"subgroup"``) or ``None`` for everyone.
    threshold
        Anonymity threshold (default: the instrument's). Only answers of groups the disclosure
        plan shows in their own municipality are used (:meth:`DisclosurePlan.pool_scores`: a
        hidden role gets no correlation), and a pair is computed only where the plan finds
        enough respondents who answered both questions; otherwise ``n`` is NaN as well.
    min_rho
        Effect-size floor for ``notable``.

    Returns
    -------
    pandas.DataFrame
        One row per group and question pair: ``group``, ``question_a``, ``question_b``, ``n``,
        ``rho``, ``ci_low``, ``ci_high``, ``p_value``, ``q_value`` (Holm-adjusted over the
        whole table; the column keeps its name for all multiplicity-adjusted p-values: here Holm)
        and ``notable`` (q < 0.05 and |rho| ≥ ``min_rho``).
    """
    ids = list(questions) if questions is not None else [q.id for q in survey.instrument.likert_questions]
    plan = disclosure_plan(survey, threshold=threshold)
    scores = plan.pool_scores(survey.scores(ids), level="all" if by is None else by)
    groups = [("alla", scores)] if by is None else [(g, f) for g, f in scores.groupby(by, observed=True)]
    rows = []
    for group, frame in groups:
        values = frame[ids].to_numpy(dtype=float, na_value=np.nan)  # pairs on arrays: no frame per pair
        answered = ~np.isnan(values)
        for i, a in enumerate(ids):
            for j, b in enumerate(ids[i + 1:], start=i + 1):
                both = answered[:, i] & answered[:, j]
                pair_a, pair_b = values[both, i], values[both, j]
                n = len(pair_a)
                if not plan.large_enough(n) or len(np.unique(pair_a)) < 2 or len(np.unique(pair_b)) < 2:
                    rows.append({"group": group, "question_a": a, "question_b": b,
                                 "n": n if plan.large_enough(n) else np.nan,
                                 "rho": np.nan, "ci_low": np.nan, "ci_high": np.nan, "p_value": np.nan})
                    continue
                res = _sps.spearmanr(pair_a, pair_b)
                rho = float(res.statistic)
                low, high = spearman_interval(rho, n)
                rows.append({"group": group, "question_a": a, "question_b": b, "n": n, "rho": rho,
                             "ci_low": low, "ci_high": high, "p_value": float(res.pvalue)})
    out = pd.DataFrame(rows, columns=["group", "question_a", "question_b", "n", "rho", "ci_low", "ci_high", "p_value"])
    out["q_value"] = holm(out["p_value"].to_numpy())
    out["notable"] = (out["q_value"] < ALPHA) & (out["rho"].abs() >= min_rho)
    return out


def _positive(scores: pd.Series, k: int) -> pd.Series:
    """True where the level code is above the centre of a k-level scale (NaN stays NaN)."""
    return (scores > (k + 1) / 2).where(scores.notna())


def _compare(a: pd.Series, b: pd.Series, k: int) -> dict:
    """Share positive in ``a`` minus in ``b`` with Newcombe's 95 % interval; Mann–Whitney p-value."""
    a, b = a.dropna(), b.dropna()
    pa, pb = _positive(a, k), _positive(b, k)
    x1, n1, x2, n2 = float(pa.sum()), len(pa), float(pb.sum()), len(pb)
    low, high = newcombe_interval(x1, n1, x2, n2)
    mw = mann_whitney(a, b)
    return {
        "n_a": n1, "n_b": n2,
        "positive_a": x1 / n1 if n1 else np.nan, "positive_b": x2 / n2 if n2 else np.nan,
        "difference": (x1 / n1 - x2 / n2) if n1 and n2 else np.nan,
        "ci_low": float(low), "ci_high": float(high),
        "rank_biserial": mw.rank_biserial, "p_value": mw.p_value,
    }


def separation(
    survey: Survey,
    *,
    target: str | None = None,
    questions: Sequence[str] | None = None,
    threshold: int | None = None,
    min_difference: float = MIN_DIFFERENCE,
) -> pd.DataFrame:
    """Which answers best separate those who agree with ``target`` from those who do not.

    Respondents are split by their answer to ``target`` (default: the instrument's
    ``analysis: culture_question``, in the bundled instrument a common culture of efficiency;
    an instrument without one gives an empty table): positive (above the centre) against negative (below it); the neutral centre and
    "Vet ej" are left out. For every other question the table gives the share positive in each
    side, the difference with a 95 % interval (Newcombe's hybrid score interval), and the
    Mann–Whitney test with its rank-biserial correlation. A simple, explainable comparison — no
    model — ranked by the size of the difference.

    Returns
    -------
    pandas.DataFrame
        ``question``, ``n_a`` (target positive), ``n_b`` (target negative), ``positive_a``,
        ``positive_b``, ``difference``, ``ci_low``, ``ci_high``, ``rank_biserial``, ``p_value``,
        ``q_value`` (Holm over the questions), ``notable`` (q < 0.05 and |difference| ≥
        ``min_difference``). Empty when either side has fewer than ``threshold`` respondents.
    """
    columns = ["question", "n_a", "n_b", "positive_a", "positive_b", "difference", "ci_low", "ci_high",
               "rank_biserial", "p_value", "q_value", "notable"]
    if target is None:
        culture = survey.instrument.culture_question
        if culture is None:
            return pd.DataFrame(columns=columns)
        target = culture.id
    ids = list(questions) if questions is not None else [q.id for q in survey.instrument.likert_questions]
    others = [q for q in ids if q != target]
    plan = disclosure_plan(survey, threshold=threshold)
    scores = plan.pool_scores(survey.scores([target, *others]), level="all")
    k_target = survey.instrument[target].scale.k
    side = np.sign(scores[target] - (k_target + 1) / 2)
    yes, no = scores[side > 0], scores[side < 0]
    columns = ["question", "n_a", "n_b", "positive_a", "positive_b", "difference", "ci_low", "ci_high",
               "rank_biserial", "p_value", "q_value", "notable"]
    if not (plan.large_enough(len(yes)) and plan.large_enough(len(no))):
        return pd.DataFrame(columns=columns)
    rows = []
    for q in others:
        k = survey.instrument[q].scale.k
        rec = _compare(yes[q], no[q], k)
        if not (plan.large_enough(rec["n_a"]) and plan.large_enough(rec["n_b"])):
            continue
        rows.append({"question": q, **rec})
    out = pd.DataFrame(rows, columns=columns[:-2])
    out["q_value"] = holm(out["p_value"].to_numpy(float))
    out["notable"] = (out["q_value"] < ALPHA) & (out["difference"].abs() >= min_difference)
    return out.sort_values("difference", key=lambda s: -s.abs(), ignore_index=True)


def subgroup_contrasts(
    survey: Survey,
    *,
    group: str = "chef i central förvaltning",
    reference: str = "övrig tjänsteperson",
    questions: Sequence[str] | None = None,
    threshold: int | None = None,
    min_difference: float = MIN_DIFFERENCE,
) -> pd.DataFrame:
    """Where a subgroup differs from its reference (default: central managers vs other civil servants).

    Per question: share positive in each, the difference with a 95 % interval (Newcombe), the
    Mann–Whitney p-value, its Holm adjustment over the questions (``q_value``) and ``notable``. A
    question is left out when either side is too small for the disclosure plan. Only answers of
    subgroups shown in their own municipality are used (:meth:`DisclosurePlan.pool_scores`), so
    a survey-wide contrast never holds a group hidden in its municipality.
    """
    ids = list(questions) if questions is not None else [q.id for q in survey.instrument.likert_questions]
    plan = disclosure_plan(survey, threshold=threshold)
    scores = plan.pool_scores(survey.scores(ids), level="subgroup")
    a, b = scores[scores["subgroup"] == group], scores[scores["subgroup"] == reference]
    rows = []
    for q in ids:
        rec = _compare(a[q], b[q], survey.instrument[q].scale.k)
        if not (plan.large_enough(rec["n_a"]) and plan.large_enough(rec["n_b"])):
            continue
        rows.append({"question": q, "group": group, "reference": reference, **rec})
    out = pd.DataFrame(rows, columns=["question", "group", "reference", "n_a", "n_b", "positive_a", "positive_b",
                                      "difference", "ci_low", "ci_high", "rank_biserial", "p_value"])
    out["q_value"] = holm(out["p_value"].to_numpy(float))
    out["notable"] = (out["q_value"] < ALPHA) & (out["difference"].abs() >= min_difference)
    return out.sort_values("difference", key=lambda s: -s.abs(), ignore_index=True)


# ---------------------------------------------------------------------------------------------
# Where it chafes
# ---------------------------------------------------------------------------------------------
def friction(
    survey: Survey,
    municipality: str,
    *,
    comparison: Sequence[str] | None = None,
    threshold: int | None = None,
    min_difference: float = MIN_DIFFERENCE,
) -> pd.DataFrame:
    """Where it chafes in one municipality: the role gap and the distance to the benchmark.

    Per Likert question: the gap förtroendevalda − tjänstepersoner in share positive
    (:func:`kommunanalys.questions.role_gap`, Newcombe interval, Mann–Whitney p-value), and the
    distance between the municipality and all respondents of the other municipalities (everyone,
    share positive, Newcombe interval, two-proportion z-test). ``gap_notable`` and
    ``benchmark_notable``: Holm-adjusted p < 0.05 over the 2 × questions tests of this table and
    a size of at least ``min_difference``. Suppressed groups give NaN and no flag. Sorted by the
    larger of |gap| and |distance|, notable first.
    """
    from .questions import benchmark, role_gap

    gaps = role_gap(survey, municipalities=municipality, threshold=threshold).set_index("question")
    bench = benchmark(survey, municipality, comparison=comparison, threshold=threshold)
    bench = bench[bench["role"] == "alla"].set_index(["question", "group"])
    rows = []
    for q in survey.instrument.likert_questions:
        g = gaps.loc[q.id]
        rec = {"question": q.id, "short": q.short, "theme": q.theme,
               "n_fv": g["n_fv"], "n_tp": g["n_tp"], "positive_fv": g["positive_fv"],
               "positive_tp": g["positive_tp"], "gap": g["gap"], "gap_ci_low": g["gap_ci_low"],
               "gap_ci_high": g["gap_ci_high"], "gap_p_value": g["p_value"]}
        try:
            own, other = bench.loc[(q.id, "kommun")], bench.loc[(q.id, "övriga kommuner")]
        except KeyError:
            own = other = None
        if own is not None and not own["suppressed"] and not other["suppressed"] and own["n"] and other["n"]:
            x1 = round(own["positive"] * own["n"] / 100)
            x2 = round(other["positive"] * other["n"] / 100)
            low, high = newcombe_interval(x1, own["n"], x2, other["n"])
            rec.update({"positive_municipality": own["positive"], "positive_others": other["positive"],
                        "distance": own["positive"] - other["positive"],
                        "distance_ci_low": float(low) * 100, "distance_ci_high": float(high) * 100,
                        "distance_p_value": two_proportion_p(x1, own["n"], x2, other["n"])})
        else:
            rec.update({"positive_municipality": np.nan, "positive_others": np.nan, "distance": np.nan,
                        "distance_ci_low": np.nan, "distance_ci_high": np.nan, "distance_p_value": np.nan})
        rows.append(rec)
    out = pd.DataFrame(rows)
    adjusted = holm(np.concatenate([out["gap_p_value"].to_numpy(float), out["distance_p_value"].to_numpy(float)]))
    out["gap_q_value"], out["distance_q_value"] = adjusted[: len(out)], adjusted[len(out):]
    floor = min_difference * 100
    out["gap_notable"] = (out["gap_q_value"] < ALPHA) & (out["gap"].abs() >= floor)
    out["benchmark_notable"] = (out["distance_q_value"] < ALPHA) & (out["distance"].abs() >= floor)
    out["size"] = np.fmax(out["gap"].abs(), out["distance"].abs())
    out["notable"] = out["gap_notable"] | out["benchmark_notable"]
    return out.sort_values(["notable", "size"], ascending=[False, False], na_position="last",
                           ignore_index=True).drop(columns="size")


#: A gap of at least this many percentage points is "large"; a 95 % interval at least this wide is
#: "uncertain" (the two together are described as "stor men osäker").
LARGE_GAP = 15.0
UNCERTAIN_WIDTH = 40.0


#: The words of each verdict on a role gap (:func:`gap_words`): in a sentence, and short (a slide).
_GAP_WORDS = {
    "clear": ("en tydlig skillnad", "tydlig skillnad"),
    "uncertain": ("stor men osäker: få svar ger ett brett intervall", "stor men osäker"),
    "not_clear": ("stor, men inte tydlig när alla frågor prövas tillsammans",
                  "stor, men inte tydlig när alla frågor prövas tillsammans"),
    "small": ("liten eller osäker: kan bero på slumpen", "liten eller osäker"),
}


def gap_words(gap: float, low: float, high: float, *, clear: bool, short: bool = False) -> str:
    """How a role gap is said in words: clear, large but uncertain, or small / uncertain.

    ``gap``, ``low`` and ``high`` in percentage points; ``clear`` is the Holm-adjusted verdict
    ("tydlig skillnad"). An interval clear of zero is not enough to be called clear: the verdict
    weighs every question of the municipality together (see the report's "Så har vi räknat").
    ``short``: the verdict without its why, for a slide ("stor men osäker").
    """
    if clear:
        verdict = "clear"
    elif abs(gap) >= LARGE_GAP and (high - low) >= UNCERTAIN_WIDTH:
        verdict = "uncertain"
    elif abs(gap) >= LARGE_GAP:
        verdict = "not_clear"
    else:
        verdict = "small"
    return _GAP_WORDS[verdict][short]


def memo_friction(survey: Survey, code: str, threshold: int) -> pd.DataFrame:
    """:func:`kommunanalys.rootcause.friction` of the municipality, computed once per survey object
    (the summary and every question page read its "tydlig skillnad")."""
    return survey.memo(("summary_friction", code, threshold), lambda: friction(survey, code, threshold=threshold))


def rank_friction(friction_table: pd.DataFrame, instrument) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The municipality's areas and role gaps in the order the summary and the hypotheses read them.

    ``friction_table`` is :func:`friction` (or :func:`memo_friction`) of one municipality. Returns
    ``(areas, gaps)``: the questions with a share of everyone who agrees, highest first, and those
    with a role gap, largest (absolute) first; ties in the instrument's order (column ``order``).
    A hidden group has no share and no gap, so it is in neither.
    """
    order = {q.id: i for i, q in enumerate(instrument.likert_questions)}
    fr = friction_table.assign(order=friction_table["question"].map(order))
    areas = fr[fr["positive_municipality"].notna()].sort_values(
        ["positive_municipality", "order"], ascending=[False, True], kind="stable")
    gaps = fr[fr["gap"].notna()].assign(size=lambda d: d["gap"].abs()).sort_values(
        ["size", "order"], ascending=[False, True], kind="stable")
    return areas, gaps


def memo_table(survey: Survey, kind: str, threshold: int) -> pd.DataFrame:
    """:func:`subgroup_contrasts`, :func:`separation` or :func:`associations` (``kind``) of a
    survey — the whole survey or one municipality's subset — computed once per survey object (the
    root-cause page, its findings and its hypotheses all read them)."""
    compute = {"subgroup_contrasts": subgroup_contrasts, "separation": separation, "associations": associations}[kind]
    return survey.memo((kind, threshold), lambda: compute(survey, threshold=threshold))


# ---------------------------------------------------------------------------------------------
# Next step: hypotheses and an interview guide
# ---------------------------------------------------------------------------------------------
def interview_questions(instrument, question: str) -> list[str]:
    """The interview questions for a question's topic (:meth:`Instrument.interview_topic`), from
    the instrument's ``analysis: interview_questions`` (the bundled instrument's guide covers its
    themes); none when the instrument has none for the topic."""
    topic = instrument.interview_topic(question) or ""
    return list(instrument.analysis.interview_questions.get(topic, ()))


def culture_label(instrument) -> str:
    """How a report names agreeing with the culture question ("ser en gemensam kultur …")."""
    q = instrument.culture_question
    if q is None:
        return ""
    return instrument.analysis.culture_label or f"instämmer i fråga {q.number} ({_lower_first(q.short)})"


#: The sentences of the generated hypotheses (:func:`hypotheses`), whole Swedish sentences to edit.
#: Placeholders: ``{kommun}`` the municipality; ``{fraga}`` a question in running text ("fråga 12
#: (uppföljning och analys av kvalitet)"); ``{roll_a}``, ``{roll_b}`` the two roles and ``{hogre}``,
#: ``{lagre}`` the role more / less positive (:func:`role_name`); ``{andel}``, ``{andel_hogre}``,
#: ``{andel_lagre}``, ``{ovriga}`` shares ("61 %"); ``{skillnad}`` a difference in whole percentage
#: points with its unit ("12 procentenheter"); ``{riktning}`` "högre" or "lägre"; ``{sakerhet}`` how certain
#: (:func:`gap_words`); ``{jamfort}`` the comparison with the other
#: municipalities (``compared``, ``compared_equal`` or nothing); ``{mest}`` "mest " for the largest
#: role gap; ``{k}`` the anonymity threshold. The explanation to test for a weak area is the
#: instrument's (``analysis: hypotheses`` per topic), else ``weak_lead``.
HYPOTHESIS_TEMPLATES: dict[str, str] = {
    "weakest": "Svagast i {kommun} är {fraga}: {andel} instämmer{jamfort}.",
    # the municipality's weakest area, though more agree there than in the other municipalities
    "weakest_above": "Svagast i {kommun} är {fraga}, även om fler instämmer här än i övriga kommuner: "
                     "{andel} instämmer{jamfort}.",
    "strongest": "Starkast i {kommun} är {fraga}: {andel} instämmer{jamfort}.",
    "stands_out": "I {kommun} sticker {fraga} ut: {andel} instämmer{jamfort}.",
    "compared": " mot {ovriga} i övriga kommuner, {skillnad} {riktning} – {sakerhet}",
    "compared_equal": ", lika stor andel som i övriga kommuner",
    "weak_lead": "Pröva i intervjuer vad som ligger bakom svaren innan ni väljer lösning.",
    "strong_lead": "Att pröva: vad som gör att det här fungerar, och om det går att använda där resultatet är svagare.",
    "role_gap": ("{roll_a} och {roll_b} i {kommun} ser {mest}olika på {fraga}: bland {hogre} instämmer "
                 "{andel_hogre}, bland {lagre} {andel_lagre} – {sakerhet}."),
    "role_gap_equal": ("{roll_a} och {roll_b} i {kommun} ser ungefär lika på frågorna: störst är skillnaden "
                       "på {fraga}, under en procentenhet."),
    "partner": "Skillnaden kan hänga ihop med synen på {fraga}.",
    "role_gap_lead": ("Att pröva: om ansvarsfördelningen är tydlig, om rollerna förstår varandras uppdrag och om "
                      "dialogen mellan dem räcker – den gyllene zonen."),
    "role_gap_question": "Varför tror ni att {hogre} instämmer mer än {lagre} i {fraga}?",
    "hidden": ("Inga hypoteser bygger på svaren från {kommun}: varje grupp där har färre än {k} svar eller "
               "döljs för att skydda en annan grupp."),
}


def role_name(role: str, *, capital: bool = False, roles: RoleNames | None = None) -> str:
    """A role in running text, plural ("förtroendevalda"), as the survey's instrument names it
    (``roles``, from :func:`kommunanalys.labels.role_names`; the bundled names without)."""
    names = roles or BUNDLED_ROLE_NAMES
    return _upper_first(names.label(role)) if capital else names.lower(role)


def _group_name(group: str, roles: RoleNames | None = None) -> str:
    """A group of the hierarchy in running text ("chefer i central förvaltning")."""
    return _lower((roles or BUNDLED_ROLE_NAMES).group_labels.get(group, group))


@dataclass
class Hypothesis:
    """One editable hypothesis for the deeper analysis, with the evidence behind it."""

    text: str
    evidence: list[str]
    questions: list[str]
    interview_with: list[str]
    interview_questions: list[str] = field(default_factory=list)
    kind: str = ""
    #: rests on a "tydlig skillnad" (Holm-adjusted, at least 15 percentage points)
    clear: bool = False
    #: a finding of the whole survey, the same in every municipality's report (context)
    survey_wide: bool = False


def _pct(x: float) -> str:
    return format_number(x, 0)


def _points(x: float) -> str:
    """A difference in whole percentage points with its unit: "1 procentenhet", "−12 procentenheter"."""
    text = _pct(x)
    return f"{text} {'procentenhet' if text.lstrip(MINUS) == '1' else 'procentenheter'}"


def _percent(x: float) -> str:
    return format_percent(x, 0)


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]


def _rho(x: float) -> str:
    return format_number(x, 2, missing="–")


def _about(question) -> str:
    """A question named in running text: "fråga 12 (uppföljning och analys av kvalitet)"."""
    return f"fråga {question.number} ({_lower_first(question.short)})"


def _partner(assoc: pd.DataFrame, question: str, group: str | None) -> pd.Series | None:
    rows = assoc[assoc["notable"] & ((assoc["question_a"] == question) | (assoc["question_b"] == question))]
    if group is not None:
        rows = rows[rows["group"] == group]
    if rows.empty:
        return None
    return rows.loc[rows["rho"].abs().idxmax()]


def findings(
    survey: Survey,
    municipality: str,
    *,
    threshold: int | None = None,
    min_difference: float = MIN_DIFFERENCE,
    friction_table: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Every candidate finding for one municipality, judged together as one family.

    Kinds: ``role_gap`` and ``benchmark`` (:func:`friction`), ``subgroup`` (central managers
    against other civil servants in the municipality, :func:`subgroup_contrasts`) and
    ``culture`` (:func:`separation` on Q5). All p-values are Holm-adjusted together, so the
    chance that a municipality without real differences shows any notable finding is at most
    5 %. ``notable`` also needs |estimate| ≥ ``min_difference`` (as a proportion; estimates here
    are in percentage points).

    Returns
    -------
    pandas.DataFrame
        ``kind``, ``question``, ``estimate``, ``ci_low``, ``ci_high`` (percentage points),
        ``value_a``, ``value_b`` (the two shares positive, percent), ``n_a``, ``n_b``,
        ``p_value``, ``q_value``, ``notable``.
    """
    from .anonymity import resolve_threshold

    t = resolve_threshold(threshold, survey)
    local = survey.subset(municipalities=municipality)
    rows = []
    fr = friction(survey, municipality, threshold=t) if friction_table is None else friction_table
    for r in fr.itertuples():
        rows.append({"kind": "role_gap", "question": r.question, "estimate": r.gap, "ci_low": r.gap_ci_low,
                     "ci_high": r.gap_ci_high, "value_a": r.positive_fv, "value_b": r.positive_tp,
                     "n_a": r.n_fv, "n_b": r.n_tp, "p_value": r.gap_p_value})
        rows.append({"kind": "benchmark", "question": r.question, "estimate": r.distance,
                     "ci_low": r.distance_ci_low, "ci_high": r.distance_ci_high,
                     "value_a": r.positive_municipality, "value_b": r.positive_others,
                     "n_a": np.nan, "n_b": np.nan, "p_value": r.distance_p_value})
    for kind, table in (("subgroup", memo_table(local, "subgroup_contrasts", t)),
                        ("culture", memo_table(local, "separation", t))):
        for r in table.itertuples():
            rows.append({"kind": kind, "question": r.question, "estimate": r.difference * 100,
                         "ci_low": r.ci_low * 100, "ci_high": r.ci_high * 100, "value_a": r.positive_a * 100,
                         "value_b": r.positive_b * 100, "n_a": r.n_a, "n_b": r.n_b, "p_value": r.p_value})
    out = pd.DataFrame(rows, columns=["kind", "question", "estimate", "ci_low", "ci_high", "value_a", "value_b",
                                      "n_a", "n_b", "p_value"])
    out["q_value"] = holm(out["p_value"].to_numpy(float))
    out["notable"] = (out["q_value"] < ALPHA) & (out["estimate"].abs() >= min_difference * 100)
    return out


def hypotheses(
    survey: Survey,
    municipality: str,
    *,
    threshold: int | None = None,
    max_items: int = 6,
    findings_table: pd.DataFrame | None = None,
) -> list[Hypothesis]:
    """Generated, editable hypotheses in Swedish, each with the evidence behind it.

    Drawn from the municipality's own results (:func:`friction`, the same figures as the summary,
    :func:`kommunanalys.summary.summarize`): its weakest area and how far it lies from the other
    municipalities, the question where the roles differ most, every notable :func:`findings` (one
    Holm-corrected family: role gaps, distances to the other municipalities, central managers,
    the culture question) and, where it stands out, its strongest area. Each says how certain it
    is in the report's words (:func:`gap_words`: "en tydlig skillnad", "stor
    men osäker" …) and carries a possible explanation to test (the instrument's ``analysis:
    hypotheses`` per topic, else :data:`HYPOTHESIS_TEMPLATES`). Only groups the disclosure plan
    shows in the municipality are described (:meth:`DisclosurePlan.shown`); a hidden group is not
    named, not even by the direction of a difference. The survey-wide contrast between central
    managers and other civil servants, when notable in the whole survey, comes last as context
    (``survey_wide``). A municipality where every group is hidden gets one ``note`` saying why
    nothing is specific to it.
    """
    from .anonymity import TOTAL_GROUP, resolve_threshold

    t = resolve_threshold(threshold, survey)
    inst = survey.instrument
    code = survey.resolve_municipality(municipality)
    name = survey.municipality_name(code)
    local = survey.subset(municipalities=code)
    plan = disclosure_plan(survey, threshold=t)
    fr = memo_friction(survey, code, t)
    found = findings(survey, code, threshold=t, friction_table=fr) if findings_table is None else findings_table
    found = found[found["notable"]]
    assoc_local = memo_table(local, "associations", t)
    assoc_all = memo_table(survey, "associations", t)
    ranked_areas, ranked_gaps = rank_friction(fr, inst)
    names = role_names(inst)  # the roles as the survey's instrument names them
    role_a, role_b = ROLES
    both_roles = [role_name(role_a, roles=names), role_name(role_b, roles=names)]
    out: list[tuple[int, Hypothesis]] = []  # (priority, hypothesis): problems first, context last

    # where the roles differ: the largest gap, and every gap that is a notable finding
    gaps = ranked_gaps[np.array([plan.shown(code, q, role_a) and plan.shown(code, q, role_b)
                                 for q in ranked_gaps["question"]], dtype=bool)]
    clear_gaps = set(found.loc[found["kind"] == "role_gap", "question"])
    for i, r in enumerate(gaps.itertuples()):
        if i > 0 and r.question not in clear_gaps:
            continue
        q = inst[r.question]
        higher, lower = (role_a, role_b) if r.gap > 0 else (role_b, role_a)
        share = {role_a: r.positive_fv, role_b: r.positive_tp}
        values = {"kommun": name, "fraga": _about(q), "roll_a": role_name(role_a, capital=True, roles=names),
                  "roll_b": role_name(role_b, roles=names), "mest": "mest " if i == 0 else "",
                  "hogre": role_name(higher, roles=names), "lagre": role_name(lower, roles=names), "andel_hogre": _percent(share[higher]),
                  "andel_lagre": _percent(share[lower]),
                  "sakerhet": gap_words(r.gap, r.gap_ci_low, r.gap_ci_high, clear=bool(r.gap_notable))}
        same = _pct(abs(r.gap)) == "0"
        text = HYPOTHESIS_TEMPLATES["role_gap_equal" if same else "role_gap"].format(**values)
        evidence = [f"Fråga {q.number}: {_pct(r.positive_fv)} % av {role_name(role_a, roles=names)} och {_pct(r.positive_tp)} % "
                    f"av {role_name(role_b, roles=names)} instämmer (skillnad {_points(r.gap)}, 95 % KI "
                    f"{_pct(r.gap_ci_low)} till {_pct(r.gap_ci_high)})."]
        partner = _partner(assoc_local, q.id, None)
        if partner is not None and not same:
            other = inst[partner["question_b"] if partner["question_a"] == q.id else partner["question_a"]]
            text += " " + HYPOTHESIS_TEMPLATES["partner"].format(fraga=_about(other))
            evidence.append(f"Bland {_group_name(partner['group'], names)} följs svaren på fråga {q.number} "
                            f"och fråga {other.number} åt (rangkorrelation {_rho(partner['rho'])} på en skala från "
                            f"−1 till 1, n = {int(partner['n'])}).")
        asked = interview_questions(inst, q.id)
        if not same:
            text += " " + HYPOTHESIS_TEMPLATES["role_gap_lead"]
            asked = [HYPOTHESIS_TEMPLATES["role_gap_question"].format(**values), *asked]
        clear = bool(r.gap_notable)
        out.append((0 if clear else 1, Hypothesis(
            text=text, evidence=evidence, questions=[q.id], interview_with=both_roles,
            interview_questions=asked, kind="role_gap", clear=clear)))

    # the municipality's areas (everyone): weakest, strongest, and those that stand out
    areas = ranked_areas[np.array([plan.shown(code, q, TOTAL_GROUP) for q in ranked_areas["question"]], dtype=bool)]
    chosen: dict[str, str] = {}
    if len(areas):
        chosen[areas["question"].iloc[-1]] = "weakest"
        if len(areas) > 1 and areas["distance"].iloc[0] > 0:  # a strength: above the other municipalities
            chosen[areas["question"].iloc[0]] = "strongest"
    for qid in found.loc[found["kind"] == "benchmark", "question"]:
        chosen.setdefault(qid, "stands_out")
    for r in areas[areas["question"].isin(list(chosen))].itertuples():
        which = chosen[r.question]
        q = inst[r.question]
        clear = bool(r.benchmark_notable)
        compared = ""
        if pd.notna(r.positive_others):
            if _pct(abs(r.distance)) == "0":
                compared = HYPOTHESIS_TEMPLATES["compared_equal"]
            else:
                compared = HYPOTHESIS_TEMPLATES["compared"].format(
                    ovriga=_percent(r.positive_others), skillnad=_points(abs(r.distance)),
                    riktning="högre" if r.distance > 0 else "lägre",
                    sakerhet=gap_words(r.distance, r.distance_ci_low, r.distance_ci_high, clear=clear))
        above = which == "weakest" and pd.notna(r.positive_others) and _pct(r.distance) != "0" and r.distance > 0
        text = HYPOTHESIS_TEMPLATES["weakest_above" if above else which].format(kommun=name, fraga=_about(q),
                                                  andel=_percent(r.positive_municipality), jamfort=compared)
        weak = which == "weakest" or (which == "stands_out" and r.distance < 0)
        topic = inst.interview_topic(q.id) or ""
        lead = (inst.analysis.hypotheses.get(topic) or HYPOTHESIS_TEMPLATES["weak_lead"]) if weak else \
            HYPOTHESIS_TEMPLATES["strong_lead"]
        evidence = [f"Fråga {q.number}: {_pct(r.positive_municipality)} % instämmer i kommunen"]
        if pd.notna(r.positive_others):
            evidence[0] += (f" mot {_pct(r.positive_others)} % i övriga kommuner (skillnad {_points(r.distance)}, "
                            f"95 % KI {_pct(r.distance_ci_low)} till {_pct(r.distance_ci_high)})")
        evidence[0] += "."
        priority = (0 if clear and r.distance < 0 else 1) if weak else (3 if clear else 4)
        out.append((priority, Hypothesis(
            text=f"{text} {lead}", evidence=evidence, questions=[q.id], interview_with=both_roles,
            interview_questions=interview_questions(inst, q.id), kind=which, clear=clear)))

    subgroup = found[found["kind"] == "subgroup"]
    scope = f"i {name}"
    if subgroup.empty:
        whole = memo_table(survey, "subgroup_contrasts", t)
        subgroup = whole[whole["notable"]].assign(
            estimate=lambda d: d["difference"] * 100, ci_low=lambda d: d["ci_low"] * 100,
            ci_high=lambda d: d["ci_high"] * 100, value_a=lambda d: d["positive_a"] * 100,
            value_b=lambda d: d["positive_b"] * 100)
        scope = "i hela enkäten"
    managers, others = _group_name("chef i central förvaltning", names), _group_name("övrig tjänsteperson", names)
    for rec in subgroup.itertuples():
        q = inst[rec.question]
        word = "lägre" if rec.estimate < 0 else "högre"
        text = f"{managers[:1].upper() + managers[1:]} {scope} instämmer i {word} grad än {others} i {_about(q)}"
        evidence = [f"Fråga {q.number} {scope}: {_pct(rec.value_a)} % av {managers} och "
                    f"{_pct(rec.value_b)} % av {others} instämmer (skillnad {_points(rec.estimate)}, "
                    f"95 % KI {_pct(rec.ci_low)} till {_pct(rec.ci_high)})."]
        partner = _partner(assoc_all, q.id, role_b)
        text += "."
        if scope == "i hela enkäten":
            text += (f" Svaren från {name} räcker inte för att pröva det här: fråga cheferna i {name} om "
                     f"bilden stämmer hos er.")
        if partner is not None:
            other = inst[partner["question_b"] if partner["question_a"] == q.id else partner["question_a"]]
            text += f" Bland {role_name(role_b, roles=names)} följs svaren åt med {_about(other)}."
            evidence.append(f"Bland {role_name(role_b, roles=names)} i hela enkäten följs fråga {q.number} och fråga {other.number} "
                            f"åt (rangkorrelation {_rho(partner['rho'])} på en skala från −1 till 1).")
        wide = scope != f"i {name}"
        out.append((9 if wide else 2, Hypothesis(
            text=text, evidence=evidence, questions=[q.id], interview_with=[managers, others],
            interview_questions=interview_questions(inst, q.id), kind="subgroup", clear=True, survey_wide=wide)))

    culture = found[found["kind"] == "culture"].sort_values("estimate", key=lambda s: -s.abs()).head(2)
    target = inst.culture_question
    if not culture.empty and target is not None:
        names = [_about(inst[q]) for q in culture["question"]]
        label = culture_label(inst)
        out.append((2, Hypothesis(
            text=f"De i {name} som {label} skiljer sig mest från övriga i svaren på " + " och ".join(names) + ".",
            evidence=[f"Fråga {inst[r.question].number}: {_pct(r.value_a)} % instämmer bland dem som {label} "
                      f"(fråga {target.number}) mot {_pct(r.value_b)} % bland dem som inte gör det (skillnad "
                      f"{_points(r.estimate)}, 95 % KI {_pct(r.ci_low)} till {_pct(r.ci_high)})."
                      for r in culture.itertuples()],
            questions=[target.id, *culture["question"]], interview_with=both_roles,
            interview_questions=interview_questions(inst, target.id), kind="culture", clear=True)))

    if not any(p < 9 for p, _ in out):  # nothing of the municipality's own may be described
        out.append((-1, Hypothesis(text=HYPOTHESIS_TEMPLATES["hidden"].format(kommun=name, k=t), evidence=[],
                                   questions=[], interview_with=[], kind="note")))
    # the municipality's problems first, then its clear strengths, its strongest area; a survey-wide
    # finding (the same in every report) last
    out.sort(key=lambda item: item[0])
    return [h for _, h in out][:max_items]


def next_steps_markdown(items: list[Hypothesis], *, municipality_name: str, synthetic: bool = False,
                        instrument=None, context: Sequence[str] = ()) -> str:
    """The hypotheses and an interview guide as an editable Markdown document (Swedish).

    Without hypotheses the guide takes the first interview question of each topic: of the
    ``instrument``'s Likert questions when one is given (:func:`interview_questions`), else of
    the package's guide; an instrument without any gets a one-line note instead.
    ``context``: paragraphs on where it chafes in the municipality (e.g. the summary's role gaps,
    :mod:`kommunanalys.summary`), shown before the hypotheses.
    """
    lines = [f"# Hur går vi vidare med resultatet? – {municipality_name}", ""]
    if synthetic:
        lines += ["*Syntetiska demodata – inga verkliga svar.*", ""]
    lines += [
        "> Spring inte på ny lösning innan ni förstår orsakssambanden. Hypoteserna nedan bygger på "
        "samband i en enkät, inte på orsaker: pröva dem i djupare analys, intervjuer och dialog. "
        "Redigera fritt.", "",
    ]
    if context:
        lines += [f"## Var det skaver i {municipality_name}", ""]
        for paragraph in context:
            lines += [paragraph, ""]
    lines += ["## Hypoteser", ""]
    notes = [h for h in items if h.kind == "note"]
    items = [h for h in items if h.kind != "note"]
    for h in notes:  # why nothing is specific to the municipality
        lines += [h.text, ""]
    if not items:
        lines += ["Använd intervjuerna för att fånga det enkäten inte mäter." if notes else
                  "Enkäten visar inga tydliga skillnader eller samband att bygga hypoteser på. "
                  "Använd intervjuerna för att fånga det enkäten inte mäter.", ""]
    used: set[str] = set()
    for i, h in enumerate(items, start=1):
        lines += [f"**Hypotes {i}.** {h.text}", ""]
        ask = next((q for q in h.interview_questions if q not in used), None)  # one of its own
        if ask is not None:
            used.add(ask)
            lines += [f"Fråga i intervjuerna: {ask}", ""]
        if h.evidence:
            lines += ["Underlag:", ""]
            lines += [f"- {e}" for e in h.evidence]
            lines.append("")
        lines += [f"Att samtala med: {', '.join(h.interview_with)}.", ""]
    lines += ["## Intervjuguide", ""]
    themes: dict[str, list[str]] = {}
    for h in items:
        for q in h.interview_questions:
            themes.setdefault(", ".join(h.interview_with), [])
            if q not in themes[", ".join(h.interview_with)]:
                themes[", ".join(h.interview_with)].append(q)
    if not themes:
        if instrument is None:
            from .instrument import load_instrument

            instrument = load_instrument()  # the bundled guide
        firsts = [interview_questions(instrument, q.id)[:1] for q in instrument.likert_questions]
        fallback = list(dict.fromkeys(q for qs in firsts for q in qs))
        if fallback:
            roles = role_names(instrument)
            themes = {f"{roles.lower('förtroendevald')}, {roles.lower('tjänsteperson')}": fallback}
        else:
            lines += [instrument.skipped_note("interview_questions"), ""]
    for whom, qs in themes.items():
        lines += [f"### Med {whom}", ""]
        lines += [f"{j}. {q}" for j, q in enumerate(qs, start=1)]
        lines.append("")
    return "\n".join(lines)
