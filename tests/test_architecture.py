"""The dependency rules of pyproject.toml ([tool.importlinter]) hold, and they bite.

The rules: report > pages > plots > library (no layer imports one above it); the library and the
plots never import Jupyter, widgets or notebook execution; no import cycles. Checked with
import-linter (``lint-imports``) on the package as it is, and on copies with one forbidden import
added, to show each contract can fail.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "kommunanalys"
LINT = Path(sys.executable).with_name("lint-imports")

pytestmark = pytest.mark.skipif(not LINT.exists(), reason="import-linter is not installed (pip install -e '.[test]')")


def _lint(where: Path) -> subprocess.CompletedProcess:
    # run where the package to check lies first on sys.path (lint-imports adds the working folder)
    return subprocess.run([str(LINT), "--no-cache", str(where / "pyproject.toml")], cwd=where,
                          capture_output=True, text=True, timeout=300)


def test_the_package_keeps_every_contract():
    done = _lint(ROOT)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "3 kept, 0 broken" in done.stdout


@pytest.mark.parametrize("module, line, contract", [
    ("stats.py", "import papermill", "never import Jupyter"),
    ("plots/efficiency.py", "import ipywidgets", "never import Jupyter"),
    ("review.py", "from .pages import quotes", "no layer imports a layer above it"),
    ("plots/charts.py", "from ..pages import notebook", "no layer imports a layer above it"),
    ("pages/question.py", "from ..report import batch", "no layer imports a layer above it"),
    ("questions.py", "from . import rootcause", "no import cycles"),
])
def test_a_forbidden_import_breaks_a_contract(tmp_path, module, line, contract):
    shutil.copytree(PACKAGE, tmp_path / "kommunanalys", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    with open(tmp_path / "kommunanalys" / module, "a", encoding="utf-8") as f:
        f.write(f"\n{line}  # added by the test\n")
    done = _lint(tmp_path)
    assert done.returncode != 0, done.stdout
    broken = [row for row in done.stdout.splitlines() if row.endswith("BROKEN")]
    assert any(contract in row for row in broken), done.stdout


def test_every_module_of_the_package_is_in_a_layer():
    """A new module cannot escape the rules: each top-level module (and subpackage) of
    ``kommunanalys`` is named in the layers contract, and every library module is also a source
    of the no-notebook-machinery contract."""
    import tomllib

    contracts = {c["id"]: c for c in tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
                 ["tool"]["importlinter"]["contracts"]}
    layers = [[m.strip() for m in layer.split(":")] for layer in contracts["layers"]["layers"]]
    named = {m for layer in layers for m in layer}
    modules = {f"kommunanalys.{p.stem}" for p in PACKAGE.glob("*.py") if p.stem != "__init__"}
    modules |= {f"kommunanalys.{p.parent.name}" for p in PACKAGE.glob("*/__init__.py")}
    assert sorted(modules - named) == []
    library = set(layers[-1])
    assert sorted(library - set(contracts["no-notebook-machinery"]["source_modules"])) == []
