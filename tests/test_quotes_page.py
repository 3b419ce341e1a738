"""The quotes page and notebooks/02_quotes.ipynb: screened, anonymous, in the seed's style."""

from __future__ import annotations

import json
import re

import matplotlib

matplotlib.use("Agg")

import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from matplotlib.axes import Axes  # noqa: E402

from kommunanalys import demo, paths  # noqa: E402
from kommunanalys.errors import InputError  # noqa: E402
from kommunanalys.loader import load_survey  # noqa: E402
from kommunanalys.pages.quotes import (  # noqa: E402
    build_quotes,
    quotes_for_question,
    screened_comments,
    show_quotes,
    show_quotes_for_question,
    show_theme_counts,
)
from kommunanalys.review import comment_keys  # noqa: E402
from kommunanalys.report.engine import IPCKernelManager  # noqa: E402

NOTEBOOK = paths.NOTEBOOKS_DIR / "02_quotes.ipynb"
VARMLAND = sorted(pd.read_csv(paths.MUNICIPALITIES_FILE, dtype=str).query("county_code == '17'")["code"])
ROLES = ("förtroendevald", "tjänsteperson")
pytestmark = pytest.mark.skipif(not paths.DEMO_EXPORT.exists(), reason="the demo export is not built yet")


@pytest.fixture(scope="module")
def survey():
    return load_survey(paths.DEMO_EXPORT)


# ---------------------------------------------------------------------------------------------
# Independent checks
# ---------------------------------------------------------------------------------------------
def planted_leaks(text: str) -> list[str]:
    """Planted values in ``text`` (case-insensitive), and surnames of planted names as words."""
    lower = text.lower()
    leaks = [p["value"] for p in demo.PLANTED_PERSONAL_DATA if p["value"].lower() in lower]
    for p in demo.PLANTED_PERSONAL_DATA:
        if p["type"] == "name":
            surname = p["value"].split()[-1].lower()
            if re.search(rf"\b{re.escape(surname)}s?\b", lower):
                leaks.append(surname)
    return leaks


def substantive_role_sizes(survey, municipality: str, question: str) -> dict[str, int]:
    """Substantive answers per role, recomputed from the responses."""
    r = survey.responses
    r = r[(r["municipality_code"] == municipality) & (r["question"] == question)
          & (r["answer_type"] == "substantive")]
    return {role: int((r["role"] == role).sum()) for role in ROLES}


def assert_attribution_allowed(survey, page) -> None:
    """A role is shown only when both role groups are empty or at/above the threshold."""
    for about, part in page.quotes.groupby("about"):
        sizes = substantive_role_sizes(survey, page.municipality, about)
        shown = part[part["role_shown"]]
        for role in shown["role"].unique():
            assert sizes[role] >= page.threshold, (page.municipality, about, role, sizes)
            other = [r for r in ROLES if r != role][0]
            # the other role could be derived by elimination otherwise
            assert sizes[other] == 0 or sizes[other] >= page.threshold, (page.municipality, about, sizes)
        assert part.loc[~part["role_shown"], "role"].isna().all()


def _tables_text(output_dir) -> tuple[dict[str, pd.DataFrame], str]:
    files = sorted((output_dir / "tables").glob("*.csv"))
    tables = {p.stem: pd.read_csv(p, dtype={"municipality_code": str}) for p in files}
    return tables, "\n".join(p.read_text(encoding="utf-8") for p in files)


