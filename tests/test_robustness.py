"""Odd exports: every malformed input gets a clear answer (file, row, column, value, fix) or
loads correctly, and every row is accounted for (loaded + rejected = rows in the file)."""

from __future__ import annotations

import pandas as pd
import pytest

from kommunanalys import DataFormatError, load_survey
from kommunanalys.municipalities import municipalities
from tests.conftest import assert_accounting, make_export


def write_csv(frame: pd.DataFrame, path, *, encoding="utf-8"):
    frame.to_csv(path, sep=";", index=False, encoding=encoding, lineterminator="\r\n")
    return path


@pytest.fixture
def frame(instrument):
    return make_export(instrument, n=12)


def _lines(path):
    return path.read_bytes().split(b"\r\n")


def test_short_rows_mid_file_and_interrupted_last_row_are_rejected_and_counted(tmp_path, frame):
    path = write_csv(frame, tmp_path / "short.csv")
    lines = _lines(path)
    n_fields = len(frame.columns)
    lines[4] = b";".join(lines[4].split(b";")[:3])          # row 5: three fields only
    body = [line for line in lines if line]
    body[-1] = b";".join(body[-1].split(b";")[:n_fields - 4])  # the last row, cut off
    path.write_bytes(b"\r\n".join(body))
    survey = load_survey(path)
    assert_accounting(survey, len(frame))
    rejected = survey.report.rejected.set_index("row")
    last = len(frame) + 1
    assert rejected.loc[[5, last], "reason"].tolist() == ["short_row", "short_row"]
    assert "3 fält" in rejected.loc[5, "message"] and f"rubrikraden {n_fields}" in rejected.loc[5, "message"]
    assert rejected.loc[5, "column"] == frame.columns[3]        # the first missing column
    assert survey.report.loaded == len(frame) - 2


def test_utf8_export_with_one_cp1252_row_names_that_row(tmp_path, frame):
    path = write_csv(frame, tmp_path / "mixed.csv")
    lines = _lines(path)
    row = 7
    fields = lines[row - 1].decode("utf-8").split(";")
    column = next(j for j, f in enumerate(fields) if any(ch in f for ch in "åäöÅÄÖ"))
    lines[row - 1] = lines[row - 1].decode("utf-8").encode("cp1252")
    path.write_bytes(b"\r\n".join(lines))
    with pytest.raises(DataFormatError, match="blandar teckenkodningar") as info:
        load_survey(path)
    err = info.value
    assert err.row == row and err.column == frame.columns[column]
    assert err.value == fields[column]                 # shown as the cp1252 text it is
    assert "mixed.csv" in str(err) and "Så rättar du" in str(err) and "UTF-8" in err.hint


def test_cp1252_export_with_one_utf8_row_names_that_row_not_the_header(tmp_path, frame):
    """The reverse variant: a Windows-1252 export with one row pasted in as UTF-8, after a comment
    that spans two lines (so the row's number in the file is not its line number)."""
    comment = next(c for c in frame.columns if c.startswith("9."))
    frame = frame.copy()
    frame.loc[1, comment] = "Första raden\nandra raden"       # row 3 takes two lines of text
    path = write_csv(frame, tmp_path / "ansi.csv", encoding="cp1252")
    raw = path.read_bytes()
    records = raw.split(b"\r\n")                            # one per row: the comment's \n is inside
    row = 8                                                    # file row 8 is text line 9
    assert raw.split(b"\n")[row] == records[row - 1] + b"\r"
    line = records[row - 1]
    fields = line.decode("cp1252").split(";")
    column = next(j for j, f in enumerate(fields) if any(ch in f for ch in "åäöÅÄÖ"))
    records[row - 1] = line.decode("cp1252").encode("utf-8")
    path.write_bytes(b"\r\n".join(records))
    with pytest.raises(DataFormatError, match="blandar teckenkodningar") as info:
        load_survey(path)
    err = info.value
    assert err.row == row and err.column == frame.columns[column] and err.value == fields[column]
    assert "raden är UTF-8" in err.message and "Windows-1252" in err.message


