"""Tests for kommunanalys.themes: the codebook, coding and counts."""

from __future__ import annotations

import pandas as pd
import pytest

from kommunanalys.errors import InputError
from kommunanalys.themes import NO_THEME, code_themes, load_themes, theme_counts, uncoded

EKONOMI = "Ekonomi & uppföljning"
ROLLER = "Roller och tillit"
MAL = "Målstyrning"
KULTUR = "Kultur & effektivitet"
DIALOG = "Dialog och samverkan"

# Quotes from the seed deck (and two short ones), with the themes they should get: labelled by
# hand from the themes' descriptions, not by running the code.
LABELLED = [
    ("Budgeten har alldeles för stor felprocent. Det som är beslutat att utföras, kommer ofta "
     "inte till stånd.", {EKONOMI}),
    ("Tillitsbristen ligger inte mellan tjänstemännen och förtroendevalda utan mellan styre och "
     "opposition.", {ROLLER}),
    ("Vi har kloka och duktiga ekonomer som också har tålamod nog att förklara!", {EKONOMI}),
    ("Löpande under året ligger fokus nästan enbart på ekonomisk uppföljning, inte på "
     "målstyrning (som redovisas endast vid bokslut).", {EKONOMI, MAL}),
    ("Det har blivit mindre och näst intill inga tillfällen för politiker och tjänstemän att ta "
     "del av varandras perspektiv.", {ROLLER, DIALOG}),
    ("Alla organisationer är en egen kultur.", {KULTUR}),
    ("Skulle kunna kompletteras mer forum där vi djupare analyserar hur olika ekonomiska faktorer "
     "påverkar varandra mellan förvaltningar, mer helhet isf stuprör.", {EKONOMI, DIALOG, KULTUR}),
    ("Viktigt som tjänsteperson att politiken sätter mål och inriktningar.", {ROLLER, MAL}),
    ("Kvalitetsarbetet får tyvärr stå åt sidan för arbete med ekonomiska analyser.", {EKONOMI}),
    ("Bra.", set()),
    ("Vet ej.", set()),
]


@pytest.fixture()
def comments() -> pd.DataFrame:
    roles = ["förtroendevald", "tjänsteperson"]
    return pd.DataFrame(
        {
            "respondent_id": [f"r{i}" for i in range(len(LABELLED))],
            "role": [roles[i % 2] for i in range(len(LABELLED))],
            "question": "Q11",
            "text": [text for text, _ in LABELLED],
        }
    )


def test_default_codebook():
    themes = load_themes()
    names = [t.name for t in themes]
    assert names[:2] == [EKONOMI, ROLLER]
    assert {EKONOMI, ROLLER, MAL, KULTUR, DIALOG} <= set(names)
    assert all(t.description and t.patterns for t in themes)


def test_code_themes_matches_hand_labels(comments):
    coded = code_themes(comments)
    for position, (_, expected) in enumerate(LABELLED):
        got = set(coded.loc[coded["comment_id"] == position, "theme"].dropna())
        assert got == expected, LABELLED[position][0]


def test_uncoded_rows_are_kept_as_na(comments):
    coded = code_themes(comments)
    empty = uncoded(coded)
    assert empty["text"].tolist() == ["Bra.", "Vet ej."]
    assert coded["comment_id"].nunique() == len(comments)
    dropped = code_themes(comments, include_uncoded=False)
    assert dropped["theme"].notna().all()
    assert set(dropped["comment_id"]) == set(range(len(comments))) - {9, 10}


def test_matched_words_are_reported(comments):
    coded = code_themes(comments)
    row = coded[(coded["comment_id"] == 1) & (coded["theme"] == ROLLER)].iloc[0]
    assert row["matched"] == "tillitsbristen; tjänstemännen; förtroendevalda; styre; opposition"


def test_theme_counts_against_pandas(comments):
    coded = code_themes(comments)
    counts = theme_counts(coded, by=("role",))
    # Independent recomputation from the hand labels.
    expected = []
    for role in ["förtroendevald", "tjänsteperson"]:
        members = [i for i in range(len(LABELLED)) if comments.at[i, "role"] == role]
        for theme in [EKONOMI, ROLLER, MAL, KULTUR, DIALOG, NO_THEME]:
            n = sum(1 for i in members if (theme in LABELLED[i][1]) or
                    (theme == NO_THEME and not LABELLED[i][1]))
            if n:
                expected.append((role, theme, n, len(members)))
    got = list(counts[["role", "theme", "n_comments", "n_total"]].itertuples(index=False, name=None))
    assert got == expected
    assert counts["share"].tolist() == pytest.approx([n / t for _, _, n, t in expected])


def test_theme_counts_totals_and_without_uncoded(comments):
    coded = code_themes(comments)
    totals = theme_counts(coded, by=())
    assert totals.set_index("theme").at[EKONOMI, "n_comments"] == 5
    assert (totals["n_total"] == len(comments)).all()
    assert NO_THEME not in theme_counts(coded, by="role", include_uncoded=False)["theme"].tolist()


def test_custom_codebook_and_errors(tmp_path, comments):
    path = tmp_path / "themes.yaml"
    path.write_text(
        "themes:\n  - name: Pengar\n    patterns: ['budget\\w*']\n    exclude: ['felprocent']\n",
        encoding="utf-8",
    )
    coded = code_themes(comments, themes=path, include_uncoded=False)
    assert coded.empty  # the only budget comment is vetoed by `exclude`
    path.write_text("themes:\n  - name: Trasig\n    patterns: ['(oavslutad']\n", encoding="utf-8")
    with pytest.raises(InputError, match="invalid pattern"):
        load_themes(path)
    path.write_text("themes:\n  - name: A\n    patterns: [a]\n  - name: A\n    patterns: [b]\n",
                    encoding="utf-8")
    with pytest.raises(InputError, match="share the id"):
        load_themes(path)
    path.write_text("themes:\n  - name: Tom\n", encoding="utf-8")
    with pytest.raises(InputError, match="no patterns"):
        load_themes(path)
    with pytest.raises(InputError, match="does not exist"):
        load_themes(tmp_path / "saknas.yaml")


def test_missing_column(comments):
    with pytest.raises(InputError, match="kommentar"):
        code_themes(comments, column="kommentar")
