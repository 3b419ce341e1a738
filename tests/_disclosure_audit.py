"""Derivation audit of a batch: is any hidden cell determined by what the batch publishes?

Method (Hundepool et al. 2012, *Statistical Disclosure Control*, Wiley, ch. 4 "Magnitude
tabular data" / "Frequency tables", the sections on linked tables and on the audit of a
suppression pattern): every published count of a batch is a linear equation over the finest
cells of the data — here municipality × finest group (förtroendevald, chef i central förvaltning,
övrig tjänsteperson, tjänsteperson ej angivet) × question × answer (every answer level, "Vet ej"
and "Ej besvarad"). A share whose base ``n`` is published publishes its count (share × n) too.
Linked tables — one report's role table, another's pooled "övriga kommuner", a subgroup contrast,
a respondent count — are audited *together*, as one system ``A x = b``. A hidden quantity with
indicator vector ``v`` (one hidden cell, or a hidden group's total) is determined by the
publication exactly when ``v`` lies in the row space of ``A`` — then ``v·x`` is a fixed linear
combination of published values, whatever the data. Equivalently ``v`` is orthogonal to the null
space of ``A``: the audit computes an orthonormal null-space basis ``N`` once (SVD) and reports
``v`` as determined when ``‖Nᵀv‖ ≈ 0``. Over the reals this is the exact test for derivation by
subtraction and addition of published figures (it ignores the integrality and non-negativity
that interval attacks add; Hundepool et al. treat those as the stronger "interval audit", which
matters for tables with bounds near zero — rule 2's margin condition of at least ``k`` hidden
answers is what keeps those intervals wide).

What the audit reads (``tables/*.csv``, the data behind every chart and table of a report):
distributions (``fordelning``), summaries and benchmarks (``sammanfattning``, ``jamforelse``,
``jamforelse_fordelning``, ``effektivitet_enkat``: ``n``, ``n_respondents``,
``n_non_substantive``, ``n_skipped`` and the shares negative/neutral/positive of ``n``), role
gaps (``skillnad_roller``, ``orsaker_skav``: ``n_fv``, ``n_tp``, ``positive_fv``, ``positive_tp``),
subgroup contrasts (``orsaker_undergrupper``) and respondent counts (``respondenter``). Every
equation is checked against the true data before it is used, so an equation the audit got wrong
(e.g. a pool holding a group the audit thinks it leaves out) fails loudly instead of passing
silently. Not linear in these cells and left out: comment and theme counts (commenters, another
variable), correlations and the culture split (cross-tabulations of two questions).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

FINEST = ["förtroendevald", "chef i central förvaltning", "övrig tjänsteperson", "tjänsteperson, ej angivet"]
GROUPS = {
    "alla": FINEST,
    "förtroendevald": FINEST[:1],
    "tjänsteperson": FINEST[1:],
    **{g: [g] for g in FINEST[1:]},
}


@dataclass
class Audit:
    """The linear system of a batch's publication over the finest cells of a survey."""

    survey: object
    cells: list = field(default_factory=list)
    rows: list = field(default_factory=list)
    values: list = field(default_factory=list)
    sources: list = field(default_factory=list)

    def __post_init__(self):
        resp = self.survey.responses.copy()
        resp["answer"] = resp["answer"].astype(object).where(resp["answer"].notna(), "Ej besvarad")
        self.questions = [q.id for q in self.survey.instrument.likert_questions]
        self.codes = list(self.survey.municipality_codes)
        answers = {q: list(dict.fromkeys(resp.loc[resp["question"] == q, "answer"])) for q in self.questions}
        for q in self.questions:
            scale = self.survey.instrument[q].scale
            labels = [*scale.labels, *getattr(scale, "non_substantive_labels", [])]
            answers[q] = list(dict.fromkeys([*labels, *answers[q], "Ej besvarad"]))
        self.answers = answers
        self.cells = [(m, g, q, a) for m in self.codes for g in FINEST for q in self.questions for a in answers[q]]
        self.index = {c: i for i, c in enumerate(self.cells)}
        truth = resp.groupby(["municipality_code", "subgroup", "question", "answer"], observed=True).size()
        self.truth = np.array([truth.get(c, 0) for c in self.cells], dtype=float)
        types = resp.drop_duplicates(["question", "answer"]).set_index(["question", "answer"])["answer_type"]
        self.kind = {(q, a): types.get((q, a), "skipped" if a == "Ej besvarad" else "non_substantive")
                     for q in self.questions for a in answers[q]}
        self.score = resp.dropna(subset=["score"]).drop_duplicates(["question", "answer"]) \
            .set_index(["question", "answer"])["score"].to_dict()

    # -- building the vectors ---------------------------------------------------------------
    def vector(self, municipalities, group: str, question: str, answers) -> np.ndarray:
        v = np.zeros(len(self.cells))
        for m in municipalities:
            for g in GROUPS[group]:
                for a in answers:
                    v[self.index[(m, g, question, a)]] = 1.0
        return v

    def answers_of(self, question: str, what: str) -> list:
        """The answers a published figure sums: ``substantive``, ``non_substantive``, ``skipped``,
        ``all``, ``positive``/``neutral``/``negative`` (levels above/at/below the centre), or one answer."""
        all_ = self.answers[question]
        if what == "all":
            return all_
        if what in ("substantive", "non_substantive", "skipped"):
            return [a for a in all_ if self.kind[(question, a)] == what]
        if what in ("positive", "neutral", "negative"):
            k = self.survey.instrument[question].scale.k
            centre = (k + 1) / 2
            test = {"positive": lambda s: s > centre, "neutral": lambda s: s == centre,
                    "negative": lambda s: s < centre}[what]
            return [a for a in all_ if self.kind[(question, a)] == "substantive" and test(self.score[(question, a)])]
        return [what]

    def publish(self, municipalities, group: str, question: str, what: str, value: float, source: str) -> None:
        """Add "the sum of these cells is ``value``", checked against the data first."""
        v = self.vector(municipalities, group, question, self.answers_of(question, what))
        true = float(v @ self.truth)
        if abs(true - value) > 0.01:
            raise AssertionError(f"{source}: published {value} but the cells it should sum hold {true} "
                                 f"({list(municipalities)}, {group}, {question}, {what})")
        self.rows.append(v)
        self.values.append(value)
        self.sources.append(source)

    # -- the test ------------------------------------------------------------------------------
    def null_spaces(self) -> dict:
        """Per question: its cells and an orthonormal basis (columns) of the null space of the
        published equations on them; cached. Every published figure is about one question, so
        the system is block-diagonal by question and is solved block by block."""
        if getattr(self, "_bases", None) is not None and self._basis_rows == len(self.rows):
            return self._bases
        rows = np.array(self.rows) if self.rows else np.zeros((0, len(self.cells)))
        bases = {}
        for q in self.questions:
            cols = np.array([i for i, c in enumerate(self.cells) if c[2] == q])
            inside = np.abs(rows[:, cols]).sum(axis=1) > 0
            block = rows[inside]
            assert np.abs(block).sum() == np.abs(block[:, cols]).sum(), "an equation spans two questions"
            a = np.unique(block[:, cols], axis=0)
            if len(a):
                _, sv, vt = np.linalg.svd(a, full_matrices=True)
                rank = int((sv > sv[0] * max(a.shape) * np.finfo(float).eps).sum())
                bases[q] = (cols, vt[rank:].T)
            else:
                bases[q] = (cols, np.eye(len(cols)))
        self._bases, self._basis_rows = bases, len(self.rows)
        return bases

    def determined(self, vectors: dict, extra_rows=()) -> list:
        """The names of the vectors in the row space of the published equations (plus
        ``extra_rows``: a publication to try — adding rows ``R`` shrinks the null space ``N`` to
        the part orthogonal to ``NᵀR``)."""
        extra = np.asarray(extra_rows, dtype=float).reshape(-1, len(self.cells))
        out = []
        for name, v in vectors.items():
            residual = 0.0
            for cols, basis in self.null_spaces().values():
                p = basis.T @ v[cols]
                r = basis.T @ extra[:, cols].T
                if r.size and np.abs(r).max() > 1e-10:
                    u, sv, _ = np.linalg.svd(r, full_matrices=False)
                    u = u[:, sv > 1e-10 * sv[0]]
                    p = p - u @ (u.T @ p)
                residual += float(p @ p)
            if np.sqrt(residual) < 1e-8 * max(1.0, np.linalg.norm(v)):
                out.append(name)
        return out


