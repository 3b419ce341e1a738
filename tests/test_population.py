"""Population file, response rates, finite population correction and weighting.

Independent references: response rates are recomputed with pandas from the respondents and the
file's rows; the finite population correction is checked against samplics' Taylor-series
variance of a proportion under simple random sampling with ``fpc`` (converted with Cochran's
relation between the variance and its unbiased estimator, Sampling Techniques 1977, §3.3) and
statsmodels' Wilson interval; the post-stratified share against samplics' ``poststratify``
weights and its stratified Taylor variance.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import kommunanalys as ka
from kommunanalys import demo, paths
from kommunanalys import population as P
from kommunanalys.errors import InputError
from kommunanalys.respondents import respondent_counts
from kommunanalys.stats import fpc_effective_n, wilson_interval

with warnings.catch_warnings():  # samplics announces that it is archived (FutureWarning)
    warnings.simplefilter("ignore")
    from samplics import PopParam, SampleWeight, TaylorEstimator
from statsmodels.stats.proportion import proportion_confint

ROLES = ("förtroendevald", "tjänsteperson")


@pytest.fixture(scope="module")
def survey():
    return ka.load_demo()


@pytest.fixture(scope="module")
def population():
    return P.read_population(paths.DEMO_POPULATION)


def _write(tmp_path, text: str, name: str = "pop.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


# ---------------------------------------------------------------------------------------------
# the file
# ---------------------------------------------------------------------------------------------
def test_demo_population_is_rebuilt_byte_identical(tmp_path):
    fresh = demo.build_demo_population(tmp_path / "pop.csv")
    assert fresh.read_bytes() == paths.DEMO_POPULATION.read_bytes()


def test_demo_population_is_consistent_with_the_demo_respondents(survey, population):
    r = survey.respondents
    tp = r[r["role"] == "tjänsteperson"]
    answered = pd.concat([r.groupby(["municipality_code", "role"], observed=True).size().rename_axis(["code", "group"]),
                          tp.groupby(["municipality_code", "subgroup"], observed=True).size()
                          .rename_axis(["code", "group"])])
    invited = population.set_index(["municipality_code", "group"])["invited"]
    joined = pd.concat([answered.rename("answered"), invited.rename("invited")], axis=1).dropna()
    assert len(joined) == 4 * 16  # fv, tp, chef, övrig in every municipality
    assert (joined["invited"] >= joined["answered"]).all()
    assert P.check_population(population, survey) == []
    # every row of the file accounted for
    raw = pd.read_csv(paths.DEMO_POPULATION, sep=";", encoding="cp1252", dtype=str)
    assert population.attrs["rows_in_file"] == len(raw) and population.attrs["empty_rows"] == 0


def test_a_role_is_the_sum_of_its_subgroups_when_not_given(tmp_path):
    path = _write(tmp_path, "kommun;roll;delgrupp;inbjudna\nHammarö;förtroendevalda;;61\n\n"
                            "1761;Tjänsteperson;chef i central förvaltning;20\n1761;tjänsteperson;övriga;100\n")
    pop = P.read_population(path)
    assert P.invited_counts(pop, "1761") == {"förtroendevald": 61, "chef i central förvaltning": 20,
                                             "övrig tjänsteperson": 100, "tjänsteperson": 120, "alla": 181}
    assert pop.attrs["rows_in_file"] == 4 and pop.attrs["empty_rows"] == 1


@pytest.mark.parametrize("text, row, column, value", [
    ("kommun;roll;antal\n1761;förtroendevald;5\n", None, "inbjudna", None),
    ("kommun;roll;inbjudna\n1761;förtroendevald;5\nGotham;tjänsteperson;7\n", 3, "kommun", "Gotham"),
    ("kommun;roll;inbjudna\n1761;politiker;5\n", 2, "roll", "politiker"),
    ("kommun;roll;inbjudna\n1761;förtroendevald;12,5\n", 2, "inbjudna", "12,5"),
    ("kommun;roll;inbjudna\n1761;förtroendevald;-3\n", 2, "inbjudna", "-3"),
    ("kommun;roll;inbjudna\n1761;förtroendevald;\n", 2, "inbjudna", ""),
    ("kommun;roll;delgrupp;inbjudna\n1761;förtroendevald;chef;5\n", 2, "delgrupp", "chef"),
    ("kommun;roll;delgrupp;inbjudna\n1761;tjänsteperson;rektorer;5\n", 2, "delgrupp", "rektorer"),
    ("kommun;roll;inbjudna\n1761;förtroendevald;5\nHammarö;Förtroendevalda;6\n", 3, "roll", "förtroendevald"),
    ("kommun;roll;delgrupp;inbjudna\n1761;tjänsteperson;;10\n1761;tjänsteperson;chef;8\n1761;tjänsteperson;övrig;3\n",
     4, "inbjudna", 3),
])
def test_loader_errors_name_file_row_column_value_and_fix(tmp_path, text, row, column, value):
    path = _write(tmp_path, text)
    with pytest.raises(InputError) as info:
        P.read_population(path)
    err = info.value
    assert err.file == str(path) and err.row == row and err.column == column and err.hint
    if value is not None:
        assert err.value == value
    assert "Så rättar du" in str(err)


def test_more_answered_than_invited_is_an_error_naming_the_row(tmp_path, survey):
    answered = int((survey.respondents.query("municipality_code == '1761'")["role"] == "förtroendevald").sum())
    path = _write(tmp_path, f"kommun;roll;inbjudna\n1761;tjänsteperson;500\n1761;förtroendevald;{answered - 1}\n")
    with pytest.raises(InputError) as info:
        P.check_population(P.read_population(path), survey)
    assert info.value.row == 3 and info.value.column == "inbjudna" and info.value.value == answered - 1
    # a municipality without a population is reported as missing, not as zero
    ok = P.read_population(_write(tmp_path, f"kommun;roll;inbjudna\n1761;förtroendevald;{answered}\n", "ok.csv"))
    notes = P.check_population(ok, survey)
    assert len(notes) == 15 and all("saknas" in n for n in notes)
    rates = P.response_rates(survey, ok, "1761")
    assert rates.set_index("group").loc["tjänsteperson", "rate_shown"] == "saknas"
    assert rates.set_index("group").loc["förtroendevald", "rate_shown"] == "100 %"


# ---------------------------------------------------------------------------------------------
# response rates and what they may show
# ---------------------------------------------------------------------------------------------
def test_response_rates_of_shown_groups_are_answered_over_invited(survey, population):
    r = survey.respondents
    for code in survey.municipality_codes:
        rates = P.response_rates(survey, population, code).set_index("group")
        pop = population[population["municipality_code"] == code].set_index("group")["invited"]
        mine = r[r["municipality_code"] == code]
        expected = {"alla": len(mine) / (pop["förtroendevald"] + pop["tjänsteperson"]),
                    **{g: (mine["role"] == g).sum() / pop[g] for g in ROLES},
                    **{g: (mine["subgroup"] == g).sum() / pop[g] for g in ("chef i central förvaltning",
                                                                           "övrig tjänsteperson")}}
        for group, value in expected.items():
            if group in rates.index and rates.loc[group, "suppressed"] == "" and pd.notna(rates.loc[group, "rate"]):
                assert rates.loc[group, "rate"] == pytest.approx(value)
                assert rates.loc[group, "invited_shown"] == str(pop.get(group, pop["förtroendevald"]
                                                                        + pop["tjänsteperson"]))


def test_a_hidden_groups_invited_count_and_rate_are_not_published(survey, population, tmp_path):
    seen_hidden = 0
    for code in survey.municipality_codes:
        counts = respondent_counts(survey, code).set_index("group")
        rates = P.response_rates(survey, population, code).set_index("group")
        pop = population[population["municipality_code"] == code].set_index("group")["invited"]
        for group, rec in counts.iterrows():
            if rec["suppressed"] and group != "alla":
                seen_hidden += 1
                assert pd.isna(rates.loc[group, "invited"]) and pd.isna(rates.loc[group, "rate"])
                assert rates.loc[group, "invited_shown"] == "dold" and rates.loc[group, "rate_shown"] == "dold"
        # nothing by subtraction: in a margin whose total's invited count is published, a hidden
        # group's invited count is never the only unknown, unless the group is large (hidden only
        # to protect another, so its own answers may be derived anyway)
        for total, parts in (("alla", ROLES), ("tjänsteperson", ("chef i central förvaltning", "övrig tjänsteperson"))):
            if total not in rates.index or pd.isna(rates.loc[total, "invited"]):
                continue
            unknown = [g for g in parts if g in pop.index and g in rates.index and pd.isna(rates.loc[g, "invited"])]
            if len(unknown) == 1:
                assert counts.loc[unknown[0], "suppressed"] == "secondary"
        # the hidden invited numbers appear nowhere in the page's table
        shown = P.format_response_rates(rates.reset_index())
        for group in rates.index[rates["invited_shown"] == "dold"]:
            assert str(int(pop[group])) not in shown.loc[counts.loc[group, "label"]].tolist()
    assert seen_hidden > 0  # the demo has hidden subgroups (Storfors, Munkfors …)


def test_a_single_invited_person_cannot_reveal_a_hidden_answer(tmp_path, instrument):
    """Chef with 1 invited and 1 answered, 'ej angivet' absent: the count must stay hidden."""
    from tests.conftest import make_export

    frame = make_export(instrument, n=40, municipalities=("Hammarö",))
    sub = instrument.subgroup_question.label if hasattr(instrument, "subgroup_question") else \
        next(q.label for q in instrument.questions if q.kind == "subgroup")
    tp = frame[next(q.label for q in instrument.questions if q.kind == "role")] == "Tjänsteperson"
    frame.loc[tp, sub] = "Nej"
    frame.loc[frame.index[tp][0], sub] = "Ja"  # exactly one chef
    path = tmp_path / "export.csv"
    frame.to_csv(path, sep=";", index=False)
    survey = ka.load_survey(path)
    n_tp = int((survey.respondents["role"] == "tjänsteperson").sum())
    pop = P.read_population(_write(tmp_path, "kommun;roll;delgrupp;inbjudna\n1761;förtroendevald;;40\n"
                                             f"1761;tjänsteperson;chef;1\n1761;tjänsteperson;övrig;{n_tp + 10}\n"))
    rates = P.response_rates(survey, pop, "1761").set_index("group")
    assert rates.loc["chef i central förvaltning", "shown"].startswith("färre än")
    assert rates.loc["chef i central förvaltning", "invited_shown"] == "dold"
    assert rates.loc["övrig tjänsteperson", "invited_shown"] == "dold"  # else tp − övrig = 1
    assert rates.loc["tjänsteperson", "invited_shown"] == str(n_tp + 11)


def test_low_response_rate_note_is_configurable(survey, population):
    rates = P.response_rates(survey, population, "1780")
    low = rates.loc[rates["low"], "group"].tolist()
    assert "tjänsteperson" in low  # the demo's Karlstad: about 24 % of invited tjänstepersoner
    assert any("tjänstepersoner" in n for n in P.low_rate_notes(rates))
    rates = P.response_rates(survey, population, "1780", low_rate=0.10)
    assert not rates["low"].any() and P.low_rate_notes(rates, low_rate=0.10) == []


def test_the_deck_and_workbook_flag_low_rates_with_the_batchs_limit(survey, population, tmp_path):
    """``--low-rate`` reaches the deck and the workbook as it reaches report.html: the content's
    rates equal response_rates at that limit, and the deck's respondents slide says it."""
    from pptx import Presentation

    from kommunanalys.report import gather, write_deliverables

    for limit in (0.10, 0.60):
        content = gather(survey, "1780", population=population, low_rate=limit)
        expected = P.response_rates(survey, population, "1780", low_rate=limit)
        assert content.rates["low"].tolist() == expected["low"].tolist()
    assert content.rates["low"].any()  # at 60 % some role of Karlstad is low
    written = write_deliverables(tmp_path, survey=survey, municipality="1780", threshold=None,
                                 formats=("pptx",), population=population, low_rate=0.60)
    text = " ".join(shape.text_frame.text for slide in Presentation(written[0]).slides for shape in slide.shapes
                    if shape.has_text_frame)
    assert "under 60 %" in text and "under 30 %" not in text


