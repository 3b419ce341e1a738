"""The anonymity threshold is validated before it is used, never coerced (issue 12, item 4)."""

from __future__ import annotations

import numpy as np
import pytest

from kommunanalys.anonymity import MIN_THRESHOLD, parse_threshold, published_count, resolve_threshold
from kommunanalys.cli import main
from kommunanalys.errors import InputError

BAD = [4.5, 5.0, True, False, "5", 0, -1, -5, MIN_THRESHOLD - 1, "fem", 3.0]


@pytest.mark.parametrize("bad", BAD, ids=repr)
def test_resolve_threshold_rejects(bad):
    with pytest.raises(InputError, match="anonymitetsgränsen"):
        resolve_threshold(bad)


@pytest.mark.parametrize("good", [MIN_THRESHOLD, 5, 10, np.int64(7)])
def test_resolve_threshold_accepts_whole_numbers_at_the_floor_or_above(good):
    assert resolve_threshold(good) == int(good)
    assert type(resolve_threshold(good)) is int


def test_floor_is_three():
    # the documented floor (anonymity.MIN_THRESHOLD): 1 and 2 let a member read another's answer
    assert MIN_THRESHOLD == 3
    with pytest.raises(InputError):
        resolve_threshold(2)


@pytest.mark.parametrize("bad", [4.5, True, "5", 0, -3])
def test_run_reports_rejects_before_reading_the_data(tmp_path, bad):
    from kommunanalys.report.batch import run_reports

    # the export does not exist: a threshold error must come first, and nothing is written
    with pytest.raises(InputError, match="anonymitetsgränsen"):
        run_reports(tmp_path / "missing.csv", out=tmp_path / "out", anonymity_threshold=bad, progress=False)
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("bad", [4.5, True, "5", 0, -1])
def test_page_builders_reject(fixture_survey, bad):
    from kommunanalys.pages.question import build_page
    from kommunanalys.pages.quotes import build_quotes
    from kommunanalys.respondents import respondent_counts
    from kommunanalys.pages.rootcause import build_rootcause

    code = fixture_survey.municipality_codes[0]
    question = fixture_survey.instrument.questions[0].id
    for call in (lambda: build_page(fixture_survey, code, question, threshold=bad),
                 lambda: build_rootcause(fixture_survey, code, threshold=bad),
                 lambda: respondent_counts(fixture_survey, code, threshold=bad),
                 lambda: build_quotes(fixture_survey, code, threshold=bad)):
        with pytest.raises(InputError, match="anonymitetsgränsen"):
            call()


@pytest.mark.parametrize("text", ["4.5", "sant", "0", "-1", "2", "", "5a"])
def test_parse_threshold_rejects(text):
    with pytest.raises(InputError):
        parse_threshold(text)


def test_parse_threshold_accepts():
    assert parse_threshold(" 7 ") == 7


@pytest.mark.parametrize("text", ["4.5", "0", "-1", "True"])
def test_cli_rejects_bad_threshold_in_swedish_with_exit_2(tmp_path, capsys, text):
    code = main(["report", "--data", str(tmp_path / "missing.csv"), "--out", str(tmp_path / "out"),
                 "--no-progress", f"--anonymity-threshold={text}"])
    err = capsys.readouterr().err
    assert code == 2
    assert "anonymitetsgränsen" in err
    assert "Traceback" not in err
    assert not (tmp_path / "out").exists()


def test_published_count_never_prints_a_hidden_size():
    t = 5
    for n in range(1, 40):
        for hidden in (False, True):
            text = published_count(n, hidden, t)
            if hidden:
                assert str(n) not in text.replace(str(t), "")  # only the threshold may appear
                assert text == ("dold" if n >= t else f"färre än {t} svar")
            else:
                assert text == str(n)
    assert published_count(0, True, t) == "inga svar"
