"""Tests of the synthetic demo survey generator (kommunanalys.demo).

Expected values are recomputed here with pandas from the generated frame, never read back from
the generator's own bookkeeping.
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from kommunanalys import demo, paths
from kommunanalys.errors import InputError
from kommunanalys.instrument import load_instrument

SEED_DECK = Path(__file__).resolve().parents[2] / "shared" / "seeds" / "000_ee059c6f0fbdb9e2.txt"


@pytest.fixture(scope="module")
def instrument():
    return load_instrument()


@pytest.fixture(scope="module")
def frame():
    return demo.generate_survey()


@pytest.fixture(scope="module")
def frame_290():
    return demo.generate_survey("all")


@pytest.fixture(scope="module")
def null_290():
    return demo.generate_survey("all", effects=False, seed=11)


def _scores(frame: pd.DataFrame, instrument) -> pd.DataFrame:
    """Level codes 1..k per Likert question (NaN for Vet ej / skipped), plus group columns."""
    out = pd.DataFrame({
        q.id: frame[q.label].map({label: i for i, label in enumerate(q.scale.labels, start=1)})
        for q in instrument.likert_questions
    })
    role = frame[instrument["Q1"].label]
    chef = frame[instrument["Q2"].label] == "Ja"
    out["role"] = np.where(role == "Förtroendevald", "fv", "tp")
    out["group"] = np.where(role == "Förtroendevald", "fv", np.where(chef, "chef", "tp_other"))
    out["kommun"] = frame["Kommun"].to_numpy()
    return out


def _luhn_ok(pnr: str) -> bool:
    digits = [int(c) for c in re.sub(r"\D", "", pnr)]
    total = 0
    for i, d in enumerate(digits):
        d = d * 2 if i % 2 == 0 else d
        total += d - 9 if d > 9 else d
    return total % 10 == 0


# --- the committed file ---------------------------------------------------------------------------
def test_committed_export_is_byte_identical_to_a_fresh_build(tmp_path):
    fresh = demo.write_export(demo.generate_survey(), tmp_path / "demo.csv")
    assert paths.DEMO_EXPORT.read_bytes() == fresh.read_bytes(), (
        "data/demo/syntetisk_enkat_varmland.csv is stale: run `python -m kommunanalys.demo`"
    )


def test_build_demo_writes_the_same_bytes(tmp_path):
    out = demo.build_demo(tmp_path / "x.csv")
    assert out.read_bytes() == paths.DEMO_EXPORT.read_bytes()


def test_export_is_cp1252_semicolon_crlf(instrument):
    raw = paths.DEMO_EXPORT.read_bytes()
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")  # åäö are single cp1252 bytes, not UTF-8
    text = raw.decode("cp1252")
    assert not text.startswith("\ufeff")
    header = text.split("\r\n", 1)[0]
    assert header.split(";")[:3] == ["Respondent-ID", "Kommun", "Inskickad"]
    rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=";"))
    assert rows[0] == ["Respondent-ID", "Kommun", "Inskickad"] + [q.label for q in instrument.questions]
    assert len(rows) == 657 and all(len(r) == len(rows[0]) for r in rows)
    # every record ends with CRLF; bare LF only inside quoted comments
    assert text.endswith("\r\n") and text.count("\r\n") == 657
    read = pd.read_csv(paths.DEMO_EXPORT, sep=";", encoding="cp1252", dtype=str, keep_default_na=False)
    pd.testing.assert_frame_equal(read, demo.generate_survey())


def test_write_export_names_a_cell_it_cannot_encode(tmp_path):
    bad = pd.DataFrame({"Respondent-ID": ["R1"], "15. Kommentar": ["minus \u2212 och 🙂"]})
    with pytest.raises(InputError, match="15. Kommentar"):
        demo.write_export(bad, tmp_path / "bad.csv")
    assert demo.write_export(bad, tmp_path / "ok.csv", encoding="utf-8-sig").exists()


# --- who answered ---------------------------------------------------------------------------------
def test_seed_totals_exact(frame, instrument):
    role = frame[instrument["Q1"].label]
    sub = frame[instrument["Q2"].label]
    assert len(frame) == 656
    assert (role == "Förtroendevald").sum() == 207
    assert (role == "Tjänsteperson").sum() == 449
    assert ((role == "Tjänsteperson") & (sub == "Ja")).sum() == 81
    assert (sub[role == "Förtroendevald"] == "").all()
    assert sub[role == "Tjänsteperson"].isin(["Ja", "Nej"]).all()
    assert sorted(frame["Kommun"].unique()) == sorted(
        demo.allocate_respondents()["name"])
    assert frame["Respondent-ID"].is_unique
    assert frame["Respondent-ID"].str.fullmatch(r"R\d{6}").all()


def test_allocation_matches_frame_and_has_small_groups(frame, instrument):
    alloc = demo.allocate_respondents(demo.VARMLAND_CODES, seed=demo.DEMO_SEED).set_index("name")
    role = frame[instrument["Q1"].label]
    counted = pd.DataFrame({
        "fortroendevalda": (role == "Förtroendevald").groupby(frame["Kommun"]).sum(),
        "tjanstepersoner": (role == "Tjänsteperson").groupby(frame["Kommun"]).sum(),
        "chefer": (frame[instrument["Q2"].label] == "Ja").groupby(frame["Kommun"]).sum(),
    })
    pd.testing.assert_frame_equal(counted.sort_index(), alloc[counted.columns].sort_index(), check_names=False,
                                  check_dtype=False)
    assert alloc.loc[["Munkfors", "Storfors"], "chefer"].max() < 5
    assert 2 <= alloc["fortroendevalda"].between(5, 9).sum() <= 6
    assert alloc["fortroendevalda"].idxmax() == "Karlstad"
    assert (alloc["chefer"] < alloc["tjanstepersoner"]).all()


def test_all_290_municipalities(frame_290, instrument):
    assert frame_290["Kommun"].nunique() == 290
    per = frame_290.groupby("Kommun").size()
    assert per.mean() == pytest.approx(40, abs=0.5)
    assert per.min() >= 3
    assert frame_290["Respondent-ID"].is_unique
    role = frame_290[instrument["Q1"].label]
    assert ((role == "Förtroendevald").groupby(frame_290["Kommun"]).sum() >= 1).all()


def test_unknown_code_is_a_clear_error():
    with pytest.raises(InputError, match="9999"):
        demo.allocate_respondents(["9999"])


def test_codes_accept_ints_and_strings():
    a = demo.allocate_respondents([1761, "1780"], seed=3)
    assert a["municipality_code"].tolist() == ["1761", "1780"]
    assert a[["fortroendevalda", "tjanstepersoner"]].to_numpy().sum() == 80


# --- determinism ------------------------------------------------------------------------------------
def test_same_seed_same_frame_other_seed_other_frame(frame):
    pd.testing.assert_frame_equal(frame, demo.generate_survey(seed=demo.DEMO_SEED))
    other = demo.generate_survey(seed=demo.DEMO_SEED + 1)
    assert other.shape == frame.shape
    assert not other.equals(frame)


def test_submission_times_in_three_weeks_of_march(frame):
    t = pd.to_datetime(frame["Inskickad"], format="%Y-%m-%d %H:%M")
    assert t.min() >= pd.Timestamp("2024-03-01") and t.max() < pd.Timestamp("2024-04-01")
    assert (t.max() - t.min()) <= pd.Timedelta(days=21)
    assert t.is_monotonic_increasing and t.dt.normalize().nunique() >= 15


# --- answers and built-in effects --------------------------------------------------------------------
def test_answers_are_instrument_labels(frame, instrument):
    for q in instrument.likert_questions + instrument.of_kind("background"):
        allowed = set(q.scale.all_labels) | {""}
        assert set(frame[q.label]) <= allowed, q.id


def test_dont_know_and_skips_present(frame, instrument):
    role = frame[instrument["Q1"].label]
    cells = frame[[q.label for q in instrument.likert_questions]]
    dont_know = (cells == "Vet ej").to_numpy().mean()
    skipped = (cells == "").to_numpy().mean()
    assert 0.03 <= dont_know <= 0.08
    assert 0.01 <= skipped <= 0.03
    q12 = frame[instrument["Q12"].label] == "Vet ej"
    assert q12[role == "Förtroendevald"].mean() > q12[role == "Tjänsteperson"].mean()


def test_documented_role_and_subgroup_effects(frame, instrument):
    s = _scores(frame, instrument)
    by_role = s.groupby("role")[["Q6", "Q7", "Q8", "Q10", "Q12", "Q14"]].mean()
    for eff in demo.BUILT_IN_EFFECTS["role_differences"]:
        hi = "fv" if eff["higher"] == "förtroendevald" else "tp"
        lo = "tp" if hi == "fv" else "fv"
        assert by_role.loc[hi, eff["question"]] > by_role.loc[lo, eff["question"]] + 0.2, eff
    for eff in demo.BUILT_IN_EFFECTS["question_differences"]:
        for role in ("fv", "tp"):
            assert by_role.loc[role, eff["higher"]] > by_role.loc[role, eff["lower"]], (eff, role)
    by_group = s.groupby("group")["Q14"].mean()
    assert by_group.idxmin() == "chef"
    assert by_group["chef"] < by_group["tp_other"] < by_group["fv"]


def test_documented_municipality_effects(frame, instrument):
    s = _scores(frame, instrument)
    climate = s[["Q5", "Q6", "Q10", "Q12", "Q14"]].mean(axis=1).groupby(s["kommun"]).mean()
    assert climate.idxmax() == "Hammarö"
    gap = s.groupby(["kommun", "role"])["Q14"].mean().unstack()
    gap = gap["fv"] - gap["tp"]
    assert gap.idxmax() == "Kristinehamn"
    assert gap["Kristinehamn"] > gap.drop("Kristinehamn").max() + 0.3
    names = {e["name"] for e in demo.BUILT_IN_EFFECTS["municipality_effects"]}
    assert names == {"Hammarö", "Kristinehamn"}


def test_documented_correlations(frame, instrument):
    s = _scores(frame, instrument)[["Q5", "Q6", "Q7", "Q8", "Q10", "Q12", "Q14"]]
    rho = s.corr(method="spearman")
    assert rho.loc["Q14"].drop("Q14").idxmax() == "Q6"
    assert rho.loc["Q6", "Q14"] > 0.5
    for other in ("Q6", "Q10", "Q12", "Q14"):
        assert rho.loc["Q5", other] > 0.3, other
    weak = demo.BUILT_IN_EFFECTS["weakly_related"]
    for q in weak["questions"]:
        assert rho.loc[q, weak["to"]].max() < 0.25, q
    assert rho.loc["Q7", "Q8"] > 0.4
    assert s["Q7"].mean() > 3.5 and s["Q8"].mean() > s["Q7"].mean()


def test_effects_hold_in_a_290_municipality_survey(frame_290, instrument):
    s = _scores(frame_290, instrument)
    by_role = s.groupby("role")[["Q6", "Q10", "Q14"]].mean()
    assert by_role.loc["fv", "Q6"] > by_role.loc["tp", "Q6"]
    assert by_role.loc["tp", "Q10"] > by_role.loc["fv", "Q10"]
    p = stats.mannwhitneyu(s.loc[s.role == "fv", "Q14"].dropna(), s.loc[s.role == "tp", "Q14"].dropna()).pvalue
    assert p < 1e-10


def test_null_model_has_no_effects(null_290, instrument):
    s = _scores(null_290, instrument)
    likert = ["Q5", "Q6", "Q7", "Q8", "Q10", "Q12", "Q14"]
    for q in likert:
        fv, tp = s.loc[s.role == "fv", q].dropna(), s.loc[s.role == "tp", q].dropna()
        assert stats.mannwhitneyu(fv, tp).pvalue > 0.001, q
        chef, rest = s.loc[s.group == "chef", q].dropna(), s.loc[s.group != "chef", q].dropna()
        assert stats.mannwhitneyu(chef, rest).pvalue > 0.001, q
        assert stats.kruskal(*[g.dropna() for _, g in s.groupby("kommun")[q]]).pvalue > 0.001, q
    rho = s[likert].corr(method="spearman").to_numpy()
    assert np.abs(rho[np.triu_indices(len(likert), 1)]).max() < 0.05
    dk = (null_290[instrument["Q12"].label] == "Vet ej").groupby(s["role"]).mean()
    assert abs(dk["fv"] - dk["tp"]) < 0.02


# --- comments ---------------------------------------------------------------------------------------
def test_every_seed_quote_present_verbatim(frame, instrument):
    for qid, quotes in demo.SEED_QUOTES.items():
        column = frame[instrument[qid].label]
        for quote in quotes:
            assert (column == quote).sum() >= 1, quote
    assert [len(demo.SEED_QUOTES[q]) for q in ("Q11", "Q13", "Q15")] == [5, 6, 7]


@pytest.mark.skipif(not SEED_DECK.exists(), reason="the seed deck is not beside this checkout")
def test_seed_quotes_are_verbatim_from_the_seed_deck():
    deck = " ".join(SEED_DECK.read_text(encoding="utf-8").split())
    for quotes in demo.SEED_QUOTES.values():
        for quote in quotes:
            assert quote in deck, quote


def test_politicians_quote_goes_to_a_politician(frame, instrument):
    quote = next(q for q in demo.SEED_QUOTES["Q13"] if "oss politiker" in q)
    who = frame.loc[frame[instrument["Q13"].label] == quote, instrument["Q1"].label]
    assert set(who) == {"Förtroendevald"}


def test_comment_rates_and_tone(frame, instrument):
    for q in instrument.comment_questions():
        rate = (frame[q.label] != "").mean()
        assert 0.15 <= rate <= 0.25, (q.id, rate)
    # more comments after low answers than after high ones (pooled over the four questions)
    low = high = low_n = high_n = 0
    for q in instrument.comment_questions():
        about = instrument[q.comments]
        code = frame[about.label].map({lab: i for i, lab in enumerate(about.scale.labels, 1)})
        wrote = frame[q.label] != ""
        low += wrote[code <= 2].sum(); low_n += (code <= 2).sum()
        high += wrote[code >= 4].sum(); high_n += (code >= 4).sum()
    assert low / low_n > high / high_n


def test_planted_personal_data_and_lookalikes_present(frame):
    text = "\n".join(frame.to_numpy().ravel())
    types = {item["type"] for item in demo.PLANTED_PERSONAL_DATA}
    assert {"name", "phone", "email", "personnummer", "address"} <= types
    assert 6 <= len({(i["question"], i["value"]) for i in demo.PLANTED_PERSONAL_DATA}) <= 12
    for item in demo.PLANTED_PERSONAL_DATA + demo.PLANTED_LOOKALIKES:
        assert item["value"] in text, item
    pnr = [i["value"] for i in demo.PLANTED_PERSONAL_DATA if i["type"] == "personnummer"]
    assert pnr and all(re.fullmatch(r"\d{6}-\d{4}", p) and _luhn_ok(p) for p in pnr)
    assert "Eva Karlssons" in text  # the genitive form
    assert "kommundirektör Lars Pettersson" in text
    assert any(i["value"].endswith("@example.com") for i in demo.PLANTED_PERSONAL_DATA)


def test_everything_is_cp1252(frame):
    for value in frame.to_numpy().ravel():
        value.encode("cp1252")


def test_cli_writes_a_subset(tmp_path, capsys):
    out = tmp_path / "two.csv"
    assert demo.main(["--out", str(out), "--municipalities", "1761,1780", "--seed", "5"]) == 0
    read = pd.read_csv(out, sep=";", encoding="cp1252", dtype=str, keep_default_na=False)
    assert set(read["Kommun"]) == {"Hammarö", "Karlstad"}
    assert "synthetic" in capsys.readouterr().out
    assert demo.main(["--out", str(out), "--municipalities", "0000"]) == 2