# ---------------------------------------------------------------------------------------------
# finite population correction
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("x, n, big", [(30, 45, 61), (12, 20, 200), (5, 9, 10), (80, 449, 1200), (1, 7, 8)])
def test_fpc_variance_agrees_with_samplics(x, n, big):
    y = np.r_[np.ones(x), np.zeros(n - x)]
    est = TaylorEstimator(PopParam.prop)
    est.estimate(y, samp_weight=np.full(n, big / n), fpc=1 - n / big)
    reference = float(est.variance[1.0])  # Cochran's unbiased estimate (N − n)/N · pq/(n − 1)
    p = x / n
    ours = p * (1 - p) / float(fpc_effective_n(n, big))  # pq/n · (N − n)/(N − 1)
    # Cochran (1977) §3.3: V = (N − n)/(N − 1) · PQ/n and v = (N − n)/N · pq/(n − 1), so at p = P
    # v · N(n − 1)/(n(N − 1)) = V
    assert ours == pytest.approx(reference * big * (n - 1) / (n * (big - 1)), rel=1e-12)


@pytest.mark.parametrize("x, n, big", [(30, 45, 61), (12, 20, 200), (0, 9, 10), (80, 449, 1200)])
def test_fpc_wilson_is_wilson_at_the_effective_n(x, n, big):
    eff = n * (big - 1) / (big - n)
    lo, hi = proportion_confint(x / n * eff, eff, alpha=0.05, method="wilson")
    ours = wilson_interval(x, n, population=big)
    assert (float(ours[0]), float(ours[1])) == pytest.approx((lo, hi), abs=1e-12)
    plain = wilson_interval(x, n)
    assert ours[1] - ours[0] < plain[1] - plain[0]  # narrower: a large part of N answered


