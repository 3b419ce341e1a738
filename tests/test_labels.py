"""Swedish labels and number formatting have one home (kommunanalys.labels)."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import kommunanalys
from kommunanalys import labels
from kommunanalys.anonymity import TOTAL_GROUP
from kommunanalys.labels import format_interval, format_number, format_p, format_percent, format_pp
from kommunanalys.survey import ROLES, SUBGROUPS

MINUS = "\u2212"  # Unicode's MINUS SIGN, which Swedish typesetting uses for negative numbers
NBSP = "\u00a0"


@pytest.mark.parametrize("value, kwargs, expected", [
    (0.254, {}, "0,25"),
    (-0.254, {}, f"{MINUS}0,25"),
    (3.14159, {"decimals": 3}, "3,142"),
    (2.0, {"decimals": 0}, "2"),
    (0.5, {"decimals": 2, "signed": True}, "+0,50"),
    (-12.0, {"decimals": 0, "signed": True}, f"{MINUS}12"),
    (0.0, {"decimals": 1, "signed": True}, "0,0"),  # zero has no sign ...
    (-0.2, {"decimals": 0}, "0"),  # ... not even when it was a small negative number: no "−0"
    (0.04, {"decimals": 1, "signed": True}, "0,0"),
    (-0.06, {"decimals": 1}, f"{MINUS}0,1"),
    (1083.4, {"decimals": 0, "grouping": True}, f"1{NBSP}083"),
    (999.6, {"decimals": 0, "grouping": True}, f"1{NBSP}000"),
    (1083.4, {"decimals": 0}, "1083"),  # thousands are grouped only on request
    (1234567.8, {"decimals": 0, "grouping": True}, f"1{NBSP}234{NBSP}568"),
    (-2500.25, {"decimals": 1, "grouping": True}, f"{MINUS}2{NBSP}500,2"),
    (np.float64(7.25), {"decimals": 1}, "7,2"),  # round half to even, as Python's format
])
def test_format_number(value, kwargs, expected):
    assert format_number(value, **kwargs) == expected


@pytest.mark.parametrize("missing", [None, float("nan"), np.nan, pd.NA])
def test_missing_values(missing):
    assert format_number(missing) == ""
    assert format_number(missing, missing="–") == "–"
    assert format_percent(missing) == "" and format_pp(missing, missing="–") == "–"


def test_percent_and_percentage_points():
    assert format_percent(45.2) == "45 %"
    assert format_percent(99.95, 1) == "100,0 %"
    assert format_pp(-5) == f"{MINUS}5" and format_pp(3) == "+3" and format_pp(2.25, 1) == "+2,2"
    assert format_pp(-38.2) == f"{MINUS}38" and format_pp(0.3) == "0" and format_pp(-0.3) == "0"
    assert format_percent(36.04, 1) == "36,0 %" and format_percent(-0.4) == "0 %"


@pytest.mark.parametrize("low, high, kwargs, expected", [
    (-59.3, -1.6, {"signed": True}, f"{MINUS}59 till {MINUS}2"),  # Munkfors Q6 style gap interval
    (-12.0, 30.4, {"signed": True}, f"{MINUS}12 till +30"),
    (12.0, 30.4, {}, "12 till 30"),
    (-0.4, 8.25, {"signed": True, "decimals": 1}, f"{MINUS}0,4 till +8,2"),
    (float("nan"), 3.0, {}, ""),
    (1.0, None, {"missing": "–"}, "–"),
])
def test_format_interval(low, high, kwargs, expected):
    assert format_interval(low, high, **kwargs) == expected


@pytest.mark.parametrize("value, expected", [
    (0.0, "p < 0,001"),
    (0.000999, "p < 0,001"),
    (0.001, "p = 0,001"),
    (0.0304, "p = 0,030"),
    (0.5, "p = 0,500"),
    (1.0, "p = 1,000"),
])
def test_format_p_never_reads_zero(value, expected):
    assert format_p(value) == expected


def test_format_p_missing():
    assert format_p(None) == "" and format_p(float("nan"), missing="–") == "–"


def test_formatting_has_one_home():
    """The former kommunanalys.formatting is folded into labels: no second module to drift."""
    package = Path(kommunanalys.__file__).parent
    assert not (package / "formatting.py").exists()


def test_group_labels_name_every_role_group_and_subgroup():
    assert set(ROLES) | {TOTAL_GROUP} | set(SUBGROUPS) <= set(labels.GROUP_LABELS)
    assert set(ROLES) | {TOTAL_GROUP} | set(SUBGROUPS) <= set(labels.HIERARCHY_LABELS)
    assert set(labels.ROLE_SUFFIX) == set(ROLES) == set(labels.ROLE_LABELS)
    # the modules that exported the labels before still do, and it is the one definition
    from kommunanalys import respondents, survey
    from kommunanalys.plots import charts as plots
    assert plots.GROUP_LABELS is labels.GROUP_LABELS and survey.ROLE_LABELS is labels.ROLE_LABELS
    assert respondents.GROUP_LABELS is labels.HIERARCHY_LABELS


def test_no_module_formats_numbers_or_labels_groups_on_its_own():
    package = Path(kommunanalys.__file__).parent
    copies = re.compile(r"""\.replace\(\s*["']\.["']\s*,\s*["'],["']\s*\)"""  # decimal comma
                        r"""|\.replace\(\s*["']-["']\s*,\s*["'](\u2212|\\u2212)["']\s*\)"""  # minus sign
                        r"""|["']tjänsteperson["']\s*:\s*["']Tjänstepersoner["']""")  # a group label table
    found = [f"{path.relative_to(package)}:{n}" for path in sorted(package.rglob("*.py")) if path.name != "labels.py"
             for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if copies.search(line)]
    assert not found, f"use kommunanalys.labels instead: {found}"


# --- the roles as the survey's instrument names them (kommunanalys.labels.role_names) ---------
def _instrument_with_roles(tmp_path, levels):
    import yaml

    from kommunanalys.instrument import load_instrument

    spec = {"name": "Roller", "scales": {"roll": {"levels": levels},
                                         "ja": {"levels": [{"label": "Nej", "code": 1}, {"label": "Ja", "code": 2}]}},
            "questions": [{"id": "R", "number": 1, "kind": "role", "scale": "roll", "text": "Din roll?"},
                          {"id": "A", "number": 2, "kind": "likert", "scale": "ja", "text": "Fungerar det?"}]}
    path = tmp_path / "roller.yaml"
    path.write_text(yaml.safe_dump(spec, allow_unicode=True), encoding="utf-8")
    return load_instrument(path)


def test_the_bundled_instrument_keeps_the_bundled_role_names():
    """The demo's words are the seed's: headings "Förtroendevalda", slides "FÖRTROENDEVALD", quotes
    "(förtroendevald)", running text "de förtroendevalda" / "tjänstepersonerna"."""
    from kommunanalys.instrument import load_instrument

    names = labels.role_names(load_instrument())
    assert names == labels.role_names() and names.group_labels == labels.GROUP_LABELS
    assert names.hierarchy_labels == labels.HIERARCHY_LABELS
    assert [names.label(r) for r in ROLES] == ["Förtroendevalda", "Tjänstepersoner"]
    assert [names.heading(r) for r in ROLES] == ["FÖRTROENDEVALD", "TJÄNSTEPERSON"]  # the seed's slides
    assert [names.suffix(r) for r in ROLES] == ["förtroendevald", "tjänsteperson"]
    assert [names.definite[r] for r in ROLES] == ["de förtroendevalda", "tjänstepersonerna"]


def test_role_names_come_from_the_role_question(tmp_path):
    inst = _instrument_with_roles(tmp_path, [
        {"label": "Politiker", "code": 1, "value": "förtroendevald", "definite": "politikerna"},
        {"label": "Anställd", "code": 2, "value": "tjänsteperson", "plural": "Anställda"}])
    names = labels.role_names(inst)
    assert [names.label(r) for r in ROLES] == ["Politiker", "Anställda"]  # plural: default the label
    assert [names.heading(r) for r in ROLES] == ["POLITIKER", "ANSTÄLLD"]
    assert [names.suffix(r) for r in ROLES] == ["politiker", "anställd"]
    assert [names.definite[r] for r in ROLES] == ["politikerna", "anställda"]  # definite: default the plural
    groups = names.group_labels
    assert groups["förtroendevald"] == "Politiker" and groups[TOTAL_GROUP] == "Alla svarande"
    assert groups["övrig tjänsteperson"] == "Övriga anställda"
    assert names.hierarchy_labels["övrig tjänsteperson"] == "varav övriga anställda"
    assert not any(re.search("(?i)förtroendevald|tjänsteperson", v) for v in
                   [*groups.values(), *names.hierarchy_labels.values(), *names.placeholders().values()])


def test_report_texts_fill_in_the_roles(tmp_path):
    from kommunanalys.report_texts import load_report_texts

    texts = load_report_texts()
    # the bundled lead-in reads as before the placeholders (data/report_texts.yaml of the seed's framing)
    assert texts.lead_in("respondents", threshold=5)[0].startswith(
        "Enkäten gick till förtroendevalda och tjänstepersoner. Båda rollerna behövs för att förstå hur "
        "kommunen styrs: de förtroendevalda sätter mål och fördelar resurser, tjänstepersonerna omsätter")
    inst = _instrument_with_roles(tmp_path, [
        {"label": "Politiker", "code": 1, "value": "förtroendevald", "definite": "politikerna"},
        {"label": "Anställd", "code": 2, "value": "tjänsteperson", "plural": "Anställda"}])
    roles = labels.role_names(inst)
    own = [*texts.lead_in("respondents", threshold=5, roles=roles),
           *[p for s in texts.lead_ins for p in texts.lead_in(s, threshold=5, roles=roles)],
           *texts.method_paragraphs(threshold=5, roles=roles), texts.intro(threshold=5, roles=roles)]
    assert own[0].startswith("Enkäten gick till politiker och anställda. Båda rollerna behövs för att förstå hur "
                             "kommunen styrs: politikerna sätter mål")
    assert not [p for p in own if re.search("(?i)förtroendevald|tjänsteperson|\\{[a-z_]+\\}", p)]
