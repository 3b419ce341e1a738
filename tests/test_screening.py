"""Tests for kommunanalys.screening: identity numbers, each kind of personal data, look-alikes,
the labelled test set, frames and CSV files."""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kommunanalys.errors import InputError
from kommunanalys.screening import (
    FINDING_TYPES,
    classify_identity_number,
    evaluate,
    luhn_checksum_ok,
    screen_frame,
    screen_text,
    scrub_csv,
)

TESTSET = Path(__file__).parent / "data" / "screening_testset.csv"


def _check_digit(nine: str) -> str:
    """Luhn check digit, computed independently of the package (sum of the digits of 2*d)."""
    doubled = "".join(str(int(d) * w) for d, w in zip(nine, [2, 1] * 5))
    return str((10 - sum(int(c) for c in doubled) % 10) % 10)


def _types(text: str) -> list[tuple[str, str]]:
    return [(f.type, f.original) for f in screen_text(text).findings]


# ------------------------------------------------------------------------------------------
# Identity numbers
# ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("number", "ok"),
    [("8112189876", True), ("8112189877", False), ("1212121212", True), ("0112312343", True),
     ("123", False), ("81121898x6", False)],
)
def test_luhn(number, ok):
    assert luhn_checksum_ok(number) is ok


@pytest.mark.parametrize(
    ("written", "kind"),
    [
        ("811218-9876", "personnummer"),
        ("19811218-9876", "personnummer"),
        ("8112189876", "personnummer"),
        ("198112189876", "personnummer"),
        ("451101+2348", "personnummer"),
        ("811218 9876", "personnummer"),
        ("780561-2343", "samordningsnummer"),  # day 61 = 1st
        ("19911171-2122", "samordningsnummer"),
        ("811218-9877", None),  # wrong check digit
        ("811232-9870", None),  # no 32nd
        ("811318-9870", None),  # no 13th month
        ("17811218-9876", None),  # no such century
        ("212000-1769", None),  # organisation number: month 20
    ],
)
def test_classify_identity_number(written, kind):
    assert classify_identity_number(written) == kind


@settings(max_examples=200, deadline=None)
@given(
    date=st.dates(min_value=dt.date(1901, 1, 1), max_value=dt.date(2024, 12, 31)),
    serial=st.integers(min_value=0, max_value=999),
    coordination=st.booleans(),
    form=st.sampled_from(["short-", "short", "long-", "long"]),
)
def test_every_written_form_is_masked(date, serial, coordination, form):
    day = date.day + (60 if coordination else 0)
    nine = f"{date:%y%m}{day:02d}{serial:03d}"
    ten = nine + _check_digit(nine)
    century = f"{date.year // 100}"
    written = {
        "short-": f"{ten[:6]}-{ten[6:]}",
        "short": ten,
        "long-": f"{century}{ten[:6]}-{ten[6:]}",
        "long": century + ten,
    }[form]
    expected = "samordningsnummer" if coordination else "personnummer"
    result = screen_text(f"Mitt nummer är {written} och det syns i ärendet.")
    assert [(f.type, f.original) for f in result.findings] == [(expected, written)]
    assert written not in result.text


# ------------------------------------------------------------------------------------------
# Each kind of personal data
# ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "phone",
    ["070-123 45 67", "0701234567", "070 123 45 67", "073-456 78 90", "076-12 34 567",
     "+46 70 123 45 67", "+46701234567", "+46 (0)70-123 45 67", "0046 70 123 45 67",
     "054-540 00 00", "08-123 456 78", "08-12 34 56", "031-12 34 56", "0554-123 45",
     "(054) 29 50 00", "010-123 45 67", "054 - 29 50 00"],
)
def test_phone_forms(phone):
    result = screen_text(f"Ring mig på {phone} i morgon.")
    assert _types(f"Ring mig på {phone} i morgon.") == [("phone", phone)]
    assert result.text == "Ring mig på [telefon] i morgon."


@pytest.mark.parametrize(
    "email", ["anna.svensson@karlstad.se", "k.lindgren84@gmail.com", "nils-erik.holm@region-varmland.se",
              "per_berg@telia.com", "info+enkat@hammaro.se"],
)
def test_email(email):
    assert _types(f"Skriv till {email}, tack.") == [("email", email)]


@pytest.mark.parametrize(
    "address",
    ["Storgatan 12, 652 25 Karlstad", "Drottninggatan 5B, 111 51 Stockholm", "Kyrkogatan 3",
     "Västra Torggatan 14 A, 652 24 Karlstad", "Björkstigen 22, 663 41 Hammarö",
     "Ringvägen 4 lgh 1102"],
)
def test_address(address):
    assert _types(f"Jag bor på {address} sedan länge.") == [("address", address)]


