"""Several rounds in one export, a column ``Omgång`` (issue 17).

The demo's two rounds (data/demo/*.csv, made by ``python -m kommunanalys.demo``) are written
here into one file with an ``Omgång`` column, rows interleaved; the changes computed from it
must equal those computed from the two separate exports, and every row of the combined file
must be loaded or rejected with its reason.
"""

from __future__ import annotations

import pandas as pd
import pytest

from kommunanalys import paths, rounds
from kommunanalys.report.batch import _round_column_split
from kommunanalys.errors import InputError, ReportError
from kommunanalys.loader import load_survey, read_table


@pytest.fixture(scope="module")
def combined(tmp_path_factory):
    """The two demo rounds in one file (2024 rows first, then 2026), plus two rows without a round."""
    now, _ = read_table(paths.DEMO_EXPORT)
    before, _ = read_table(paths.DEMO_PREVIOUS_EXPORT)
    blank = now.iloc[:2].copy()
    frame = pd.concat([before.assign(Omgång="2024"), blank.assign(Omgång=""), now.assign(Omgång="2026")],
                      ignore_index=True)
    path = tmp_path_factory.mktemp("omg") / "alla_omgangar.csv"
    frame.to_csv(path, sep=";", index=False, encoding="utf-8")
    return path, len(before), len(now)


def test_changes_from_one_export_equal_those_from_two(combined, tmp_path):
    path, _, _ = combined
    current_path, earlier, label, rejected = rounds.split_rounds(path, tmp_path, column="Omgång")
    assert label == "2026" and list(earlier) == ["2024"]  # the newest round is the current one
    current = load_survey(current_path)
    previous = rounds.load_rounds(earlier, instrument=current.instrument)
    got = rounds.changes(current, previous, current_label=label)
    expected = rounds.changes(load_survey(paths.DEMO_EXPORT),
                              rounds.load_rounds({"2024": paths.DEMO_PREVIOUS_EXPORT}), current_label="2026")
    assert len(got) > 0
    pd.testing.assert_frame_equal(got.reset_index(drop=True), expected.reset_index(drop=True))


def test_every_row_is_loaded_or_rejected_with_its_reason(combined, tmp_path):
    path, n_before, n_now = combined
    current_path, earlier, _, rejected = rounds.split_rounds(path, tmp_path)
    parts = [load_survey(current_path), *rounds.load_rounds(earlier).values()]
    rows = len(read_table(path)[0])
    assert rows == n_before + n_now + 2
    accounted = sum(s.report.loaded + len(s.report.rejected) for s in parts) + len(rejected)
    assert accounted == rows
    # the rows without a round: named by their row in the combined file, with a Swedish reason
    assert rejected["row"].tolist() == [n_before + 2, n_before + 3]
    assert set(rejected["reason"]) == {"missing_round"} and set(rejected["column"]) == {"Omgång"}
    assert rejected["message"].str.contains("omgången är inte angiven").all()
    # each per-round export keeps the original row number (Källrad) for tracing a row back
    own = read_table(current_path)[0]
    assert own["Källrad"].astype(int).tolist() == list(range(n_before + 4, n_before + 4 + n_now))


def test_current_round_can_be_chosen_and_bad_choices_are_errors(combined, tmp_path):
    path, _, _ = combined
    _, earlier, label, _ = rounds.split_rounds(path, tmp_path, current_round="2024")
    assert label == "2024" and list(earlier) == ["2026"]
    with pytest.raises(InputError, match="finns inte"):
        rounds.split_rounds(path, tmp_path, current_round="2025")
    with pytest.raises(InputError, match="saknar omgångskolumnen"):
        rounds.split_rounds(paths.DEMO_EXPORT, tmp_path, column="Omgång")


def test_the_batch_finds_the_round_column_by_name(combined, tmp_path):
    path, _, _ = combined
    data, previous, current_round, notes = _round_column_split(path, path, None, None, None, tmp_path)
    assert current_round == "2026" and list(previous) == ["2024"]
    assert "saknar omgång" in notes[0] and (tmp_path / "omgangar" / "avvisade_rader.csv").exists()
    # an export without the column is left as it is
    assert _round_column_split(paths.DEMO_EXPORT, paths.DEMO_EXPORT, None, None, None, tmp_path)[1] is None
    with pytest.raises(ReportError, match="--previous"):
        _round_column_split(path, path, None, {"2024": paths.DEMO_PREVIOUS_EXPORT}, None, tmp_path)