# ---------------------------------------------------------------------------------------------
# The page, every demo municipality
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("municipality", VARMLAND)
def test_demo_page_has_no_planted_personal_data(survey, municipality, tmp_path):
    assert survey.municipality_codes == VARMLAND
    page = build_quotes(survey, municipality)
    markdown = show_quotes(page, output_dir=tmp_path)
    ax = show_theme_counts(page, output_dir=tmp_path)
    assert isinstance(ax, Axes)
    tables, table_text = _tables_text(tmp_path)
    assert set(tables) == {f"citat_{municipality}", f"citat_teman_{municipality}"}
    assert planted_leaks(markdown) == []
    assert planted_leaks(table_text) == []
    assert planted_leaks(" ".join(page.quotes["text"])) == []
    assert planted_leaks(page.quotes.to_csv()) == []

    # nothing respondent-level or raw in the tables
    raw = survey.comments[survey.comments["municipality_code"] == municipality]
    for rid in raw["respondent_id"]:
        assert rid not in table_text
    assert not {"respondent_id", "comment_key", "original", "subgroup"} & set(tables[f"citat_{municipality}"].columns)
    screened = screened_comments(survey, municipality)
    assert set(page.quotes["text"]) <= set(screened["text"])
    altered = raw["text"].to_numpy() != screened["text"].to_numpy()
    for original in raw["text"][altered]:  # the raw text of every comment screening changed
        assert original not in table_text and original not in markdown

    # look-alikes in the selected quotes stay as written
    keys = comment_keys(raw)
    chosen = set(page.quotes["comment_key"])
    for lookalike in demo.PLANTED_LOOKALIKES:
        for key, text in zip(keys, raw["text"]):
            if lookalike["value"] in text and key in chosen:
                quote = page.quotes.loc[page.quotes["comment_key"] == key, "text"].iloc[0]
                assert lookalike["value"] in quote, (lookalike, quote)
                assert lookalike["value"] in markdown

    assert_attribution_allowed(survey, page)
    # each comment once per question, at most n per question and theme, ranks 1..k
    assert not page.quotes.duplicated(["about", "comment_key"]).any()
    assert page.quotes.groupby(["about", "theme"]).size().max() <= 5
    for _, part in page.quotes.groupby(["about", "theme"]):
        assert list(part["rank"]) == list(range(1, len(part) + 1))
    # the seed's style: question heading, theme subheading, "– text (role)"
    assert "## Citat ur enkäten" in markdown
    for about in page.quotes["about"].unique():
        assert f"### {survey.instrument[about].label}" in markdown
    for theme in page.quotes["theme"].unique():
        assert f"#### {theme}" in markdown
    attributed = page.quotes["role_shown"].sum()
    assert markdown.count(" (förtroendevald)") + markdown.count(" (tjänsteperson)") == attributed
    assert markdown.count("\n– ") == len(page.quotes)


def test_a_small_role_is_never_attributed(survey, tmp_path):
    # Munkfors: 6 förtroendevalda, 13 tjänstepersoner
    sizes = survey.municipalities().set_index("code").loc["1762"]
    assert (sizes["förtroendevald_n"], sizes["tjänsteperson_n"]) == (6, 13)
    page = build_quotes(survey, "1762", threshold=7)
    markdown = show_quotes(page, output_dir=tmp_path)
    assert not page.quotes.empty
    assert not (page.quotes["role"] == "förtroendevald").any()
    assert "(förtroendevald)" not in markdown
    # attributing the tjänstepersoner would reveal the rest as förtroendevalda: hidden too
    assert not page.quotes["role_shown"].any() and "(tjänsteperson)" not in markdown
    assert "Rollen visas inte" in markdown
    assert_attribution_allowed(survey, page)
    counts = page.counts.set_index(["group", "theme"])
    assert counts.loc["förtroendevald", "suppressed"].all()
    assert counts.loc["förtroendevald", "n_comments"].isna().all()
    assert counts.loc["alla", "n_comments"].notna().all()
    show_theme_counts(page, output_dir=tmp_path)
    tables, _ = _tables_text(tmp_path)
    small = tables["citat_teman_1762"]
    small = small[small["group"] == "förtroendevald"]  # 6 < 7
    assert small["suppressed"].all() and small["n_comments"].isna().all() and small["note"].str.len().gt(0).all()
    # a hidden group's size is written as its note, never as a number (issue 12)
    assert (small["n"].astype(str) == small["note"]).all()


