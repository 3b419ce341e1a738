"""Batch reports: isolation of failures, index and exit code, reruns, atomic outputs."""

from __future__ import annotations

import concurrent.futures as cf
import json
import re
import shutil
from pathlib import Path

import nbformat
import pandas as pd
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from kommunanalys import load_survey, paths
from kommunanalys.report import engine as engine
from kommunanalys.report.batch import PlanEntry, _publish, _recover, default_plan, run_reports
from kommunanalys.instrument import load_instrument
from kommunanalys.respondents import respondent_counts

DATA = Path(__file__).parent / "data" / "batch_export.csv"  # 1761 Hammarö, 1762 Munkfors, 1780 Karlstad
RESPONDENTS = paths.NOTEBOOKS_DIR / "00_respondents.ipynb"
SLUGS = {"1761": "1761-hammaro", "1762": "1762-munkfors", "1780": "1780-karlstad"}


def _boom(folder: Path, *, fail_for: str | None) -> Path:
    """A contract notebook that raises for one municipality (or for none)."""
    cells = [
        new_markdown_cell("# Testanalys", metadata={"tags": ["remove-cell"]}),
        new_code_cell('municipality = "1761"\ndata = None\noutput_dir = None\nanonymity_threshold = 5\n'
                      "interactive = True", metadata={"tags": ["parameters"]}),
        new_code_cell("from kommunanalys.pages.notebook import write_table\nimport pandas as pd\n"
                      "write_table(pd.DataFrame({'kommun': [municipality]}), output_dir, 'testtabell');"),
        new_code_cell(f"if municipality == {fail_for!r}:\n    raise RuntimeError('injicerat fel')"),
        new_markdown_cell("Testavsnittet är klart."),
    ]
    nb = new_notebook(cells=cells, metadata={"kernelspec": {"name": "python3", "language": "python",
                                                            "display_name": "Python 3"}})
    for i, cell in enumerate(nb.cells):
        cell["id"] = f"boom-{i}"
    path = folder / "99_boom.ipynb"
    nbformat.write(nb, path)
    return path


def _plan(boom: Path) -> list[PlanEntry]:
    return [PlanEntry(str(RESPONDENTS), section="respondents", key="00_respondents"),
            PlanEntry(str(boom), section="root_causes", key="99_boom")]


@pytest.fixture(autouse=True)
def same_package(monkeypatch):
    """Other modules of the package may be edited while the tests run: pin the package digest."""
    import kommunanalys.report.batch as batch

    fingerprint = batch._package_fingerprint(None)
    monkeypatch.setattr(batch, "_package_fingerprint", lambda source: fingerprint)


@pytest.fixture(scope="module")
def threads():
    """An executor of threads (as a Dask client would hand over): warm kernels live on per thread."""
    with cf.ThreadPoolExecutor(max_workers=2) as pool:
        yield pool
    engine.shutdown_kernels()


# ---------------------------------------------------------------------------------------------
def test_default_plan_follows_the_seed():
    keys = [e.key for e in default_plan(load_instrument())]
    assert keys == [
        "00_respondents",
        "01_question-Q5",
        "01_question-Q6", "01_question-Q7", "01_question-Q8",
        "01_question-Q10", "01_question-Q12", "02_quotes-follow_up",
        "01_question-Q14", "02_quotes-trust",
        "03_root_causes",
        "04_efficiency",
    ]
    quotes = [e for e in default_plan() if e.notebook == "02_quotes.ipynb"]
    assert [e.parameters["theme"] for e in quotes] == ["Ekonomi & uppföljning", "Roller och tillit"]


def test_respondent_counts_suppress_small_groups():
    survey = load_survey(DATA)
    r = survey.respondents
    for code in survey.municipality_codes:
        table = respondent_counts(survey, code, threshold=5).set_index("group")
        mine = r[r["municipality_code"] == code]
        expected = {"alla": len(mine), "förtroendevald": (mine["role"] == "förtroendevald").sum(),
                    "tjänsteperson": (mine["role"] == "tjänsteperson").sum()}
        for group, n in expected.items():
            if table.loc[group, "suppressed"] == "":
                assert table.loc[group, "n"] == n
                assert table.loc[group, "shown"] == str(n)
            else:  # the number is not in the table at all
                assert pd.isna(table.loc[group, "n"])
                assert "färre än 5 svar" in table.loc[group, "shown"] or "dold" in table.loc[group, "shown"]
        for group, row in table.iterrows():
            if row["suppressed"] == "" and group != "alla":
                assert row["n"] >= 5
    munkfors = respondent_counts(survey, "1762").set_index("group")  # 3 förtroendevalda, 6 tjänstepersoner
    assert munkfors.loc["förtroendevald", "shown"] == "färre än 5 svar"
    assert munkfors.loc["tjänsteperson", "suppressed"] == "secondary"  # 9 - 6 would reveal the 3