def test_fpc_limits():
    lo, hi = wilson_interval(30, 45, population=45)  # a census: no sampling error
    assert float(lo) == float(hi) == pytest.approx(30 / 45)
    assert np.allclose(wilson_interval(30, 45, population=np.inf), wilson_interval(30, 45))
    assert np.allclose(wilson_interval([30, 3], [45, 9], population=[np.nan, np.nan]),
                       wilson_interval([30, 3], [45, 9]))
    with pytest.raises(InputError):
        fpc_effective_n(46, 45)


# ---------------------------------------------------------------------------------------------
# weighting
# ---------------------------------------------------------------------------------------------
def _positive_frame(survey, code, qid):
    q = survey.instrument[qid]
    resp = survey.responses
    part = resp[(resp["municipality_code"] == code) & (resp["question"] == qid)
                & (resp["answer_type"] == "substantive")]
    return part.assign(positive=(part["score"] > (q.scale.k + 1) / 2).astype(float))


def test_post_stratified_share_agrees_with_samplics(survey, population):
    code = "1780"
    invited = P.invited_counts(population, code)
    table = P.weighted_shares(survey, population, code).set_index("question")
    checked = 0
    for qid in table.index:
        frame = _positive_frame(survey, code, qid)
        role = frame["role"].astype(str).to_numpy()
        control = {g: invited[g] for g in ROLES}
        w = SampleWeight().poststratify(samp_weight=np.ones(len(frame)), control=control, domain=role)
        y = frame["positive"].to_numpy()
        share = (w * y).sum() / w.sum()
        kish = w.sum() ** 2 / (w ** 2).sum()
        assert table.loc[qid, "weighted_positive"] == pytest.approx(share * 100, rel=1e-9)
        assert table.loc[qid, "n_effective"] == pytest.approx(kish, rel=1e-9)
        # the stratified variance: samplics' Taylor estimate with per-role fpc, converted per role
        # as in test_fpc_variance_agrees_with_samplics
        n_h = {g: int((role == g).sum()) for g in ROLES}
        fpc = {g: (invited[g] - n_h[g]) / (invited[g] - 1) * (n_h[g] - 1) / n_h[g] for g in ROLES}
        est = TaylorEstimator(PopParam.mean)
        est.estimate(y, samp_weight=w, stratum=role, fpc=fpc)
        p_h = np.array([y[role == g].mean() for g in ROLES])
        mine = P.post_stratified_share(p_h, [n_h[g] for g in ROLES], [invited[g] for g in ROLES])
        assert mine["variance"] == pytest.approx(float(est.variance), rel=1e-9)
        assert mine["share"] == pytest.approx(float(est.point_est), rel=1e-12)
        checked += 1
    assert checked == len(survey.instrument.likert_questions)