def test_roles_shown_with_the_default_threshold(survey):
    page = build_quotes(survey, "1780")
    assert set(page.quotes.loc[page.quotes["role_shown"], "role"]) == set(ROLES)
    assert_attribution_allowed(survey, page)


def test_no_quotes_when_the_whole_group_is_small(survey):
    page = build_quotes(survey, "1760", threshold=40)  # Storfors has fewer answers than 40
    assert page.quotes.empty
    markdown = show_quotes(page)
    assert "inga citat visas" in markdown and "\n– " not in markdown


def test_theme_and_question_filters(survey):
    page = build_quotes(survey, "1780", theme="roller_tillit")
    assert (page.quotes["theme"] == "Roller och tillit").all() and not page.quotes.empty
    for question in ("Q12", "Q13"):
        quotes = quotes_for_question(survey, "1780", question)
        assert (quotes["about"] == "Q12").all() and (quotes["question"] == "Q13").all() and not quotes.empty
    with pytest.raises(InputError, match="unknown theme") as info:
        build_quotes(survey, "1780", theme="Ekonomi")
    assert "Ekonomi & uppföljning" in str(info.value)
    with pytest.raises(InputError, match="no comments belong") as info:
        quotes_for_question(survey, "1780", "Q5")
    assert "Q6" in str(info.value)


def test_show_quotes_for_question(survey, tmp_path):
    text = show_quotes_for_question(survey, "1761", "Q14", output_dir=tmp_path)
    assert text.startswith("### Citat ur enkäten") and "\n#### Roller och tillit\n" in text and "#####" not in text
    assert (tmp_path / "tables" / "citat_Q14_1761.csv").exists()
    assert planted_leaks(text) == []


def test_selection_is_reproducible(survey):
    first = build_quotes(survey, "1784").quotes
    second = build_quotes(survey, "1784").quotes
    pd.testing.assert_frame_equal(first, second)


def test_theme_counts_recomputed(survey):
    page = build_quotes(survey, "1761")
    counts = page.counts.set_index(["group", "theme"])
    comments = survey.comments[survey.comments["municipality_code"] == "1761"]
    economy = comments["text"].str.contains(r"\b(?:budget|kostnad|uppfölj|analys|ekonom)", case=False, regex=True)
    assert counts.loc[("alla", "Ekonomi & uppföljning"), "n_comments"] >= economy.sum()
    assert counts.loc[("alla", "Ekonomi & uppföljning"), "n_total"] == len(comments)
    for role in ROLES:
        assert counts.loc[(role, "Målstyrning"), "n_total"] == (comments["role"] == role).sum()


# ---------------------------------------------------------------------------------------------
# The notebook
# ---------------------------------------------------------------------------------------------
def test_notebook_is_thin():
    nb = json.loads(NOTEBOOK.read_text(encoding="utf-8"))
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    params = [c for c in code if "parameters" in c["metadata"].get("tags", [])]
    assert len(params) == 1
    source = "".join(params[0]["source"])
    for line in ('municipality = "1761"', "data = None", "output_dir = None", "anonymity_threshold = 5",
                 "interactive = True", "theme = None", "review_file = None"):
        assert line in source
    for cell in code[2:]:
        text = "".join(cell["source"])
        assert text.startswith("# NBVAL_IGNORE_OUTPUT")
        assert text.rstrip().endswith(";")
        assert "def " not in text and "/" not in text and "=" not in text.split("\n")[-1].split("(")[0]


@pytest.mark.slow
def test_notebook_runs_without_planted_personal_data(tmp_path):
    papermill = pytest.importorskip("papermill")
    out_dir = tmp_path / "out"
    executed = tmp_path / "executed.ipynb"
    papermill.execute_notebook(str(NOTEBOOK), str(executed),
                               parameters={"municipality": "1762", "interactive": False,
                                           "output_dir": str(out_dir)},
                               cwd=str(paths.PROJECT_ROOT), progress_bar=False, kernel_name="python3",
                               kernel_manager_class=IPCKernelManager)
    nb = json.loads(executed.read_text(encoding="utf-8"))
    outputs = []
    for cell in nb["cells"]:
        for output in cell.get("outputs", []):
            outputs.append(json.dumps(output, ensure_ascii=False))
    text = "\n".join(outputs)
    assert "Citat ur enkäten – Munkfors" in text
    assert "Traceback" not in text and "papermill-error-cell-tag" not in executed.read_text(encoding="utf-8")
    assert planted_leaks(text) == []
    assert planted_leaks(executed.read_text(encoding="utf-8")) == []
    tables, table_text = _tables_text(out_dir)
    assert set(tables) == {"citat_1762", "citat_teman_1762"}
    assert planted_leaks(table_text) == []


