"""Tests for kommunanalys.quotes: representative, diverse, screened, reproducible quotes."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from kommunanalys.errors import InputError
from kommunanalys.quotes import attributable_roles, select_quotes

ECONOMY = [
    # tjänstepersoner
    "Vi följer upp budgeten varje månad men analysen av kostnaderna blir för ytlig.",
    "Uppföljningen av budgeten fokuserar på kostnaderna och inte på vad pengarna ger.",
    "Budgeten följs upp noga men kostnaderna analyseras sällan på djupet.",
    "Kostnaderna för budgeten följs upp i bokslutet men analysen saknas helt.",
    # förtroendevalda
    "Som politiker får vi budgetuppföljningen för sent för att kunna påverka kostnaderna.",
    "Budgeten och kostnaderna redovisas men vi politiker förstår inte analysen.",
]
OUTLIERS = [
    # the first and the longest comments are off-centre: a selection by position or length fails
    "Budget.",
    "Budgeten är en sak, men egentligen borde vi prata om parkeringsplatserna vid simhallen, "
    "snöröjningen i villaområdena, belysningen längs cykelvägen och skyltningen till "
    "återvinningscentralen som ingen hittar, och varför den nya rondellen byggdes där den byggdes "
    "trots alla protester från boende i området under flera år av samråd och möten.",
]


@pytest.fixture()
def comments() -> pd.DataFrame:
    texts = [OUTLIERS[0], *ECONOMY, OUTLIERS[1],
             "Ring Anna Svensson på 070-123 45 67 om budgeten och kostnaderna i uppföljningen."]
    roles = ["tjänsteperson"] * 5 + ["förtroendevald"] * 2 + ["tjänsteperson", "förtroendevald"]
    return pd.DataFrame(
        {
            "respondent_id": [f"r{i}" for i in range(len(texts))],
            "municipality_code": "1761",
            "municipality_name": "Hammarö",
            "role": roles,
            "subgroup": pd.NA,
            "question": "Q11",
            "about": "Q10",
            "text": texts,
        }
    )


def test_quotes_are_screened(comments):
    quotes = select_quotes(comments, n=10, min_words=1, max_words=200)
    joined = " ".join(quotes["text"])
    assert "070-123" not in joined and "Anna" not in joined
    assert any("[namn]" in text for text in quotes["text"])


def test_not_first_or_longest_and_bounded(comments):
    quotes = select_quotes(comments, n=3)
    economy = quotes[quotes["theme"] == "Ekonomi & uppföljning"]
    assert len(economy) == 3
    assert economy["rank"].tolist() == [1, 2, 3]
    assert OUTLIERS[0] not in economy["text"].tolist()
    assert OUTLIERS[1] not in economy["text"].tolist()


def test_both_roles_are_represented(comments):
    quotes = select_quotes(comments, n=2)
    economy = quotes[quotes["theme"] == "Ekonomi & uppföljning"]
    assert set(economy["role"]) == {"förtroendevald", "tjänsteperson"}


def test_reproducible(comments):
    first = select_quotes(comments, n=4, seed=3)
    again = select_quotes(comments.copy(), n=4, seed=3)
    pd.testing.assert_frame_equal(first, again)


def test_diversity_avoids_near_duplicates():
    base = "Budgeten följs upp varje månad men analysen av kostnaderna blir alldeles för ytlig"
    texts = [base + ".", base + "!", base + " tyvärr.",
             "Kvalitetsuppföljningen saknas nästan helt i våra nämnder och förvaltningar idag."]
    data = pd.DataFrame({"respondent_id": range(4), "role": "tjänsteperson", "question": "Q11",
                         "text": texts})
    quotes = select_quotes(data, n=2, diversity=0.7, by=("question",),
                           themes=None).query("question == 'Q11'")
    # The second pick is the different comment, not a copy of the first.
    assert texts[3] in quotes["text"].tolist()


def test_anonymity_threshold_drops_role(comments):
    sizes = {"förtroendevald": 3, "tjänsteperson": 40}
    quotes = select_quotes(comments, n=3, anonymity_threshold=5, group_sizes=sizes)
    hidden = quotes[~quotes["role_shown"]]
    assert hidden["role"].isna().all()
    assert (quotes.loc[quotes["role_shown"], "role"] == "tjänsteperson").all()
    # With one role hidden, balancing does not force a quote from the hidden group.
    economy = quotes[quotes["theme"] == "Ekonomi & uppföljning"]
    assert economy["role_shown"].iloc[0] or len(economy) == 1


@pytest.mark.parametrize(
    "sizes",
    [
        {("1761", "förtroendevald"): 5, ("1761", "tjänsteperson"): 4},
        pd.DataFrame({"municipality_code": ["1761", "1761"], "role": ["förtroendevald", "tjänsteperson"],
                      "n": [5, 4]}),
    ],
)
def test_group_size_forms(comments, sizes):
    shown = attributable_roles(comments, anonymity_threshold=5, group_sizes=sizes)
    expected = comments["role"].eq("förtroendevald").to_numpy()
    assert np.array_equal(shown.to_numpy(), expected)


def test_group_sizes_counted_from_comments(comments):
    # 6 tjänstepersoner and 3 förtroendevalda commented.
    shown = attributable_roles(comments, anonymity_threshold=5)
    assert np.array_equal(shown.to_numpy(), comments["role"].eq("tjänsteperson").to_numpy())
    assert attributable_roles(comments, anonymity_threshold=None).all()


def test_errors(comments):
    with pytest.raises(InputError, match="n must be"):
        select_quotes(comments, n=0)
    with pytest.raises(InputError, match="kommentar"):
        select_quotes(comments, column="kommentar")
    with pytest.raises(InputError, match="role and n"):
        attributable_roles(comments, anonymity_threshold=5, group_sizes=pd.DataFrame({"x": [1]}))


def test_mostly_masked_comments_are_not_quoted():
    from kommunanalys.quotes import mostly_masked

    assert mostly_masked("[namn] och [namn], [telefon]")
    assert not mostly_masked("[namn] har gjort ett bra jobb med budgeten i år")
    comments = pd.DataFrame({
        "respondent_id": ["a", "b", "c"], "role": ["tjänsteperson"] * 3, "question": ["Q6"] * 3,
        "theme": ["Ekonomi & uppföljning"] * 3, "screened": True,
        "text": ["[namn] [namn] [telefon] [e-post] och budget",
                 "Budgeten följs upp varje månad men ingen läser rapporterna",
                 "Uppföljningen av budgeten är bra och tydlig för alla"],
    })
    quotes = select_quotes(comments, by=["question", "theme"], n=5)
    assert len(quotes) == 2 and not quotes["text"].str.contains(r"\[namn\]").any()
