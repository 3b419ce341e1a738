"""Choose a handful of representative quotes per question and theme.

Not the first comments, not the longest: :func:`select_quotes` represents each comment as a TF-IDF
bag of words, takes the centroid of a group's comments (one question and theme) as what the group
"says", and picks by maximal marginal relevance (MMR): the comment closest to the centroid first,
then each next one trading closeness to the centroid against similarity to those already chosen,
so the quotes are typical *and* different from each other. Comments outside the length bounds are
used only when too few are inside. When both roles commented, the second pick goes to the role
not yet represented, so both are heard (if the anonymity rule lets that role be shown).

Quotes reach a report only after screening for personal data: unless the frame already says so
(a ``screened`` column that is True on every row), the texts are screened here first. A comment
that is mostly masks (:func:`mostly_masked`) is never quoted.

The anonymity contract
----------------------
The decision is :mod:`kommunanalys.anonymity`'s (:func:`~kommunanalys.anonymity.role_attributable`;
the report pages hand over the decisions of the disclosure plan, which also needs enough
commenters of the role on the question). ``anonymity_threshold`` and ``group_sizes`` decide
whether a quote's role may be shown here. The size
of a role group is the number of *respondents* (not commenters) with that role, in the
municipality when the frame has ``municipality_code``. ``group_sizes`` may be

- a mapping ``{role: n}`` (one municipality), or ``{(municipality_code, role): n}``;
- a DataFrame with columns ``role`` and ``n`` and, optionally, ``municipality_code``;
- None: sizes are counted from ``comments`` as distinct ``respondent_id`` per group. That counts
  commenters only, which is never more than the respondents, so it errs on the side of hiding.

A quote whose group has fewer than ``anonymity_threshold`` respondents, or whose group is not in
``group_sizes``, keeps its text but loses its role: ``role`` becomes NA and ``role_shown`` False.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from typing import Iterable, Mapping, Sequence

import numpy as np
import pandas as pd

from .anonymity import role_attributable
from .errors import InputError
from .screening import screen_frame
from .themes import Theme, code_themes, load_themes

__all__ = ["select_quotes", "attributable_roles", "mostly_masked", "near_duplicate", "MAX_MASKED_SHARE",
           "NEAR_DUPLICATE"]

#: A comment with more than this share of its words masked (``[namn]``, ``[telefon]``, ...) is
#: never quoted: what remains says little except that it is about someone.
MAX_MASKED_SHARE = 0.5

_STOPWORDS = frozenset(
    """
    och i att det som en på är av för med till den har de inte om ett han men hon så var vi
    jag du ni man sig sin sitt sina från ut vid eller när då nu kan ska skulle kunna får fick
    mycket mer mest bara också även alla andra annan annat hur vad vilka vilket vilken där här
    detta dessa denna deras dem oss vår vårt våra min mitt mina din ditt dina hans hennes dess
    sina under över efter innan genom mellan mot utan hos upp ner inom samt vara varit blir blev
    bli finns fanns ha hade gör gjorde göra gå går tycker tror ofta alltid aldrig något några
    någon inget inga ingen väldigt lite helt ju nog väl dock just sedan sen redan fortfarande
    per ex t bl a dvs osv ca kr
    """.split()
)
_PLACEHOLDER_RE = re.compile(r"\[[^\]]*\]")
_TOKEN_RE = re.compile(r"[a-zåäöéü]+")
_SUFFIXES = ("ernas", "arnas", "ornas", "erna", "arna", "orna", "ens", "ets", "het", "en", "et",
             "er", "ar", "or", "na", "a", "e", "s")


def _stem(word: str) -> str:
    for suffix in _SUFFIXES:
        if len(word) - len(suffix) >= 4 and word.endswith(suffix):
            return word[: -len(suffix)]
    return word


def _tokens(text: str) -> list[str]:
    text = _PLACEHOLDER_RE.sub(" ", text.lower())
    return [_stem(w) for w in _TOKEN_RE.findall(text) if len(w) > 1 and w not in _STOPWORDS]


#: Two quotes this similar (or one's words nearly all inside the other's) say the same thing.
NEAR_DUPLICATE = 0.8


def near_duplicate(a: str, b: str, *, limit: float = NEAR_DUPLICATE) -> bool:
    """True when two quotes say nearly the same: the same text with a sentence added, small edits.

    Deterministic: the larger of difflib's ratio on the normalised texts (lower case, words only)
    and the share of the shorter quote's stemmed words that are in the longer one.
    """
    from difflib import SequenceMatcher

    wa, wb = _TOKEN_RE.findall(a.lower()), _TOKEN_RE.findall(b.lower())
    if not wa or not wb:
        return a.strip() == b.strip()
    ta, tb = set(_tokens(a)), set(_tokens(b))
    small, large = (ta, tb) if len(ta) <= len(tb) else (tb, ta)
    contained = len(small & large) / len(small) if small else 0.0
    if contained >= limit:
        return True
    matcher = SequenceMatcher(None, " ".join(wa), " ".join(wb), autojunk=False)
    # difflib's cheap upper bounds of the ratio first: most pairs of quotes are far apart
    return matcher.real_quick_ratio() >= limit and matcher.quick_ratio() >= limit and matcher.ratio() >= limit


def _tfidf(texts: Sequence[str]) -> np.ndarray:
    """Dense, L2-normalised TF-IDF matrix (rows = texts); smoothed idf as in scikit-learn."""
    docs = [Counter(_tokens(t)) for t in texts]
    vocabulary = {w: i for i, w in enumerate(sorted({w for d in docs for w in d}))}
    matrix = np.zeros((len(texts), len(vocabulary)))
    if not vocabulary:
        return matrix
    df = np.zeros(len(vocabulary))
    for d in docs:
        for w in d:
            df[vocabulary[w]] += 1
    idf = np.log((1 + len(texts)) / (1 + df)) + 1
    for row, d in enumerate(docs):
        for w, count in d.items():
            matrix[row, vocabulary[w]] = (1 + math.log(count)) * idf[vocabulary[w]]
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    return np.divide(matrix, norms, out=np.zeros_like(matrix), where=norms > 0)


def _size_lookup(
    comments: pd.DataFrame, group_sizes: Mapping | pd.DataFrame | None
) -> tuple[dict, bool]:
    """Return ({key: n}, keyed_by_municipality)."""
    by_municipality = "municipality_code" in comments.columns
    if group_sizes is None:
        if "respondent_id" not in comments.columns:
            raise InputError(
                "cannot count the role groups: no respondent_id column and no group_sizes",
                column="respondent_id",
                hint="pass group_sizes (respondents per role) or include respondent_id",
            )
        keys = ["municipality_code", "role"] if by_municipality else ["role"]
        counts = comments.groupby(keys, dropna=False)["respondent_id"].nunique()
        return {k if isinstance(k, tuple) else (k,): int(v) for k, v in counts.items()}, (
            by_municipality
        )
    if isinstance(group_sizes, pd.DataFrame):
        if not {"role", "n"} <= set(group_sizes.columns):
            raise InputError(
                "group_sizes needs the columns role and n",
                value=list(group_sizes.columns),
                hint="one row per (municipality_code,) role with its number of respondents n",
            )
        keyed = "municipality_code" in group_sizes.columns and by_municipality
        keys = ["municipality_code", "role"] if keyed else ["role"]
        return {
            tuple(row[k] for k in keys): int(row["n"]) for _, row in group_sizes.iterrows()
        }, keyed
    items = dict(group_sizes)
    keyed = bool(items) and all(isinstance(k, tuple) for k in items)
    return {(k if isinstance(k, tuple) else (k,)): int(v) for k, v in items.items()}, keyed


def attributable_roles(
    comments: pd.DataFrame,
    *,
    anonymity_threshold: int | None,
    group_sizes: Mapping | pd.DataFrame | None = None,
) -> pd.Series:
    """Whether each comment's role may be shown under the anonymity threshold.

    Parameters
    ----------
    comments
        Comments with a ``role`` column (and ``municipality_code`` when sizes are per municipality).
    anonymity_threshold
        Minimum number of respondents in a role group; None shows every role.
    group_sizes
        Respondents per role group; see the module docstring for the accepted forms.

    Returns
    -------
    Series of bool
        Aligned with ``comments``: True where the role may be shown.
    """
    if anonymity_threshold is None:
        return pd.Series(comments["role"].notna().to_numpy(), index=comments.index)
    sizes, keyed = _size_lookup(comments, group_sizes)
    keys = ["municipality_code", "role"] if keyed else ["role"]
    shown = [
        pd.notna(row["role"]) and role_attributable(sizes.get(tuple(row[k] for k in keys), 0), anonymity_threshold)
        for _, row in comments[keys].iterrows()
    ]
    return pd.Series(shown, index=comments.index, dtype=bool)


def _mmr(
    vectors: np.ndarray,
    relevance: np.ndarray,
    roles: list[object],
    balance: set[object],
    *,
    n: int,
    diversity: float,
    tiebreak: np.ndarray,
) -> list[int]:
    chosen: list[int] = []
    remaining = list(range(len(relevance)))
    while remaining and len(chosen) < n:
        missing = balance - {roles[i] for i in chosen}
        pool = remaining
        if chosen and missing:
            restricted = [i for i in remaining if roles[i] in missing]
            pool = restricted or remaining
        if chosen:
            redundancy = (vectors[pool] @ vectors[chosen].T).max(axis=1)
        else:
            redundancy = np.zeros(len(pool))
        scores = (1 - diversity) * relevance[pool] - diversity * redundancy
        best = max(range(len(pool)), key=lambda k: (round(float(scores[k]), 12), tiebreak[pool[k]]))
        chosen.append(pool[best])
        remaining.remove(pool[best])
    return chosen


def mostly_masked(text: str, *, share: float = MAX_MASKED_SHARE) -> bool:
    """Whether more than ``share`` of a screened text's words are masks (``[namn]`` counts one)."""
    masks = len(_PLACEHOLDER_RE.findall(text))
    words = len(_PLACEHOLDER_RE.sub(" ", text).split()) + masks
    return words > 0 and masks / words > share