@pytest.mark.parametrize("municipality,placeholder", [("1715", "[e-post]"), ("1715", "[telefon]")])
def test_planted_comments_are_quoted_masked(survey, municipality, placeholder):
    """The checks above are not vacuous: comments with planted data are quoted, masked."""
    page = build_quotes(survey, municipality)
    assert any(placeholder in text for text in page.quotes["text"])
    assert placeholder in show_quotes(page)


def test_planted_personnummer_is_masked_and_its_role_not_shown(survey):
    """1782: the personnummer sits in a comment of one of only 2 förtroendevalda commenting on Q6:
    masked, and (comment threshold, issue 12) without its role."""
    comments = screened_comments(survey, "1782", question="Q6")
    planted = comments[comments["text"].str.contains("[personnummer]", regex=False)]
    assert len(planted) == 1 and not planted["role_shown"].any()
    assert (comments["role"] == "förtroendevald").sum() < 5


def test_a_masked_name_with_a_position_waits_for_review(survey):
    """"[namn] sätt att leda kommunstyrelsen" still points at one person: held like "vår kommundirektör"."""
    raw = survey.comments[survey.comments["municipality_code"] == "1766"]
    planted = [t for t in raw["text"] if "sätt att leda kommunstyrelsen" in t]
    assert planted  # the demo plants it; the check below is not vacuous
    page = build_quotes(survey, "1766")
    assert not any("sätt att leda kommunstyrelsen" in text for text in page.quotes["text"])
    assert page.review_counts.get("väntar", 0) >= 1


def test_position_references_wait_for_review(survey):
    page = build_quotes(survey, "1780")
    assert page.review_counts["väntar"] >= 1
    assert "väntar på granskning" in show_quotes(page)
    flagged = screened_comments(survey, "1780").query("review_flags != ''")
    assert not set(flagged["comment_key"]) & set(page.quotes["comment_key"])


def test_interactive_view_only_in_a_kernel(survey):
    from kommunanalys.pages.quotes import interactive_view

    assert interactive_view(survey, municipality="1761") is None
    assert interactive_view(survey, municipality="1761", enabled=False) is None


def test_near_duplicates():
    from kommunanalys.quotes import near_duplicate

    base = "Som ny ledamot är det svårt att förstå hur målen ska omsättas i verksamheten."
    assert near_duplicate(base, base + " Tyvärr.")
    assert near_duplicate("Vi pratar om ”tillit” men det är kontroll som gäller.",
                          "Vi pratar om tillit, men det är kontroll som gäller!")
    assert not near_duplicate(base, "Den ekonomiska uppföljningen är en styrka i vår kommun.")


def test_no_near_duplicate_quotes_under_a_question(survey):
    """The demo's comments hold near-duplicates (a sentence added); no question's quotes do."""
    from kommunanalys.quotes import near_duplicate

    pairs = 0
    for code in survey.municipality_codes:
        comments = survey.comments[survey.comments["municipality_code"] == code]
        for _, part in comments.groupby("about"):
            texts = list(part["text"])
            pairs += sum(near_duplicate(a, b) for i, a in enumerate(texts) for b in texts[i + 1:])
        quotes = build_quotes(survey, code).quotes
        for _, part in quotes.groupby("about"):
            texts = list(part["text"])
            assert not any(near_duplicate(a, b) for i, a in enumerate(texts) for b in texts[i + 1:]), code
    assert pairs > 0  # not vacuous


