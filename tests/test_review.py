"""Tests for kommunanalys.review: export, hand edits, validation and application of decisions."""

from __future__ import annotations

import unicodedata

import matplotlib

matplotlib.use("Agg")

import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from kommunanalys import demo, paths  # noqa: E402
from kommunanalys.errors import InputError  # noqa: E402
from kommunanalys.loader import load_survey  # noqa: E402
from kommunanalys.pages.quotes import build_quotes, screened_comments, show_quotes  # noqa: E402
from kommunanalys.review import (  # noqa: E402
    REVIEW_COLUMNS,
    apply_review,
    comment_key,
    export_review,
    load_review,
)

pytestmark = pytest.mark.skipif(not paths.DEMO_EXPORT.exists(), reason="the demo export is not built yet")

PHONE = "070-174 06 23"
EDIT = f"Ring mig på {PHONE} så berättar jag mer om budgeten."


@pytest.fixture(scope="module")
def survey():
    return load_survey(paths.DEMO_EXPORT)


def _read(path) -> pd.DataFrame:
    return pd.read_csv(path, sep=";", encoding="utf-8-sig", dtype=str, keep_default_na=False)


def _write(frame: pd.DataFrame, path, encoding: str = "utf-8-sig") -> None:
    frame.to_csv(path, sep=";", index=False, encoding=encoding)


@pytest.fixture()
def exported(survey, tmp_path):
    path = export_review(survey, "1780", path=tmp_path / "granskning.csv")
    return path, _read(path)


def test_comment_key_is_stable_and_not_the_id():
    key = comment_key("R000108", "Q9")
    assert key == comment_key("R000108", "Q9") and len(key) == 16
    assert key != comment_key("R000108", "Q11") and key != comment_key("R000109", "Q9")
    assert "R000108" not in key and "000108" not in key


def test_export_has_screened_rows_and_no_respondent_data(survey, exported):
    path, frame = exported
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")  # BOM: Excel reads UTF-8
    assert list(frame.columns) == REVIEW_COLUMNS
    raw = survey.comments[survey.comments["municipality_code"] == "1780"]
    assert len(frame) == len(raw)
    assert frame["comment_key"].is_unique
    assert (frame["beslut"] == "").all() and (frame["ny_text"] == "").all()
    text = path.read_text(encoding="utf-8-sig").lower()
    for rid in raw["respondent_id"]:
        assert rid.lower() not in text
    for planted in demo.PLANTED_PERSONAL_DATA:
        assert planted["value"].lower() not in text
    expected = {comment_key(r, q) for r, q in zip(raw["respondent_id"], raw["question"])}
    assert set(frame["comment_key"]) == expected
    assert frame["review_flags"].str.len().gt(0).any()  # Karlstad has flagged comments
    assert frame["themes"].str.contains("Ekonomi & uppföljning").any()


def test_round_trip_drop_edit_approve(survey, exported, tmp_path):
    path, frame = exported
    frame.loc[0, "beslut"] = "stryk"
    frame.loc[1, "beslut"] = "ändra"
    frame.loc[1, "ny_text"] = EDIT
    frame.loc[2, "beslut"] = "Godkänn "  # case and whitespace are forgiven
    edited = tmp_path / "granskad.csv"
    _write(frame, edited)
    review = load_review(edited, survey=survey)
    assert list(review["beslut"][:3]) == ["stryk", "ändra", "godkänn"]
    assert list(review["row"][:3]) == [2, 3, 4]

    comments = screened_comments(survey, "1780")
    kept = apply_review(comments, review, hold_flagged=False)
    keys = frame["comment_key"]
    assert keys[0] not in set(kept["comment_key"])
    assert len(kept) == len(comments) - 1
    changed = kept.set_index("comment_key").loc[keys[1]]
    assert changed["text"] == "Ring mig på [telefon] så berättar jag mer om budgeten."  # screened again
    assert changed["review"] == "ändrad"
    assert kept.set_index("comment_key").loc[keys[2], "review"] == "godkänd"
    assert kept.attrs["review_counts"]["struken"] == 1

    strict = apply_review(comments, review, require_approval=True)
    assert set(strict["comment_key"]) == {keys[1], keys[2]}
    assert strict.attrs["review_counts"]["ej godkänd"] == len(comments) - 3

    page = build_quotes(survey, "1780", review=edited, n=50)
    assert keys[0] not in set(page.quotes["comment_key"])
    text = show_quotes(page)
    assert PHONE not in text and PHONE not in " ".join(page.quotes["text"])
    if keys[1] in set(page.quotes["comment_key"]):
        assert "[telefon]" in text