def test_unweighted_whole_municipality_share_uses_the_fpc(survey, population):
    code = "1761"
    invited = P.invited_counts(population, code)
    table = P.weighted_shares(survey, population, code).set_index("question")
    for qid in table.index:
        frame = _positive_frame(survey, code, qid)
        x, n = int(frame["positive"].sum()), len(frame)
        assert table.loc[qid, "n"] == n and table.loc[qid, "positive"] == pytest.approx(x / n * 100)
        eff = n * (invited["alla"] - 1) / (invited["alla"] - n)
        lo, hi = proportion_confint(x / n * eff, eff, method="wilson")
        assert (table.loc[qid, "positive_ci_low"], table.loc[qid, "positive_ci_high"]) == pytest.approx(
            (lo * 100, hi * 100))


def test_no_weighted_figure_where_a_role_is_hidden(survey, population):
    from kommunanalys import questions

    found = 0
    for code in ("1715", "1730", "1760", "1762"):  # the smallest: roles below 10 answers
        roles = questions.summary(survey.subset(municipalities=code), by="role", threshold=10)
        hidden = set(roles.loc[roles["suppressed"], "question"])
        table = P.weighted_shares(survey, population, code, threshold=10).set_index("question")
        for qid in hidden:
            found += 1
            assert table.loc[qid, ["weighted_positive", "weighted_ci_low", "n_effective"]].isna().all()
            assert table.loc[qid, "note"]
        for qid in set(table.index) - hidden:
            assert pd.notna(table.loc[qid, "weighted_positive"])
    assert found > 0


