"""A draft instrument from someone else's export: ``kommunanalys instrument draft``.

A consultant who receives an export without its questionnaire gets, from the export's headers
and answer values, an instrument YAML (the layout of ``data/instrument.yaml``) to check and
correct:

* every column becomes a question with its number (from "6. …", "Q6 …", "Fråga 6 …"; else the
  column's position) and text; identity columns (respondent id, municipality) and columns that
  are no question (e-mail, name, timestamps) are left out;
* the kind is guessed: ``role`` (a column whose answers name förtroendevalda and
  tjänstepersoner, or politicians and employees), ``subgroup`` (a yes/no question about being a
  manager in the central administration), ``likert`` (every answer is a level of a known Swedish
  response vocabulary: instämmer …, stämmer …, i hög/låg grad, mycket bra … dåligt, nöjd …,
  or whole numbers), ``free_text`` (long or mostly distinct answers; it comments on the Likert
  question before it), else ``background``;
* scale levels are ordered by the vocabulary (:data:`VOCABULARY`); "Vet ej", "Ingen uppfattning"
  and the like are non-substantive; the middle level of an odd scale whose middle is a neutral
  answer is its centre;
* a report section per theme: a theme runs from a Likert question to the comment question that
  closes it, named after its first question.

Every guess is marked ``assumed: true`` and returned as a Swedish line for the terminal. Only
the levels someone chose can be seen in an export: a level nobody chose is missing from the
draft's scale (said in the notes).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .instrument import load_instrument, normalize_text
from .loader import read_table

__all__ = ["VOCABULARY", "NON_SUBSTANTIVE", "Draft", "draft_instrument", "write_draft", "order_levels"]

#: Known Swedish response vocabularies: label (normalised) -> rank, from most negative to most
#: positive. Ranks are comparable within a vocabulary only; 3 is the neutral middle.
VOCABULARY: dict[str, dict[str, float]] = {
    "instämmer": {
        "instämmer inte alls": 0, "instämmer inte": 1, "instämmer i mycket liten grad": 1,
        "instämmer i liten grad": 2, "instämmer i låg grad": 2, "instämmer till viss del": 3,
        "instämmer delvis": 3, "instämmer i ganska hög grad": 4, "instämmer till stor del": 5,
        "instämmer i hög grad": 5, "instämmer i mycket hög grad": 6, "instämmer helt": 7,
        "instämmer helt och hållet": 7, "instämmer fullständigt": 7,
    },
    "stämmer": {
        "stämmer inte alls": 0, "stämmer mycket dåligt": 0.5, "stämmer dåligt": 1, "stämmer ganska dåligt": 2,
        "stämmer delvis": 3, "stämmer ganska bra": 4, "stämmer bra": 5, "stämmer mycket bra": 6,
        "stämmer helt": 7, "stämmer helt och hållet": 7, "stämmer precis": 7,
    },
    "grad": {
        "inte alls": 0, "i mycket låg grad": 1, "i mycket liten grad": 1, "i låg grad": 2, "i liten grad": 2,
        "i viss grad": 3, "i någon grad": 3, "till viss del": 3, "i ganska hög grad": 4, "i ganska stor grad": 4,
        "i hög grad": 5, "i stor grad": 5, "till stor del": 5, "i mycket hög grad": 6, "i mycket stor grad": 6,
        "helt": 7, "helt och hållet": 7,
    },
    "bra": {
        "mycket dåligt": 0, "mycket dålig": 0, "dåligt": 1, "dålig": 1, "ganska dåligt": 2, "ganska dålig": 2,
        "varken bra eller dåligt": 3, "varken bra eller dålig": 3, "ganska bra": 4, "bra": 5, "mycket bra": 6,
    },
    "nöjd": {
        "mycket missnöjd": 0, "missnöjd": 1, "ganska missnöjd": 2, "varken nöjd eller missnöjd": 3,
        "ganska nöjd": 4, "nöjd": 5, "mycket nöjd": 6,
    },
}
#: Answers that are no position on the scale (kept and counted, not part of the percentages).
NON_SUBSTANTIVE = ("vet ej", "vet inte", "ingen uppfattning", "ej aktuellt", "inte aktuellt",
                   "kan inte bedöma", "vill inte svara", "ej svar")
_ROLE_WORDS = {"förtroendevald": ("förtroendevald", "politiker", "ledamot", "ersättare", "nämnd", "fullmäktige"),
               "tjänsteperson": ("tjänsteperson", "tjänsteman", "anställd", "medarbetare", "chef", "förvaltning")}
_NOT_QUESTIONS = ("e-post", "epost", "e-mail", "email", "mejl", "namn", "name", "tidsstämpel", "timestamp",
                  "starttid", "sluttid", "start time", "completion time", "datum", "ip-adress", "ip address",
                  "senast ändrad", "last modified")
_NUMBERED = re.compile(r"^\s*(?:(?:q|fråga|f)\s*)?(\d{1,4})\s*[.:)\-–]?\s+(.+)$", re.IGNORECASE | re.DOTALL)
_BARE_NUMBER = re.compile(r"^\s*(?:q|fråga|f)\s*(\d{1,4})\s*$", re.IGNORECASE)


@dataclass
class Draft:
    """A draft instrument: the YAML mapping, and what was guessed (Swedish, for the terminal)."""

    spec: dict
    guesses: list[str] = field(default_factory=list)
    skipped_columns: list[str] = field(default_factory=list)

    def to_yaml(self) -> str:
        """The draft as YAML text with a header saying what to check."""
        head = ("# Utkast till instrument, skrivet av `kommunanalys instrument draft` ur exportens rubriker och svar.\n"
                "# Allt märkt `assumed: true` är en gissning: kontrollera frågornas typ, skalornas ordning\n"
                "# (från mest negativ till mest positiv), mittpunkten, 'Vet ej'-svaren och temana, ta bort\n"
                "# `assumed: true` där det stämmer, och lägg till skalsteg som ingen valde. Se data/instrument.yaml.\n")
        return head + yaml.safe_dump(self.spec, allow_unicode=True, sort_keys=False, width=100)


def _split_header(header: str, position: int) -> tuple[int, str, bool]:
    """(number, text, numbered): the number from "6. …", "Q6 …", "Fråga 6 …", else the position."""
    text = " ".join(str(header).split())
    m = _NUMBERED.match(text)
    if m and m.group(2).strip():
        return int(m.group(1)), m.group(2).strip(), True
    m = _BARE_NUMBER.match(text)
    if m:
        return int(m.group(1)), text, True
    return position, text, False


def _short(text: str, limit: int = 70) -> str:
    """The text, or its first words up to ``limit`` characters followed by "…"."""
    if len(text) <= limit:
        return text
    cut = text[:limit].rsplit(" ", 1)[0].rstrip(" ,;:")
    return cut + " …"


def order_levels(values: list[str]) -> tuple[list[str], list[str], str | None] | None:
    """Order answer labels by a known vocabulary: (levels negative→positive, non-substantive,
    vocabulary name), or None when the substantive labels are not all of one vocabulary.

    Whole numbers ("1" … "10", also "0") are ordered numerically (vocabulary ``"siffror"``).
    """
    ns = [v for v in values if normalize_text(v) in NON_SUBSTANTIVE]
    rest = [v for v in values if v not in ns]
    if len(rest) < 2:
        return None
    for name, vocab in VOCABULARY.items():
        if all(normalize_text(v) in vocab for v in rest):
            ranks = {v: vocab[normalize_text(v)] for v in rest}
            if len(set(ranks.values())) == len(rest):
                return sorted(rest, key=ranks.__getitem__), ns, name
    if all(re.fullmatch(r"\d{1,2}", v.strip()) for v in rest):
        return sorted(rest, key=lambda v: int(v)), ns, "siffror"
    return None


def plural_guess(label: str) -> str:
    """A Swedish plural for a role's label, for the draft to propose ("Anställd" → "Anställda").

    Participles and adjectives in -d/-t take -a (anställd, förtroendevald), -person takes -er,
    anything else (politiker, chef i förvaltningen) stays as written; the consultant checks it.
    """
    words = label.rsplit(" ", 1)
    last = words[-1]
    if re.search(r"(?i)person$", last):
        last += "er"
    elif re.search(r"(?i)[^aeiouyåäö][dt]$", last) and len(words) == 1:
        last += "a"
    return " ".join([*words[:-1], last])


def _role_of(value: str) -> str | None:
    key = normalize_text(value)
    for role, words in _ROLE_WORDS.items():
        if any(w in key for w in words):
            return role
    return None


def _identity_targets(header: str, identity: dict[str, tuple[str, ...]]) -> str | None:
    key = normalize_text(header)
    for target, spellings in identity.items():
        if key in {normalize_text(s) for s in spellings}:
            return target
    return None


def draft_instrument(path: str | Path, *, name: str | None = None) -> Draft:
    """Draft an instrument from an export's headers and answer values (see the module docstring).

    Parameters
    ----------
    path
        The export (CSV, XLSX or SPSS .sav; :func:`kommunanalys.loader.read_table`).
    name
        The instrument's name; default: the file's stem.

    Returns
    -------
    Draft
        ``spec`` (the YAML mapping), ``guesses`` (one Swedish line per guess to check) and
        ``skipped_columns``.
    """
    path = Path(path)
    frame, _ = read_table(path)
    bundled = load_instrument()
    identity = {k: tuple(v) for k, v in bundled.identity_columns.items()}
    scales: dict[str, dict] = {}
    scale_keys: dict[tuple, str] = {}
    questions: list[dict] = []
    guesses: list[str] = []
    skipped: list[str] = []
    used_numbers: set[int] = set()
    role_done = False

    def add_scale(levels: list[str], ns: list[str], vocabulary: str, *, values: dict | None = None) -> str:
        key = (tuple(levels), tuple(ns), tuple(sorted((values or {}).items())))
        if key in scale_keys:
            return scale_keys[key]
        sname = f"{re.sub(r'[^a-z0-9]+', '_', normalize_text(vocabulary).replace('ä', 'a').replace('ö', 'o'))}_{len(scales) + 1}"
        spec: dict[str, Any] = {"assumed": True}
        k = len(levels)
        if k % 2 == 1 and vocabulary in VOCABULARY and VOCABULARY[vocabulary].get(normalize_text(levels[k // 2])) == 3:
            spec["centre"] = levels[k // 2]
        spec["levels"] = [{"label": lv, "code": i, **({"value": values[lv]} if values and lv in values else {})}
                          for i, lv in enumerate(levels, start=1)]
        if ns:
            spec["non_substantive"] = [{"label": lv, "code": len(levels) + i} for i, lv in enumerate(ns, start=1)]
        scales[sname] = spec
        scale_keys[key] = sname
        return sname

    for position, header in enumerate(frame.columns, start=1):
        header = str(header)
        if _identity_targets(header, identity):
            continue
        if any(w in normalize_text(header) for w in _NOT_QUESTIONS) and not _NUMBERED.match(header):
            skipped.append(header)
            continue
        number, text, numbered = _split_header(header, position)
        while number in used_numbers:
            number += 1000
        used_numbers.add(number)
        cells = frame[header].astype(str).str.strip()
        filled = cells[cells.ne("")]
        values = list(dict.fromkeys(filled.tolist()))
        qid = f"F{number}"
        entry: dict[str, Any] = {"id": qid, "number": number, "kind": None, "assumed": True, "text": text}
        if header != f"{number}. {text}" and numbered is False:
            entry["columns"] = [header]
        roles = {v: _role_of(v) for v in values}
        ordered = order_levels(values)
        long_text = bool(len(filled)) and (filled.str.len().mean() > 40 or
                                           (len(values) > 12 and len(values) > 0.5 * len(filled)))
        if not role_done and values and 2 <= len(values) <= 4 and all(roles.values()) \
                and set(roles.values()) == {"förtroendevald", "tjänsteperson"}:
            entry["kind"] = "role"
            entry["scale"] = add_scale(values, [], "roll", values=roles)
            role_done = True
            guesses.append(f"fråga {number}: rollfrågan; " + ", ".join(f"'{v}' = {r}" for v, r in roles.items()))
            for level in scales[entry["scale"]]["levels"]:  # how the reports name the group
                level["plural"] = plural_guess(level["label"])
            guesses.append(f"fråga {number}: rollerna i rubriker och diagram (plural): "
                           + ", ".join(f"'{lv['plural']}'" for lv in scales[entry["scale"]]["levels"]))
        elif ordered is not None and not long_text:
            levels, ns, vocabulary = ordered
            entry["kind"] = "likert"
            entry["scale"] = add_scale(levels, ns, vocabulary)
            extra = f"; icke-substantiella: {', '.join(ns)}" if ns else ""
            guesses.append(f"fråga {number}: Likert, skala {entry['scale']}: {' < '.join(levels)}{extra}")
        elif long_text:
            entry["kind"] = "free_text"
            guesses.append(f"fråga {number}: fritext")
        else:
            yes_no = {normalize_text(v) for v in values} <= {"ja", "nej"} and values
            if yes_no and "chef" in normalize_text(text):
                entry["kind"] = "subgroup"
                entry["scale"] = add_scale(sorted(values, key=lambda v: normalize_text(v) != "ja"), [], "ja_nej")
                entry["subgroup"] = {v: ("chef i central förvaltning" if normalize_text(v) == "ja"
                                         else "övrig tjänsteperson") for v in values}
                guesses.append(f"fråga {number}: undergrupp (Ja = chef i central förvaltning)")
            else:
                entry["kind"] = "background"
                entry["scale"] = add_scale(values or ["(inga svar)"], [], "bakgrund")
                guesses.append(f"fråga {number}: bakgrundsfråga, svarsalternativ i den ordning de först förekommer")
        entry["short"] = _short(text)
        questions.append(entry)

    # themes: from a Likert question to the comment question that closes it
    theme = None
    last_likert = None
    sections: list[dict] = []
    for entry in questions:
        if entry["kind"] in ("role", "subgroup", "background"):
            entry["theme"] = "Vem svarade"
            continue
        if entry["kind"] == "likert":
            if theme is None:
                theme = entry["short"]
                sections.append({"id": f"tema_{len(sections) + 1}", "title": theme, "questions": []})
            sections[-1]["questions"].append(entry["id"])
            last_likert = entry["id"]
        elif entry["kind"] == "free_text":
            if last_likert is not None:
                entry["comments"] = last_likert
                guesses.append(f"fråga {entry['number']}: kommenterar fråga {last_likert[1:]}")
            if sections and theme is not None:
                sections[-1]["quotes"] = True
            theme = None
        entry["theme"] = sections[-1]["title"] if sections else "Övrigt"
    for s in sections:
        s.setdefault("quotes", False)
        guesses.append(f"avsnitt '{s['title']}': frågorna {', '.join(q[1:] for q in s['questions'])}")
    role_q = [q for q in questions if q["kind"] == "role"]
    report_sections = ([{"id": "respondents", "title": "Vem svarade?", "questions": [role_q[0]["id"]]}] if role_q
                       else [])
    report_sections += sections
    report_sections += [{"id": "root_causes", "title": "Hur går vi vidare med resultatet?", "questions": []},
                        {"id": "efficiency", "title": "Effektivitet – mål- och resultatkedjan", "questions": []}]
    if not role_q:
        guesses.append("ingen rollfråga hittades: markera frågan om roll med `kind: role` (krävs)")
    if skipped:
        guesses.append("kolumner som inte är frågor och inte tas med: " + ", ".join(skipped))
    guesses.append("skalorna har bara de svarsalternativ som någon valde: lägg till dem som saknas")
    guesses.append("kortnamnen (short) är frågetexterna: skriv dem som korta substantivfraser "
                   "(t.ex. 'Tydliga beslutsunderlag'), de används i diagram, rubriker och hypoteser")
    guesses.append("analysis: ingen kulturfråga och inga frågor bredvid nyckeltalen är valda (fyll i vid behov)")
    spec = {
        "name": name or path.stem,
        "language": "sv",
        "anonymity_threshold": bundled.anonymity_threshold,
        "identity_columns": {k: list(v) for k, v in identity.items()},
        "scales": scales,
        "questions": questions,
        "analysis": {"culture_question": None, "key_figure_questions": []},
        "report_sections": report_sections,
    }
    return Draft(spec=spec, guesses=guesses, skipped_columns=skipped)


def write_draft(draft: Draft, path: str | Path) -> Path:
    """Write a draft instrument as YAML (UTF-8); return the path."""
    target = Path(path)
    target.write_text(draft.to_yaml(), encoding="utf-8")
    return target