def _number(value) -> float | None:
    try:
        out = float(value)
    except (TypeError, ValueError):
        return None
    return None if np.isnan(out) else out


def _shown(row) -> bool:
    flag = row.get("suppressed", False)
    return not (isinstance(flag, str) and flag.strip().lower() in ("true", "primary", "secondary")) and flag is not True


def read_publication(audit: Audit, out: Path) -> None:
    """Every published count of the batch in ``out`` as equations of ``audit``."""
    folders = sorted(p for p in out.iterdir() if p.is_dir() and (p / "tables").is_dir())
    tables = {f.name.split("-")[0]: {p.stem: pd.read_csv(p, dtype=str, keep_default_na=False)
                                     for p in sorted((f / "tables").glob("*.csv"))} for f in folders}
    # which municipality × role × question a municipality publishes itself (for the pools)
    own = set()
    for code, frames in tables.items():
        for name, t in frames.items():
            if "_fordelning" in name:
                for r in t.to_dict("records"):
                    if not (_shown(r) and _number(r["count"]) is not None):
                        continue
                    if "role" not in t.columns:
                        own.add((code, r["group"], r["question"]))
                    elif r["group"] == "kommun":
                        own.add((code, r["role"], r["question"]))

    def members(code, group, where, question):
        if where == "kommun":
            return [code]
        if where == "övriga kommuner":
            return [m for m in audit.codes if m != code and (m, group, question) in own]
        raise AssertionError(f"unknown benchmark group {where!r}")

    for code, frames in tables.items():
        for name, t in frames.items():
            src = f"{code}/{name}.csv"
            records = t.to_dict("records")
            if name == "respondenter":
                for r in records:
                    n = _number(r["n"])
                    if n is not None:
                        for q in audit.questions:  # every respondent has one answer row per question
                            audit.publish([code], r["group"], q, "all", n, src)
            elif "_fordelning" in name:
                for r in records:
                    count = _number(r["count"])
                    if count is None or not _shown(r):
                        continue
                    where = [code] if "role" not in t.columns else members(code, r["role"], r["group"], r["question"])
                    group = r["group"] if "role" not in t.columns else r["role"]
                    audit.publish(where, group, r["question"], r["answer"], count, src)
            elif "_sammanfattning_" in name or name.endswith("_jamforelse") or name.startswith("effektivitet_enkat"):
                for r in records:
                    if not _shown(r):
                        continue
                    where = [code] if "role" not in t.columns else members(code, r["role"], r["group"], r["question"])
                    group = r["group"] if "role" not in t.columns else r["role"]
                    n = _number(r["n"])
                    for column, what in (("n", "substantive"), ("n_non_substantive", "non_substantive"),
                                         ("n_skipped", "skipped"), ("n_respondents", "all")):
                        value = _number(r.get(column))
                        if value is not None:
                            audit.publish(where, group, r["question"], what, value, src)
                    if n:
                        for what in ("positive", "neutral", "negative"):
                            share = _number(r.get(what))
                            if share is not None:
                                audit.publish(where, group, r["question"], what, round(share * n / 100), src)
            elif "_skillnad_roller" in name or name.startswith("orsaker_skav"):
                for r in records:
                    for role, suffix in (("förtroendevald", "fv"), ("tjänsteperson", "tp")):
                        n = _number(r[f"n_{suffix}"])
                        if n is None:
                            continue
                        audit.publish([code], role, r["question"], "substantive", n, src)
                        share = _number(r[f"positive_{suffix}"])
                        if share is not None:
                            audit.publish([code], role, r["question"], "positive", round(share * n / 100), src)
            elif name.startswith("orsaker_undergrupper"):
                from kommunanalys.anonymity import disclosure_plan

                plan = disclosure_plan(audit.survey)
                for r in records:
                    for side, group in (("a", r["group"]), ("b", r["reference"])):
                        n = _number(r[f"n_{side}"])
                        if n is None:
                            continue
                        where = [code] if r["scope"] == "kommunen" else \
                            [m for m in audit.codes if plan.shown(m, r["question"], group)]
                        audit.publish(where, group, r["question"], "substantive", n, src)
                        share = _number(r[f"positive_{side}"])
                        if share is not None:
                            audit.publish(where, group, r["question"], "positive", round(share * n), src)


def hidden_quantities(audit: Audit, threshold: int | None = None) -> dict:
    """Every hidden cell and every hidden group's total, by the disclosure plan (questions) and the
    respondent plan; groups without answers are left out (their emptiness is published)."""
    from kommunanalys.anonymity import disclosure_plan

    plan = disclosure_plan(audit.survey, threshold=threshold)
    out = {}
    for r in plan.cells[plan.cells["suppressed"] & (plan.cells["n"] > 0)].itertuples():
        out[f"{r.municipality_code} {r.group} {r.question} total"] = audit.vector(
            [r.municipality_code], r.group, r.question, audit.answers_of(r.question, "substantive"))
        for a in audit.answers[r.question]:
            v = audit.vector([r.municipality_code], r.group, r.question, [a])
            if v @ audit.truth > 0 or a in audit.answers_of(r.question, "substantive"):
                out[f"{r.municipality_code} {r.group} {r.question} {a}"] = v
    resp = plan.respondents
    for r in resp[resp["suppressed"] & (resp["n"] > 0)].itertuples():
        out[f"{r.municipality_code} {r.group} respondents"] = audit.vector(
            [r.municipality_code], r.group, audit.questions[0], audit.answers_of(audit.questions[0], "all"))
    return out
