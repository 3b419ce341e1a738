"""The Excel appendix (xlsxwriter): one municipality's workbook, and one across municipalities.

Sheets: "Sammanfattning" (the report's summary, :func:`kommunanalys.summary.summarize`: strongest and
weakest areas, the largest role gaps, what to look into; one sortable row per statement; not in the
workbook across municipalities), "Andelar per fråga" (per question and role: n, share
negative/positive with the 95 % interval), "Svarande", "Skav" (the ranked role gaps), "Förändring" (with earlier survey rounds:
the change since each per question and group), then one sheet per question (the answer
distribution per role). Numbers are real numeric cells with Swedish number formats (``0,0 %``
is the reader's locale applied to ``0.0%``); a hidden group is the text "färre än k svar" with no
number anywhere in its row. Headers are frozen, columns sized; text cells are formula-neutralised.
"""

from __future__ import annotations

from pathlib import Path
from typing import Iterable

import pandas as pd
import xlsxwriter

from ..labels import RoleNames, role_names
from .content import MunicipalityContent, hidden_text

__all__ = ["build_workbook", "build_batch_workbook"]


def _safe(text: object) -> str:
    """Text that a spreadsheet will not run as a formula.

    TODO(merge): use textsafety — ``kommunanalys.textsafety.spreadsheet_safe`` replaces this.
    """
    s = "" if text is None or (isinstance(text, float) and pd.isna(text)) else str(text)
    return "'" + s if s[:1] in ("=", "+", "-", "@", "\t", "\r") else s


class _Book:
    def __init__(self, path: Path) -> None:
        self.wb = xlsxwriter.Workbook(str(path), {"nan_inf_to_errors": False, "strings_to_formulas": False,
                                                  "strings_to_urls": False})
        self.head = self.wb.add_format({"bold": True, "bg_color": "#DDE6EE", "text_wrap": True, "valign": "top"})
        self.pct = self.wb.add_format({"num_format": "0.0%"})
        self.int = self.wb.add_format({"num_format": "0"})
        self.pp = self.wb.add_format({"num_format": "0.0"})
        self.note = self.wb.add_format({"italic": True, "font_color": "#555555"})
        self.names: set[str] = set()

    def sheet(self, name: str, headers: list[str], widths: list[int]):
        name = name[:31]
        ws = self.wb.add_worksheet(name)
        for j, (h, w) in enumerate(zip(headers, widths)):
            ws.write_string(0, j, _safe(h), self.head)
            ws.set_column(j, j, w)
        ws.freeze_panes(1, 0)
        return ws

    def cell(self, ws, i: int, j: int, value, fmt=None) -> None:
        if value is None or (isinstance(value, float) and pd.isna(value)):
            return
        if isinstance(value, str):
            ws.write_string(i, j, _safe(value), fmt)
        else:
            ws.write_number(i, j, float(value), fmt)

    def rows(self, ws, rows: Iterable[list], fmts: list) -> None:
        """Write ``rows`` below the heading row, column ``j`` in the format ``fmts[j]``."""
        for i, row in enumerate(rows, start=1):
            for j, v in enumerate(row):
                self.cell(ws, i, j, v, fmts[j])


def _labels(content: MunicipalityContent) -> dict[str, str]:
    """The groups as the survey's instrument names them (:func:`kommunanalys.labels.role_names`)."""
    return role_names(content.survey.instrument).group_labels


def _summary_rows(content: MunicipalityContent) -> list[list]:
    inst, labels = content.survey.instrument, _labels(content)
    rows = []
    for r in content.summary.itertuples():
        q = inst[r.question]
        base = [content.code, content.name, f"{q.number}. {q.short}", labels.get(r.group, r.group)]
        if bool(r.suppressed):
            rows.append(base + [None, None, None, None, None, hidden_text(r.note, content.threshold)])
        elif int(r.n) == 0:
            rows.append(base + [0, None, None, None, None, "inga svar"])
        else:
            rows.append(base + [int(r.n), r.negative / 100, r.positive / 100, r.positive_ci_low / 100,
                                r.positive_ci_high / 100, ""])
    return rows


_SUMMARY_HEAD = ["Kod", "Kommun", "Fråga", "Roll", "Antal svar (n)", "Andel instämmer inte",
                 "Andel instämmer", "95 % KI, nedre", "95 % KI, övre", "Anmärkning"]
_SUMMARY_W = [6, 14, 48, 16, 10, 12, 12, 10, 10, 40]


def _write_summary(book: _Book, rows: Iterable[list]) -> None:
    ws = book.sheet("Andelar per fråga", _SUMMARY_HEAD, _SUMMARY_W)
    fmts = [None, None, None, None, book.int, book.pct, book.pct, book.pct, book.pct, book.note]
    book.rows(ws, rows, fmts)


