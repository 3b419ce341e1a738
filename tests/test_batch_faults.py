"""Faults around a batch: a second run into the same folder, foreign files, bad arguments,
an index that cannot be replaced, a closed pipe. No wall-clock asserts."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from kommunanalys import paths
from kommunanalys.report.batch import _lock_output, _notebook_digest, _write_atomic, run_reports
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


# ---------------------------------------------------------------------------------------------
# A real `kommunanalys report` in its own process group, interrupted as a terminal's Ctrl-C does
# ---------------------------------------------------------------------------------------------
def _processes_of(marker: str, pgid: int) -> list[tuple[int, str]]:
    """Processes still alive that belong to the run: in its process group, or carrying its
    marker in their environment (workers and kernels inherit it; kernels run in their own
    session, and orphans are re-parented, so neither the group nor the parent finds them)."""
    import os

    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            stat = (entry / "stat").read_text()
            state = stat.rsplit(")", 1)[1].split()[0]
            if state in ("Z", "X"):  # exited, not yet reaped: nothing left running
                continue
            in_group = os.getpgid(int(entry.name)) == pgid
            environ = (entry / "environ").read_bytes()
        except (OSError, ProcessLookupError, IndexError):
            continue
        if in_group or marker.encode() in environ:
            found.append((int(entry.name), (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")))
    return found


def _report_cmd(out: Path, *municipalities: str) -> list[str]:
    cmd = [sys.executable, "-m", "kommunanalys.cli", "report", "--data", str(DATA), "--out", str(out),
           "--jobs", "1", "--no-progress", "--format", "html"]
    for code in municipalities:
        cmd += ["--municipality", code]
    return cmd


@pytest.mark.skipif(not Path("/proc/self/environ").exists(), reason="needs Linux /proc to find leftover processes")
def test_ctrl_c_stops_a_real_batch_whole_and_a_second_run_is_refused(tmp_path):
    import os
    import signal
    import time
    import uuid

    out = tmp_path / "rapporter"
    marker = f"KOMMUNANALYS_FAULT_TEST={uuid.uuid4().hex}"
    env = {**os.environ, marker.split("=")[0]: marker.split("=")[1], "PYTHONUNBUFFERED": "1"}
    # three municipalities, so that the first run is still going when the second one starts on a busy machine
    first = subprocess.Popen(_report_cmd(out, "1761", "1762", "1780"), env=env, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True, start_new_session=True)  # own process group
    pgid = first.pid
    staging = out / ".staging"
    # mid-batch: wait (no time limit asserted) until a notebook of the run has been written
    while first.poll() is None and not any(staging.glob("*/*/notebooks/*.ipynb")):
        time.sleep(0.2)
    assert first.poll() is None, first.communicate()

    # a second run into the same folder is refused clearly and leaves the first one alone
    second = subprocess.run(_report_cmd(out, "1761"), env=env, capture_output=True, text=True)
    assert second.returncode == 2
    assert "en annan körning" in second.stderr and str(first.pid) in second.stderr and "--out" in second.stderr
    assert "Traceback" not in second.stderr
    assert first.poll() is None and staging.is_dir()  # its staging was not touched

    os.killpg(pgid, signal.SIGINT)  # Ctrl-C in a terminal goes to the whole foreground group
    stdout, stderr = first.communicate()
    assert first.returncode == 130, stderr
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert lines == ["kommunanalys: avbrutet (Ctrl-C); publicerade rapporter är kvar, inget halvfärdigt"], stderr
    for _ in range(100):  # terminated processes may take a moment to be reaped
        left = _processes_of(marker, pgid)
        if not left:
            break
        time.sleep(0.1)
    assert left == []
    assert not any(staging.glob("*/*")), "nothing half-built is left"
    assert not (out / "1762-munkfors").exists() or (out / "1762-munkfors" / "manifest.json").exists()

    # the rerun completes (the lock of the interrupted run is gone with it)
    rerun = subprocess.run(_report_cmd(out, "1762"), env=env, capture_output=True, text=True)
    assert rerun.returncode == 0, rerun.stderr
    assert (out / "1762-munkfors" / "report.html").exists() and (out / "index.html").exists()
    assert _processes_of(marker, pgid) == []
    assert_tables_match_manifest(out / "1762-munkfors")  # the default plan: every notebook of a report


def assert_tables_match_manifest(folder: Path) -> None:
    """A report's tables/ holds exactly the tables its notebooks wrote (manifest), and no table
    was written by two notebooks (the later would have overwritten the earlier)."""
    import collections
    import json

    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    writers = collections.defaultdict(list)
    for entry in manifest["notebooks"]:
        for table in entry.get("tables", []):
            writers[table].append(entry["key"])
    assert {t: keys for t, keys in writers.items() if len(keys) > 1} == {}
    assert set(writers) == {p.name for p in (folder / "tables").iterdir()}  # none lost, none unaccounted
    keys = {e["key"] for e in manifest["notebooks"]}
    assert {"02_quotes-follow_up", "02_quotes-trust", "03_root_causes"} <= keys  # the plan that collided
    assert all(writers) and any(t.startswith("citat_teman_") for t in writers)


def _table_notebook(folder: Path) -> Path:
    """A contract notebook that writes one table, 'samma_namn'."""
    from nbformat.v4 import new_code_cell, new_notebook

    nb = new_notebook(cells=[
        new_code_cell('municipality = "1761"\ndata = None\noutput_dir = None\nanonymity_threshold = 5\n'
                      "interactive = True", metadata={"tags": ["parameters"]}),
        new_code_cell("from kommunanalys.pages.notebook import write_table\nimport pandas as pd\n"
                      "write_table(pd.DataFrame({'kommun': [municipality]}), output_dir, 'samma_namn');"),
    ], metadata={"kernelspec": {"name": "python3", "language": "python", "display_name": "Python 3"}})
    for i, cell in enumerate(nb.cells):
        cell["id"] = f"table-{i}"
    path = folder / "98_table.ipynb"
    nbformat.write(nb, path)
    return path


def test_two_notebooks_writing_one_table_name_is_an_error_not_an_overwrite(tmp_path):
    import concurrent.futures as cf

    from kommunanalys.report import engine as engine
    from kommunanalys.report.batch import PlanEntry

    notebook = _table_notebook(tmp_path)
    plan = [PlanEntry(str(notebook), section="respondents", key="98_table-a"),
            PlanEntry(str(notebook), section="root_causes", key="98_table-b")]
    with cf.ThreadPoolExecutor(max_workers=1) as pool:
        result = run_reports(DATA, out=tmp_path / "ut", executor=pool, progress=False, plan=plan,
                             municipalities=["1761"], formats=("html",))
    engine.shutdown_kernels()
    (municipality,) = result.municipalities
    assert result.exit_code == 1 and municipality.status == "error"
    assert "samma_namn.csv" in municipality.error and "98_table-a" in municipality.error
    assert "98_table-b" in municipality.error and "unika" in municipality.error
    assert not (tmp_path / "ut" / "1761-hammaro").exists()  # nothing half-right published