def select_quotes(
    comments: pd.DataFrame,
    *,
    n: int = 5,
    by: Sequence[str] | str = ("question", "theme"),
    seed: int = 0,
    column: str = "text",
    themes: Iterable[Theme] | str | None = None,
    min_words: int = 5,
    max_words: int = 60,
    diversity: float = 0.3,
    anonymity_threshold: int | None = None,
    group_sizes: Mapping | pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Pick up to ``n`` representative, mutually different quotes per group.

    Parameters
    ----------
    comments
        One row per comment: ``respondent_id``, ``municipality_code``, ``municipality_name``,
        ``role`` (``"förtroendevald"``/``"tjänsteperson"``), ``subgroup``, ``question``, ``about``,
        ``text``. May already be coded (a ``theme`` column from
        :func:`~kommunanalys.themes.code_themes`); if ``by`` names ``theme`` and there is none, the
        comments are coded here with ``themes``. Comments without a theme are not quoted.
    n
        Quotes per group at most.
    by
        Grouping columns, in the order of the result.
    seed
        Seed for breaking exact ties between equally scored comments (the choice is otherwise
        deterministic): the same input and seed always give the same quotes in the same order.
    column
        The text column.
    themes
        Codebook for coding (list of :class:`~kommunanalys.themes.Theme`, path, or None for the
        package's).
    min_words, max_words
        Length bounds in words; comments outside are used only when a group has fewer than ``n``
        comments inside.
    diversity
        MMR weight between 0 (closest to the centroid only) and 1 (most different only).
    anonymity_threshold, group_sizes
        Drop the role attribution of quotes whose role group has fewer respondents than the
        threshold; see the module docstring for the contract. None shows every role.

    Returns
    -------
    DataFrame
        Columns ``*by``, ``rank`` (1 = most representative), ``text`` (screened), ``role`` (NA
        where not shown), ``role_shown``, ``score`` (cosine similarity to the group's centroid),
        then the other identifying columns present (``comment_id``, ``respondent_id``,
        ``municipality_code``, ``municipality_name``, ``subgroup``, ``about``). Groups appear in
        the order they first appear in the data (questions and themes in their natural order),
        quotes by rank.

    Raises
    ------
    InputError
        When a column is missing or an argument is out of range.
    """
    keys = [by] if isinstance(by, str) else list(by)
    if n < 1:
        raise InputError("n must be at least 1", value=n, hint="ask for 1 or more quotes")
    if not 0 <= diversity <= 1:
        raise InputError("diversity must be between 0 and 1", value=diversity)
    if column not in comments.columns:
        raise InputError(
            f"column {column!r} is not in the comments",
            column=column,
            hint=f"choose one of: {', '.join(map(str, comments.columns))}",
        )
    data = comments.reset_index(drop=True)
    if not ("screened" in data.columns and data["screened"].fillna(False).astype(bool).all()):
        data, _ = screen_frame(data, column=column)
    if "theme" in keys and "theme" not in data.columns:
        codebook = list(themes) if themes is not None and not isinstance(themes, str) else (
            load_themes(themes)
        )
        data = code_themes(data, column=column, themes=codebook, include_uncoded=False)
    missing = [k for k in [*keys, "role"] if k not in data.columns]
    if missing:
        raise InputError(
            f"column {missing[0]!r} is not in the comments",
            column=missing[0],
            hint="comments need a role column and every column named in `by`",
        )
    if "comment_id" not in data.columns:
        data.insert(0, "comment_id", range(len(data)))
    data = data[data[column].notna() & data[column].astype(str).str.strip().ne("")]
    data = data[~data[column].astype(str).map(mostly_masked)]  # what is left says little but who
    if "theme" in data.columns:
        data = data[data["theme"].notna()]
    data = data.reset_index(drop=True)
    data["role_shown"] = attributable_roles(
        data, anonymity_threshold=anonymity_threshold, group_sizes=group_sizes
    ).to_numpy()

    texts = data[column].astype(str).tolist()
    unique_texts = list(dict.fromkeys(texts))
    matrix = _tfidf(unique_texts)
    row_of = {t: i for i, t in enumerate(unique_texts)}
    words = np.array([len(t.split()) for t in texts])
    rng = np.random.default_rng(seed)
    tiebreak_all = rng.permutation(len(data))

    extra = [c for c in ("comment_id", "respondent_id", "municipality_code", "municipality_name",
                         "subgroup", "about") if c in data.columns and c not in keys]
    out_rows: list[dict] = []
    for group_key, group in data.groupby(keys, sort=False, dropna=False):
        group = group.drop_duplicates(subset=[column])
        length = words[group.index]
        gap = np.maximum(np.maximum(min_words - length, length - max_words), 0)
        inside = gap == 0
        # Comments outside the length bounds are used only when fewer than n are inside, and
        # then those closest to the bounds first.
        candidates = group if inside.sum() < n else group[inside]
        gap = gap if inside.sum() < n else gap[inside]
        vectors = matrix[[row_of[t] for t in candidates[column].astype(str)]]
        centroid = vectors.mean(axis=0)
        norm = np.linalg.norm(centroid)
        cosine = vectors @ (centroid / norm) if norm > 0 else np.zeros(len(candidates))
        relevance = cosine - np.where(gap > 0, 10.0 + 0.1 * gap, 0.0)
        roles = candidates["role"].tolist()
        balance = {r for r, shown in zip(roles, candidates["role_shown"]) if shown}
        picked = _mmr(
            vectors,
            relevance,
            roles,
            balance if len(balance) > 1 else set(),
            n=n,
            diversity=diversity,
            tiebreak=tiebreak_all[candidates.index.to_numpy()],
        )
        key_values = group_key if isinstance(group_key, tuple) else (group_key,)
        for rank, position in enumerate(picked, start=1):
            row = candidates.iloc[position]
            shown = bool(row["role_shown"])
            out_rows.append(
                {
                    **dict(zip(keys, key_values)),
                    "rank": rank,
                    "text": row[column],
                    "role": row["role"] if shown else pd.NA,
                    "role_shown": shown,
                    "score": float(cosine[position]),
                    **{c: row[c] for c in extra},
                }
            )
    columns = [*keys, "rank", "text", "role", "role_shown", "score", *extra]
    result = pd.DataFrame(out_rows, columns=columns)
    if column != "text":
        result = result.rename(columns={"text": column})
    return result
