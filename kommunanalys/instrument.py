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
    """One answer option: its label, the code an export may carry, and its value."""

    label: str
    code: int
    value: str | None = None


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

    @property
    def label(self) -> str:
        """The question as a report shows it: "6. Anser du ...?"."""
        return f"{self.number}. {self.text}"


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

    def __post_init__(self) -> None:
        ids = [q.id for q in self.questions]
        if len(set(ids)) != len(ids):
            dupes = sorted({i for i in ids if ids.count(i) > 1})
            raise InstrumentError(
                "question ids must be unique", file=self.source, value=dupes,
                hint="give every question its own id (Q1, Q2, ...)",
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
                f"the instrument needs exactly one question of kind 'role', found {len(found)}",
                file=self.source, hint="mark the role question with `kind: role`",
            )
        return found[0]

    @property
    def subgroup_question(self) -> Question | None:
        found = self.of_kind("subgroup")
        return found[0] if found else None

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
            f"{where} is missing the field {key!r}", file=source,
            hint=f"add `{key}:` to {where} in the instrument YAML",
        )
    return mapping[key]


def _parse_scale(name: str, spec: dict, source: str | None) -> Scale:
    def levels(items: Iterable[dict] | None, what: str) -> tuple[Level, ...]:
        out = []
        for i, item in enumerate(items or [], start=1):
            if not isinstance(item, dict):
                raise InstrumentError(
                    f"scale {name!r}: {what} entry {i} must be a mapping with label and code",
                    file=source, value=item, hint="write entries as {label: ..., code: ...}",
                )
            label = _require(item, "label", where=f"scale {name!r} {what} entry {i}", source=source)
            code = item.get("code", i)
            out.append(Level(label=str(label), code=int(code), value=item.get("value")))
        return tuple(out)

    lv = levels(spec.get("levels"), "levels")
    if not lv:
        raise InstrumentError(f"scale {name!r} has no levels", file=source, hint="list its answer options under `levels:`")
    ns = levels(spec.get("non_substantive"), "non_substantive")
    codes = [x.code for x in (*lv, *ns)]
    if len(set(codes)) != len(codes):
        raise InstrumentError(f"scale {name!r} uses a code twice", file=source, value=codes, hint="give each option its own code")
    scale = Scale(name=name, levels=lv, non_substantive=ns, centre=spec.get("centre"), assumed=bool(spec.get("assumed", False)))
    if scale.centre is not None and scale.neutral_labels() != [scale.centre]:
        raise InstrumentError(
            f"scale {name!r}: centre {scale.centre!r} is not the middle level of an odd scale",
            file=source, value=scale.centre, hint=f"the middle level is {scale.neutral_labels() or 'none (even scale)'}",
        )
    return scale


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
        raise InstrumentError("instrument file not found", file=source, hint="pass the path of an instrument YAML file") from None
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = getattr(exc, "problem", None) or exc.__class__.__name__
        raise InstrumentError(f"not a readable YAML file: {problem}", file=source,
                              row=mark.line + 1 if mark is not None else None,
                              hint="check the YAML syntax there (indentation, colons, quote text with '?' or ':') "
                                   "and save the file as UTF-8") from None
    if not isinstance(spec, dict) or "questions" not in spec:
        raise InstrumentError("the instrument must be a mapping with a `questions:` list", file=source,
                              hint="see data/instrument.yaml for the layout")
    scales = {name: _parse_scale(name, s or {}, source) for name, s in (spec.get("scales") or {}).items()}
    questions = []
    for i, q in enumerate(spec["questions"], start=1):
        where = f"question entry {i}"
        qid = str(_require(q, "id", where=where, source=source))
        kind = _require(q, "kind", where=f"question {qid}", source=source)
        if kind not in QUESTION_KINDS:
            raise InstrumentError(f"question {qid}: unknown kind", file=source, value=kind,
                                  hint=f"use one of {', '.join(QUESTION_KINDS)}")
        scale = None
        if kind != "free_text":
            scale_name = _require(q, "scale", where=f"question {qid}", source=source)
            if scale_name not in scales:
                raise InstrumentError(f"question {qid}: unknown scale", file=source, value=scale_name,
                                      hint=f"define it under `scales:` or use one of {', '.join(scales)}")
            scale = scales[scale_name]
        text = " ".join(str(_require(q, "text", where=f"question {qid}", source=source)).split())
        questions.append(
            Question(
                id=qid, number=int(_require(q, "number", where=f"question {qid}", source=source)),
                kind=kind, text=text, short=str(q.get("short") or text), theme=q.get("theme"),
                scale=scale, comments=q.get("comments"), assumed=bool(q.get("assumed", False)),
                aliases=tuple(str(a) for a in (q.get("columns") or [])),
                subgroup={str(k): str(v) for k, v in (q.get("subgroup") or {}).items()},
            )
        )
    instrument = Instrument(
        name=str(spec.get("name", "")), questions=tuple(questions), scales=scales,
        identity_columns={k: tuple(v) for k, v in (spec.get("identity_columns") or {}).items()},
        report_sections=tuple(spec.get("report_sections") or ()),
        anonymity_threshold=resolve_threshold(spec.get("anonymity_threshold", DEFAULT_THRESHOLD)), source=source,
    )
    ids = {q.id for q in instrument.likert_questions}
    for q in instrument.of_kind("free_text"):
        if q.comments is not None and q.comments not in ids:
            raise InstrumentError(f"question {q.id} comments on {q.comments!r}, which is not a Likert question",
                                  file=source, value=q.comments, hint=f"use one of {', '.join(sorted(ids))}")
    instrument.role_question  # noqa: B018 - validates that there is exactly one
    return instrument
