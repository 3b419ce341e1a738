"""The survey instrument: questions, their kinds and answer scales, read from YAML.

The instrument is data (``data/instrument.yaml``): every question with its number, its Swedish
text, its kind, theme and scale, and which free-text question comments which Likert question.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any, Iterable

import pandas as pd
import yaml

from . import paths
from .anonymity import DEFAULT_THRESHOLD, resolve_threshold
from .errors import InstrumentError

__all__ = [
    "Level",
    "Scale",
    "Question",
    "Instrument",
    "load_instrument",
    "normalize_text",
    "QUESTION_KINDS",
    "Analysis",
]

QUESTION_KINDS = ("role", "subgroup", "background", "likert", "free_text")


def normalize_text(text: Any) -> str:
    """Fold a header or answer for matching: NFC, lower case, one space, no outer punctuation.

    Line breaks, non-breaking spaces and repeated whitespace become one space; typographic
    quotes and dashes become plain ones.
    """
    s = unicodedata.normalize("NFC", str(text))
    s = s.replace("\u00a0", " ").replace("\u2013", "-").replace("\u2014", "-").replace("\u2212", "-")
    s = s.replace("\u201d", '"').replace("\u201c", '"').replace("\u2019", "'")
    s = re.sub(r"\s+", " ", s).strip().lower()
    return s.strip(" .:;,!?\"'")


@dataclass(frozen=True)
class Level:
    """One answer option: its label, the code an export may carry, and its value.

    A level of the role question may also give how reports name the role: ``plural`` (headings
    and legends) and ``definite`` (running text); see :func:`kommunanalys.labels.role_names`.
    """

    label: str
    code: int
    value: str | None = None
    plural: str | None = None
    definite: str | None = None


@dataclass(frozen=True)
class Scale:
    """An answer scale: ordered substantive levels, then non-substantive answers ("Vet ej")."""

    name: str
    levels: tuple[Level, ...]
    non_substantive: tuple[Level, ...] = ()
    centre: str | None = None
    assumed: bool = False

    @property
    def labels(self) -> list[str]:
        """Substantive labels from most negative to most positive."""
        return [lv.label for lv in self.levels]

    @property
    def non_substantive_labels(self) -> list[str]:
        return [lv.label for lv in self.non_substantive]

    @property
    def counted_answers(self) -> str:
        """What a group's n counts, in a page's words: "svar exkl. Vet ej" with the scale's own
        non-substantive answers (unanswered questions are never counted either)."""
        return f"svar exkl. {' och '.join(self.non_substantive_labels) or 'ej besvarad'}"

    @property
    def all_labels(self) -> list[str]:
        return self.labels + self.non_substantive_labels

    @property
    def k(self) -> int:
        """Number of substantive levels."""
        return len(self.levels)

    def score(self, label: str) -> float:
        """Level code 1..k of a substantive label, NaN for a non-substantive one."""
        labels = self.labels
        return float(labels.index(label) + 1) if label in labels else float("nan")

    def low_labels(self) -> list[str]:
        """Levels below the centre (for an even scale: the lower half)."""
        return self.labels[: self.k // 2]

    def high_labels(self) -> list[str]:
        """Levels above the centre (for an even scale: the upper half)."""
        return self.labels[(self.k + 1) // 2 :]

    def neutral_labels(self) -> list[str]:
        """The centre level of an odd scale; empty on an even scale."""
        return [self.labels[self.k // 2]] if self.k % 2 == 1 else []

    @cached_property
    def _lookup(self) -> dict[str, str]:
        table: dict[str, str] = {}
        for lv in (*self.levels, *self.non_substantive):
            table[normalize_text(lv.label)] = lv.label
            if lv.value is not None:
                table[normalize_text(lv.value)] = lv.label
        return table

    @cached_property
    def _codes(self) -> dict[int, str]:
        return {lv.code: lv.label for lv in (*self.levels, *self.non_substantive)}

    def decode(self, raw: Any) -> str | None:
        """Map a raw export cell (label text or code) to the canonical label.

        Returns ``None`` when the cell matches neither a label nor a code; callers report it.
        Codes may come as ``3``, ``"3"``, ``"3.0"`` or ``"3,0"`` (decimal comma).
        """
        key = normalize_text(raw)
        if key in self._lookup:
            return self._lookup[key]
        number = key.replace(",", ".")
        if not re.fullmatch(r"\d+(?:\.0*)?", number):  # "1e0", "+1", "0x1", "inf" are not codes
            return None
        try:
            as_float = float(number)
        except ValueError:
            return None
        if as_float.is_integer():
            return self._codes.get(int(as_float))
        return None

    def dtype(self) -> pd.CategoricalDtype:
        """Ordered categorical dtype over all labels (substantive, then non-substantive)."""
        return pd.CategoricalDtype(self.all_labels, ordered=True)

    def substantive_dtype(self) -> pd.CategoricalDtype:
        """Ordered categorical dtype over the substantive labels only."""
        return pd.CategoricalDtype(self.labels, ordered=True)


@dataclass(frozen=True)
class Question:
    """One survey question."""

    id: str
    number: int
    kind: str
    text: str
    short: str
    theme: str | None = None
    scale: Scale | None = None
    comments: str | None = None
    assumed: bool = False
    aliases: tuple[str, ...] = ()
    subgroup: dict[str, str] = field(default_factory=dict)
    #: Wordings of the question in earlier survey rounds (a reworded question): an export header
    #: with one of them is read as this question (:mod:`kommunanalys.rounds`).
    earlier_texts: tuple[str, ...] = ()
    #: Ids the question had in an earlier round's instrument (a renumbered question).
    earlier_ids: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        """The question as a report shows it: "6. Anser du ...?"."""
        return f"{self.number}. {self.text}"


@dataclass(frozen=True)
class Analysis:
    """The parts questions play in the analysis (the instrument's ``analysis:`` block).

    Every part is optional; an instrument without one gets the sections that make sense and a
    one-line note for what was skipped (see :meth:`Instrument.skipped_note`).

    Attributes
    ----------
    culture_question
        The Likert question the root-cause contrasts are about ("what separates those who agree
        from those who do not"). Default: none, the contrast is skipped.
    culture_label
        How a report names agreeing with it ("ser en gemensam kultur för hög effektivitet");
        default: the question's short text.
    key_figure_questions
        Likert questions shown beside the key figures on the efficiency page. Default: none, the
        panel shows the key figures only.
    interview_topics
        Question id → topic of its interview questions. Default: the question's ``theme``.
    interview_questions
        Topic → interview questions (Swedish). Default: none (the interview guide says so).
    hypotheses
        Topic → a possible explanation to test when a question of the topic is a municipality's
        weak area (whole Swedish sentences). Default: none (a general sentence is used).
    """

    culture_question: str | None = None
    culture_label: str | None = None
    key_figure_questions: tuple[str, ...] = ()
    interview_topics: dict[str, str] = field(default_factory=dict)
    interview_questions: dict[str, tuple[str, ...]] = field(default_factory=dict)
    hypotheses: dict[str, str] = field(default_factory=dict)


#: What a report says when the instrument lacks a part (one line, Swedish).
SKIPPED_NOTES = {
    "culture_question": "Instrumentet anger ingen fråga som jämförelsen görs mot (analysis: culture_question); "
                        "jämförelsen hoppas över.",
    "key_figure_questions": "Instrumentet anger inga enkätfrågor att visa bredvid nyckeltalen "
                            "(analysis: key_figure_questions); bara nyckeltalen visas.",
    "subgroup": "Instrumentet har ingen fråga om undergrupp (kind: subgroup); jämförelsen av chefer i central "
                "förvaltning med övriga i samma roll hoppas över.",
    "interview_questions": "Instrumentet anger inga intervjufrågor för frågornas teman "
                           "(analysis: interview_questions); intervjuguiden får fyllas i för hand.",
}


@dataclass(frozen=True)
class Instrument:
    """All questions of a survey, with scales, identity columns and the report's sections."""

    name: str
    questions: tuple[Question, ...]
    scales: dict[str, Scale]
    identity_columns: dict[str, tuple[str, ...]]
    report_sections: tuple[dict, ...] = ()
    anonymity_threshold: int = DEFAULT_THRESHOLD
    source: str | None = None
    analysis: Analysis = field(default_factory=Analysis)

    def __post_init__(self) -> None:
        ids = [q.id for q in self.questions]
        if len(set(ids)) != len(ids):
            dupes = sorted({i for i in ids if ids.count(i) > 1})
            raise InstrumentError(
                "frågornas id måste vara unika", file=self.source, value=dupes,
                hint="ge varje fråga ett eget id (Q1, Q2, ...)",
            )

    def __getitem__(self, question_id: str) -> Question:
        for q in self.questions:
            if q.id == question_id:
                return q
        raise KeyError(
            f"no question {question_id!r} in the instrument; known: {', '.join(q.id for q in self.questions)}"
        )

    def __iter__(self):
        return iter(self.questions)

    def of_kind(self, *kinds: str) -> list[Question]:
        """Questions of the given kinds, in instrument order."""
        return [q for q in self.questions if q.kind in kinds]

    @property
    def likert_questions(self) -> list[Question]:
        return self.of_kind("likert")

    @property
    def role_question(self) -> Question:
        found = self.of_kind("role")
        if len(found) != 1:
            raise InstrumentError(
                f"instrumentet behöver exakt en fråga av typen 'role', hittade {len(found)}",
                file=self.source, hint="markera rollfrågan med `kind: role`",
            )
        return found[0]

    @property
    def subgroup_question(self) -> Question | None:
        found = self.of_kind("subgroup")
        return found[0] if found else None

    @property
    def culture_question(self) -> Question | None:
        """The question the root-cause contrasts are about, or None (see :class:`Analysis`)."""
        qid = self.analysis.culture_question
        return self[qid] if qid else None

    @property
    def key_figure_questions(self) -> list[str]:
        """Ids of the Likert questions shown beside the key figures (may be empty)."""
        return list(self.analysis.key_figure_questions)

    def interview_topic(self, question_id: str) -> str | None:
        """The topic of a question's interview questions: ``interview_topics``, else its theme."""
        return self.analysis.interview_topics.get(question_id) or self[question_id].theme

    @property
    def role_labels(self) -> dict[str, str]:
        """How this instrument names the roles: canonical role -> the role question's label."""
        scale = self.role_question.scale
        return {(lv.value or normalize_text(lv.label)): lv.label for lv in scale.levels} if scale else {}

    @staticmethod
    def skipped_note(part: str) -> str:
        """The one-line Swedish note for a part of :class:`Analysis` the instrument lacks."""
        return SKIPPED_NOTES[part]

    def comment_questions(self, about: str | None = None) -> list[Question]:
        """Free-text questions, optionally only those commenting on Likert question ``about``."""
        return [q for q in self.of_kind("free_text") if about is None or q.comments == about]

    def answer_dtype(self) -> pd.CategoricalDtype:
        """One ordered dtype over every Likert scale's labels, scale after scale.

        Each question's labels form a contiguous, correctly ordered run, so comparisons within a
        question are meaningful. For a question's own dtype use ``question.scale.dtype()``.
        """
        labels: list[str] = []
        for q in self.likert_questions:
            for label in q.scale.all_labels:  # type: ignore[union-attr]
                if label not in labels:
                    labels.append(label)
        return pd.CategoricalDtype(labels, ordered=True)

    def questions_frame(self) -> pd.DataFrame:
        """A tidy table of the questions (id, number, kind, theme, short, text, scale, comments, assumed)."""
        return pd.DataFrame(
            [
                {
                    "question": q.id, "number": q.number, "kind": q.kind, "theme": q.theme,
                    "short": q.short, "text": q.text,
                    "scale": q.scale.name if q.scale else None,
                    "comments": q.comments, "assumed": q.assumed,
                }
                for q in self.questions
            ]
        )


def _require(mapping: dict, key: str, *, where: str, source: str | None) -> Any:
    if key not in mapping or mapping[key] in (None, ""):
        raise InstrumentError(
            f"{where} saknar fältet {key!r}", file=source,
            hint=f"lägg till `{key}:` i {where} i instrumentets YAML-fil",
        )
    return mapping[key]


def _parse_scale(name: str, spec: dict, source: str | None) -> Scale:
    def levels(items: Iterable[dict] | None, what: str) -> tuple[Level, ...]:
        out = []
        for i, item in enumerate(items or [], start=1):
            if not isinstance(item, dict):
                raise InstrumentError(
                    f"skalan {name!r}: post {i} under {what} ska ha label och code",
                    file=source, value=item, hint="skriv posterna som {label: ..., code: ...}",
                )
            label = _require(item, "label", where=f"skalan {name!r}, post {i} under {what}", source=source)
            code = item.get("code", i)
            words = {k: " ".join(str(item[k]).split()) for k in ("plural", "definite") if item.get(k)}
            out.append(Level(label=str(label), code=int(code), value=item.get("value"), **words))
        return tuple(out)

    lv = levels(spec.get("levels"), "levels")
    if not lv:
        raise InstrumentError(f"skalan {name!r} har inga nivåer", file=source, hint="lista svarsalternativen under `levels:`")
    ns = levels(spec.get("non_substantive"), "non_substantive")
    codes = [x.code for x in (*lv, *ns)]
    if len(set(codes)) != len(codes):
        raise InstrumentError(f"skalan {name!r} använder samma kod två gånger", file=source, value=codes,
                              hint="ge varje svarsalternativ en egen kod")
    scale = Scale(name=name, levels=lv, non_substantive=ns, centre=spec.get("centre"), assumed=bool(spec.get("assumed", False)))
    if scale.centre is not None and scale.neutral_labels() != [scale.centre]:
        raise InstrumentError(
            f"skalan {name!r}: mitten (centre) {scale.centre!r} är inte mittnivån på en udda skala",
            file=source, value=scale.centre,
            hint=f"mittnivån är {scale.neutral_labels() or 'ingen (jämn skala): ta bort centre'}",
        )
    return scale


def _parse_analysis(spec: Any, questions: list[Question], source: str | None) -> Analysis:
    """The ``analysis:`` block; every question id it names must be a Likert question."""
    if not isinstance(spec, dict):
        raise InstrumentError("`analysis:` must be a mapping", file=source, value=spec,
                              hint="see the analysis block of data/instrument.yaml")
    likert = {q.id for q in questions if q.kind == "likert"}
    known = {q.id for q in questions}

    def check(qid: Any, what: str, pool: set[str]) -> str:
        if str(qid) not in pool:
            raise InstrumentError(f"analysis: {what} names {qid!r}, which is not a "
                                  f"{'Likert ' if pool is likert else ''}question of the instrument",
                                  file=source, value=qid, hint=f"use one of {', '.join(sorted(pool))}")
        return str(qid)

    culture = spec.get("culture_question")
    key_figures = spec.get("key_figure_questions") or []
    if isinstance(key_figures, str):
        key_figures = [key_figures]
    topics = spec.get("interview_topics") or {}
    guide = spec.get("interview_questions") or {}
    if not isinstance(topics, dict) or not isinstance(guide, dict):
        raise InstrumentError("analysis: interview_topics and interview_questions must be mappings",
                              file=source, hint="write `topic: [question, ...]` under interview_questions")
    leads = spec.get("hypotheses") or {}
    if not isinstance(leads, dict) or not all(isinstance(v, str) for v in leads.values()):
        raise InstrumentError("analysis: hypotheses must map a topic to a text", file=source, value=leads,
                              hint="write `topic: En möjlig förklaring: …` under hypotheses")
    return Analysis(
        culture_question=check(culture, "culture_question", likert) if culture else None,
        culture_label=str(spec["culture_label"]) if spec.get("culture_label") else None,
        key_figure_questions=tuple(check(q, "key_figure_questions", likert) for q in key_figures),
        interview_topics={check(k, "interview_topics", known): str(v) for k, v in topics.items()},
        interview_questions={str(k): tuple(str(x) for x in (v or [])) for k, v in guide.items()},
        hypotheses={str(k): " ".join(str(v).split()) for k, v in leads.items()},
    )


def load_instrument(path: str | Path | None = None) -> Instrument:
    """Read an instrument YAML file (default: the bundled ``data/instrument.yaml``).

    Raises
    ------
    InstrumentError
        When the file is missing, not YAML, or inconsistent (unknown scale or kind, duplicate
        ids, a comment question pointing at no Likert question).
    """
    path = Path(path) if path is not None else paths.INSTRUMENT_FILE
    source = str(path)
    try:
        spec = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InstrumentError("instrumentfilen finns inte", file=source,
                              hint="ange sökvägen till en YAML-fil med instrumentet (--instrument)") from None
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = getattr(exc, "problem", None) or exc.__class__.__name__
        raise InstrumentError(f"ingen läsbar YAML-fil (YAML-fel: {problem})", file=source,
                              row=mark.line + 1 if mark is not None else None,
                              hint="kontrollera YAML-syntaxen där (indrag, kolon, text med '?' eller ':' inom "
                                   "citattecken) och spara filen som UTF-8") from None
    if not isinstance(spec, dict) or "questions" not in spec:
        raise InstrumentError("instrumentet ska vara en mappning med en lista `questions:`", file=source,
                              hint="se data/instrument.yaml för upplägget")
    scales = {name: _parse_scale(name, s or {}, source) for name, s in (spec.get("scales") or {}).items()}
    questions = []
    for i, q in enumerate(spec["questions"], start=1):
        where = f"frågepost {i}"
        qid = str(_require(q, "id", where=where, source=source))
        kind = _require(q, "kind", where=f"fråga {qid}", source=source)
        if kind not in QUESTION_KINDS:
            raise InstrumentError(f"fråga {qid}: okänd typ (kind)", file=source, value=kind,
                                  hint=f"använd en av {', '.join(QUESTION_KINDS)}")
        scale = None
        if kind != "free_text":
            scale_name = _require(q, "scale", where=f"fråga {qid}", source=source)
            if scale_name not in scales:
                raise InstrumentError(f"fråga {qid}: okänd skala", file=source, value=scale_name,
                                      hint=f"definiera den under `scales:` eller använd en av {', '.join(scales)}")
            scale = scales[scale_name]
        text = " ".join(str(_require(q, "text", where=f"fråga {qid}", source=source)).split())
        questions.append(
            Question(
                id=qid, number=int(_require(q, "number", where=f"fråga {qid}", source=source)),
                kind=kind, text=text, short=str(q.get("short") or text), theme=q.get("theme"),
                scale=scale, comments=q.get("comments"), assumed=bool(q.get("assumed", False)),
                aliases=tuple(str(a) for a in (q.get("columns") or [])),
                subgroup={str(k): str(v) for k, v in (q.get("subgroup") or {}).items()},
                earlier_texts=tuple(" ".join(str(t).split()) for t in (q.get("earlier_texts") or [])),
                earlier_ids=tuple(str(i) for i in (q.get("earlier_ids") or [])),
            )
        )
    instrument = Instrument(
        name=str(spec.get("name", "")), questions=tuple(questions), scales=scales,
        identity_columns={k: tuple(v) for k, v in (spec.get("identity_columns") or {}).items()},
        report_sections=tuple(spec.get("report_sections") or ()),
        anonymity_threshold=resolve_threshold(spec.get("anonymity_threshold", DEFAULT_THRESHOLD)), source=source,
        analysis=_parse_analysis(spec.get("analysis") or {}, questions, source),
    )
    ids = {q.id for q in instrument.likert_questions}
    for q in instrument.of_kind("free_text"):
        if q.comments is not None and q.comments not in ids:
            raise InstrumentError(f"fråga {q.id} kommenterar {q.comments!r}, som inte är en Likertfråga",
                                  file=source, value=q.comments, hint=f"använd en av {', '.join(sorted(ids))}")
    instrument.role_question  # noqa: B018 - validates that there is exactly one
    return instrument
