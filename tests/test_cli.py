"""The command line: validate, scrub, and clear errors instead of tracebacks."""

from __future__ import annotations

import subprocess
import sys

import pandas as pd
import pytest

from kommunanalys import paths
from kommunanalys.cli import main
from tests.conftest import make_export


def run_cli(*args):
    return subprocess.run([sys.executable, "-m", "kommunanalys.cli", *args], capture_output=True, text=True,
                          encoding="utf-8")


def test_validate_demo_reports_the_seed_totals():
    result = run_cli("validate", str(paths.DEMO_EXPORT))
    assert result.returncode == 0, result.stderr
    demo = pd.read_csv(paths.DEMO_EXPORT, sep=";", encoding="cp1252", dtype=str)
    role = demo["1. Vilken roll har du i kommunen?"]
    chef = demo.loc[role == "Tjänsteperson", "2. Om du är tjänsteperson, är du chef i den centrala förvaltningen?"] == "Ja"
    out = result.stdout
    assert f"Inlästa svarande: {len(demo)}" in out and "Avvisade rader: 0" in out
    assert f"förtroendevald: {(role == 'Förtroendevald').sum()}" in out
    assert f"tjänsteperson: {(role == 'Tjänsteperson').sum()}" in out
    assert f"varav chef i central förvaltning: {chef.sum()}" in out
    assert (len(demo), (role == "Förtroendevald").sum(), chef.sum()) == (656, 207, 81)  # the seed's totals


def test_validate_reports_rejections_and_writes_them(tmp_path, instrument):
    frame = make_export(instrument, n=12)
    frame.loc[3, "Kommun"] = "Atlantis"
    src = tmp_path / "export.csv"
    frame.to_csv(src, sep=";", index=False, encoding="cp1252")
    rejected = tmp_path / "rejected.csv"
    assert main(["validate", str(src), "--rejected-out", str(rejected)]) == 0
    table = pd.read_csv(rejected)
    assert table["reason"].tolist() == ["unknown_municipality"] and table["row"].tolist() == [5]


@pytest.mark.parametrize("content", [b"", b"\x00\x01\x02binary", "a;b\r\n1;2\r\n".encode()])
def test_errors_are_messages_not_tracebacks(tmp_path, content):
    bad = tmp_path / "bad.csv"
    bad.write_bytes(content)
    result = run_cli("validate", str(bad))
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "bad.csv" in result.stderr and "Så rättar du" in result.stderr


def test_missing_file_is_a_message(tmp_path):
    result = run_cli("validate", str(tmp_path / "nope.csv"))
    assert result.returncode == 2 and "finns inte" in result.stderr and "Traceback" not in result.stderr


def test_scrub_masks_and_reports(tmp_path):
    src = tmp_path / "kommentarer.csv"
    pd.DataFrame({"id": ["a", "b"], "text": ["Ring Karin Johansson på 070-174 06 23.",
                                             "Budgeten i dnr KS 2023/145 håller inte."]}) \
        .to_csv(src, sep=";", index=False, encoding="cp1252")
    out = tmp_path / "ut.csv"
    assert main(["scrub", str(src), "--column", "text", "-o", str(out)]) == 0
    screened = pd.read_csv(out, sep=";", encoding="utf-8-sig")
    assert "070-174 06 23" not in screened.loc[0, "text"] and "Karin" not in screened.loc[0, "text"]
    assert screened.loc[1, "text"] == "Budgeten i dnr KS 2023/145 håller inte."
    findings = pd.read_csv(tmp_path / "ut.findings.csv", sep=";", encoding="utf-8-sig")
    assert set(findings["type"]) == {"name", "phone"}


def test_scrub_missing_column_is_a_message(tmp_path):
    src = tmp_path / "k.csv"
    src.write_text("id;kommentar\n1;hej\n", encoding="utf-8")
    result = run_cli("scrub", str(src), "--column", "text", "-o", str(tmp_path / "o.csv"))
    assert result.returncode == 2 and "kommentar" in result.stderr and "Traceback" not in result.stderr


#: argparse's English (its own gettext strings), which must not reach a consultant.
ARGPARSE_ENGLISH = ["usage:", "options:", "positional arguments", "show this help message", "the following arguments",
                    "unrecognized arguments", "invalid choice", "expected one argument", "choose from"]


@pytest.mark.parametrize("argv", [[], ["validate"], ["report"], ["scrub"]])
def test_help_is_swedish(capsys, argv):
    with pytest.raises(SystemExit) as info:
        main([*argv, "--help"])
    assert info.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith("användning: kommunanalys") and "visa denna hjälp och avsluta" in out
    assert not [w for w in ARGPARSE_ENGLISH if w in out]
    assert not {"DATA", "OUT", "MUNICIPALITY", "REJECTED_OUT", "SHOW", "PATH", "INPUT"} & set(out.split())


@pytest.mark.parametrize("argv,swedish", [
    (["validate"], "dessa argument saknas: FIL"), (["report", "--bogus"], "okända argument: --bogus"),
    (["report", "--format"], "argument --format: ett värde behövs"), (["nope"], "okänt kommando: 'nope'"),
])
def test_argparse_errors_are_swedish(capsys, argv, swedish):
    with pytest.raises(SystemExit) as info:
        main(argv)
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert swedish in err and err.startswith("användning:") and not [w for w in ARGPARSE_ENGLISH if w in err]


def test_validate_prints_its_table_in_swedish(tmp_path, instrument, capsys):
    path = tmp_path / "e.csv"
    make_export(instrument, n=12).to_csv(path, sep=";", index=False, encoding="utf-8")
    assert main(["validate", str(path)]) == 0
    out = capsys.readouterr().out
    header = next(line for line in out.splitlines() if line.split()[:2] == ["kod", "kommun"])
    assert "förtroendevalda" in header and "_n" not in header and "code" not in header.split()
