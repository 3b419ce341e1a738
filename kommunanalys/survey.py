"""The data model: a :class:`Survey` holds the instrument, respondents, answers and comments.

All tables are tidy pandas DataFrames:

``respondents``
    one row per respondent: ``respondent_id``, ``municipality_code``, ``municipality_name``,
    ``role`` (``förtroendevald`` / ``tjänsteperson``), ``subgroup`` (a partition refining the
    role: ``förtroendevald``, ``chef i central förvaltning``, ``övrig tjänsteperson``,
    ``tjänsteperson, ej angivet``), one column per background question (``Q3``, ``Q4``) and
    ``source_row`` (the row in the input file, header = row 1).
``responses``
    long form, one row per respondent and Likert question: the respondent columns above plus
    ``question``, ``answer`` (ordered categorical), ``score`` (level code 1..k, NaN for "Vet ej"
    and skipped), ``answer_type`` (``substantive``, ``non_substantive``, ``skipped``).
``comments``
    one row per non-empty free-text answer: the respondent columns, ``question`` (the comment
    question), ``about`` (the Likert question it comments on) and ``text`` (raw, unscreened: screen
    it before it reaches any report).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Iterable, Sequence

import pandas as pd

from ._lru import LRU, shielded
from .instrument import Instrument
from .anonymity import NOT_IN_EXPORT  # noqa: F401 (importable from survey too)
from .labels import ROLE_LABELS

__all__ = [
    "Survey",
    "LoadReport",
    "ROLES",
    "SUBGROUPS",
    "RESPONDENT_COLUMNS",
    "ROLE_LABELS",
    "NOT_IN_EXPORT",
]

ROLES = ("förtroendevald", "tjänsteperson")
SUBGROUPS = (
    "förtroendevald",
    "chef i central förvaltning",
    "övrig tjänsteperson",
    "tjänsteperson, ej angivet",
)
#: How many subsets a survey keeps for reuse (:meth:`Survey.subset`).
SUBSETS_KEPT = 4
#: How many derived tables a survey keeps (:meth:`Survey.memo`): enough for every table of a
#: report and the explorer's recent states, bounded for a survey explored across 290 municipalities.
MEMO_KEPT = 256
RESPONDENT_COLUMNS = ["respondent_id", "municipality_code", "municipality_name", "role", "subgroup"]

#: Why a row of an export is rejected (:class:`LoadReport`), in the Swedish the messages use.
REJECTION_REASONS = {
    "empty_row": "raden är helt tom",
    "duplicate_respondent_id": "svarande-id:t användes redan på en tidigare rad",
    "missing_municipality": "ingen kommun angiven",
    "unknown_municipality": "kommunen är inte en av Sveriges 290 (kod eller namn)",
    "missing_role": "rollfrågan är inte besvarad",
    "unknown_role": "rollsvaret motsvarar ingen roll i instrumentet",
    "unknown_answer": "ett svar motsvarar varken en etikett eller en kod på frågans skala",
    "no_answers": "den svarande besvarade inga frågor utöver bakgrundsfrågorna",
    "short_row": "raden har färre fält än rubrikraden (t.ex. en avbruten export)",
    "too_many_fields": "raden har fler fält än rubrikraden (en avgränsare i text utan citattecken)",
}


@dataclass
class LoadReport:
    """What happened to every input row: loaded, or rejected with its reason.

    ``rejected`` has one row per rejected input row: ``row`` (as the user sees it in the file,
    header = row 1), ``respondent_id``, ``reason`` (a short code such as ``unknown_answer``),
    ``column``, ``value`` and ``message`` (all problems of that row, with how to fix them).
    ``missing_questions`` are the instrument's Likert questions without a column in the export:
    reports show them as "finns inte i exporten" (:meth:`in_export`).
    """

    source: str
    rows_in_file: int
    loaded: int
    rejected: pd.DataFrame
    column_map: dict[str, str] = field(default_factory=dict)
    ignored_columns: list[str] = field(default_factory=list)
    missing_questions: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    format: dict = field(default_factory=dict)

    @property
    def n_rejected(self) -> int:
        return len(self.rejected)

    def in_export(self, question: str) -> bool:
        """Whether the export had a column for this question (``missing_questions`` lists those
        it had not: such a question is "not in the export", never "nobody answered")."""
        return question not in self.missing_questions

    def rejected_by_reason(self) -> pd.Series:
        """Number of rejected rows per reason."""
        return self.rejected["reason"].value_counts().sort_index()

    def summary(self) -> str:
        """A short plain-text account (used by ``kommunanalys validate``)."""
        lines = [
            f"Fil: {self.source}",
            f"Rader i filen: {self.rows_in_file}",
            f"Inlästa svarande: {self.loaded}",
            f"Avvisade rader: {self.n_rejected}",
        ]
        for reason, n in self.rejected_by_reason().items():
            lines.append(f"  {reason} ({REJECTION_REASONS.get(reason, reason)}): {n}")
        if self.ignored_columns:
            lines.append("Kolumner som inte lästes in: " + ", ".join(self.ignored_columns))
        for qid in self.missing_questions:
            lines.append(f"Varning: fråga {qid} finns inte i exporten (ingen kolumn för den); rapporterna "
                         "visar den som \"finns inte i exporten\", inte som noll svar")
        lines.extend(f"Obs: {w}" for w in self.warnings)
        return "\n".join(lines)


@dataclass(frozen=True, eq=False)
class Survey:
    """A loaded survey: instrument, respondents, Likert answers (long form) and comments.

    Immutable: its fields cannot be reassigned, and its tables are read-only by contract (they
    are shared with every table derived and cached from them); build a changed survey with
    :func:`dataclasses.replace` or :meth:`subset`. Surveys compare and hash by identity.
    Derived tables are cached on the survey, bounded (:data:`MEMO_KEPT` tables, the last
    :data:`SUBSETS_KEPT` subsets), and die with it; see :mod:`kommunanalys._lru` for the policy.
    """

    instrument: Instrument
    respondents: pd.DataFrame
    responses: pd.DataFrame
    comments: pd.DataFrame
    report: LoadReport | None = None
    synthetic: bool = False
    _memo: LRU = field(default_factory=lambda: LRU(MEMO_KEPT), init=False, repr=False, compare=False)
    _subsets: LRU = field(default_factory=lambda: LRU(SUBSETS_KEPT), init=False, repr=False, compare=False)

    def memo(self, key: tuple, compute):
        """A derived table, computed once per survey object while it is among the last
        :data:`MEMO_KEPT` asked for. Frames are handed out as copies, also inside tuples
        (:func:`kommunanalys._lru.shielded`), so callers may change what they get. A subset is a
        new survey with a fresh memo."""
        return shielded(self._memo.get_or_make(key, compute))

    def in_export(self, question: str) -> bool:
        """Whether the export held a column for this question; a survey built without a load
        report (in code) holds every question of its instrument."""
        return self.report is None or self.report.in_export(question)

    # -- selections -------------------------------------------------------------------------
    @property
    def municipality_codes(self) -> list[str]:
        """Codes of the municipalities with at least one respondent, sorted."""
        return sorted(self.respondents["municipality_code"].unique())

    def municipalities(self) -> pd.DataFrame:
        """One row per municipality: code, name, respondents in total and per role and subgroup."""
        r = self.respondents
        counts = (
            r.pivot_table(index=["municipality_code", "municipality_name"], columns="subgroup",
                          values="respondent_id", aggfunc="count", fill_value=0, observed=False)
            .reindex(columns=list(SUBGROUPS), fill_value=0)
        )
        out = counts.reset_index()
        out.columns.name = None
        out.insert(2, "n", counts.sum(axis=1).to_numpy())
        out.insert(3, "förtroendevald_n", counts["förtroendevald"].to_numpy())
        out.insert(4, "tjänsteperson_n", (counts.sum(axis=1) - counts["förtroendevald"]).to_numpy())
        out = out.drop(columns=["förtroendevald"])
        return out.rename(columns={"municipality_code": "code", "municipality_name": "name"}).sort_values("code", ignore_index=True)

    def resolve_municipality(self, value: object) -> str:
        """The code of a municipality in this survey, given its code (str or int) or name.

        Raises
        ------
        InputError
            When the value names no municipality with respondents in the survey.
        """
        from .errors import InputError
        from .municipalities import lookup_municipality

        found = lookup_municipality(value)
        if found is None or found[0] not in self.municipality_codes:
            present = ", ".join(f"{c} {self.municipality_name(c)}" for c in self.municipality_codes[:20])
            raise InputError(
                "inga svarande från den här kommunen i enkäten", column="municipality", value=value,
                hint=f"ange den fyrsiffriga koden (som text, t.ex. '1761') eller namnet på en av: {present}",
            )
        return found[0]

    def municipality_name(self, code: str) -> str:
        """The name of the municipality with this code."""
        names = self.respondents.loc[self.respondents["municipality_code"] == code, "municipality_name"]
        if names.empty:
            raise KeyError(f"inga svarande från kommun {code!r}; finns: {', '.join(self.municipality_codes)}")
        return str(names.iloc[0])

    def subset(self, *, municipalities: str | Iterable[str] | None = None,
               roles: str | Iterable[str] | None = None) -> "Survey":
        """The survey restricted to some municipalities (codes) and/or roles.

        The last few selections are kept (:data:`SUBSETS_KEPT`): asked again, the same subset
        object is returned, so what it computed and memoised is shared by every caller (the
        notebooks of a municipality); surveys are read-only. Only a few are kept, as a subset's
        memo grows with what is asked of it (several MB per municipality in a report).
        """
        codes = None if municipalities is None else (
            (municipalities,) if isinstance(municipalities, str) else tuple(municipalities))
        wanted = None if roles is None else ((roles,) if isinstance(roles, str) else tuple(roles))

        def keep(frame: pd.DataFrame) -> pd.Series:
            mask = pd.Series(True, index=frame.index)
            if codes is not None:
                mask &= frame["municipality_code"].isin(codes)
            if wanted is not None:
                mask &= frame["role"].isin(wanted)
            return mask

        return self._subsets.get_or_make((codes, wanted), lambda: replace(
            self,
            respondents=self.respondents[keep(self.respondents)].reset_index(drop=True),
            responses=self.responses[keep(self.responses)].reset_index(drop=True),
            comments=self.comments[keep(self.comments)].reset_index(drop=True),
        ))

    # -- views ------------------------------------------------------------------------------
    def counts(self, by: Sequence[str] = ("municipality_code", "role")) -> pd.DataFrame:
        """Respondents per combination of the ``by`` columns (long form, column ``n``)."""
        return self.respondents.groupby(list(by), observed=True).size().rename("n").reset_index()

    def wide(self, questions: Sequence[str] | None = None, *, substantive_only: bool = True) -> pd.DataFrame:
        """One row per respondent, one ordered-categorical column per Likert question.

        Each column has its own question's scale as dtype. With ``substantive_only`` (default)
        "Vet ej" becomes missing, as in R's ``likert``; otherwise it is kept as the last level.
        The respondent columns come first; the index is the respondent id.
        """
        ids = list(questions) if questions is not None else [q.id for q in self.instrument.likert_questions]
        table = self.responses[self.responses["question"].isin(ids)].pivot(
            index="respondent_id", columns="question", values="answer")
        out = self.respondents.set_index("respondent_id")[RESPONDENT_COLUMNS[1:]].copy()
        for qid in ids:
            scale = self.instrument[qid].scale
            dtype = scale.substantive_dtype() if substantive_only else scale.dtype()
            col = table[qid].astype(object) if qid in table else pd.Series(index=out.index, dtype=object)
            out[qid] = pd.Categorical(col.reindex(out.index), dtype=dtype)
        return out

    def scores(self, questions: Sequence[str] | None = None) -> pd.DataFrame:
        """One row per respondent, the level code (1..k, NaN for "Vet ej"/skipped) per question."""
        ids = list(questions) if questions is not None else [q.id for q in self.instrument.likert_questions]
        table = self.responses[self.responses["question"].isin(ids)].pivot(
            index="respondent_id", columns="question", values="score")
        out = self.respondents.set_index("respondent_id")[RESPONDENT_COLUMNS[1:]].copy()
        return out.join(table.reindex(columns=ids))

    def __repr__(self) -> str:
        kind = "syntetisk " if self.synthetic else ""
        return (f"<Survey {kind}{self.instrument.name!r}: {len(self.respondents)} svarande i "
                f"{len(self.municipality_codes)} kommuner, {len(self.comments)} kommentarer>")