def test_in_a_report_the_quotes_page_points_to_the_questions(survey):
    from kommunanalys.pages.quotes import IN_REPORT_NOTE

    page = build_quotes(survey, "1780")
    text = show_quotes(page, in_report=True)
    assert IN_REPORT_NOTE in text
    assert not any(q in text for q in page.quotes["text"])


def test_pages_of_two_themes_write_different_tables(survey, tmp_path):
    """A report runs the quotes notebook once per theme: each run's tables have their own names."""
    written = {}
    for theme in ("Ekonomi & uppföljning", "roller_tillit"):
        out = tmp_path / theme.replace(" ", "_").replace("&", "och")
        page = build_quotes(survey, "1761", theme=theme)
        show_quotes(page, output_dir=out)
        show_theme_counts(page, output_dir=out)
        written[theme] = {p.stem for p in (out / "tables").iterdir()}
    assert written["Ekonomi & uppföljning"] == {"citat_ekonomi_uppfoljning_1761", "citat_teman_ekonomi_uppfoljning_1761"}
    assert written["roller_tillit"] == {"citat_roller_tillit_1761", "citat_teman_roller_tillit_1761"}


def test_near_duplicate_is_the_larger_of_ratio_and_containment(survey):
    """near_duplicate skips difflib's full ratio when its upper bounds are under the limit: on every
    pair of the demo's comments on a question it says what the plain definition says (difflib's
    ratio on the normalised words, or the share of the shorter quote's stemmed words in the other)."""
    from difflib import SequenceMatcher

    from kommunanalys.quotes import NEAR_DUPLICATE, _TOKEN_RE, _tokens, near_duplicate

    def plain(a: str, b: str) -> bool:
        wa, wb = _TOKEN_RE.findall(a.lower()), _TOKEN_RE.findall(b.lower())
        if not wa or not wb:
            return a.strip() == b.strip()
        ratio = SequenceMatcher(None, " ".join(wa), " ".join(wb), autojunk=False).ratio()
        ta, tb = set(_tokens(a)), set(_tokens(b))
        small, large = (ta, tb) if len(ta) <= len(tb) else (tb, ta)
        return max(ratio, len(small & large) / len(small) if small else 0.0) >= NEAR_DUPLICATE

    said = []
    for code in survey.municipality_codes[:6]:
        comments = survey.comments[survey.comments["municipality_code"] == code]
        for _, part in comments.groupby("about"):
            texts = list(part["text"])
            for i, a in enumerate(texts):
                for b in texts[i + 1:]:
                    assert near_duplicate(a, b) == plain(a, b), (a, b)
                    said.append(plain(a, b))
    assert any(said) and not all(said)  # both answers occur


def test_quotes_of_a_reused_survey_are_those_of_a_fresh_one():
    """The per-survey memo of the marked comments and the attribution plan: the pages a report
    asks for one after another on one survey hold the quotes (same rows, same order) and the counts
    of each page computed alone on a survey just loaded."""
    from kommunanalys.pages.quotes import theme_counts_for
    from kommunanalys.themes import load_themes

    reused = load_survey(paths.DEMO_EXPORT)
    code = reused.municipality_codes[1]
    calls = [dict(theme=t.name) for t in load_themes(None)[:3]] + [dict(question="Q12"), dict()]
    for kwargs in calls + calls[::-1]:
        page = build_quotes(reused, code, **kwargs)
        fresh = build_quotes(load_survey(paths.DEMO_EXPORT), code, **kwargs)
        pd.testing.assert_frame_equal(page.quotes, fresh.quotes)
        pd.testing.assert_frame_equal(page.counts, fresh.counts)
        pd.testing.assert_frame_equal(page.attribution, fresh.attribution)
    pd.testing.assert_frame_equal(theme_counts_for(reused, code, question="Q12"),
                                  theme_counts_for(load_survey(paths.DEMO_EXPORT), code,
                                                   question="Q12"))
