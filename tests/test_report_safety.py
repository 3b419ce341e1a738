"""A batch on an export with planted markup in the comments: no report file references anything
outside itself, no comment becomes live markup, no CSV cell is a formula."""

from __future__ import annotations

import concurrent.futures as cf
import json
import re
from pathlib import Path

import pandas as pd
import pytest

from kommunanalys.report import engine as engine
from kommunanalys.report.batch import default_plan, run_reports
from kommunanalys.instrument import load_instrument
from kommunanalys.report.html import CONTENT_SECURITY_POLICY
from kommunanalys.textsafety import FORMULA_PREFIXES

BATCH = Path(__file__).parent / "data" / "batch_export.csv"  # 1761 Hammarö has 23 respondents

#: Comments on follow-up (Q11, about Q10) with markup an attacker would plant; each carries a
#: unique visible word so the test can show the comment did reach the report (not vacuous).
PLANTED = [
    ("Budgeten följs upp men se [här](javascript:alert(document.cookie)) för detaljer Alfaord", "Alfaord"),
    ("Uppföljningen av budgeten ![](https://tracker.example/pixel.gif) borde bli bättre Betaord", "Betaord"),
    ("Budgetuppföljning finns på https://evil.example/x?id=1 och www.evil.example Gammaord", "Gammaord"),
    ("Budgeten <img src=x onerror=alert(1)> <script>alert(1)</script> följs upp sent Deltaord", "Deltaord"),
    ("=HYPERLINK(\"http://evil.example\",\"klick\") budgeten följs aldrig upp ordentligt Epsilonord", "Epsilonord"),
    ("+cmd|' /C calc'!A0 uppföljningen av ekonomin är för svag i dag Zetaord", "Zetaord"),
    ("@SUM(1+1) kostnaderna följs upp för sällan av nämnden Etaord", "Etaord"),
    ("Uppföljning av budgeten\x1b[31m är\x07 otydlig i vår kommun Thetaord", "Thetaord"),
    ("Budgeten [klick](data:text/html;base64,PHNjcmlwdD4=) följs upp varje kvartal Iotaord", "Iotaord"),
    ("<iframe src='//evil.example/'></iframe> uppföljningen av kostnader fungerar Kappaord", "Kappaord"),
]


@pytest.fixture(scope="module")
def reports(tmp_path_factory):
    instrument = load_instrument()
    frame = pd.read_csv(BATCH, sep=";", dtype=str, keep_default_na=False)
    column = instrument["Q11"].label
    column = next(c for c in frame.columns if c.startswith(column[:40]))
    rows = frame.index[frame["Kommun"].isin(["Hammarö", "1761"])]
    for k, row in enumerate(rows):
        frame.loc[row, column] = PLANTED[k % len(PLANTED)][0]
    folder = tmp_path_factory.mktemp("markup")
    export = folder / "export.csv"
    frame.to_csv(export, sep=";", index=False, encoding="utf-8")
    plan = [p for p in default_plan(instrument) if p.key in ("01_question-Q10", "02_quotes-follow_up")]
    out = folder / "reports"
    with cf.ThreadPoolExecutor(max_workers=1) as pool:
        result = run_reports(export, out=out, executor=pool, progress=False, plan=plan, municipalities=["1761"])
    engine.shutdown_kernels()
    assert result.exit_code == 0, result.summary()
    return out


def _files(out: Path):
    return [p for p in sorted(out.rglob("*")) if p.is_file() and p.suffix in {".html", ".ipynb", ".csv", ".md"}]


_EXTERNAL = [
    re.compile(r"https?://", re.I),
    re.compile(r"""(?:src|href|action|srcset|poster|data)\s*=\s*["']?\s*//""", re.I),
    re.compile(r"javascript:|vbscript:", re.I),
    re.compile(r"data:(?!image/png;base64,)", re.I),  # only the embedded figures
    re.compile(r"<script\b[^>]*\bsrc\s*=", re.I),
    re.compile(r"<link\b[^>]*\bhref\s*=", re.I),
    re.compile(r"<(?:iframe|object|embed|frame|base|form)\b", re.I),
    re.compile(r"url\(\s*['\"]?(?!data:image)", re.I),
    re.compile(r"www\.", re.I),
    re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]"),
]


def notebook_text(path: Path) -> str:
    """What an executed notebook shows a reader: its markdown and every output but images."""
    nb = json.loads(path.read_text(encoding="utf-8"))
    shown = []
    for cell in nb["cells"]:
        if cell["cell_type"] == "markdown":
            shown.append("".join(cell["source"]))
        for output in cell.get("outputs", []):
            for mime, value in output.get("data", {}).items():
                if mime != "image/png":
                    shown.append(value if isinstance(value, str) else "".join(value))
            shown.append("".join(output.get("text", "")))
    return "\n".join(shown)


@pytest.mark.slow
def test_no_report_file_references_anything_outside_itself(reports):
    files = _files(reports)
    assert any(p.name == "report.html" for p in files) and any(p.suffix == ".ipynb" for p in files)
    for path in files:
        text = path.read_text(encoding="utf-8")
        if path.suffix == ".ipynb":  # what the notebook shows: its outputs and markdown
            text = notebook_text(path)
        # the policy itself names "data:" (embedded images); it is checked in the test below
        text = text.replace(f'content="{CONTENT_SECURITY_POLICY}"', "")
        # a CSV is text, never rendered: markup in a quote is inert there, addresses are not
        patterns = _EXTERNAL if path.suffix != ".csv" else [p for p in _EXTERNAL if "<" not in p.pattern]
        for pattern in patterns:
            assert not pattern.search(text), (path.name, pattern.pattern, pattern.search(text))


@pytest.mark.slow
def test_planted_comments_reach_the_report_as_plain_text(reports):
    html = next(reports.rglob("report.html")).read_text(encoding="utf-8")
    assert f'<meta http-equiv="Content-Security-Policy" content="{CONTENT_SECURITY_POLICY}">' in html
    visible = [word for _, word in PLANTED if word in html]
    assert len(visible) >= 3, visible  # planted comments were quoted: the scan above is not vacuous
    for tag in re.findall(r"<(?:img|a|script|iframe|object|embed)\b[^>]*>", html, re.I):
        if tag.lower().startswith("<img"):
            assert 'src="data:image/png;base64,' in tag, tag  # an embedded figure
        else:
            # a link inside the report or to its own folders
            assert re.fullmatch(r'<a (?:class="anchor-link" )?href="(?:#[^"]*|[\w./-]+)">', tag), tag
    assert "[länk borttagen]" in html or not any(w in html for w in ("Alfaord", "Betaord", "Gammaord", "Iotaord"))


@pytest.mark.slow
def test_no_csv_cell_is_a_formula(reports):
    tables = list(reports.rglob("tables/*.csv"))
    assert tables
    for path in tables:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
        for cell in [*frame.columns, *frame.to_numpy().ravel()]:
            if cell.startswith(FORMULA_PREFIXES):
                assert re.fullmatch(r"[+-]?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?", cell), (path.name, cell)