def test_address_stops_before_a_preposition():
    assert _types("Kontoret ligger på Kyrkogatan 3 i centrum.") == [("address", "Kyrkogatan 3")]
    assert _types("Besök oss på Drottninggatan 14a i Kristinehamn.") == [
        ("address", "Drottninggatan 14a")
    ]


def test_postcode_alone():
    assert _types("Postnummer 652 25 hör till Karlstad.") == [("postcode", "652 25")]
    assert _types("Familjen bor i 66341 Hammarö.") == [("postcode", "66341")]


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("Anna Svensson har gjort ett bra jobb.", ["Anna Svensson"]),
        ("Jag pratade med Erik om saken.", ["Erik"]),
        ("Anna-Karin vet hur det ligger till.", ["Anna-Karin"]),
        ("Enligt Maria Lindgren-Ek saknas en plan.", ["Maria Lindgren-Ek"]),
        ("Annas förslag var bättre.", ["Annas"]),
        ("Svenssons sätt att leda skapar oro.", ["Svenssons"]),
        ("Fru Lindgren har ställt upp.", ["Lindgren"]),
        ("Jag frågade herr Berg igen.", ["Berg"]),
        ("Det var kommundirektör Pettersson som bestämde.", ["Pettersson"]),
        ("Samarbetet med Per fungerar.", ["Per"]),
        ("Per har gjort ett bra jobb.", ["Per"]),
        ("Bo Ek och Lena Holm var där.", ["Bo Ek", "Lena Holm"]),
        ("Hans Berg leder arbetet.", ["Hans Berg"]),
    ],
)
def test_name_forms(text, names):
    assert _types(text) == [("name", n) for n in names]


@pytest.mark.parametrize(
    "text",
    [
        "Hans ansvar är att budgeten håller.",
        "Kostnad per elev har ökat.",
        "Många vill bo kvar hemma.",
        "Vi har kloka och duktiga ekonomer.",
        "Hammarö, Karlstad och Värmland har samma problem.",
        "KF och KS har olika syn.",
        "Socialnämnden har underskott.",
        "Moderaterna och Socialdemokraterna styr tillsammans.",
        "Beslutet 2023-05-12 gäller från 2023-06-01.",
        "Kostnaden blev 12 500 kr per elev 2023.",
        "Enligt dnr KS 2023/145 ska frågan utredas.",
        "Mora, Lund och Ale ligger långt bort.",
        "Inga pengar finns kvar. Mina kollegor håller med.",
        "Stora delar av verksamheten följs aldrig upp.",
        "Kommunen har 2 300 anställda och 45 000 invånare.",
        "Organisationsnummer 212000-1769 står på fakturan.",
        "Mötet den 01.02.2023 blev inställt.",
        "Öppet kl 08.30-17.00 varje dag.",
    ],
)
def test_look_alikes_stay(text):
    result = screen_text(text)
    assert result.findings == []
    assert result.text == text


@pytest.mark.parametrize(
    "text,masked",
    [
        ("Nummer 811218-9877 har fel kontrollsiffra.", "Nummer [personnummer] har fel kontrollsiffra."),
        ("Jag pratade med anna svensson.", "Jag pratade med [namn]."),
        ("per-olof lindgren vet.", "[namn] vet."),
        ("STEFAN LÖFGREN STYR.", "[namn] STYR."),
        ("Fråga O'Brien.", "Fråga [namn]."),
        ("Följ @annasvensson.", "Följ [användarnamn]."),
        ("Mejla lars.berg at hammaro punkt se.", "Mejla [e-post]."),
        ("Mejla kalle(at)kil.se.", "Mejla [e-post]."),
        ("Ring 070.123.45.67 eller 46 70 123 45 67.", "Ring [telefon] eller [telefon]."),
        ("Till Box 123, 651 84 Karlstad.", "Till [adress]."),
        ("hans beslut, 100 kr per timme, bo och sten och björn.", "hans beslut, 100 kr per timme, bo och sten och björn."),
        ("VI I KS OCH SKR.", "VI I KS OCH SKR."),
    ],
)
def test_what_people_actually_write(text, masked):
    assert screen_text(text).text == masked