def test_a_whole_cp1252_export_still_loads(tmp_path, frame):
    survey = load_survey(write_csv(frame, tmp_path / "ansi.csv", encoding="cp1252"))
    assert_accounting(survey, len(frame))
    assert survey.report.n_rejected == 0 and survey.report.format["encoding"] == "cp1252"


def test_unbalanced_quote_is_an_error_with_its_row(tmp_path, frame):
    path = write_csv(frame, tmp_path / "quote.csv")
    lines = _lines(path)
    fields = lines[3].split(b";")
    fields[-1] = b'"' + fields[-1]                      # opened, never closed
    lines[3] = b";".join(fields)
    path.write_bytes(b"\r\n".join(lines))
    with pytest.raises(DataFormatError, match="citattecken") as info:
        load_survey(path)
    assert info.value.row == 4 and "quote.csv" in str(info.value)
    assert "filen tar slut inom citattecknen" in str(info.value) and "end of data" not in str(info.value)


def test_exponent_is_not_an_answer_code(tmp_path, instrument):
    frame = make_export(instrument, n=9, codes=True)
    q6 = instrument["Q6"].label
    frame.loc[2, q6] = "1e0"
    frame.loc[3, q6] = "1,0"                            # decimal comma: still code 1
    survey = load_survey(write_csv(frame, tmp_path / "codes.csv"))
    assert_accounting(survey, len(frame))
    rejected = survey.report.rejected.set_index("row")
    assert rejected.loc[4, "reason"] == "unknown_answer" and rejected.loc[4, "value"] == "1e0"
    assert 5 not in rejected.index
    first = instrument["Q6"].scale.levels[0].label
    rid = frame.loc[3, "Respondent-ID"]
    answer = survey.responses[(survey.responses["question"] == "Q6") & (survey.responses["respondent_id"] == rid)]
    assert answer["answer"].iat[0] == first


@pytest.mark.parametrize("official,name", [
    ("Karlstads kommun", "Karlstad"), ("Region Gotland", "Gotland"), ("Stockholms stad", "Stockholm"),
    ("Göteborgs stad", "Göteborg"), ("Malmö stad", "Malmö"), ("Borås stad", "Borås"),
    ("Falu kommun", "Falun"), ("Munkfors kommun", "Munkfors"),
])
def test_official_municipality_names_are_recognised(tmp_path, instrument, official, name):
    register = municipalities().set_index("name")["code"]
    frame = make_export(instrument, n=6, municipalities=(official,))
    survey = load_survey(write_csv(frame, tmp_path / "official.csv"))
    assert_accounting(survey, len(frame))
    assert set(survey.respondents["municipality_code"]) == {register[name]}


def test_a_county_region_is_not_a_municipality(tmp_path, instrument):
    frame = make_export(instrument, n=4, municipalities=("Region Stockholm",))
    with pytest.raises(Exception, match="no row could be loaded|ingen rad"):
        load_survey(write_csv(frame, tmp_path / "region.csv"))


def test_xlsx_formula_without_cached_value_names_the_cell(tmp_path, instrument):
    openpyxl = pytest.importorskip("openpyxl")
    frame = make_export(instrument, n=5)
    path = tmp_path / "formula.xlsx"
    frame.to_excel(path, index=False)
    book = openpyxl.load_workbook(path)
    sheet = book.worksheets[0]
    col = list(frame.columns).index(instrument["Q6"].label) + 1
    sheet.cell(row=4, column=col, value='=IF(1=1,"Instämmer helt","")')  # openpyxl saves no result
    book.save(path)
    with pytest.raises(DataFormatError, match="formel") as info:
        load_survey(path)
    err = info.value
    coordinate = sheet.cell(row=4, column=col).coordinate
    assert err.row == 4 and err.column == instrument["Q6"].label and coordinate in err.message


def test_xlsx_without_formulas_loads(tmp_path, instrument):
    frame = make_export(instrument, n=5)
    path = tmp_path / "plain.xlsx"
    frame.to_excel(path, index=False)
    survey = load_survey(path)
    assert_accounting(survey, len(frame))
