"""The rebuild fingerprint covers every source file of the package, subpackages included."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

import kommunanalys
from kommunanalys.report import batch as batch

SOURCE = Path(kommunanalys.__file__).parent  # the installed package, before a test points elsewhere


@pytest.fixture
def package_copy(tmp_path, monkeypatch):
    """A copy of the package's files that the fingerprint reads instead of the installed ones."""
    copy = tmp_path / "kommunanalys"
    shutil.copytree(SOURCE, copy, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(kommunanalys, "__file__", str(copy / "__init__.py"))
    return copy


def _digest() -> str:
    return batch._package_fingerprint(None)["digest"]


def test_the_copy_has_the_same_fingerprint(package_copy):
    before = _digest()
    shutil.rmtree(package_copy)
    shutil.copytree(SOURCE, package_copy, ignore=shutil.ignore_patterns("__pycache__"))
    assert _digest() == before


@pytest.mark.parametrize("relative", ["report/deck.py", "report/workbook.py", "report/__init__.py", "plots/charts.py",
                                      "pages/question.py", "stats.py"])
def test_a_change_in_any_source_file_changes_it(package_copy, relative):
    assert (package_copy / relative).is_file(), f"{relative} is not in the package any more"
    before = _digest()
    with open(package_copy / relative, "a", encoding="utf-8") as f:
        f.write("\n# changed\n")
    assert _digest() != before


def test_a_new_module_in_a_new_subpackage_changes_it(package_copy):
    before = _digest()
    (package_copy / "newpart").mkdir()
    (package_copy / "newpart" / "__init__.py").write_text("", encoding="utf-8")
    assert _digest() != before


def test_bytecode_caches_do_not(package_copy):
    before = _digest()
    cache = package_copy / "report" / "__pycache__"
    cache.mkdir(exist_ok=True)
    (cache / "deck.cpython-311.pyc").write_bytes(b"\x00\x01")
    assert _digest() == before


def test_a_corrected_earlier_round_at_the_same_path_changes_the_data_digest(tmp_path):
    """A round file rewritten in place (``--round-column`` splits into the same paths) rebuilds."""
    from kommunanalys.report.fingerprint import _data_digest

    data, earlier = tmp_path / "export.csv", tmp_path / "omgang_2024.csv"
    data.write_text("a;b\n1;2\n", encoding="utf-8")
    earlier.write_text("a;b\n1;2\n", encoding="utf-8")
    rounds = {"previous": {"2024": str(earlier)}, "current_round": "2026"}
    before = _data_digest(data, rounds, {}, grouped=False)
    earlier.write_text("a;b\n1;3\n", encoding="utf-8")
    assert _data_digest(data, rounds, {}, grouped=False) != before


def test_a_changed_template_at_the_same_path_changes_the_report_key(tmp_path):
    from kommunanalys.report.fingerprint import _report_key

    template = tmp_path / "mall.pptx"
    template.write_bytes(b"one")
    key = dict(entries=[], threshold=5, package={"digest": "x"}, synthetic=False, formats=["pptx"],
               template=str(template), texts=None)
    before = _report_key(**key)
    template.write_bytes(b"two")
    assert _report_key(**key) != before