# ---------------------------------------------------------------------------------------------
# the reports: notebook, index, deck, workbook, command line
# ---------------------------------------------------------------------------------------------
BATCH_DATA = paths.PROJECT_ROOT / "tests" / "data" / "batch_export.csv"  # Munkfors (1762): 3 förtroendevalda


def _batch_population(tmp_path, extra: int = 10):
    survey = ka.load_survey(BATCH_DATA)
    sizes = survey.respondents.groupby(["municipality_code", "role"], observed=True).size()
    lines = ["kommun;roll;delgrupp;inbjudna"]
    for (code, role), n in sizes.items():
        lines.append(f"{code};{role};;{n + (1 if role == 'förtroendevald' and code == '1762' else extra)}")
    return _write(tmp_path, "\n".join(lines) + "\n", "inbjudna.csv"), survey


@pytest.mark.slow
def test_reports_show_rates_and_never_a_hidden_groups_invited_count(tmp_path):
    import concurrent.futures as cf
    import re
    import shutil

    import openpyxl
    from pptx import Presentation

    from kommunanalys.report import engine as engine
    from kommunanalys.report.batch import PlanEntry, run_reports

    pop_path, survey = _batch_population(tmp_path)
    fv_invited = 3 + 1  # Munkfors: 3 förtroendevalda answered (hidden), 4 invited
    plan = [PlanEntry(str(paths.NOTEBOOKS_DIR / "00_respondents.ipynb"), section="respondents",
                      key="00_respondents")]
    out = tmp_path / "reports"
    with cf.ThreadPoolExecutor(max_workers=1) as pool:  # one warm kernel for both runs
        try:
            result = run_reports(BATCH_DATA, out=out, executor=pool, progress=False, plan=plan,
                                 municipalities=["1762"], population=pop_path)
            # a changed population (same file, new content) rebuilds the respondents section
            again_out = tmp_path / "again"
            shutil.copytree(out, again_out)
            again = run_reports(BATCH_DATA, out=again_out, executor=pool, progress=False, plan=plan,
                                municipalities=["1762"], formats=("html",),
                                population=_batch_population(tmp_path, extra=20)[0])
        finally:
            engine.shutdown_kernels()
    assert [nb.status for nb in again.municipalities[0].notebooks] == ["ok"]
    assert result.exit_code == 0, result.summary()
    folder = out / "1762-munkfors"
    rates = pd.read_csv(folder / "tables" / "svarsfrekvens.csv").set_index("group")
    assert rates.loc["förtroendevald", ["invited", "rate"]].isna().all()
    assert rates.loc["tjänsteperson", ["invited", "rate"]].isna().all()  # hidden to protect them
    n_all = int((survey.respondents["municipality_code"] == "1762").sum())
    assert rates.loc["alla", "rate"] == pytest.approx(n_all / (n_all - 3 + 10 + fv_invited))
    html = (folder / "report.html").read_text(encoding="utf-8")
    assert "Svarsfrekvens" in html and "Alla svarande, viktat efter inbjudna" in html
    index = (out / "index.html").read_text(encoding="utf-8")
    row = re.search(r'<tr id="k1762".*?</tr>', index, re.S).group(0)
    cells = re.findall(r"<td>([^<]*)</td>", row)
    assert cells[0].endswith("%)") and "(" not in cells[1] and "(" not in cells[2]
    sheet = openpyxl.load_workbook(folder / "bilaga.xlsx")["Svarande"]
    head = [c.value for c in sheet[1]]
    assert head[4:6] == ["Inbjudna", "Svarsfrekvens"]
    for rec in sheet.iter_rows(min_row=2, values_only=True):
        if rec[2] in ("Förtroendevalda", "Tjänstepersoner"):
            assert rec[3] is None and rec[4] is None and rec[5] is None
        if rec[2] == "Alla svarande":
            assert rec[5] == pytest.approx(rates.loc["alla", "rate"])
    deck = Presentation(folder / "presentation.pptx")
    text = next("\n".join(sh.text_frame.text for sh in s.shapes if sh.has_text_frame) for s in deck.slides
                if s.shapes.title is not None and s.shapes.title.text == "Vilken roll har du i kommunen?")
    fv_line = next(line for line in text.splitlines() if line.startswith("Förtroendevalda"))
    assert "inbjudna" not in fv_line and str(fv_invited) not in fv_line
    assert "inbjudna (" in text  # everyone's rate is there


def test_cli_validate_checks_the_population(tmp_path, capsys):
    from kommunanalys.cli import main

    pop_path, survey = _batch_population(tmp_path)
    assert main(["validate", str(BATCH_DATA), "--population", str(pop_path)]) == 0
    assert "Populationsfil" in capsys.readouterr().out
    bad = _write(tmp_path, "kommun;roll;inbjudna\n1762;förtroendevald;2\n", "bad.csv")
    assert main(["validate", str(BATCH_DATA), "--population", str(bad)]) == 2
    err = capsys.readouterr().err
    assert "rad 2" in err and "inbjudna" in err and "Så rättar du" in err and "Traceback" not in err
    assert main(["report", "--data", str(BATCH_DATA), "--population", str(bad), "--out", str(tmp_path / "r")]) == 2
    assert "rad 2" in capsys.readouterr().err and not (tmp_path / "r").exists()
    assert main(["report", "--low-rate", "120", "--out", str(tmp_path / "r")]) == 2
    assert "--low-rate" in capsys.readouterr().err
