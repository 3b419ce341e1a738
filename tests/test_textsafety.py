"""Respondent text stays text: Markdown/HTML rendering, spreadsheets and terminals."""

from __future__ import annotations

import html
import re

import mistune
import pandas as pd
import pytest

from kommunanalys.cli import main
from kommunanalys.screening import scrub_csv
from kommunanalys.textsafety import (
    FORMULA_PREFIXES,
    LINK_REMOVED,
    html_text,
    plain_text,
    spreadsheet_safe,
    terminal_safe,
)
from tests.conftest import make_export

#: Comments an attacker would write; each is (text, a word of it that must still be visible).
MARKUP = [
    ("Se [här](javascript:alert(document.cookie)) nu", "här"),
    ("Klicka [bilaga](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)", "bilaga"),
    ("![](https://tracker.example/pixel.gif) Bra möten", "möten"),
    ("Läs mer på https://example.org/a?b=1 eller www.example.org", "Läs"),
    ("<img src=x onerror=alert(1)> <script>alert(1)</script> budget", "budget"),
    ("<iframe src='//evil.example/x'></iframe> samverkan", "samverkan"),
    ("Formeln $x^2$ och **fet** `kod` # rubrik", "Formeln"),
    ("NUL\x00 ESC\x1b[31m BEL\x07 slut", "slut"),
    ("<a href=\"vbscript:msgbox(1)\">länk</a> text", "text"),
    ("[x]: https://evil.example/ref referens", "referens"),
]


def _rendered_links_or_media(rendered: str) -> list[str]:
    return re.findall(r"<(?:a|img|script|iframe|link|object|embed|svg|math|style)\b[^>]*>", rendered, re.I)


@pytest.mark.parametrize("text,visible", MARKUP)
def test_plain_text_renders_as_text(text, visible):
    safe = plain_text(text)
    rendered = mistune.html(safe)
    # no element but the paragraph, no active scheme, no external address, no control character
    assert re.sub(r"</?p>", "", rendered).count("<") == 0, rendered
    assert _rendered_links_or_media(rendered) == []
    lowered = html.unescape(rendered).lower()
    for needle in ("javascript:", "vbscript:", "data:", "http://", "https://", "www.", "//evil", "//tracker"):
        assert needle not in lowered, (needle, rendered)
    assert not re.search(r"[\x00-\x08\x0b-\x1f\x7f]", rendered)
    assert visible in html.unescape(rendered)
    # the same rule for direct HTML
    assert "<" not in html_text(text).replace("&lt;", "")


def test_link_text_stays_and_the_marker_says_what_was_removed():
    assert html.unescape(plain_text("Se [här](https://a.example) nu")) == f"Se här {LINK_REMOVED} nu"
    assert html.unescape(plain_text("Sidan www.kil.se, sedan.")) == f"Sidan {LINK_REMOVED}, sedan."
    # place names and ordinary punctuation are not links
    assert html.unescape(plain_text("Kil och Hammarö: 5 % – bra.")) == "Kil och Hammarö: 5 % – bra."
    # a respondent who writes an entity sees it as written
    assert html.unescape(mistune.html(plain_text("a &lt;b&gt; & c"))).strip() == "<p>a &lt;b&gt; & c</p>"


def test_spreadsheet_safe_neutralises_formula_text_and_keeps_numbers():
    frame = pd.DataFrame({
        "text": ["=HYPERLINK(\"http://x\",\"klick\")", "+cmd|' /C calc'!A0", "@SUM(A1:A2)", "-2+3",
                 "\tflik", "\rretur", "vanlig text", "-0.25", None],
        "value": [-0.25, 1.5, -3.0, 0.0, 2.0, 3.0, 4.0, 5.0, 6.0],
        "n": pd.array([1, 2, 3, 4, 5, 6, 7, 8, None], dtype="Int64"),
    })
    safe = spreadsheet_safe(frame)
    assert safe.dtypes.tolist() == frame.dtypes.tolist()
    pd.testing.assert_series_equal(safe["value"], frame["value"])
    pd.testing.assert_series_equal(safe["n"], frame["n"])
    for before, after in zip(frame["text"], safe["text"]):
        if not isinstance(before, str):
            assert pd.isna(after)
        elif before.startswith(FORMULA_PREFIXES) and before != "-0.25":
            assert after == "'" + before  # the reader still sees the text after the apostrophe
        else:
            assert after == before
    assert frame["text"].iloc[0].startswith("=")  # the input frame is not changed


def test_tables_scrub_and_rejected_rows_have_no_formula_cells(tmp_path, instrument):
    from kommunanalys.pages.notebook import write_table

    target = write_table(pd.DataFrame({"text": ["=1+1", "ok"], "share": [-0.5, 0.5]}), tmp_path, "t")
    written = pd.read_csv(target)
    assert written["text"].tolist() == ["'=1+1", "ok"] and written["share"].tolist() == [-0.5, 0.5]

    src = tmp_path / "comments.csv"
    pd.DataFrame({"id": ["=A1", "2"], "text": ["=HYPERLINK(\"http://x\")", "@SUM(1) Ring Anna Svensson"]}).to_csv(
        src, sep=";", index=False)
    scrub_csv(src, column="text", out_path=tmp_path / "out.csv", id_columns="id")
    for name in ("out.csv", "out.findings.csv"):
        table = pd.read_csv(tmp_path / name, sep=";", dtype=str, keep_default_na=False, encoding="utf-8-sig")
        cells = [*table.columns, *table.to_numpy().ravel()]
        assert not [c for c in cells if c.startswith(FORMULA_PREFIXES) and not re.fullmatch(r"-?\d+", c)], name

    frame = make_export(instrument, n=12)
    frame.loc[3, "Kommun"] = "=HYPERLINK(\"http://x\")"
    export = tmp_path / "export.csv"
    frame.to_csv(export, sep=";", index=False, encoding="utf-8")
    rejected = tmp_path / "rejected.csv"
    assert main(["validate", str(export), "--rejected-out", str(rejected)]) == 0
    text = pd.read_csv(rejected, dtype=str, keep_default_na=False)
    assert "'=HYPERLINK(\"http://x\")" in text.to_numpy().ravel().tolist()
    assert not [c for c in text.to_numpy().ravel() if c.startswith("=")]


def test_terminal_safe_strips_escape_sequences():
    raw = "Fr\x1b[2J\x1b[31mga 6\x1b]0;titel\x07\x1b]8;;http://x\x1b\\länk\x1b]8;;\x1b\\\x00\x9b1m\u202eslut\nrad 2"
    safe = terminal_safe(raw)
    assert not re.search(r"[\x00-\x09\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]", safe)
    assert safe == "Frga 6länkslut\nrad 2"


def test_validate_prints_no_escape_sequences_from_the_file(tmp_path, instrument, capsys):
    frame = make_export(instrument, n=12)
    frame = frame.rename(columns={"Respondent-ID": "Respondent-ID\x1b[2J\x1b]0;pwned\x07"})
    frame["Extra\x1b[31m kolumn"] = "x"
    frame.loc[3, "Kommun"] = "Atlan\x1b[5mtis"
    export = tmp_path / "export.csv"
    frame.to_csv(export, sep=";", index=False, encoding="utf-8")
    main(["validate", str(export)])
    captured = capsys.readouterr()
    assert "\x1b" not in captured.out and "\x1b" not in captured.err and "\x07" not in captured.out