_FINDINGS_HEAD = ["Kod", "Kommun", "Del", "Ordning", "Fråga", "Andel instämmer", "Övriga kommuner",
                  "Skillnad (procentenheter)", "95 % KI, nedre", "95 % KI, övre", "Tydlig skillnad", "Slutsats"]
_FINDINGS_W = [6, 14, 30, 8, 44, 12, 12, 14, 10, 10, 10, 90]


def _findings_rows(content: MunicipalityContent) -> list[list]:
    """The report's "Sammanfattning" (:func:`kommunanalys.summary.summarize`) as sortable rows: one per
    statement of its frame, with the share (strongest, weakest) or the difference in percentage
    points (role gaps, what to look into) as numbers; a part without statements (e.g. the roles
    cannot be compared) is one row with its sentence."""
    from ..summary import KIND_TITLES, summarize

    summary = summarize(content.survey, content.code, threshold=content.threshold)
    rows = []
    for kind, title in KIND_TITLES.items():
        part = summary.frame[summary.frame["kind"] == kind]
        if part.empty:
            if summary.parts.get(kind):
                rows.append([content.code, content.name, title] + [None] * 8 + [summary.parts[kind]])
            continue
        for r in part.itertuples():
            share = kind in ("strongest", "weakest")
            rows.append([content.code, content.name, title, int(r.rank), f"{r.number}. {r.short}",
                         r.value / 100 if share else None,
                         None if pd.isna(r.other) else r.other / 100,
                         None if share else r.value, None if share else r.ci_low, None if share else r.ci_high,
                         "ja" if bool(r.clear) else "nej", r.text[:1].upper() + r.text[1:]])
    return rows


def _write_findings(book: _Book, rows: Iterable[list], roles: RoleNames) -> None:
    ws = book.sheet("Sammanfattning", _FINDINGS_HEAD, _FINDINGS_W)
    ws.write_comment(0, 7, f"Mellan rollerna: {roles.lower('förtroendevald')} minus {roles.lower('tjänsteperson')}. "
                           "Mot övriga kommuner: kommunen minus övriga kommuner.")
    book.rows(ws, rows, [None, None, None, book.int, None, book.pct, book.pct, book.pp, book.pp, book.pp, None, None])


def _respondent_rows(content: MunicipalityContent) -> list[list]:
    if content.rates is not None:  # with invited and response rate (kommunanalys.population)
        return [[content.code, content.name, r.label, None if r.suppressed else int(r.n),
                 None if pd.isna(r.invited) else int(r.invited), None if pd.isna(r.rate) else float(r.rate),
                 "; ".join(t for t in (r.shown if r.suppressed else "",
                                       "inbjudna och svarsfrekvens visas inte" if r.rate_shown == "dold" else "",
                                       "inbjudna saknas" if r.rate_shown == "saknas" and not r.suppressed else "",
                                       "låg svarsfrekvens" if r.low else "") if t)]
                for r in content.rates.itertuples()]
    return [[content.code, content.name, r.label, None if r.suppressed else int(r.n),
             r.shown if r.suppressed else ""] for r in content.respondents.itertuples()]


def _write_respondents(book: _Book, rows: Iterable[list]) -> None:
    rows = list(rows)
    if rows and len(rows[0]) == 7:  # with a population: invited and response rate
        head, widths = ["Kod", "Kommun", "Grupp", "Antal svar", "Inbjudna", "Svarsfrekvens", "Anmärkning"], \
            [6, 14, 36, 10, 10, 12, 44]
        fmts = [None, None, None, book.int, book.int, book.pct, book.note]
    else:
        head, widths = ["Kod", "Kommun", "Grupp", "Antal svar", "Anmärkning"], [6, 14, 36, 10, 44]
        fmts = [None, None, None, book.int, book.note]
    ws = book.sheet("Svarande", head, widths)
    book.rows(ws, rows, fmts)


def _gap_rows(content: MunicipalityContent) -> list[list]:
    inst = content.survey.instrument
    rows = []
    for r in content.gaps.itertuples():
        q = inst[r.question]
        base = [content.code, content.name, f"{q.number}. {q.short}"]
        if bool(r.suppressed) or pd.isna(r.gap):
            rows.append(base + [None] * 8 + [hidden_text(r.note, content.threshold) if bool(r.suppressed)
                                             else "inga svar"])
        else:
            rows.append(base + [int(r.rank), int(r.n_fv), int(r.n_tp), r.positive_fv / 100, r.positive_tp / 100,
                                r.gap, r.gap_ci_low, r.gap_ci_high, ""])
    return rows


