"""Survey rounds (kommunanalys.rounds): matching, change with interval and test, anonymity in
both rounds, the demo's previous round; comparison groups as data (kommunanalys.comparison_groups).

Expected values are recomputed here from the rows the tests write, with plain pandas and the
textbook formulas (Wilson 1927, Newcombe 1998 method 10, Pearson's chi-square via scipy).
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from scipy.stats import chi2_contingency

from kommunanalys import paths, rounds
from kommunanalys.comparison_groups import comparison_for, load_comparison_groups
from kommunanalys.errors import InputError
from kommunanalys.instrument import load_instrument
from kommunanalys.loader import load_survey
from kommunanalys.stats import two_proportion_test

DATA = Path(__file__).parent / "data"
GROUPS = DATA / "comparison_groups" / "synthetic_groups.csv"
POSITIVE = {"Instämmer i hög grad", "Instämmer helt"}  # the agreement scale's upper half, written out
LEVELS = ["Instämmer inte alls", "Instämmer i liten grad", "Instämmer delvis", "Instämmer i hög grad",
          "Instämmer helt", "Vet ej"]
QUESTIONS = ("Q5", "Q6", "Q14")


# ---------------------------------------------------------------------------------------------
# small exports
# ---------------------------------------------------------------------------------------------
def _people(spec: dict[str, tuple[int, int]], rng: np.random.Generator, questions=QUESTIONS) -> pd.DataFrame:
    """Rows of an export: ``spec`` = {municipality: (förtroendevalda, tjänstepersoner)}; answers
    drawn from the agreement scale (Vet ej included)."""
    rows = []
    for kommun, (n_fv, n_tp) in spec.items():
        for role, n in (("Förtroendevald", n_fv), ("Tjänsteperson", n_tp)):
            for _ in range(n):
                row = {"Kommun": kommun, "role": role}
                for q in questions:
                    row[q] = LEVELS[rng.choice(6, p=[0.1, 0.15, 0.25, 0.25, 0.2, 0.05])]
                rows.append(row)
    frame = pd.DataFrame(rows)
    frame.insert(0, "Respondent-ID", [f"T{i:04d}" for i in range(len(frame))])
    return frame


def _write(frame: pd.DataFrame, path: Path, *, headers: dict[str, str] | None = None) -> Path:
    inst = load_instrument()
    out = pd.DataFrame({"Respondent-ID": frame["Respondent-ID"], "Kommun": frame["Kommun"],
                        inst["Q1"].label: frame["role"],
                        inst["Q2"].label: np.where(frame["role"] == "Tjänsteperson", "Nej", "")})
    for q in [c for c in frame.columns if c.startswith("Q")]:
        out[(headers or {}).get(q, inst[q].label)] = frame[q]
    out.to_csv(path, sep=";", index=False, encoding="utf-8")
    return path


def _expected_share(frame: pd.DataFrame, kommun: str, role: str | None, q: str) -> tuple[int, int]:
    """(answers above the centre, substantive answers) with plain pandas."""
    part = frame[frame["Kommun"] == kommun]
    if role is not None:
        part = part[part["role"] == role]
    answers = part[q][part[q] != "Vet ej"]
    return int(answers.isin(POSITIVE).sum()), int(len(answers))


def _wilson(x: int, n: int, z: float = 1.959963984540054) -> tuple[float, float]:
    p = x / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return centre - half, centre + half


def _newcombe(x1: int, n1: int, x2: int, n2: int) -> tuple[float, float]:
    """Newcombe (1998), method 10, written out from the two Wilson intervals."""
    p1, p2 = x1 / n1, x2 / n2
    (l1, u1), (l2, u2) = _wilson(x1, n1), _wilson(x2, n2)
    d = p1 - p2
    return d - math.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2), d + math.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2)


@pytest.fixture(scope="module")
def two_rounds(tmp_path_factory):
    folder = tmp_path_factory.mktemp("rounds")
    rng = np.random.default_rng(2024)
    before = _people({"Karlstad": (30, 60), "Kil": (4, 10), "Hammarö": (12, 25)}, rng)
    now = _people({"Karlstad": (28, 66), "Kil": (8, 12), "Hammarö": (3, 30)}, rng)
    prev = load_survey(_write(before, folder / "r2024.csv"))
    cur = load_survey(_write(now, folder / "r2026.csv"))
    return before, now, prev, cur


# ---------------------------------------------------------------------------------------------
# matching
# ---------------------------------------------------------------------------------------------
def test_questions_match_by_id_and_a_question_asked_in_one_round_is_missing(two_rounds):
    before, now, prev, cur = two_rounds
    m = rounds.match_questions(cur, prev, current_label="2026", previous_label="2024").set_index("question")
    assert set(m.loc[list(QUESTIONS), "status"]) == {"matchad"}
    assert set(m.loc[list(QUESTIONS), "matched_by"]) == {"id"}
    for q in ("Q7", "Q8", "Q10", "Q12"):  # columns in neither export
        assert m.loc[q, "status"] == "saknas"
        assert m.loc[q, "note"] == "frågan saknas 2026 och 2024"


def test_a_question_missing_in_the_previous_round_is_reported_missing_not_zero(tmp_path):
    rng = np.random.default_rng(5)
    before = _people({"Karlstad": (20, 30)}, rng, questions=("Q6", "Q14"))
    now = _people({"Karlstad": (20, 30)}, rng)
    prev = load_survey(_write(before, tmp_path / "a.csv"))
    cur = load_survey(_write(now, tmp_path / "b.csv"))
    ch = rounds.change(cur, prev, current_label="2026", previous_label="2024")
    q5 = ch[ch["question"] == "Q5"]
    assert len(q5) == 3 and set(q5["status"]) == {"saknas"}
    assert set(q5["note"]) == {"frågan saknas 2024"}
    assert q5[rounds._VALUES].isna().all().all()  # no zero counts, no numbers at all
    assert set(ch.loc[ch["question"] == "Q6", "status"]) == {"visas"}


def _instrument_with(tmp_path: Path, name: str, change) -> Path:
    spec = yaml.safe_load(paths.INSTRUMENT_FILE.read_text(encoding="utf-8"))
    change(spec)
    path = tmp_path / name
    path.write_text(yaml.safe_dump(spec, allow_unicode=True), encoding="utf-8")
    return path


def _question(spec: dict, qid: str) -> dict:
    return next(q for q in spec["questions"] if q["id"] == qid)


def test_a_reworded_question_matches_through_its_earlier_wording(tmp_path):
    old_text = "14. Finns det förtroende mellan politiker och tjänstemän i kommunen?"
    rng = np.random.default_rng(11)
    before = _people({"Karlstad": (20, 30)}, rng)
    now = _people({"Karlstad": (20, 30)}, rng)
    export_2024 = _write(before, tmp_path / "a.csv", headers={"Q14": old_text})

    # without the earlier wording the 2024 column is not Q14: reported as missing in 2024
    plain = load_survey(export_2024)
    cur = load_survey(_write(now, tmp_path / "b.csv"))
    m = rounds.match_questions(cur, plain, current_label="2026", previous_label="2024").set_index("question")
    assert (m.loc["Q14", "status"], m.loc["Q14", "note"]) == ("saknas", "frågan saknas 2024")
    assert old_text in plain.report.ignored_columns

    # with it listed under earlier_texts, the column is read as Q14 and matched
    inst = _instrument_with(tmp_path, "instrument.yaml", lambda spec: _question(spec, "Q14").update(
        earlier_texts=["Finns det förtroende mellan politiker och tjänstemän i kommunen?"]))
    prev = load_survey(export_2024, inst)
    cur = load_survey(tmp_path / "b.csv", inst)
    m = rounds.match_questions(cur, prev).set_index("question")
    assert (m.loc["Q14", "status"], m.loc["Q14", "matched_by"]) == ("matchad", "tidigare formulering")
    assert m.loc["Q6", "matched_by"] == "id"
    x0, n0 = _expected_share(before, "Karlstad", None, "Q14")
    x1, n1 = _expected_share(now, "Karlstad", None, "Q14")
    row = rounds.change(cur, prev).query("question == 'Q14' and group == 'alla'").iloc[0]
    assert row["change"] == pytest.approx((x1 / n1 - x0 / n0) * 100)


def test_a_renumbered_question_matches_through_its_earlier_id(tmp_path):
    def old_ids(spec):  # the 2024 instrument called trust "Q13b" (and its comment pointed there)
        _question(spec, "Q14")["id"] = "Q13b"
        _question(spec, "Q15")["comments"] = "Q13b"
        for section in spec.get("report_sections", []):
            section["questions"] = ["Q13b" if q == "Q14" else q for q in section.get("questions") or []]

    old = _instrument_with(tmp_path, "old.yaml", old_ids)
    new = _instrument_with(tmp_path, "new.yaml", lambda spec: _question(spec, "Q14").update(earlier_ids=["Q13b"]))
    rng = np.random.default_rng(3)
    prev = load_survey(_write(_people({"Kil": (10, 20)}, rng), tmp_path / "a.csv"), old)
    cur = load_survey(_write(_people({"Kil": (10, 20)}, rng), tmp_path / "b.csv"), new)
    m = rounds.match_questions(cur, prev).set_index("question")
    assert (m.loc["Q14", "previous_question"], m.loc["Q14", "matched_by"]) == ("Q13b", "tidigare id")
    ch = rounds.change(cur, prev)
    assert set(ch.loc[ch["question"] == "Q14", "previous_question"]) == {"Q13b"}


# ---------------------------------------------------------------------------------------------
# change
# ---------------------------------------------------------------------------------------------
def test_change_and_interval_against_an_independent_computation(two_rounds):
    before, now, prev, cur = two_rounds
    ch = rounds.change(cur, prev, "1780", current_label="2026", previous_label="2024")
    assert set(ch.loc[~ch["question"].isin(QUESTIONS), "status"]) == {"saknas"}  # not in the exports
    checked = 0
    for r in ch[ch["question"].isin(QUESTIONS)].itertuples():
        role = {"förtroendevald": "Förtroendevald", "tjänsteperson": "Tjänsteperson", "alla": None}[r.group]
        x0, n0 = _expected_share(before, "Karlstad", role, r.question)
        x1, n1 = _expected_share(now, "Karlstad", role, r.question)
        assert r.status == "visas"
        assert (r.n_previous, r.n_current) == (n0, n1)
        assert r.positive_previous == pytest.approx(x0 / n0 * 100)
        assert r.change == pytest.approx((x1 / n1 - x0 / n0) * 100)
        lo, hi = _newcombe(x1, n1, x0, n0)
        assert (r.change_ci_low, r.change_ci_high) == pytest.approx((lo * 100, hi * 100), abs=1e-9)
        table = np.array([[x1, n1 - x1], [x0, n0 - x0]])
        assert r.p_value == pytest.approx(chi2_contingency(table, correction=False)[1])
        checked += 1
    assert checked == len(QUESTIONS) * 3


def test_two_proportion_test_is_pearsons_chi_square():
    z, p = two_proportion_test([30, 12, 0], [50, 40, 10], [20, 25, 0], [50, 45, 12])
    for i, (x1, n1, x2, n2) in enumerate([(30, 50, 20, 50), (12, 40, 25, 45)]):
        chi2, pv, _, _ = chi2_contingency(np.array([[x1, n1 - x1], [x2, n2 - x2]]), correction=False)
        assert (z[i] ** 2, p[i]) == pytest.approx((chi2, pv))
    assert (z[2], p[2]) == (0.0, 1.0)  # both 0 %: no difference, no evidence
    assert np.isnan(two_proportion_test(1, 0, 1, 5)[1])


# ---------------------------------------------------------------------------------------------
# anonymity in both rounds
# ---------------------------------------------------------------------------------------------
def test_a_group_hidden_in_either_round_has_no_change(two_rounds):
    before, now, prev, cur = two_rounds
    ch = rounds.change(cur, prev, current_label="2026", previous_label="2024").set_index(
        ["municipality_code", "question", "group"])
    threshold_note = "färre än 5 svar"
    for q in QUESTIONS:
        # Kil 2024: 4 förtroendevalda (hidden), so tjänstepersoner are hidden too (their sum is shown)
        _, n_fv_2024 = _expected_share(before, "Kil", "Förtroendevald", q)
        assert n_fv_2024 < 5
        fv, tp, alla = (ch.loc[("1715", q, g)] for g in ("förtroendevald", "tjänsteperson", "alla"))
        assert fv["status"] == "dold" and f"2024: {threshold_note}" in fv["note"]
        assert tp["status"] == "dold" and tp["note"].startswith("2024: dold")
        assert alla["status"] == "visas"
        # Hammarö 2026: 3 förtroendevalda (hidden now), shown in 2024
        h = ch.loc[("1761", q, "förtroendevald")]
        assert h["status"] == "dold" and h["note"] == f"2026: {threshold_note}"
        for row in (fv, tp, h):  # no number of any kind, not even n
            assert row[rounds._VALUES].isna().all()
            assert not any(c.isdigit() for c in row["note"].replace("2024", "").replace("2026", "")
                           .replace(threshold_note, ""))


def test_change_hides_what_each_rounds_own_plan_hides(two_rounds):
    from kommunanalys.anonymity import suppression_plan

    _, _, prev, cur = two_rounds
    ch = rounds.change(cur, prev, current_label="2026", previous_label="2024")
    plans = []
    for s in (prev, cur):
        plan = suppression_plan(s, questions=list(QUESTIONS))
        plans.append({(r.question, r.municipality_code, r.group) for r in plan.itertuples()
                      if r.suppressed and r.level in ("all", "role")})
    for r in ch[ch["question"].isin(QUESTIONS)].itertuples():
        hidden = any((r.question, r.municipality_code, r.group) in p for p in plans)
        assert (r.status == "dold") == hidden


# ---------------------------------------------------------------------------------------------
# interface
# ---------------------------------------------------------------------------------------------
def test_previous_rounds_are_given_as_label_and_file(tmp_path):
    assert rounds.parse_previous(["2024=a.csv", " 2022 = b.csv "]) == {"2024": "a.csv", "2022": "b.csv"}
    assert rounds.parse_previous({"2024": "a.csv"}) == {"2024": "a.csv"}
    with pytest.raises(InputError, match="ETIKETT=FIL"):
        rounds.parse_previous("export_2024.csv")
    with pytest.raises(InputError, match="två gånger"):
        rounds.parse_previous(["2024=a.csv", "2024=b.csv"])
    with pytest.raises(InputError, match="finns inte") as err:
        rounds.load_rounds({"2024": tmp_path / "saknas.csv"})
    assert "saknas.csv" in str(err.value)
    assert rounds.latest_label(["2022", "2024"]) == "2024"


def test_cli_takes_previous_rounds_and_comparison_groups():
    from kommunanalys.cli import build_parser

    args = build_parser().parse_args(["report", "--previous", "2024=a.csv", "--previous", "2022=b.csv",
                                      "--current-round", "2026", "--comparison-groups", "grupper.csv"])
    assert (args.previous, args.current_round, args.comparison_groups) == (
        ["2024=a.csv", "2022=b.csv"], "2026", "grupper.csv")


def test_the_trend_section_comes_after_who_answered():
    from kommunanalys.report.batch import _with_trends, default_plan

    plan = _with_trends(default_plan(), {"previous": {"2024": "/x.csv"}, "current_round": "2026"})
    assert [e.section for e in plan[:2]] == ["respondents", "trends"]
    assert plan[1].parameters == {"previous": {"2024": "/x.csv"}, "current_round": "2026"}


def test_deck_and_workbook_show_the_change_only_for_groups_shown_in_both_rounds(two_rounds, tmp_path):
    import openpyxl
    from pptx import Presentation

    from kommunanalys.report import write_deliverables

    _, _, prev, cur = two_rounds
    write_deliverables(tmp_path, survey=cur, municipality="1715", threshold=5, previous={"2024": prev},
                       current_round="2026")
    deck = Presentation(str(tmp_path / "presentation.pptx"))
    slide = next(s for s in deck.slides if s.shapes.title is not None
                 and s.shapes.title.text == "Förändring sedan 2024")
    table = next(sh.table for sh in slide.shapes if sh.has_table)
    cells = [[table.cell(i, j).text for j in range(3)] for i in range(1, len(table.rows))]
    shown = [c for c in cells if c[0].split(".")[0] in ("5", "6", "14")]
    assert len(shown) == 3 and all(c[1:] == ["–", "–"] for c in shown)  # both roles hidden in 2024
    assert all(c[1:] == ["frågan saknas"] * 2 for c in cells if c not in shown)  # not in the exports
    body = "\n".join(sh.text_frame.text for sh in slide.shapes if sh.has_text_frame)
    assert "färre än 5 svar" in body and "%" not in body.replace(slide.shapes.title.text, "")
    ws = openpyxl.load_workbook(tmp_path / "bilaga.xlsx")["Förändring"]
    rows = [r for r in ws.iter_rows(min_row=2, values_only=True) if r[2].split(". ")[0] in ("5", "6", "14")]
    assert len(rows) == len(QUESTIONS) * 3
    for r in rows:
        if r[3] in ("Förtroendevalda", "Tjänstepersoner"):
            assert all(v is None for v in r[6:13]) and r[13].startswith("2024:")
        else:
            assert isinstance(r[10], float) and r[13] in ("", None)


# ---------------------------------------------------------------------------------------------
# the demo's previous round
# ---------------------------------------------------------------------------------------------
def test_demo_previous_round_is_rebuilt_byte_identical(tmp_path):
    from kommunanalys.demo import build_previous_round

    assert build_previous_round(tmp_path / "r.csv").read_bytes() == paths.DEMO_PREVIOUS_EXPORT.read_bytes()


def _shares(path: Path, question: str, *, role: str | None = None, kommuner=None) -> float:
    inst = load_instrument()
    frame = pd.read_csv(path, sep=";", encoding="cp1252", dtype=str, keep_default_na=False)
    if role is not None:
        frame = frame[frame[inst["Q1"].label] == role]
    if kommuner is not None:
        frame = frame[frame["Kommun"].isin(kommuner)]
    answers = frame[inst[question].label]
    answers = answers[(answers != "") & (answers != "Vet ej")]
    return float(answers.isin(POSITIVE).mean() * 100)


def test_demo_shows_the_documented_changes_since_2024():
    now, before = paths.DEMO_EXPORT, paths.DEMO_PREVIOUS_EXPORT
    # built in (kommunanalys.demo.PREVIOUS_ROUND): trust up in Karlstad and Arvika, economy
    # follow-up up among tjänstepersoner, quality follow-up down in Kristinehamn, goals unchanged
    assert _shares(now, "Q14", kommuner=["Karlstad", "Arvika"]) - _shares(before, "Q14", kommuner=["Karlstad", "Arvika"]) > 8
    assert _shares(now, "Q10", role="Tjänsteperson") - _shares(before, "Q10", role="Tjänsteperson") > 8
    assert _shares(now, "Q12", kommuner=["Kristinehamn"]) - _shares(before, "Q12", kommuner=["Kristinehamn"]) < -10
    assert abs(_shares(now, "Q6") - _shares(before, "Q6")) < 5

    cur = load_survey(now, synthetic=True)
    prev = load_survey(before)
    ch = rounds.change(cur, prev, "1780", current_label="2026", previous_label="2024")
    trust = ch.query("question == 'Q14' and group == 'alla'").iloc[0]
    assert trust["status"] == "visas" and trust["change_ci_low"] > 0
    assert rounds.demo_rounds(None, None) == ({"2024": str(paths.DEMO_PREVIOUS_EXPORT)}, "2026")


# ---------------------------------------------------------------------------------------------
# comparison groups
# ---------------------------------------------------------------------------------------------
def test_comparison_groups_load_from_a_users_file():
    groups = load_comparison_groups(GROUPS)
    assert list(groups.columns) == ["municipality_code", "municipality_name", "group", "source_row"]
    raw = pd.read_csv(GROUPS, sep=";", dtype=str)
    assert dict(zip(groups["municipality_code"], groups["group"])) == dict(zip(raw["Kommunkod"], raw["Kommungrupp"]))
    assert comparison_for(groups, "1780") == ["1781", "1784"]
    assert comparison_for(groups, "1780", available=["1780", "1784"]) == ["1784"]
    assert comparison_for(groups, "1760") is None  # alone in its group
    assert comparison_for(groups, "1782") is None  # not in the file


@pytest.mark.parametrize("content, message, row, column, value", [
    ("Kommun;Kommungrupp\nKil;A\nGnarp;B\n", "okänd kommun", 3, "Kommun", "Gnarp"),
    ("Kommun;Kommungrupp\nKil;A\nEda;\n", "kommungruppen saknas", 3, "Kommungrupp", None),
    ("Kommun;Kommungrupp\n;A\n", "kommunen saknas", 2, "Kommun", None),
    ("Kommun;Kommungrupp\n1715;A\nKil;B\n", "två grupper", 3, "Kommungrupp", "B"),
    ("Kommun;Län\nKil;Värmland\n", "ingen kolumn för kommungruppen", None, None, None),
])
def test_comparison_group_file_errors_name_row_column_and_value(tmp_path, content, message, row, column, value):
    path = tmp_path / "grupper.csv"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(InputError, match=message) as err:
        load_comparison_groups(path)
    assert (err.value.row, err.value.column, err.value.value) == (row, column, value)
    assert err.value.file == str(path) and err.value.hint


def test_comparison_groups_become_each_municipalitys_benchmark(two_rounds):
    from kommunanalys import questions
    from kommunanalys.report.batch import _comparison_of

    _, _, _, cur = two_rounds  # Karlstad, Kil, Hammarö
    of = _comparison_of(GROUPS, cur)
    assert of == {"1715": ["1761"], "1761": ["1715"]}  # Karlstad's group partners are not in the survey
    bench = questions.benchmark(cur, "1715", "Q6", comparison=of["1715"])
    assert "jämförelsegrupp" in set(bench["group"])


# ---------------------------------------------------------------------------------------------
# the batch
# ---------------------------------------------------------------------------------------------
def test_batch_builds_the_trend_section_deck_slide_and_sheet(two_rounds, tmp_path):
    import concurrent.futures as cf
    import json

    import openpyxl
    from pptx import Presentation

    from kommunanalys.report import engine as engine
    from kommunanalys.report.batch import TRENDS_NOTEBOOK, PlanEntry, run_reports

    before, now, _, _ = two_rounds
    data, prev = _write(now, tmp_path / "r2026.csv"), _write(before, tmp_path / "r2024.csv")
    entry = PlanEntry(TRENDS_NOTEBOOK, section="trends", key="06_trends",
                      parameters={"previous": {"2024": str(prev)}, "current_round": "2026"})
    with cf.ThreadPoolExecutor(max_workers=1) as pool:  # a warm kernel in this process
        result = run_reports(data, out=tmp_path / "r", plan=[entry], progress=False, executor=pool,
                             municipalities=["1780"], formats=("html", "pptx", "xlsx"), previous={"2024": prev},
                             current_round="2026", comparison_groups=GROUPS)
    engine.shutdown_kernels()
    assert result.exit_code == 0, result.summary()
    folder = tmp_path / "r" / "1780-karlstad"
    html = (folder / "report.html").read_text(encoding="utf-8")
    assert "Förändring sedan 2024" in html and "Instämmer 2026" in html
    table = pd.read_csv(folder / "tables" / "forandring_1780.csv")
    assert set(table.loc[table["question"].isin(QUESTIONS), "status"]) == {"visas"}
    titles = [s.shapes.title.text for s in Presentation(str(folder / "presentation.pptx")).slides
              if s.shapes.title is not None]
    assert "Förändring sedan 2024" in titles
    assert "Förändring" in openpyxl.load_workbook(folder / "bilaga.xlsx").sheetnames
    every = openpyxl.load_workbook(tmp_path / "r" / "bilaga_alla_kommuner.xlsx")["Förändring"]
    codes = {r[0] for r in every.iter_rows(min_row=2, values_only=True)}
    assert codes == {"1715", "1761", "1780"}  # every municipality of the survey, as the other sheets
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["notebooks"][0]["parameters"]["current_round"] == "2026"


def test_batch_rejects_a_bad_previous_round_before_writing_anything(two_rounds, tmp_path):
    from kommunanalys.report.batch import run_reports
    from kommunanalys.errors import KommunanalysError

    _, now, _, _ = two_rounds
    data = _write(now, tmp_path / "r2026.csv")
    (tmp_path / "trasig.csv").write_text("a;b\n1;2\n", encoding="utf-8")
    for previous in ({"2024": tmp_path / "saknas.csv"}, {"2024": tmp_path / "trasig.csv"}, ["2024"]):
        with pytest.raises(KommunanalysError):
            run_reports(data, out=tmp_path / "r", plan=[], progress=False, jobs=1, previous=previous)
    assert not (tmp_path / "r").exists()


def test_the_report_table_shows_a_hidden_group_by_its_note_only(two_rounds):
    from kommunanalys.pages.rounds import build_trends, trend_sentence, trend_table

    _, _, prev, cur = two_rounds
    page = build_trends(cur, "1715", previous={"2024": prev}, current_label="2026")
    table = trend_table(page).reset_index()
    fv = table[(table["Fråga"].str.startswith("6.")) & (table["Grupp"] == "Förtroendevalda")].iloc[0]
    assert fv["Anmärkning"] == "2024: färre än 5 svar"
    assert (fv["Instämmer 2024"], fv["Instämmer 2026"], fv["95 % KI"], fv["Antal svar 2024 / 2026"]) == ("",) * 4
    alla = table[(table["Fråga"].str.startswith("6.")) & (table["Grupp"] == "Alla svarande")].iloc[0]
    assert alla["Instämmer 2026"].endswith(" %") and alla["Anmärkning"] == ""
    assert trend_sentence(page).startswith(("Ingen tydlig förändring sedan 2024", "Tydligast förändring sedan 2024"))
