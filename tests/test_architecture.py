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
    ("efficiency_plots.py", "import ipywidgets", "never import Jupyter"),
    ("review.py", "from . import quotes_page", "no layer imports a layer above it"),
    ("question_page.py", "from . import batch", "no layer imports a layer above it"),
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