def _write_gaps(book: _Book, rows: Iterable[list], roles: RoleNames | None = None) -> None:
    roles = roles or role_names()
    fv, tp = roles.lower("förtroendevald"), roles.lower("tjänsteperson")
    head = ["Kod", "Kommun", "Fråga", "Rang", f"n {fv}", f"n {tp}",
            f"Instämmer, {fv}", f"Instämmer, {tp}", "Skillnad (procentenheter)",
            "95 % KI, nedre", "95 % KI, övre", "Anmärkning"]
    ws = book.sheet("Skav", head, [6, 14, 48, 6, 12, 12, 14, 14, 14, 10, 10, 44])
    fmts = [None, None, None, book.int, book.int, book.int, book.pct, book.pct, book.pp, book.pp, book.pp, book.note]
    book.rows(ws, rows, fmts)


def _change_rows(content: MunicipalityContent) -> list[list]:
    inst, labels = content.survey.instrument, _labels(content)
    rows = []
    for r in content.changes.itertuples():
        q = inst[r.question]
        base = [content.code, content.name, f"{q.number}. {q.short}", labels.get(r.group, r.group),
                r.previous_round, r.current_round]
        if r.status != "visas":
            rows.append(base + [None] * 7 + [r.note or hidden_text("", content.threshold)])
        else:
            rows.append(base + [int(r.n_previous), int(r.n_current), r.positive_previous / 100,
                                r.positive_current / 100, r.change, r.change_ci_low, r.change_ci_high, ""])
    return rows


def _write_changes(book: _Book, rows: Iterable[list]) -> None:
    head = ["Kod", "Kommun", "Fråga", "Grupp", "Tidigare omgång", "Denna omgång", "n tidigare", "n nu",
            "Instämmer, tidigare", "Instämmer, nu", "Förändring (procentenheter)", "95 % KI, nedre",
            "95 % KI, övre", "Anmärkning"]
    ws = book.sheet("Förändring", head, [6, 14, 48, 16, 10, 10, 10, 10, 12, 12, 14, 10, 10, 44])
    fmts = [None] * 6 + [book.int, book.int, book.pct, book.pct, book.pp, book.pp, book.pp, book.note]
    book.rows(ws, rows, fmts)


def _write_question(book: _Book, content: MunicipalityContent, qid: str) -> None:
    q = content.survey.instrument[qid]
    ws = book.sheet(f"Fråga {q.number}", ["Roll", "Svar", "Antal", "Andel", "Anmärkning"], [16, 28, 8, 10, 44])
    ws.set_header(f"&L{_safe(q.text)[:200]}")
    rows = content.distribution[content.distribution["question"] == qid]
    labels = _labels(content)
    i = 1
    for group, part in rows.groupby("group", sort=False):
        label = labels.get(group, group)
        if bool(part["suppressed"].any()):
            book.cell(ws, i, 0, label)
            book.cell(ws, i, 4, hidden_text(part["note"].iloc[0], content.threshold), book.note)
            i += 1
            continue
        for r in part.itertuples():
            book.cell(ws, i, 0, label)
            book.cell(ws, i, 1, str(r.answer))
            book.cell(ws, i, 2, int(r.count), book.int)
            book.cell(ws, i, 3, None if pd.isna(r.percent) else r.percent / 100, book.pct)
            i += 1
    ws.write_string(i + 1, 0, _safe(f"{q.number}. {q.text}"))


def build_workbook(content: MunicipalityContent, *, path: str | Path) -> Path:
    """Write one municipality's Excel appendix (module docstring); return ``path``."""
    path = Path(path)
    book = _Book(path)
    _write_findings(book, _findings_rows(content), role_names(content.survey.instrument))
    _write_summary(book, _summary_rows(content))
    _write_respondents(book, _respondent_rows(content))
    _write_gaps(book, _gap_rows(content), role_names(content.survey.instrument))
    if content.changes is not None:
        _write_changes(book, _change_rows(content))
    for qid in content.question_ids:
        _write_question(book, content, qid)
    book.wb.close()
    return path


def build_batch_workbook(contents: Iterable[MunicipalityContent], *, path: str | Path) -> Path:
    """Write the appendix across municipalities: "Andelar per fråga", "Svarande", "Skav" (and
    "Förändring" with earlier rounds) with one block of rows per municipality (each
    municipality's own suppressed frames)."""
    contents = list(contents)
    path = Path(path)
    book = _Book(path)
    _write_summary(book, [r for c in contents for r in _summary_rows(c)])
    _write_respondents(book, [r for c in contents for r in _respondent_rows(c)])
    _write_gaps(book, [r for c in contents for r in _gap_rows(c)],
                role_names(contents[0].survey.instrument) if contents else None)
    if any(c.changes is not None for c in contents):
        _write_changes(book, [r for c in contents if c.changes is not None for r in _change_rows(c)])
    book.wb.close()
    return path