def test_role_references_are_flagged_not_masked():
    text = "Vår kommundirektör lyssnar inte. Ordföranden i socialnämnden bestämmer. Ekonomichefen vet."
    result = screen_text(text)
    assert result.text == text
    assert [f.original for f in result.flags] == [
        "Vår kommundirektör", "Ordföranden i socialnämnden", "Ekonomichefen"
    ]
    assert {f.type for f in result.flags} == {"role_reference"}
    assert all(f.replacement is None for f in result.flags)


def test_offsets_point_into_the_original_and_replacements_are_used():
    text = "Ring Anna Svensson på 070-123 45 67 eller mejla anna@kil.se (pnr 811218-9876)."
    result = screen_text(text)
    assert result.text == "Ring [namn] på [telefon] eller mejla [e-post] (pnr [personnummer])."
    for finding in result.findings:
        assert text[finding.start:finding.end] == finding.original


def test_empty_and_missing_text():
    assert screen_text("").text == ""
    assert screen_text(None).findings == []  # type: ignore[arg-type]


# ------------------------------------------------------------------------------------------
# The labelled test set
# ------------------------------------------------------------------------------------------

# Thresholds chosen before measuring on the held-out part; the figures measured are printed by
# benchmarks/screening_quality.py.
_MIN_RECALL = {"personnummer": 1.0, "samordningsnummer": 1.0, "email": 1.0, "phone": 1.0,
               "address": 0.9, "postcode": 0.75, "name": 0.9, "role_reference": 0.8}
_MIN_PRECISION = {"personnummer": 1.0, "samordningsnummer": 1.0, "email": 1.0, "phone": 0.95,
                  "address": 0.9, "postcode": 0.75, "name": 0.95, "role_reference": 0.75}


@pytest.fixture(scope="module")
def testset() -> pd.DataFrame:
    return pd.read_csv(TESTSET, dtype=str, keep_default_na=False)


def test_testset_covers_every_type(testset):
    assert len(testset) >= 150
    labelled = set()
    for cell in testset["expected"]:
        labelled |= {item.split("=")[0] for item in cell.split(" | ") if item}
    assert labelled == set(FINDING_TYPES) - {"role_reference"}
    assert (testset["flags"] != "").sum() >= 10
    assert (testset["expected"] == "").sum() >= 50  # look-alikes that must stay


def test_recall_and_precision_per_type(testset):
    quality = evaluate(testset).set_index("type")
    for kind, minimum in _MIN_RECALL.items():
        assert quality.at[kind, "recall"] >= minimum, (kind, quality.at[kind, "false_negatives"])
    for kind, minimum in _MIN_PRECISION.items():
        assert quality.at[kind, "precision"] >= minimum, (kind, quality.at[kind, "false_positives"])


def test_evaluate_counts_misses_and_spurious_spans():
    labelled = pd.DataFrame(
        {"text": ["Ring 070-123 45 67.", "Hans ansvar."], "expected": ["", "name=Hans"], "flags": ["", ""]}
    )
    quality = evaluate(labelled).set_index("type")
    assert quality.at["phone", "precision"] == 0.0  # found but not labelled
    assert quality.at["name", "recall"] == 0.0
    assert quality.at["name", "false_negatives"] == ["Hans"]


# ------------------------------------------------------------------------------------------
# Frames and files
# ------------------------------------------------------------------------------------------


def test_screen_frame():
    data = pd.DataFrame(
        {"respondent_id": ["r1", "r2", "r3"],
         "text": ["Ring Anna på 070-123 45 67.", None, "Vår kommundirektör vet."]},
        index=[10, 11, 12],
    )
    screened, findings = screen_frame(data, column="text", id_columns="respondent_id")
    assert screened["text"].tolist()[0] == "Ring [namn] på [telefon]."
    assert pd.isna(screened.at[11, "text"])
    assert screened["screened"].all()
    assert screened["review_flags"].tolist() == ["", "", "Vår kommundirektör"]
    assert findings.columns.tolist() == ["row", "respondent_id", "type", "start", "end",
                                         "original", "replacement"]
    assert findings["row"].tolist() == [10, 10, 12]
    assert findings["type"].tolist() == ["name", "phone", "role_reference"]
    assert data.at[10, "text"] == "Ring Anna på 070-123 45 67."  # input untouched


def test_screen_frame_missing_column():
    with pytest.raises(InputError, match="kommentar"):
        screen_frame(pd.DataFrame({"text": ["x"]}), column="kommentar")


