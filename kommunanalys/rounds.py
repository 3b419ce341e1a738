"""Survey rounds: what changed since the last time the survey was run.

A consultant repeats the survey. Each round is its own export, loaded with the same instrument
and given a label (usually the year): ``kommunanalys report --data export_2026.csv --previous
2024=export_2024.csv`` (command line), ``run_reports(..., previous={"2024": "export_2024.csv"})``
(Python), or :func:`load_rounds` here. One export may also hold every round in a column
``Omgång`` (``--round-column``, found by that name without the flag): :func:`split_rounds`
writes one export per round and the rounds are then read as above.

Matching questions
    A question keeps its id across rounds (:func:`match_questions`). A question reworded since an
    earlier round is still read as itself when its earlier wording is listed under
    ``earlier_texts:`` in the instrument; a question that had another id in an earlier round's
    own instrument is found by ``earlier_ids:``. A question asked in one round only is reported
    as missing in the other ("saknas 2024"), never as zero answers.

Change
    Per question, municipality and role (and everyone, ``alla``): the change in the share
    positive (the levels above the centre, of those who took a position; "Vet ej" not counted)
    in percentage points, current minus previous, with Newcombe's hybrid score interval for the
    difference of two independent proportions (:func:`kommunanalys.stats.newcombe_interval`) and
    the two-sided pooled z-test (:func:`kommunanalys.stats.two_proportion_test`). The rounds are
    treated as independent samples (they are different answers, mostly from other people).

Anonymity
    A group's change is shown only where the group is shown in *both* rounds, as each round's
    own report shows it (:func:`kommunanalys.anonymity.suppression_plan`, asked through one
    adapter, :func:`_disclosure`). A change is then the difference of two published figures and
    reveals nothing new; a group hidden in either round has no change, no n and no share, only
    the note of the round that hides it.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Iterable, Mapping

import numpy as np
import pandas as pd

from .anonymity import TOTAL_GROUP, resolve_threshold, suppression_plan
from .errors import InputError
from .instrument import Instrument, Question, normalize_text
from .stats import newcombe_interval, two_proportion_test
from .survey import ROLES, Survey

__all__ = [
    "CURRENT_LABEL",
    "CHANGE_GROUPS",
    "parse_previous",
    "load_rounds",
    "match_questions",
    "change",
    "changes",
    "latest_label",
    "demo_rounds",
    "ROUND_COLUMN",
    "round_column_of",
    "split_rounds",
]

#: The label of the current round when none is given.
CURRENT_LABEL = "denna omgång"
#: The groups a change is computed for, in display order.
CHANGE_GROUPS = (*ROLES, TOTAL_GROUP)
_CHANGE_COLUMNS = ["question", "previous_question", "municipality_code", "municipality_name", "group",
                   "previous_round", "current_round", "n_previous", "n_current", "positive_previous",
                   "positive_current", "change", "change_ci_low", "change_ci_high", "p_value", "status",
                   "suppressed", "note"]
_VALUES = ["n_previous", "n_current", "positive_previous", "positive_current", "change", "change_ci_low",
           "change_ci_high", "p_value"]


def parse_previous(specs: str | Iterable[str] | Mapping[str, object] | None) -> dict[str, object]:
    """Earlier rounds as ``{label: export}`` from ``"2024=export_2024.csv"`` strings or a mapping.

    Parameters
    ----------
    specs
        One ``LABEL=PATH`` string, several, or a mapping ``{label: path or Survey}``; None for none.

    Raises
    ------
    InputError
        For a string without ``=``, an empty label or path, or a label given twice.
    """
    if specs is None:
        return {}
    if isinstance(specs, Mapping):
        items = [(str(k).strip(), v) for k, v in specs.items()]
    else:
        items = []
        for spec in [specs] if isinstance(specs, str) else list(specs):
            label, sep, path = str(spec).partition("=")
            if not sep or not label.strip() or not path.strip():
                raise InputError("en tidigare omgång anges som ETIKETT=FIL", column="--previous", value=spec,
                                 hint="skriv t.ex. --previous 2024=export_2024.csv (etiketten är oftast året)")
            items.append((label.strip(), path.strip()))
    out: dict[str, object] = {}
    for label, value in items:
        if not label:
            raise InputError("en tidigare omgång saknar etikett", column="previous", value=value,
                             hint="ge varje omgång en etikett, t.ex. {'2024': 'export_2024.csv'}")
        if label in out:
            raise InputError("samma omgång anges två gånger", column="previous", value=label,
                             hint="ge varje tidigare omgång en egen etikett")
        out[label] = value
    return out


def load_rounds(previous: str | Iterable[str] | Mapping[str, object] | None, *,
                instrument: Instrument | str | Path | None = None, cached: bool = False) -> dict[str, Survey]:
    """Load earlier rounds: ``{label: Survey}``, each export read like the current one.

    Parameters
    ----------
    previous
        As :func:`parse_previous`; a value may already be a :class:`Survey`.
    instrument
        The instrument to read the exports with (default: the bundled one). Give the current
        round's instrument: questions are matched by its ids and ``earlier_texts``.
    cached
        Parse each export once per process (:func:`kommunanalys.pages.notebook.survey_for`), as the
        notebooks of a batch do.

    Raises
    ------
    InputError
        When an export is missing or cannot be read (the loader's message, naming the round).
    """
    from .loader import load_survey

    out: dict[str, Survey] = {}
    for label, value in parse_previous(previous).items():
        if isinstance(value, Survey):
            out[label] = value
            continue
        path = Path(str(value))
        if not path.is_file():
            raise InputError(f"exporten för omgång {label} finns inte", file=path, column="--previous",
                             hint="ange sökvägen till den tidigare omgångens export, t.ex. --previous 2024=export_2024.csv")
        if cached:
            from .loader import survey_for

            source = instrument.source if isinstance(instrument, Instrument) else instrument
            out[label] = survey_for(path, instrument=source)
        else:
            out[label] = load_survey(path, instrument)
    return out


def demo_rounds(data: object, previous: object, current_label: str | None = None) -> tuple[dict, str]:
    """The earlier rounds and the current round's label a report uses.

    With the bundled demo (``data`` None) and no ``previous``: the demo's synthetic previous
    round (``{"2024": data/demo/syntetisk_enkat_varmland_2024.csv}``) and the label "2026"
    (:data:`kommunanalys.demo.PREVIOUS_ROUND`). Otherwise ``previous`` as given (parsed with
    :func:`parse_previous`) and ``current_label`` or :data:`CURRENT_LABEL`.
    """
    from . import paths

    if data is None and previous is None and paths.DEMO_PREVIOUS_EXPORT.exists():
        from .demo import PREVIOUS_ROUND

        return ({PREVIOUS_ROUND["label"]: str(paths.DEMO_PREVIOUS_EXPORT)},
                current_label or PREVIOUS_ROUND["current_label"])
    return parse_previous(previous), current_label or CURRENT_LABEL


def latest_label(labels: Iterable[str]) -> str | None:
    """The most recent of several round labels: the largest year if all are years, else the last."""
    labels = list(labels)
    if not labels:
        return None
    if all(re.fullmatch(r"\d{4}", lab) for lab in labels):
        return max(labels)
    return labels[-1]


# ---------------------------------------------------------------------------------------------
# Matching
# ---------------------------------------------------------------------------------------------
def _asked(survey: Survey) -> list[str]:
    """The Likert questions the survey's export had a column for."""
    missing = set(survey.report.missing_questions) if survey.report is not None else set()
    if survey.report is None:  # a survey built in code: asked = has rows
        present = set(survey.responses["question"].astype(str).unique())
        return [q.id for q in survey.instrument.likert_questions if q.id in present]
    return [q.id for q in survey.instrument.likert_questions if q.id not in missing]


def _header_of(survey: Survey, qid: str) -> str | None:
    if survey.report is None:
        return None
    for header, target in survey.report.column_map.items():
        if target == qid:
            return header
    return None


def _by_earlier_text(question: Question, header: str | None) -> bool:
    if header is None or not question.earlier_texts:
        return False
    key = normalize_text(header)
    current = normalize_text(question.text)
    if current in key:
        return False
    return any(normalize_text(t) in key for t in question.earlier_texts)


def match_questions(current: Survey, previous: Survey, *, current_label: str = CURRENT_LABEL,
                    previous_label: str = "tidigare omgång") -> pd.DataFrame:
    """Which Likert question of the current round is which question of the previous round.

    Parameters
    ----------
    current, previous
        The two rounds. ``previous`` may have been read with another instrument.
    current_label, previous_label
        The rounds' labels (used in ``note``).

    Returns
    -------
    pandas.DataFrame
        One row per Likert question of the current instrument (then any question asked only in
        the previous round): ``question`` (current id, None if only in the previous round),
        ``previous_question``, ``short``, ``status`` (``"matchad"``, ``"saknas"``), ``matched_by``
        (``"id"``, ``"tidigare formulering"``, ``"tidigare id"`` or ``""``) and ``note``
        (Swedish, e.g. "frågan saknas 2024").
    """
    asked_now = set(_asked(current))
    asked_before = _asked(previous)
    prev_ids = set(asked_before)
    used: set[str] = set()
    rows = []
    for q in current.instrument.likert_questions:
        prev_id, how = None, ""
        if q.id in prev_ids:
            prev_id = q.id
            how = "tidigare formulering" if _by_earlier_text(q, _header_of(previous, q.id)) else "id"
        else:
            prev_id = next((e for e in q.earlier_ids if e in prev_ids), None)
            how = "tidigare id" if prev_id else ""
        if q.id not in asked_now:
            note = f"frågan saknas {current_label}"
            if prev_id is None:
                note = f"frågan saknas {current_label} och {previous_label}"
            rows.append((q.id, prev_id, q.short, "saknas", "", note))
        elif prev_id is None:
            rows.append((q.id, None, q.short, "saknas", "", f"frågan saknas {previous_label}"))
        else:
            rows.append((q.id, prev_id, q.short, "matchad", how, ""))
        if prev_id is not None:
            used.add(prev_id)
    for pid in asked_before:
        if pid not in used:
            short = previous.instrument[pid].short
            rows.append((None, pid, short, "saknas", "", f"frågan saknas {current_label}"))
    return pd.DataFrame(rows, columns=["question", "previous_question", "short", "status", "matched_by", "note"])


# ---------------------------------------------------------------------------------------------
# Change
# ---------------------------------------------------------------------------------------------
def _disclosure(survey: Survey, ids: list[str], threshold: int) -> dict[tuple[str, str, str], str]:
    """The adapter to :mod:`kommunanalys.anonymity`: ``{(question, municipality, group): note}``
    of every hidden group (everyone and the roles) as the round's own reports hide it."""
    if not ids:
        return {}
    plan = suppression_plan(survey, questions=ids, threshold=threshold)
    plan = plan[plan["level"].isin(["all", "role"]) & plan["suppressed"].astype(bool)]
    return {(q, m, g): str(n) for q, m, g, n in zip(plan["question"], plan["municipality_code"], plan["group"],
                                                     plan["note"])}


def _positive_counts(survey: Survey, ids: list[str]) -> pd.DataFrame:
    """Substantive answers ``n`` and answers above the centre ``x`` per question, municipality
    and group (both roles and ``alla``)."""
    resp = survey.responses
    resp = resp[resp["question"].isin(ids) & (resp["answer_type"] == "substantive")]
    high = {qid: set(survey.instrument[qid].scale.high_labels()) for qid in ids}
    positive = np.fromiter((a in high[q] for q, a in zip(resp["question"], resp["answer"].astype(object))),
                           dtype=bool, count=len(resp))
    frame = pd.DataFrame({"question": resp["question"].astype(object).to_numpy(),
                          "municipality_code": resp["municipality_code"].astype(object).to_numpy(),
                          "group": resp["role"].astype(object).to_numpy(), "x": positive.astype(int)})
    both = pd.concat([frame, frame.assign(group=TOTAL_GROUP)], ignore_index=True)
    return both.groupby(["question", "municipality_code", "group"]).agg(n=("x", "size"), x=("x", "sum"))


def change(current: Survey, previous: Survey, municipality: str | Iterable[str] | None = None, *,
           current_label: str = CURRENT_LABEL, previous_label: str = "tidigare omgång",
           threshold: int | None = None, confidence: float = 0.95) -> pd.DataFrame:
    """The change in share positive since the previous round, per question, municipality and group.

    Parameters
    ----------
    current, previous
        The two rounds (see the module docstring for how questions are matched).
    municipality
        A code or name, several, or None for every municipality of the current round.
    current_label, previous_label
        The rounds' labels, e.g. ``"2026"`` and ``"2024"``.
    threshold
        Anonymity threshold (default the current instrument's); the same for both rounds.
    confidence
        Level of the interval.

    Returns
    -------
    pandas.DataFrame
        One row per matched-or-missing question, municipality and group (förtroendevald,
        tjänsteperson, alla): ``question``, ``previous_question``, ``municipality_code``,
        ``municipality_name``, ``group``, ``previous_round``, ``current_round``, ``n_previous``,
        ``n_current`` (substantive answers), ``positive_previous``, ``positive_current``
        (percent), ``change`` (percentage points, current − previous), ``change_ci_low``,
        ``change_ci_high`` (Newcombe), ``p_value`` (pooled z-test), ``status`` (``"visas"``,
        ``"dold"``, ``"saknas"``), ``suppressed`` and ``note``. Hidden and missing rows have no
        numbers at all.
    """
    threshold = resolve_threshold(threshold, current)
    if municipality is None:
        codes = current.municipality_codes
    else:
        wanted = [municipality] if isinstance(municipality, str) else list(municipality)
        codes = [current.resolve_municipality(m) for m in wanted]
    matches = match_questions(current, previous, current_label=current_label, previous_label=previous_label)
    matches = matches[matches["question"].notna()]
    matched = matches[matches["status"] == "matchad"]
    cur_ids = list(matched["question"])
    prev_ids = list(matched["previous_question"])
    hidden_now = _disclosure(current, cur_ids, threshold)
    hidden_before = _disclosure(previous, prev_ids, threshold)
    # once per survey object: a batch asks for every municipality of the same rounds
    now = current.memo(("rounds_positive", tuple(cur_ids)), lambda: _positive_counts(current, cur_ids))
    before = previous.memo(("rounds_positive", tuple(prev_ids)), lambda: _positive_counts(previous, prev_ids))
    previous_codes = set(previous.municipality_codes)
    rows = []
    for code in codes:
        name = current.municipality_name(code)
        for m in matches.itertuples():
            for group in CHANGE_GROUPS:
                row = dict.fromkeys(_CHANGE_COLUMNS, np.nan)
                row.update(question=m.question, previous_question=m.previous_question, municipality_code=code,
                           municipality_name=name, group=group, previous_round=previous_label,
                           current_round=current_label, suppressed=False, note="")
                if m.status != "matchad":
                    row.update(status="saknas", note=m.note)
                    rows.append(row)
                    continue
                notes = []
                if (m.question, code, group) in hidden_now:
                    notes.append(f"{current_label}: {hidden_now[(m.question, code, group)]}")
                if code not in previous_codes:
                    notes.append(f"{previous_label}: inga svar från kommunen")
                elif (m.previous_question, code, group) in hidden_before:
                    notes.append(f"{previous_label}: {hidden_before[(m.previous_question, code, group)]}")
                if notes:
                    row.update(status="dold", suppressed=True, note="; ".join(notes))
                    rows.append(row)
                    continue
                n1, x1 = now.loc[(m.question, code, group)] if (m.question, code, group) in now.index else (0, 0)
                key = (m.previous_question, code, group)
                n0, x0 = before.loc[key] if key in before.index else (0, 0)
                if n1 == 0 or n0 == 0:  # shown as "inga svar" in that round: nothing to compare
                    empty = [lab for lab, n in ((previous_label, n0), (current_label, n1)) if n == 0]
                    row.update(status="dold", note="; ".join(f"{lab}: inga svar" for lab in empty))
                    rows.append(row)
                    continue
                lo, hi = newcombe_interval(x1, n1, x0, n0, confidence=confidence)
                _, p = two_proportion_test(x1, n1, x0, n0)
                row.update(n_previous=int(n0), n_current=int(n1), positive_previous=x0 / n0 * 100,
                           positive_current=x1 / n1 * 100, change=(x1 / n1 - x0 / n0) * 100,
                           change_ci_low=float(lo) * 100, change_ci_high=float(hi) * 100, p_value=float(p),
                           status="visas")
                rows.append(row)
    out = pd.DataFrame(rows, columns=_CHANGE_COLUMNS)
    for col in _VALUES:
        out[col] = out[col].astype(float)
    return out


def changes(current: Survey, previous: Mapping[str, Survey], municipality: str | Iterable[str] | None = None, *,
            current_label: str = CURRENT_LABEL, threshold: int | None = None,
            confidence: float = 0.95) -> pd.DataFrame:
    """:func:`change` against every earlier round in ``previous`` (``{label: Survey}``), stacked."""
    parts = [change(current, survey, municipality, current_label=current_label, previous_label=label,
                    threshold=threshold, confidence=confidence) for label, survey in previous.items()]
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=_CHANGE_COLUMNS)


