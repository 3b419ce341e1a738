"""The instrument: seed question texts, kinds, scales, and clear errors for a broken YAML."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from kommunanalys import InstrumentError, load_instrument
from kommunanalys.instrument import normalize_text

# The question texts as they stand in the seed presentation (shared/seeds/000_ee059c6f0fbdb9e2.txt),
# copied here with the slide's line breaks joined, so the test runs without ../shared.
SEED_TEXTS = {
    1: "Vilken roll har du i kommunen?",
    5: "Anser du att de flesta, förtroendevalda och tjänstepersoner, i din kommun har en gemensam "
       "kultur och ett förhållningssätt som gynnar hög effektivitet, det vill säga låg "
       "resursförbrukning och god kvalitet för brukarna?",
    6: "Anser du att din kommun har en bra modell för målstyrning, där målen tydligt anger riktning?",
    7: "Känner du att du i ditt arbete är berörd och bidrar till kommunens övergripande mål?",
    8: "Känner du att du i ditt arbete är berörd och bidrar till mål som finns inom ditt verksamhetsområde?",
    10: "Anser du att din kommun har en bra modell för uppföljning och analys av ekonomi som grund "
        "för utveckling och förbättring?",
    12: "Anser du att din kommun har en bra modell för uppföljning och analys av kvalitet som grund "
        "för utveckling och förbättring?",
    14: "Anser du att det finns en hög grad av tillit mellan förtroendevalda och tjänstepersoner i kommunen?",
}
SEED = Path(__file__).resolve().parents[2] / "shared" / "seeds" / "000_ee059c6f0fbdb9e2.txt"


def test_seed_questions_are_verbatim(instrument):
    by_number = {q.number: q for q in instrument.questions}
    for number, text in SEED_TEXTS.items():
        assert by_number[number].text == text
        assert not by_number[number].assumed


@pytest.mark.skipif(not SEED.exists(), reason="the seed document (../shared) is not beside this checkout")
def test_seed_texts_match_the_seed_document():
    seed = " ".join(SEED.read_text(encoding="utf-8").split())
    for number, text in SEED_TEXTS.items():
        assert f"{number}. {text}" in seed


def test_kinds_comments_and_assumptions(instrument):
    assert [q.id for q in instrument.likert_questions] == ["Q5", "Q6", "Q7", "Q8", "Q10", "Q12", "Q14"]
    assert {q.id: q.comments for q in instrument.of_kind("free_text")} == {"Q9": "Q6", "Q11": "Q10", "Q13": "Q12", "Q15": "Q14"}
    not_in_seed = {2, 3, 4, 9, 11, 13, 15}
    assert {q.number for q in instrument.questions if q.assumed} == not_in_seed
    assert instrument.role_question.id == "Q1"
    assert instrument.subgroup_question.id == "Q2"


def test_scales(instrument):
    agree = instrument["Q6"].scale
    assert agree.k == 5 and agree.non_substantive_labels == ["Vet ej"]
    assert agree.low_labels() == agree.labels[:2] and agree.high_labels() == agree.labels[3:]
    assert agree.neutral_labels() == ["Instämmer delvis"]
    assert agree.decode("  INSTÄMMER   helt ") == "Instämmer helt"
    assert agree.decode("2") == agree.labels[1] and agree.decode("6,0") == "Vet ej"
    assert agree.decode("7") is None and agree.decode("2,5") is None
    assert instrument["Q7"].scale.labels[-1] == "I mycket hög grad"
    dtype = instrument.answer_dtype()
    for q in instrument.likert_questions:  # each question's labels keep their order in the shared dtype
        positions = [list(dtype.categories).index(label) for label in q.scale.labels]
        assert positions == sorted(positions)


def test_normalize_text():
    assert normalize_text("  6.\nAnser  du\u00a0att ") == "6. anser du att"
    assert normalize_text("2\u20135 år") == "2-5 år"


@pytest.mark.parametrize(
    "edit,match",
    [
        (lambda t: t.replace("kind: likert", "kind: rating", 1), "okänd typ"),
        (lambda t: t.replace("scale: agreement", "scale: nope", 1), "okänd skala"),
        (lambda t: t.replace("comments: Q10", "comments: Q99"), "inte är en Likertfråga"),
        (lambda t: t.replace("  - id: Q3", "  - id: Q2", 1), "unika"),
        (lambda t: t.replace("centre: Instämmer delvis", "centre: Instämmer helt"), "inte mittnivån"),
        (lambda t: t.replace("questions:", "questions: [", 1), "YAML"),
        (lambda t: re.sub(r"    text: Vilken roll har du i kommunen\?\n", "", t), "saknar fältet 'text'"),
    ],
)
def test_broken_instruments_get_clear_errors(tmp_path, instrument, edit, match):
    text = Path(instrument.source).read_text(encoding="utf-8")
    broken = tmp_path / "broken.yaml"
    broken.write_text(edit(text), encoding="utf-8")
    with pytest.raises(InstrumentError, match=match) as info:
        load_instrument(broken)
    assert "broken.yaml" in str(info.value) and "Så rättar du" in str(info.value)


def test_missing_instrument_file(tmp_path):
    with pytest.raises(InstrumentError, match="finns inte"):
        load_instrument(tmp_path / "none.yaml")