# ---------------------------------------------------------------------------------------------
def test_a_failing_notebook_is_isolated_and_reported(tmp_path):
    boom = _boom(tmp_path, fail_for="1780")
    out = tmp_path / "reports"
    result = run_reports(DATA, out=out, jobs=2, progress=False, plan=_plan(boom))

    assert result.exit_code == 1
    by_code = {m.code: m for m in result.municipalities}
    assert {c: m.status for c, m in by_code.items()} == {"1761": "ok", "1762": "ok", "1780": "failed"}
    (failed,) = by_code["1780"].failures
    assert failed.key == "99_boom"
    assert failed.error.ename == "RuntimeError" and failed.error.evalue == "injicerat fel"
    assert failed.error.cell_index is not None and failed.error.exec_count is not None
    assert "raise RuntimeError" in failed.error.source
    assert result.failures() == [("1780", "99_boom", failed.error)]
    assert "FEL 1780 99_boom" in result.summary()

    # the other reports are complete
    for code in ("1761", "1762"):
        folder = out / SLUGS[code]
        assert sorted(p.name for p in (folder / "notebooks").iterdir()) == ["00_respondents.ipynb", "99_boom.ipynb"]
        assert sorted(p.name for p in (folder / "tables").iterdir()) == ["respondenter.csv", "testtabell.csv"]
        html = (folder / "report.html").read_text(encoding="utf-8")
        assert "Vem svarade?" in html and "Testavsnittet är klart." in html
        assert "kunde inte skapas" not in html
    # the failing municipality: the rest of its report is there, the failure is marked, the notebook kept
    folder = out / SLUGS["1780"]
    html = (folder / "report.html").read_text(encoding="utf-8")
    assert "Vem svarade?" in html and "kunde inte skapas" in html and "RuntimeError: injicerat fel" in html
    executed = nbformat.read(folder / "notebooks" / "99_boom.ipynb", as_version=4)
    assert any(o.get("ename") == "RuntimeError" for c in executed.cells for o in c.get("outputs", []))
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["status"] == "failed"
    assert [e["status"] for e in manifest["notebooks"]] == ["ok", "failed"]

    # the index says what failed and where
    index = (out / "index.html").read_text(encoding="utf-8")
    row = re.search(r'<tr id="k1780" data-status="failed">.*?</tr>', index, re.S).group(0)
    assert "99_boom" in row and f"cell {failed.error.cell_index}" in row and "RuntimeError: injicerat fel" in row
    assert '<tr id="k1761" data-status="ok">' in index
    batch = json.loads((out / "batch.json").read_text(encoding="utf-8"))
    assert batch["exit_code"] == 1
    assert not (out / ".staging").exists()


def test_reports_show_no_code_embed_figures_and_open_offline(tmp_path, threads):
    out = tmp_path / "reports"
    plan = [PlanEntry(str(RESPONDENTS), section="respondents", key="00_respondents")]
    result = run_reports(DATA, out=out, executor=threads, progress=False, plan=plan,
                         municipalities=["1762", "Hammarö"])
    assert result.exit_code == 0
    assert [m.code for m in result.municipalities] == ["1762", "1761"]
    html = (out / SLUGS["1761"] / "report.html").read_text(encoding="utf-8")
    assert "data:image/png;base64," in html
    assert "survey_for(" not in html and "import " not in html and "municipality =" not in html
    assert not re.search(r'(src|href)="(https?:)?//', html), "a report must not load anything from the network"
    assert '<html lang="sv">' in html and "<h2>Vem svarade?</h2>" in html
    # respondents per role in the index: Munkfors has 3 förtroendevalda, never shown as a number
    index = (out / "index.html").read_text(encoding="utf-8")
    row = re.search(r'<tr id="k1762".*?</tr>', index, re.S).group(0)
    assert "färre än 5 svar" in row and "<td>3</td>" not in row
    # Karlstad was not asked for: listed, not built
    assert '<tr id="k1780" data-status="missing">' in index
    table = pd.read_csv(out / SLUGS["1762"] / "tables" / "respondenter.csv")
    assert table.loc[table["group"] == "förtroendevald", "n"].isna().all()


