"""The summary ("Sammanfattning") and the report texts (its numbers' Swedish form: tests/test_labels.py).

Expected shares are recomputed with plain pandas from the fixture export
(tests/data/question_survey), not taken from the package.
"""

from __future__ import annotations

import re

import pandas as pd
import pytest

from kommunanalys.errors import InputError
from kommunanalys.report.html import render_report
from kommunanalys.report_texts import DEFAULT_TEXTS, load_report_texts
from kommunanalys.rootcause import gap_words
from kommunanalys.summary import summarize
from tests._question_fixture import raw

LIKERT = ["Q5", "Q6", "Q7", "Q8", "Q10", "Q12", "Q14"]
# the two levels above the centre of each scale (data/instrument.yaml: agreement and extent)
POSITIVE = {"Instämmer i hög grad", "Instämmer helt", "I hög grad", "I mycket hög grad"}
SUBSTANTIVE = POSITIVE | {"Instämmer inte alls", "Instämmer i liten grad", "Instämmer delvis",
                          "Inte alls", "I låg grad", "I viss grad"}


def _column(frame: pd.DataFrame, qid: str) -> str:
    number = qid[1:]
    return next(c for c in frame.columns if c.startswith(f"{number}. "))


def _shares(code: str, role: str | None = None) -> dict[str, float]:
    """Share positive (percent) of substantive answers per Likert question, with pandas alone."""
    frame = raw()
    frame = frame[frame["code"] == code]
    if role is not None:
        frame = frame[frame["role"] == role]
    out = {}
    for qid in LIKERT:
        answers = frame[_column(frame, qid)]
        answers = answers[answers.isin(SUBSTANTIVE)]
        out[qid] = 100 * answers.isin(POSITIVE).mean()
    return out


def test_summary_with_a_hidden_role_has_no_role_gap_and_only_whole_municipality_shares(fixture_survey):
    """Kil (1715) has 3 förtroendevalda: no gap may be formed, no number may come from them."""
    s = summarize(fixture_survey, "1715", threshold=5)
    assert s.frame[s.frame["kind"] == "role_gap"].empty
    assert "färre än 5 svar" in s.parts["role_gap"]
    everyone = _shares("1715")
    areas = s.frame[s.frame["kind"].isin(["strongest", "weakest"])]
    assert len(areas) == 4
    for r in areas.itertuples():
        assert r.value == pytest.approx(everyone[r.question])
    # strongest are the largest shares, weakest the smallest (independent ranking)
    ranked = sorted(everyone, key=lambda q: (-everyone[q], LIKERT.index(q)))
    assert set(areas[areas["kind"] == "strongest"]["question"]) == set(ranked[:2])
    assert set(areas[areas["kind"] == "weakest"]["question"]) == set(ranked[-2:])
    # every share in the text is the whole municipality's or the other municipalities': none is
    # a role's (the hidden förtroendevalda, or the tjänstepersoner that would give them by subtraction)
    others = raw()
    others = others[others["code"] != "1715"]
    allowed = {f"{v:.0f} %" for v in everyone.values()}  # whole percent, as the text writes them
    for qid in LIKERT:
        answers = others[_column(others, qid)]
        answers = answers[answers.isin(SUBSTANTIVE)]
        allowed.add(f"{100 * answers.isin(POSITIVE).mean():.0f} %")
    found = re.findall(r"\d+ %", " ".join(s.sentences))
    assert found and set(found) <= allowed


def test_summary_role_gaps_are_the_largest_differences(fixture_survey):
    s = summarize(fixture_survey, "1780", threshold=5)
    fv, tp = _shares("1780", "förtroendevald"), _shares("1780", "tjänsteperson")
    gaps = {q: fv[q] - tp[q] for q in LIKERT}
    expected = sorted(gaps, key=lambda q: (-abs(gaps[q]), LIKERT.index(q)))[:2]
    rows = s.frame[s.frame["kind"] == "role_gap"]
    assert rows["question"].tolist() == expected
    for r in rows.itertuples():
        assert r.value == pytest.approx(gaps[r.question])
        assert r.ci_low <= r.value <= r.ci_high


def test_gap_words_say_how_sure_a_gap_is():
    assert gap_words(-34, -51, -13, clear=True) == "en tydlig skillnad"
    # Munkfors Q6 in the demo: −63 pp, 95 % KI −84 till −12, not clear after Holm
    assert gap_words(-63, -84, -12, clear=False).startswith("stor men osäker")
    assert gap_words(-20, -28, -12, clear=False).startswith("stor, men inte tydlig")
    assert gap_words(5, -10, 20, clear=False).startswith("liten eller osäker")


def _render(texts):
    part = {"key": "05", "section": "culture", "status": "failed", "error": None, "path": "x.ipynb"}
    return render_report(parts=[part], root=DEFAULT_TEXTS.parent, sections=[{"id": "culture", "title": "Kultur"}],
                         municipality="Testby", code="0000", title="T", synthetic=False, texts=texts, threshold=7)


def test_lead_ins_and_method_come_from_a_replaceable_file(tmp_path):
    default = _render(load_report_texts())
    assert "McGregor" in default and "Så har vi räknat" in default and "Holms" in default
    own = tmp_path / "egna.yaml"
    own.write_text("lead_ins:\n  culture: Vår egen ingress för {kommun}, gräns {k}.\n"
                   "method_title: Metod\nmethod: |-\n  Egen metodtext <script>x</script>.\n", encoding="utf-8")
    html = _render(load_report_texts(own))
    assert "Vår egen ingress för Testby, gräns 7." in html
    assert "McGregor" not in html and "<h2>Metod</h2>" in html
    assert "<script>" not in html and "&lt;script&gt;" in html  # the texts are escaped


def test_a_bad_texts_file_names_file_and_key(tmp_path):
    bad = tmp_path / "fel.yaml"
    bad.write_text("lead_in:\n  culture: stavfel i nyckeln\n", encoding="utf-8")
    with pytest.raises(InputError) as info:
        load_report_texts(bad)
    assert "fel.yaml" in str(info.value) and "lead_in" in str(info.value)
    with pytest.raises(InputError):
        load_report_texts(tmp_path / "saknas.yaml")


@pytest.mark.parametrize("gap, low, high, clear", [(30, 10, 50, True), (40, -5, 70, False), (30, 5, 45, False),
                                                    (5, -10, 20, False)])
def test_the_short_verdict_is_the_sentence_s_verdict_without_its_why(gap, low, high, clear):
    """The deck's summary slide says the verdict short; it must be the report's verdict, not another."""
    full = gap_words(gap, low, high, clear=clear)
    short = gap_words(gap, low, high, clear=clear, short=True)
    assert full.removeprefix("en ").startswith(short)
    assert full.removeprefix("en ")[len(short):] in ("", ": få svar ger ett brett intervall", ": kan bero på slumpen")
