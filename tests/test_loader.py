"""The loader: every format, every rejection reason, clear errors, and the row accounting."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from kommunanalys import DataFormatError, InputError, load_survey
from kommunanalys.loader import REJECTION_REASONS, match_columns
from tests.conftest import assert_accounting, make_export


def write_csv(frame: pd.DataFrame, path, *, sep=";", encoding="cp1252"):
    frame.to_csv(path, sep=sep, index=False, encoding=encoding, lineterminator="\r\n")
    return path


@pytest.fixture(autouse=True)
def every_load_accounts_for_every_row(monkeypatch):
    """Every load in this module, besides the tests' own independent row counts, must keep
    loaded + rejected = rows in the file; a load that raises loads nothing (and says why)."""
    real = load_survey

    def checked(*args, **kwargs):
        survey = real(*args, **kwargs)
        report = survey.report
        assert report.loaded + report.n_rejected == report.rows_in_file
        assert len(survey.respondents) == report.loaded
        return survey

    monkeypatch.setitem(globals(), "load_survey", checked)


def expected_roles(frame, instrument):
    role_col = instrument["Q1"].label
    return frame[role_col].str.lower().value_counts().to_dict()


# -------------------------------------------------------------------------------------------
# formats
# -------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "sep,encoding", [(";", "cp1252"), (";", "utf-8"), (",", "utf-8"), (";", "utf-8-sig"), (",", "utf-8-sig"), ("\t", "utf-8")]
)
def test_csv_separators_and_encodings(tmp_path, instrument, export_frame, sep, encoding):
    path = write_csv(export_frame, tmp_path / "export.csv", sep=sep, encoding=encoding)
    survey = load_survey(path)
    assert_accounting(survey, len(export_frame))
    assert survey.report.n_rejected == 0
    roles = survey.respondents["role"].value_counts().to_dict()
    assert roles == expected_roles(export_frame, instrument)
    # Swedish letters survive every encoding
    assert set(survey.respondents["municipality_name"]) == {"Hammarö", "Karlstad"}


def test_answers_are_decoded_to_labels_with_scores(tmp_path, instrument, export_frame):
    survey = load_survey(write_csv(export_frame, tmp_path / "e.csv"))
    assert_accounting(survey, len(export_frame))
    q6 = survey.responses[survey.responses["question"] == "Q6"].set_index("respondent_id")
    raw = export_frame.set_index("Respondent-ID")[instrument["Q6"].label]
    labels = instrument["Q6"].scale.labels
    for rid, label in raw.items():
        row = q6.loc[rid]
        assert row["answer"] == label
        if label in labels:
            assert row["score"] == labels.index(label) + 1
            assert row["answer_type"] == "substantive"
        else:
            assert np.isnan(row["score"]) and row["answer_type"] == "non_substantive"


def test_codes_and_decimal_comma_codes_give_the_same_survey(tmp_path, instrument):
    labels = make_export(instrument, seed=3)
    codes = make_export(instrument, seed=3, codes=True)
    q = instrument["Q10"].label
    codes[q] = codes[q] + ",0"  # Swedish decimal comma, as Excel writes numbers
    a = load_survey(write_csv(labels, tmp_path / "labels.csv"))
    b = load_survey(write_csv(codes, tmp_path / "codes.csv"))
    assert_accounting(a, len(labels))
    assert_accounting(b, len(codes))
    pd.testing.assert_frame_equal(a.responses, b.responses)


def test_header_variants_are_recognised(tmp_path, instrument, export_frame):
    renamed = {}
    for q in instrument.questions:
        if q.id == "Q5":  # text only, upper case, line break, truncated by the tool
            renamed[q.label] = q.text.upper().replace(" kultur ", "\nkultur ")[:80]
        elif q.id == "Q6":
            renamed[q.label] = "Q6"
        elif q.id == "Q7":
            renamed[q.label] = "Fråga 7"
        elif q.id == "Q8":
            renamed[q.label] = f"  8)  {q.text}  "
        elif q.id == "Q10":
            renamed[q.label] = "10"
    frame = export_frame.rename(columns=renamed)
    mapping, ignored = match_columns(list(frame.columns), instrument)
    assert ignored == []
    assert {mapping[new]: new for new in renamed.values()}.keys() == {"Q5", "Q6", "Q7", "Q8", "Q10"}
    survey = load_survey(write_csv(frame, tmp_path / "e.csv"))
    assert_accounting(survey, len(frame))
    assert survey.report.missing_questions == []


def test_instrument_mapping_covers_other_headers(tmp_path, instrument, export_frame):
    text = (instrument.source and open(instrument.source, encoding="utf-8").read())
    text = text.replace("  - id: Q14\n", "  - id: Q14\n    columns: [Tillit FV/TP]\n")
    custom = tmp_path / "instrument.yaml"
    custom.write_text(text, encoding="utf-8")
    frame = export_frame.rename(columns={instrument["Q14"].label: "Tillit FV/TP"})
    survey = load_survey(write_csv(frame, tmp_path / "e.csv"), custom)
    assert_accounting(survey, len(frame))
    assert "Q14" not in survey.report.missing_questions
    assert survey.report.column_map["Tillit FV/TP"] == "Q14"


def test_xlsx_microsoft_forms_layout(tmp_path, instrument, export_frame):
    forms = export_frame.rename(columns={"Respondent-ID": "ID"})
    forms.insert(1, "Start time", "2024-03-04 10:00")
    forms.insert(2, "Completion time", "2024-03-04 10:09")
    forms.insert(3, "Email", "person@example.se")
    forms.insert(4, "Name", "Anna Andersson")
    path = tmp_path / "forms.xlsx"
    forms.to_excel(path, index=False)
    survey = load_survey(path)
    assert_accounting(survey, len(forms))
    assert {"Email", "Name", "Start time", "Completion time"} <= set(survey.report.ignored_columns)
    everything = survey.respondents.to_string() + survey.comments.to_string() + survey.responses.to_string()
    assert "Anna Andersson" not in everything and "person@example.se" not in everything
    assert survey.respondents["role"].value_counts().to_dict() == expected_roles(export_frame, instrument)


def test_xlsx_numbers_as_codes(tmp_path, instrument):
    frame = make_export(instrument, codes=True)
    likert = [q.label for q in instrument.likert_questions]
    frame[likert] = frame[likert].astype(int)  # real numbers in the cells
    path = tmp_path / "codes.xlsx"
    frame.to_excel(path, index=False)
    a = load_survey(path)
    b = load_survey(write_csv(make_export(instrument), tmp_path / "labels.csv"))
    assert_accounting(a, len(frame))
    assert_accounting(b, len(frame))
    pd.testing.assert_frame_equal(a.responses, b.responses)


def test_spss_sav_with_value_labels(tmp_path, instrument):
    pyreadstat = pytest.importorskip("pyreadstat")
    frame = make_export(instrument, codes=True)
    names, labels, value_labels = {}, {}, {}
    out = pd.DataFrame()
    for col in frame.columns:
        q = next((q for q in instrument.questions if q.label == col), None)
        name = q.id.lower() if q else col.replace("-", "_").lower()
        names[col] = name
        labels[name] = q.text if q else col
        if q and q.scale is not None:
            out[name] = pd.to_numeric(frame[col].replace({"": np.nan, "Ja": 1, "Nej": 2, "Förtroendevald": 1, "Tjänsteperson": 2}))
            value_labels[name] = {float(lv.code): lv.label for lv in (*q.scale.levels, *q.scale.non_substantive)}
        else:
            out[name] = frame[col]
    path = tmp_path / "export.sav"
    pyreadstat.write_sav(out, str(path), column_labels=[labels[c] for c in out.columns],
                         variable_value_labels=value_labels)
    survey = load_survey(path)
    assert_accounting(survey, len(frame))
    assert survey.report.n_rejected == 0
    reference = load_survey(write_csv(make_export(instrument), tmp_path / "labels.csv"))
    assert_accounting(reference, len(frame))
    pd.testing.assert_frame_equal(survey.responses, reference.responses)
    assert len(survey.comments) == len(reference.comments)


def test_one_municipality_export_without_municipality_column(tmp_path, export_frame):
    frame = export_frame.drop(columns=["Kommun"])
    path = write_csv(frame, tmp_path / "hammaro.csv")
    with pytest.raises(DataFormatError, match="ingen kommunkolumn") as info:
        load_survey(path)
    assert "hammaro.csv" in str(info.value) and "--municipality" in str(info.value)
    survey = load_survey(path, municipality="Hammarö")
    assert_accounting(survey, len(frame))
    assert set(survey.respondents["municipality_code"]) == {"1761"}
    with pytest.raises(InputError, match="okänd kommun"):
        load_survey(path, municipality="Atlantis")


def test_municipality_by_code_name_and_variants(tmp_path, instrument):
    frame = make_export(instrument, n=6, municipalities=("1761", "Hammaro", "HAMMARÖ KOMMUN", "114", "1761 Hammarö", "karlstad"))
    survey = load_survey(write_csv(frame, tmp_path / "e.csv"))
    assert_accounting(survey, len(frame))
    got = survey.respondents.set_index("respondent_id")["municipality_code"].tolist()
    assert got == ["1761", "1761", "1761", "0114", "1761", "1780"]


# -------------------------------------------------------------------------------------------
# rejections: every reason, with row, column and value, and the accounting
# -------------------------------------------------------------------------------------------
def test_every_rejection_reason_is_reported(tmp_path, instrument, export_frame):
    frame = export_frame.copy()
    role, q6 = instrument["Q1"].label, instrument["Q6"].label
    answer_cols = [q.label for q in (*instrument.likert_questions, *instrument.of_kind("free_text"))]
    frame.loc[1, :] = ""                                  # empty_row
    frame.loc[2, "Respondent-ID"] = frame.loc[0, "Respondent-ID"]  # duplicate_respondent_id
    frame.loc[3, "Kommun"] = ""                           # missing_municipality
    frame.loc[4, "Kommun"] = "Gotham City"                # unknown_municipality
    frame.loc[5, role] = ""                               # missing_role
    frame.loc[6, role] = "Konsult"                        # unknown_role
    frame.loc[7, q6] = "Jättebra"                         # unknown_answer
    frame.loc[8, answer_cols] = ""                        # no_answers
    path = write_csv(frame, tmp_path / "bad.csv")
    survey = load_survey(path)
    assert_accounting(survey, len(frame))
    rejected = survey.report.rejected.set_index("row")
    expected = {3: "empty_row", 4: "duplicate_respondent_id", 5: "missing_municipality",
                6: "unknown_municipality", 7: "missing_role", 8: "unknown_role", 9: "unknown_answer",
                10: "no_answers"}
    assert rejected["reason"].to_dict() == expected
    # the two field-count reasons need a hand-broken CSV: tests/test_robustness.py
    assert set(expected.values()) | {"short_row", "too_many_fields"} == set(REJECTION_REASONS)
    assert rejected.loc[9, "column"] == q6 and rejected.loc[9, "value"] == "Jättebra"
    assert "Instämmer helt" in rejected.loc[9, "message"]  # says what is allowed
    assert rejected.loc[6, "value"] == "Gotham City"
    assert rejected.loc[4, "value"] == frame.loc[0, "Respondent-ID"] and "rad 2" in rejected.loc[4, "message"]


def test_a_row_with_several_problems_lists_them_all(tmp_path, instrument, export_frame):
    frame = export_frame.copy()
    frame.loc[0, "Kommun"] = "Nowhere"
    frame.loc[0, instrument["Q6"].label] = "??"
    survey = load_survey(write_csv(frame, tmp_path / "e.csv"))
    rec = survey.report.rejected.iloc[0]
    assert rec["row"] == 2 and rec["reason"] == "unknown_municipality"
    assert "'??'" in rec["message"]
    assert_accounting(survey, len(frame))


def test_strict_mode_raises_with_file_row_column_value(tmp_path, instrument, export_frame):
    frame = export_frame.copy()
    frame.loc[4, instrument["Q12"].label] = "Kanske"
    path = write_csv(frame, tmp_path / "strict.csv")
    with pytest.raises(InputError) as info:
        load_survey(path, strict=True)
    err = info.value
    assert (err.row, err.column, err.value) == (6, instrument["Q12"].label, "Kanske")
    assert "strict.csv" in str(err) and "Så rättar du" in str(err)


def test_skipped_and_vet_ej_are_kept_and_counted(tmp_path, instrument, export_frame):
    frame = export_frame.copy()
    q = instrument["Q14"].label
    frame.loc[[0, 1], q] = ""
    frame.loc[[2, 3, 4], q] = "Vet ej"
    survey = load_survey(write_csv(frame, tmp_path / "e.csv"))
    assert_accounting(survey, len(frame))
    q14 = survey.responses[survey.responses["question"] == "Q14"]
    types = q14["answer_type"].value_counts()
    expected_skipped = int((frame[q] == "").sum())
    expected_vet_ej = int((frame[q] == "Vet ej").sum())
    assert types["skipped"] == expected_skipped and types["non_substantive"] == expected_vet_ej
    assert len(q14) == len(frame)


def test_subgroup_is_derived_from_the_manager_question(tmp_path, instrument, export_frame):
    survey = load_survey(write_csv(export_frame, tmp_path / "e.csv"))
    assert_accounting(survey, len(export_frame))
    q2 = instrument["Q2"].label
    civil = export_frame[export_frame[instrument["Q1"].label] == "Tjänsteperson"]
    expected = int((civil[q2] == "Ja").sum())
    assert (survey.respondents["subgroup"] == "chef i central förvaltning").sum() == expected
    fv = survey.respondents[survey.respondents["role"] == "förtroendevald"]
    assert set(fv["subgroup"]) == {"förtroendevald"}


def test_comments_keep_their_question_and_target(tmp_path, instrument, export_frame):
    survey = load_survey(write_csv(export_frame, tmp_path / "e.csv"))
    assert_accounting(survey, len(export_frame))
    expected = sum(int((export_frame[q.label] != "").sum()) for q in instrument.of_kind("free_text"))
    assert len(survey.comments) == expected
    q15 = survey.comments[survey.comments["question"] == "Q15"]
    assert set(q15["about"]) == {"Q14"}


# -------------------------------------------------------------------------------------------
# files that cannot be read at all
# -------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "name,content,match",
    [
        ("empty.csv", b"", "tom"),
        ("blank.csv", b"\r\n  \r\n", "ingen text"),
        ("binary.csv", bytes(range(256)) * 4, "binär"),
        ("old.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "xls"),
        ("broken.xlsx", b"PK\x03\x04 this is not really a zip", "Excel-filen går inte att läsa"),
        ("broken.sav", b"$FL2 not really spss", "SPSS-filen går inte att läsa"),
        ("one_column.csv", "Bara en kolumn\r\nx\r\n".encode("utf-8"), "bara 1 kolumn"),
        ("bad_bytes.csv", b"a;b\r\n\x81\x8d;x\r\n", "varken UTF-8"),
        ("dupe_header.csv", "Kommun;Kommun;1. Vilken roll har du i kommunen?\r\n".encode("utf-8"), "två gånger"),
        ("no_role.csv", "Respondent-ID;Kommun;Något annat\r\nR1;Kil;x\r\n".encode("utf-8"), "rollfrågan"),
    ],
)
def test_unreadable_files_get_clear_errors(tmp_path, name, content, match):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(DataFormatError, match=match) as info:
        load_survey(path)
    text = str(info.value)
    assert name in text and "Så rättar du" in text


def test_ragged_csv_row_is_rejected_with_its_row(tmp_path, export_frame):
    path = write_csv(export_frame.head(3), tmp_path / "ragged.csv")
    lines = path.read_bytes().split(b"\r\n")
    lines[2] = lines[2] + b";extra;fields"
    path.write_bytes(b"\r\n".join(lines))
    survey = load_survey(path)
    assert_accounting(survey, 3)
    rejected = survey.report.rejected
    assert rejected[["row", "reason"]].values.tolist() == [[3, "too_many_fields"]]
    n_fields = len(export_frame.columns)
    assert f"{n_fields + 2} fält" in rejected["message"].iat[0] and f"rubrikraden {n_fields}" in rejected["message"].iat[0]


def test_header_only_file(tmp_path, export_frame):
    path = write_csv(export_frame.head(0), tmp_path / "header_only.csv")
    with pytest.raises(InputError, match="ingen rad kunde läsas in"):
        load_survey(path)


def test_all_rows_rejected_explains_the_first_problem(tmp_path, instrument, export_frame):
    frame = export_frame.copy()
    frame["Kommun"] = "Gotham"
    with pytest.raises(InputError, match="ingen rad kunde läsas in") as info:
        load_survey(write_csv(frame, tmp_path / "gotham.csv"))
    assert info.value.row == 2 and info.value.value == "Gotham"


def test_missing_file_and_folder(tmp_path):
    with pytest.raises(DataFormatError, match="finns inte"):
        load_survey(tmp_path / "nope.csv")
    with pytest.raises(DataFormatError, match="mapp"):
        load_survey(tmp_path)


def test_two_columns_for_one_question(tmp_path, instrument, export_frame):
    frame = export_frame.copy()
    frame["Q6"] = frame[instrument["Q6"].label]
    with pytest.raises(DataFormatError, match="flera kolumner motsvarar Q6"):
        load_survey(write_csv(frame, tmp_path / "e.csv"))
