"""A newcomer's friction (issue 13): `make lab` as root, and deprecation noise filtered in the
test configuration rather than hidden in the package."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _lab_command(*args: str) -> str:
    done = subprocess.run(["make", "-n", "-C", str(ROOT), "lab", *args], capture_output=True, text=True, check=True)
    return next(line for line in done.stdout.splitlines() if "jupyter lab" in line)


@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
def test_make_lab_runs_as_root_and_takes_extra_arguments():
    command = _lab_command()
    assert ("--allow-root" in command.split()) == (os.geteuid() == 0)  # JupyterLab refuses root without it
    assert "--port=8899" in _lab_command("LAB_ARGS=--port=8899 --no-browser").split()


def test_deprecation_noise_is_filtered_in_the_test_configuration_not_in_the_package():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["pytest"]["ini_options"]
    filters = config["filterwarnings"]
    assert filters and all(f.startswith("ignore:") and f.endswith(":DeprecationWarning") for f in filters)
    assert all(len(f.split(":")[1]) > 10 for f in filters)  # each names its message, none silences a whole class
    hiding = re.compile(r"(filterwarnings|simplefilter)\(\s*[\"']ignore[\"'][^)]*DeprecationWarning")
    for source in (ROOT / "kommunanalys").rglob("*.py"):
        assert not hiding.search(source.read_text(encoding="utf-8")), source
