"""A question the export has no column for is "not in the export", never "nobody answered".

The export is tests/data/batch_export.csv (three municipalities) without the column of Q7.
Every surface is checked: ``validate``, the tables behind the report, the question page, the
explorer, the deck and the workbook, and the executed question notebook.
"""

from __future__ import annotations

import re
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from kommunanalys import paths, questions  # noqa: E402
from kommunanalys.anonymity import suppression_plan  # noqa: E402
from kommunanalys.cli import main  # noqa: E402
from kommunanalys.loader import load_survey  # noqa: E402
from kommunanalys.pages.question import build_page, gap_table, show_gap, show_groups, show_heading  # noqa: E402
from kommunanalys.survey import NOT_IN_EXPORT  # noqa: E402

from .conftest import assert_accounting  # noqa: E402

DATA = Path(__file__).parent / "data" / "batch_export.csv"  # 1761 Hammarö, 1762 Munkfors, 1780 Karlstad
GONE = "Q7"
ZERO = re.compile(r"Alla svarande: (0|inga svar)|: 0 svar|inga svar")


@pytest.fixture(scope="module")
def export(tmp_path_factory) -> Path:
    frame = pd.read_csv(DATA, sep=";", dtype=str, keep_default_na=False, encoding="utf-8")
    column = next(c for c in frame.columns if c.startswith("7. "))
    path = tmp_path_factory.mktemp("export") / "utan_fraga_7.csv"
    frame.drop(columns=[column]).to_csv(path, sep=";", index=False, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def survey(export):
    return load_survey(export)


def test_the_survey_knows_which_questions_were_in_the_export(survey, export):
    rows = len(pd.read_csv(export, sep=";", dtype=str, keep_default_na=False))
    assert_accounting(survey, rows)
    assert survey.report.missing_questions == [GONE]
    assert not survey.in_export(GONE) and survey.in_export("Q6")
    assert not survey.subset(municipalities="1761").in_export(GONE)  # a subset keeps the knowledge


def test_validate_warns_naming_the_question(export, capsys):
    assert main(["validate", str(export)]) == 0
    out = capsys.readouterr().out
    warning = [line for line in out.splitlines() if line.startswith("Varning:")]
    assert len(warning) == 1 and GONE in warning[0] and NOT_IN_EXPORT in warning[0]


def test_every_table_of_the_question_says_not_in_export_with_no_count(survey):
    for frame in (questions.distribution(survey, GONE), questions.summary(survey, GONE),
                  questions.role_gap(survey, GONE), questions.benchmark(survey, "1761", GONE)):
        assert len(frame) and frame["suppressed"].all() and (frame["note"] == NOT_IN_EXPORT).all()
        for col in ("n", "count", "n_respondents", "n_fv", "n_tp", "positive", "gap"):
            if col in frame.columns:
                assert frame[col].isna().all(), col  # no 0 that reads as "nobody answered"
    plan = suppression_plan(survey, questions=[GONE])
    assert plan["suppressed"].all() and (plan["note"] == NOT_IN_EXPORT).all()
    present = questions.summary(survey, "Q6")
    assert not (present["note"] == NOT_IN_EXPORT).any()  # the other questions are untouched


def test_question_page_says_not_in_export(survey, tmp_path):
    page = build_page(survey, "1780", GONE)
    heading = show_heading(page)
    assert f"Frågan {NOT_IN_EXPORT}" in heading and not ZERO.search(heading)
    assert show_groups(page, output_dir=tmp_path) is None
    show_gap(page, output_dir=tmp_path, overview=False)
    row = gap_table(page)
    assert NOT_IN_EXPORT in row.to_string()
    written = {p.stem for p in (tmp_path / "tables").glob("*.csv")}
    assert f"fraga_{GONE}_1780_fordelning_role" not in written  # no table of zeros


def test_explorer_title_says_not_in_export(survey):
    from kommunanalys.pages.explorer import ExplorerState, render

    view = render(ExplorerState(survey, municipality="1780", question=GONE))
    assert NOT_IN_EXPORT in view.title and not ZERO.search(view.title)


def test_deck_slide_and_workbook_sheet_say_not_in_export(survey, tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    pptx = pytest.importorskip("pptx")
    from kommunanalys.report import write_deliverables

    deck, book = write_deliverables(tmp_path, survey=survey, municipality="1780", threshold=5)
    slides = pptx.Presentation(str(deck)).slides
    slide = next(s for s in slides if s.shapes.title is not None and s.shapes.title.text.startswith("7. "))
    text = " ".join(sh.text_frame.text for sh in slide.shapes if sh.has_text_frame)
    notes = slide.notes_slide.notes_text_frame.text
    assert NOT_IN_EXPORT in text.lower() and NOT_IN_EXPORT in notes
    assert not ZERO.search(text) and not ZERO.search(notes)
    sheet = openpyxl.load_workbook(book)["Fråga 7"]
    cells = [v for row in sheet.iter_rows(values_only=True) for v in row if v is not None]
    assert NOT_IN_EXPORT in cells and not any(isinstance(v, (int, float)) for v in cells)


@pytest.mark.slow
def test_question_notebook_shows_not_in_export(export, tmp_path):
    papermill = pytest.importorskip("papermill")
    from kommunanalys.report.engine import IPCKernelManager

    out_nb = tmp_path / "executed.ipynb"
    papermill.execute_notebook(
        str(paths.NOTEBOOKS_DIR / "01_question.ipynb"), str(out_nb),
        parameters={"municipality": "1780", "question": GONE, "data": str(export), "interactive": False,
                    "output_dir": str(tmp_path / "out"), "gap_overview": False},
        cwd=str(paths.PROJECT_ROOT), progress_bar=False, kernel_name="python3", kernel_manager_class=IPCKernelManager)
    text = out_nb.read_text(encoding="utf-8")
    assert f"Frågan {NOT_IN_EXPORT}" in text and not ZERO.search(text)
