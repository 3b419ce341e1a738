"""The Excel appendix: sheets, numeric cells with Swedish-ready formats, hidden groups as text only."""

from __future__ import annotations

import openpyxl
import pytest

import kommunanalys as ka
from kommunanalys.report import build_batch_workbook, build_workbook, gather
from kommunanalys.report.workbook import _safe
from tests._question_fixture import FIXTURE, raw

HIDDEN_CODE = "1715"


@pytest.fixture(scope="module")
def survey():
    return ka.load_survey(FIXTURE)


@pytest.fixture(scope="module")
def book(survey, tmp_path_factory):
    path = tmp_path_factory.mktemp("wb") / "kil.xlsx"
    build_workbook(gather(survey, HIDDEN_CODE, threshold=5), path=path)
    return openpyxl.load_workbook(path)


def _sizes(survey, code, qid):
    frame = raw()
    q = survey.instrument[qid]
    col = next(c for c in frame.columns if c.startswith(f"{q.number}. "))
    part = frame[frame["code"] == code]
    return {role: int(part.loc[part["role"] == role, col].isin(q.scale.labels).sum())
            for role in ("förtroendevald", "tjänsteperson")}


def test_sheets(book, survey):
    expected = ["Sammanfattning", "Andelar per fråga", "Svarande", "Skav"] + [
        f"Fråga {q.number}" for q in survey.instrument.likert_questions]
    assert book.sheetnames == expected
    for ws in book.worksheets:
        assert ws.freeze_panes == "A2"
        assert ws.column_dimensions["A"].width > 5


def test_hidden_groups_are_text_without_numbers(book, survey):
    ws = book["Andelar per fråga"]
    head = [c.value for c in ws[1]]
    hidden_seen = 0
    for row in ws.iter_rows(min_row=2, values_only=True):
        rec = dict(zip(head, row))
        number = int(rec["Fråga"].split(".")[0])
        qid = next(q.id for q in survey.instrument.likert_questions if q.number == number)
        sizes = _sizes(survey, HIDDEN_CODE, qid)
        role = "förtroendevald" if rec["Roll"] == "Förtroendevalda" else "tjänsteperson"
        if min(sizes.values()) < 5:
            hidden_seen += 1
            assert "svar" in rec["Anmärkning"]
            assert all(rec[k] is None for k in head[4:9]), "no number in a hidden group's row"
        else:
            assert rec["Antal svar (n)"] == sizes[role]
    assert hidden_seen
    # the question sheets: a hidden group is one row with its note and nothing else
    for q in survey.instrument.likert_questions:
        sizes = _sizes(survey, HIDDEN_CODE, q.id)
        for row in book[f"Fråga {q.number}"].iter_rows(min_row=2, values_only=True):
            if min(sizes.values()) < 5 and row[0] in ("Förtroendevalda", "Tjänstepersoner"):
                assert row[1] is None and row[2] is None and row[3] is None and "svar" in row[4]


def test_numbers_are_numeric_cells_with_formats(survey, tmp_path):
    path = build_workbook(gather(survey, "1780", threshold=5), path=tmp_path / "k.xlsx")
    ws = openpyxl.load_workbook(path)["Andelar per fråga"]
    cell = ws.cell(row=2, column=7)  # Andel instämmer
    assert isinstance(cell.value, float) and 0 <= cell.value <= 1
    assert cell.number_format == "0.0%"  # shown as 0,0 % in a Swedish Excel
    assert isinstance(ws.cell(row=2, column=5).value, int)


def test_text_is_formula_neutral():
    assert _safe("=SUM(A1)") == "'=SUM(A1)"
    assert _safe("-1+2") == "'-1+2"
    assert _safe("Instämmer helt") == "Instämmer helt"


def test_batch_workbook_across_municipalities(survey, tmp_path):
    contents = [gather(survey, c, threshold=5) for c in survey.municipality_codes]
    path = build_batch_workbook(contents, path=tmp_path / "alla.xlsx")
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == ["Andelar per fråga", "Svarande", "Skav"]
    codes = {row[0] for row in wb["Svarande"].iter_rows(min_row=2, values_only=True)}
    assert codes == set(survey.municipality_codes)
    # a hidden respondent group has no number
    for row in wb["Svarande"].iter_rows(min_row=2, values_only=True):
        if row[4]:
            assert row[3] is None


def test_every_demo_workbook_opens(tmp_path):
    survey = ka.load_demo()
    for code in survey.municipality_codes:
        wb = openpyxl.load_workbook(build_workbook(gather(survey, code), path=tmp_path / f"{code}.xlsx"))
        assert wb.sheetnames[:4] == ["Sammanfattning", "Andelar per fråga", "Svarande", "Skav"]
        assert len(wb.sheetnames) == 4 + len(survey.instrument.likert_questions)


@pytest.mark.parametrize("code", ["1780", HIDDEN_CODE])
def test_summary_sheet_holds_the_reports_summary(survey, code, tmp_path):
    """"Sammanfattning": a row per statement of kommunanalys.summary.summarize (the report's
    summary), its numbers as numeric cells in Swedish-ready formats."""
    from kommunanalys.summary import KIND_TITLES, summarize

    frame = summarize(survey, code, threshold=5).frame
    ws = openpyxl.load_workbook(build_workbook(gather(survey, code, threshold=5), path=tmp_path / "k.xlsx"))[
        "Sammanfattning"]
    head = [c.value for c in ws[1]]
    rows = [dict(zip(head, row)) for row in ws.iter_rows(min_row=2, values_only=True)]
    stated = [r for r in rows if r["Ordning"] is not None]
    assert len(stated) == len(frame) > 0
    for got, want in zip(stated, frame.itertuples()):
        assert got["Del"] == KIND_TITLES[want.kind] and got["Ordning"] == want.rank
        assert got["Fråga"] == f"{want.number}. {want.short}"
        if want.kind in ("strongest", "weakest"):
            assert got["Andel instämmer"] == pytest.approx(want.value / 100)
            assert got["Skillnad (procentenheter)"] is None
        else:
            assert got["Skillnad (procentenheter)"] == pytest.approx(want.value)
            assert (got["95 % KI, nedre"], got["95 % KI, övre"]) == pytest.approx((want.ci_low, want.ci_high))
        assert got["Tydlig skillnad"] == ("ja" if want.clear else "nej")
        assert got["Slutsats"].lower() == want.text.lower()
    # every part of the summary is there, as statements or as its sentence
    assert {r["Del"] for r in rows} >= {KIND_TITLES["role_gap"], KIND_TITLES["look_into"]}
    formats = {c.column_letter: c.number_format for c in ws[2] if isinstance(c.value, float)}
    assert set(formats.values()) <= {"0.0%", "0.0"}
    assert ws.freeze_panes == "A2"
