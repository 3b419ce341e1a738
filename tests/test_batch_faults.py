"""Faults around a batch: a second run into the same folder, foreign files, bad arguments,
an index that cannot be replaced, a closed pipe. No wall-clock asserts."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from kommunanalys import paths
from kommunanalys.batch import _lock_output, _notebook_digest, _write_atomic, run_reports
from kommunanalys.cli import main
from kommunanalys.errors import ReportError

DATA = Path(__file__).parent / "data" / "batch_export.csv"  # 1761 Hammarö, 1762 Munkfors, 1780 Karlstad


def test_a_second_run_into_the_same_folder_is_refused(tmp_path):
    lock = _lock_output(tmp_path)  # as a running batch holds it
    try:
        with pytest.raises(ReportError, match="en annan körning") as info:
            run_reports(DATA, out=tmp_path, municipalities=["1761"], progress=False)
        assert str(tmp_path) in str(info.value) and "--out" in str(info.value)
    finally:
        lock.release()
    assert sorted(p.name for p in tmp_path.iterdir()) == [".lock"]  # nothing written


def test_a_foreign_file_where_a_report_goes_is_an_error_and_kept(tmp_path):
    foreign = tmp_path / "1761-hammaro"
    foreign.write_text("mina anteckningar", encoding="utf-8")
    with pytest.raises(ReportError, match="inte är en rapport") as info:
        run_reports(DATA, out=tmp_path, municipalities=["1761"], progress=False)
    assert str(foreign) in str(info.value)
    assert foreign.read_text(encoding="utf-8") == "mina anteckningar"
    folder = tmp_path / "1762-munkfors"
    folder.mkdir()
    (folder / "egen.txt").write_text("x", encoding="utf-8")
    with pytest.raises(ReportError, match="mapp som inte är en rapport"):
        run_reports(DATA, out=tmp_path, municipalities=["1762"], progress=False)
    assert (folder / "egen.txt").exists()


def test_an_index_that_cannot_be_replaced_is_a_clear_error_with_no_temp_file(tmp_path):
    (tmp_path / "index.html").mkdir()  # a folder where the index goes
    with pytest.raises(ReportError, match="kunde inte skriva") as info:
        _write_atomic(tmp_path / "index.html", "<html></html>")
    assert "index.html" in str(info.value)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["index.html"]


@pytest.mark.parametrize("argv,words", [
    (["report", "--jobs", "-1"], "minst 1"), (["report", "--jobs", "0"], "minst 1"),
    (["report", "--jobs", "två"], "inget heltal"), (["validate", "x.csv", "--show", "-3"], "0 eller fler"),
])
def test_bad_argument_values_are_clear_errors_in_swedish(capsys, argv, words):
    with pytest.raises(SystemExit) as info:
        main(argv)
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert "fel:" in err and words in err and "Traceback" not in err


def test_missing_data_file_is_a_clear_error(tmp_path, capsys):
    code = main(["report", "--data", str(tmp_path / "finns_inte.csv"), "--out", str(tmp_path / "ut")])
    err = capsys.readouterr().err
    assert code == 2 and "finns_inte.csv" in err and "finns inte" in err


def test_validate_into_a_closed_pipe_is_quiet():
    cmd = (f"{sys.executable} -m kommunanalys.cli validate {paths.DEMO_EXPORT} | head -1")
    done = subprocess.run(["bash", "-c", cmd], capture_output=True, text=True, timeout=300)
    assert done.stdout.startswith("Fil:") and done.stdout.count("\n") == 1
    assert "BrokenPipeError" not in done.stderr and "Traceback" not in done.stderr


def test_editor_metadata_does_not_change_the_rerun_hash(tmp_path):
    source = paths.NOTEBOOKS_DIR / "00_respondents.ipynb"
    nb = nbformat.read(source, as_version=4)
    before = _notebook_digest(source)
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}
    nb.metadata["language_info"] = {"name": "python", "version": "3.11.9"}
    nb.metadata["widgets"] = {"application/vnd.jupyter.widget-state+json": {"state": {}}}
    for cell in nb.cells:
        cell.metadata["collapsed"] = False
        cell.metadata["scrolled"] = True
    edited = tmp_path / "edited.ipynb"
    nbformat.write(nb, edited)
    assert _notebook_digest(edited) == before
    nb.cells[-1].source += "\n# ändrad"
    nbformat.write(nb, edited)
    assert _notebook_digest(edited) != before