@pytest.mark.parametrize(("sep", "encoding"), [(";", "cp1252"), (",", "utf-8-sig"), (";", "utf-8")])
def test_scrub_csv(tmp_path, sep, encoding):
    source = tmp_path / "in.csv"
    frame = pd.DataFrame({"id": ["1", "2"], "text": ["Fråga Åsa Lindgren, 070-123 45 67.", "Bra!"]})
    frame.to_csv(source, sep=sep, index=False, encoding=encoding)
    summary = scrub_csv(source, column="text", out_path=tmp_path / "out.csv", id_columns="id")
    assert summary["separator"] == sep
    assert summary["rows"] == 2 and summary["findings"] == 2
    out = pd.read_csv(tmp_path / "out.csv", sep=sep, encoding="utf-8-sig", dtype=str)
    assert out["text"].tolist() == ["Fråga [namn], [telefon].", "Bra!"]
    findings = pd.read_csv(tmp_path / "out.findings.csv", sep=sep, encoding="utf-8-sig", dtype=str)
    assert findings["line"].tolist() == ["2", "2"]
    assert findings["original"].tolist() == ["Åsa Lindgren", "070-123 45 67"]


def test_scrub_csv_missing_column_names_file_and_columns(tmp_path):
    source = tmp_path / "in.csv"
    source.write_text("id;Kommentar\n1;hej\n", encoding="utf-8")
    with pytest.raises(InputError) as error:
        scrub_csv(source, column="text", out_path=tmp_path / "out.csv")
    message = str(error.value)
    assert "in.csv" in message and "Kommentar" in message and "id" in message


def test_speed_ten_thousand_comments():
    base = [
        "Vi följer upp och analyserar, men detta leder sällan mot utveckling och förbättring.",
        "Ring Anna Svensson på 070-123 45 67 om budgeten för 2023, dnr KS 2023/145.",
        "Tillitsbristen ligger inte mellan tjänstemännen och förtroendevalda utan mellan styre och opposition.",
        "Vår kommundirektör och Per Berg i Hammarö har 12 500 kr per elev att röra sig med.",
    ]
    data = pd.DataFrame({"text": base * 2500})
    start = time.perf_counter()
    screened, findings = screen_frame(data)
    elapsed = time.perf_counter() - start
    assert len(screened) == 10_000 and len(findings) > 0
    assert elapsed < 20, f"screening 10,000 comments took {elapsed:.1f} s"


@pytest.mark.parametrize(
    "text,flag",
    [
        ("Annas sätt att leda kommunstyrelsen är bra.", "leda kommunstyrelsen"),
        ("[namn] sätt att leda kommunstyrelsen är bra.", "leda kommunstyrelsen"),  # already screened
        ("ordföranden [namn] lyssnar inte.", "ordföranden"),
        ("Kristina är chef och hon lyssnar.", "chef"),
    ],
)
def test_a_position_with_a_masked_name_is_flagged(text, flag):
    assert flag in [f.original for f in screen_text(text).flags]


def test_a_position_without_a_name_is_not_flagged_by_that_rule():
    assert screen_text("Vi leder kommunstyrelsen bra och har en chef.").flags == []


HOLDOUT = TESTSET.with_name("screening_holdout.csv")
#: Floors on the issue-12 holdout (written after the changes, not used for tuning). They are
#: floors, not the measured values (those are printed by benchmarks/screening_quality.py).
_HOLDOUT_MIN_RECALL = {kind: 0.8 for kind in FINDING_TYPES}
_HOLDOUT_MIN_PRECISION = {kind: 0.9 for kind in FINDING_TYPES}


def test_holdout_has_every_type_and_look_alikes():
    from kommunanalys.screening import read_labelled

    holdout = read_labelled(HOLDOUT)
    assert len(holdout) >= 100
    labelled = {item.split("=")[0] for cell in holdout["expected"] for item in cell.split(" | ") if item}
    assert labelled == set(FINDING_TYPES) - {"role_reference"}
    assert (holdout["flags"] != "").sum() >= 10
    assert ((holdout["expected"] == "") & (holdout["flags"] == "")).sum() >= 30


def test_recall_and_precision_floors_on_the_holdout():
    from kommunanalys.screening import read_labelled

    quality = evaluate(read_labelled(HOLDOUT)).set_index("type")
    for kind in FINDING_TYPES:
        assert quality.at[kind, "recall"] >= _HOLDOUT_MIN_RECALL[kind], (kind, quality.at[kind, "false_negatives"])
        assert quality.at[kind, "precision"] >= _HOLDOUT_MIN_PRECISION[kind], (
            kind, quality.at[kind, "false_positives"])
