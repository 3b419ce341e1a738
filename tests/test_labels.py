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