def test_rerun_redoes_only_what_failed_or_changed(tmp_path, threads):
    boom = _boom(tmp_path, fail_for="1780")
    out = tmp_path / "reports"
    first = run_reports(DATA, out=out, executor=threads, progress=False, plan=_plan(boom))
    assert first.notebooks_run == 6 and first.exit_code == 1
    stamp = {c: (out / s / "report.html").stat().st_mtime_ns for c, s in SLUGS.items()}

    # nothing changed: only the failed notebook runs again (and fails again)
    second = run_reports(DATA, out=out, executor=threads, progress=False, plan=_plan(boom))
    assert second.notebooks_run == 1 and second.notebooks_reused == 5 and second.exit_code == 1
    assert {m.code: m.status for m in second.municipalities} == {"1761": "unchanged", "1762": "unchanged",
                                                                  "1780": "failed"}
    for code in ("1761", "1762"):
        assert (out / SLUGS[code] / "report.html").stat().st_mtime_ns == stamp[code], "untouched"

    # the notebook is fixed: it changed, so it runs for everyone; the unchanged one is reused
    _boom(tmp_path, fail_for=None)
    third = run_reports(DATA, out=out, executor=threads, progress=False, plan=_plan(boom))
    assert third.exit_code == 0
    assert third.notebooks_run == 3 and third.notebooks_reused == 3
    assert all((out / s / "tables" / "respondenter.csv").exists() for s in SLUGS.values())
    assert "kunde inte skapas" not in (out / SLUGS["1780"] / "report.html").read_text(encoding="utf-8")

    # force rebuilds everything
    fourth = run_reports(DATA, out=out, executor=threads, progress=False, plan=_plan(boom), force=True)
    assert fourth.notebooks_run == 6 and fourth.exit_code == 0


def test_an_interrupted_batch_leaves_no_half_written_report(tmp_path, threads, monkeypatch):
    import kommunanalys.report.batch as batch

    interrupted_pool = cf.ThreadPoolExecutor(max_workers=2)
    out = tmp_path / "reports"
    plan = [PlanEntry(str(RESPONDENTS), section="respondents", key="00_respondents")]
    calls = []
    publish = batch._publish

    def interrupted(staging, final, aside_root):  # Ctrl-C while the second report is published
        calls.append(final.name)
        if len(calls) == 2:
            raise KeyboardInterrupt
        publish(staging, final, aside_root)

    monkeypatch.setattr(batch, "_publish", interrupted)
    with pytest.raises(KeyboardInterrupt):
        run_reports(DATA, out=out, executor=interrupted_pool, progress=False, plan=plan)
    monkeypatch.setattr(batch, "_publish", publish)
    interrupted_pool.shutdown(wait=True)  # what was running when the batch stopped has ended

    built = [p for p in out.iterdir() if p.is_dir() and not p.name.startswith(".")]
    assert [p.name for p in built] == [calls[0]]
    assert {p.name for p in built[0].iterdir()} == {"report.html", "manifest.json", "notebooks", "tables",
                                                    "presentation.pptx", "bilaga.xlsx", "rapport.pdf"}
    # the next run builds the rest and keeps what is done
    result = run_reports(DATA, out=out, executor=threads, progress=False, plan=plan)
    assert result.exit_code == 0 and result.notebooks_run == 2
    assert sorted(m.status for m in result.municipalities) == ["ok", "ok", "unchanged"]
    assert not (out / ".staging").exists() and not (out / ".aside").exists()


def test_publish_replaces_a_folder_whole_and_recover_finishes_an_interrupted_swap(tmp_path):
    out = tmp_path / "reports"
    old = out / "1761-hammaro"
    old.mkdir(parents=True)
    (old / "manifest.json").write_text("{}")
    (old / "report.html").write_text("gammal")
    new = out / ".staging" / "run" / "1761-hammaro"
    new.mkdir(parents=True)
    (new / "manifest.json").write_text("{}")
    (new / "report.html").write_text("ny")
    _publish(new, old, out / ".aside")
    assert (old / "report.html").read_text() == "ny" and not new.exists()
    assert not any((out / ".aside").iterdir())

    # interrupted between moving the old folder aside and moving the new one in
    aside = out / ".aside" / "1761-hammaro--abcd1234"
    shutil.move(str(old), str(aside))
    (out / ".staging" / "run" / "1780-karlstad").mkdir(parents=True)  # half-built, never published
    _recover(out)
    assert (old / "report.html").read_text() == "ny"
    assert not (out / ".aside").exists() and not (out / ".staging").exists()