# ---------------------------------------------------------------------------------------------
# Several rounds in one export (a round column)
# ---------------------------------------------------------------------------------------------
#: The round column a consultant's export usually has (a year or a label per row).
ROUND_COLUMN = "Omgång"


def round_column_of(path: str | Path, column: str | None = None) -> str | None:
    """The export's round column: ``column`` if given (an error when absent), else a column
    named :data:`ROUND_COLUMN` (any case) when the export has one, else None."""
    from .loader import read_table

    return _round_column(path, [str(c) for c in read_table(path)[0].columns], column)


def _round_column(path, headers: list[str], column: str | None) -> str | None:
    if column is not None:
        if column not in headers:
            raise InputError(f"exporten saknar omgångskolumnen {column!r}", file=path, column=column,
                             hint="ange kolumnens rubrik exakt som i filen med --round-column; kolumner: "
                                  + "; ".join(headers[:20]))
        return column
    found = [h for h in headers if normalize_text(h) == normalize_text(ROUND_COLUMN)]
    return found[0] if found else None


def split_rounds(path: str | Path, out_dir: str | Path, *, column: str = ROUND_COLUMN,
                 current_round: str | None = None) -> tuple[Path, dict[str, str], str, pd.DataFrame]:
    """Split an export holding several rounds (a column ``Omgång``) into one export per round.

    Parameters
    ----------
    path
        The export (any format :func:`kommunanalys.loader.read_table` reads).
    out_dir
        Where the per-round exports are written (UTF-8 CSV, ``omgang_<label>.csv``, the same
        columns without the round column and with the original row number in ``Källrad``, which
        the loader ignores).
    column
        The round column's header.
    current_round
        The label of the current round; default the newest (:func:`latest_label`).

    Returns
    -------
    tuple
        ``(current export, {label: earlier export}, current label, rejected)``: ``rejected`` holds
        the rows with an empty round value (``row``, ``reason`` = ``"missing_round"``, ``column``,
        ``value``, ``message``), so every row of the file is in one round's export or rejected.

    Raises
    ------
    InputError
        Without the column, with fewer than two rounds, or with ``current_round`` not among them.
    """
    from .loader import read_table

    path, out_dir = Path(path), Path(out_dir)
    frame, _ = read_table(path)
    column = _round_column(path, [str(c) for c in frame.columns], column)
    labels = frame[column].astype(str).str.strip()
    empty = labels.eq("")
    rejected = pd.DataFrame({
        "row": np.flatnonzero(empty.to_numpy()) + 2, "respondent_id": None, "reason": "missing_round",
        "column": column, "value": "",
        "message": f"omgången är inte angiven; fyll i kolumnen {column!r} (t.ex. året) eller ta bort raden",
    }, columns=["row", "respondent_id", "reason", "column", "value", "message"])
    present = list(dict.fromkeys(labels[~empty]))
    if len(present) < 2:
        raise InputError(f"omgångskolumnen {column!r} anger {len(present)} omgång(ar); minst två behövs",
                         file=path, column=column, value=", ".join(present),
                         hint="en export med en omgång läses in utan --round-column")
    current = current_round if current_round is not None else latest_label(present)
    if current not in present:
        raise InputError(f"omgången {current!r} finns inte i kolumnen {column!r}", file=path, column=column,
                         value=current, hint="välj en av: " + ", ".join(present))
    out_dir.mkdir(parents=True, exist_ok=True)
    files = {}
    for label in present:
        part = frame[labels.eq(label)].drop(columns=[column])
        part.insert(len(part.columns), "Källrad", (np.flatnonzero(labels.eq(label).to_numpy()) + 2).astype(str))
        safe = re.sub(r"[^0-9A-Za-z_-]+", "_", label) or "omgang"
        target = out_dir / f"omgang_{safe}.csv"
        part.to_csv(target, sep=";", index=False, encoding="utf-8")
        files[label] = str(target)
    return Path(files.pop(current)), files, current, rejected