def test_flagged_comments_wait_for_a_decision(survey, exported, tmp_path):
    path, frame = exported
    flagged = frame[frame["review_flags"] != ""]
    comments = screened_comments(survey, "1780")
    held = apply_review(comments, None)
    assert not set(flagged["comment_key"]) & set(held["comment_key"])
    assert held.attrs["review_counts"]["väntar"] == len(flagged)
    frame.loc[flagged.index, "beslut"] = "godkänn"
    _write(frame, tmp_path / "ok.csv")
    released = apply_review(comments, load_review(tmp_path / "ok.csv"))
    assert set(flagged["comment_key"]) <= set(released["comment_key"])


def test_excel_cp1252_and_decomposed_letters(survey, exported, tmp_path):
    _, frame = exported
    frame.loc[0, "beslut"] = "ändra"
    frame.loc[0, "ny_text"] = "Kortare text om målen."
    _write(frame, tmp_path / "excel.csv", encoding="cp1252")  # as Excel saves "CSV (semikolon)"
    review = load_review(tmp_path / "excel.csv", survey=survey)
    assert review.loc[0, "beslut"] == "ändra" and review.loc[0, "ny_text"] == "Kortare text om målen."
    frame.loc[0, "beslut"] = unicodedata.normalize("NFD", "ändra")  # as macOS may write it
    _write(frame, tmp_path / "nfd.csv")
    assert load_review(tmp_path / "nfd.csv").loc[0, "beslut"] == "ändra"


@pytest.mark.parametrize("edit,row,column,value,words", [
    ({"beslut": "godkänt"}, 5, "beslut", "godkänt", "godkänn, ändra, stryk"),
    ({"beslut": "ändra"}, 5, "ny_text", "", "ny_text"),
    ({"comment_key": "0123456789abcdef", "beslut": "stryk"}, 5, "comment_key", "0123456789abcdef",
     "export_review"),
    ({"comment_key": "", "beslut": "stryk"}, 5, "comment_key", None, "comment_key"),
])
def test_broken_review_file_names_row_and_column(survey, exported, tmp_path, edit, row, column, value, words):
    _, frame = exported
    for col, new in edit.items():
        frame.loc[3, col] = new
    broken = tmp_path / "trasig.csv"
    _write(frame, broken)
    with pytest.raises(InputError) as info:
        load_review(broken, survey=survey)
    error = info.value
    assert error.row == row and error.column == column
    if value is not None:
        assert error.value == value
    message = str(error)
    assert str(broken) in message and f"rad {row}" in message and "Så rättar du" in message and words in message


def test_duplicate_key_and_missing_column(exported, tmp_path):
    _, frame = exported
    frame.loc[4, "comment_key"] = frame.loc[1, "comment_key"]
    _write(frame, tmp_path / "dubbel.csv")
    with pytest.raises(InputError, match="twice") as info:
        load_review(tmp_path / "dubbel.csv")
    assert info.value.row == 6 and "row 3" in info.value.message
    _write(frame.drop(columns=["beslut"]), tmp_path / "utan.csv")
    with pytest.raises(InputError, match="beslut"):
        load_review(tmp_path / "utan.csv")


def test_apply_review_validates_a_frame(survey):
    comments = screened_comments(survey, "1761")
    bad = pd.DataFrame({"comment_key": [comments.loc[0, "comment_key"]], "beslut": ["kanske"], "ny_text": [""]})
    with pytest.raises(InputError, match="unknown decision"):
        apply_review(comments, bad)
