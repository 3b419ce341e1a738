"""Comments as the reports may use them: keyed, screened and marked with what anonymity allows.

The library part of the quotes (no display): :func:`comment_key` gives each comment a stable
pseudonym, :func:`attribution` says per commented question which role groups may be shown
(:func:`kommunanalys.anonymity.suppression_plan`), and :func:`screened_comments` returns a
municipality's comments with personal data masked (:func:`kommunanalys.screening.screen_frame`).
The quotes page (:mod:`kommunanalys.pages.quotes`) and the review file
(:mod:`kommunanalys.review`) both build on this module.
"""

from __future__ import annotations

import hashlib

import pandas as pd

from .anonymity import TOTAL_GROUP, disclosure_plan, resolve_threshold, suppression_plan
from .errors import InputError
from .screening import screen_frame
from .survey import Survey

__all__ = [
    "comment_key",
    "comment_keys",
    "comment_questions",
    "likert_of",
    "attribution",
    "screened_comments",
]

_KEY_LENGTH = 16


def comment_key(respondent_id: object, question: object) -> str:
    """The stable key of one comment: a hash of respondent id and comment question.

    Parameters
    ----------
    respondent_id
        The respondent's id in the export.
    question
        The comment question (``"Q9"``, ``"Q11"``, ...).

    Returns
    -------
    str
        16 hexadecimal characters (SHA-256, truncated).
    """
    raw = f"{respondent_id}\x1f{question}".encode("utf-8")
    return hashlib.sha256(raw).hexdigest()[:_KEY_LENGTH]


def comment_keys(comments: pd.DataFrame) -> pd.Series:
    """:func:`comment_key` for every row of a frame with ``respondent_id`` and ``question``."""
    for column in ("respondent_id", "question"):
        if column not in comments.columns:
            raise InputError(f"column {column!r} is not in the comments", column=column,
                             hint="pass Survey.comments (respondent_id and question identify a comment)")
    keys = [comment_key(r, q) for r, q in zip(comments["respondent_id"], comments["question"])]
    return pd.Series(keys, index=comments.index, dtype="object", name="comment_key")


def comment_questions(survey: Survey) -> list:
    """The instrument's comment questions, in order."""
    return survey.instrument.comment_questions()


def likert_of(survey: Survey, question: str) -> str:
    """The Likert question a page question refers to: ``"Q12"`` or its comment question ``"Q13"``."""
    likert = {q.id for q in survey.instrument.likert_questions}
    by_comment = {q.id: q.comments for q in comment_questions(survey)}
    if question in by_comment and by_comment[question]:
        return by_comment[question]
    commented = sorted(set(by_comment.values()) - {None}, key=lambda q: survey.instrument[q].number)
    if question in likert and question in commented:
        return question
    raise InputError(
        "no comments belong to this question", column="question", value=question,
        hint=f"use a commented question: {', '.join(commented)} (or its comment question: "
             f"{', '.join(by_comment)})",
    )


def attribution(survey: Survey, municipality: str | None = None, *,
                threshold: int | None = None) -> pd.DataFrame:
    """Which role groups may be shown for each commented question, per municipality.

    From :func:`kommunanalys.anonymity.suppression_plan` (substantive answers to the Likert
    question the comments are about). Columns ``municipality_code``, ``about``, ``group``
    (``alla`` and the two roles), ``n``, ``shown``, ``note``.
    """
    t = resolve_threshold(threshold, survey)

    def compute() -> pd.DataFrame:
        abouts = [q.comments for q in comment_questions(survey) if q.comments]
        # The plan is decided per municipality: a municipality's rows are those of its own subset.
        plan = suppression_plan(survey, questions=abouts, threshold=t)
        keep = plan["level"].isin(["all", "role"])
        if municipality is not None:
            keep &= plan["municipality_code"] == municipality
        plan = plan[keep]
        return pd.DataFrame({
            "municipality_code": plan["municipality_code"].to_numpy(),
            "about": plan["question"].to_numpy(),
            "group": plan["group"].to_numpy(),
            "n": plan["n"].to_numpy(),
            "shown": ~plan["suppressed"].to_numpy(dtype=bool),
            "note": plan["note"].to_numpy(),
        })

    # asked for by every quotes page, theme count and question page of a municipality: once per survey
    return survey.memo(("attribution", municipality, t), compute)


def screened_comments(survey: Survey, municipality: str | None = None, *, threshold: int | None = None,
                      question: str | None = None, comment_threshold: int | None = None) -> pd.DataFrame:
    """The municipality's comments, screened, keyed and marked with what anonymity allows.

    Parameters
    ----------
    survey
        The loaded survey.
    municipality
        Code or name; None for every municipality.
    threshold
        Anonymity threshold (default: the instrument's).
    question
        Only the comments on this question (Likert id such as ``"Q12"`` or comment id ``"Q13"``).
    comment_threshold
        Fewest commenters of a role on a question for its quotes to carry the role (default:
        the anonymity threshold; :meth:`kommunanalys.anonymity.DisclosurePlan.role_attributable`).

    Returns
    -------
    DataFrame
        One row per comment: ``comment_key`` (see :func:`kommunanalys.review.comment_key`),
        ``municipality_code``, ``municipality_name``, ``role`` (the writer's role, for counting;
        shown only where ``role_shown``), ``question``, ``about``, ``text`` (screened),
        ``screened``, ``review_flags``, ``role_shown`` and ``quotable`` (False where the whole
        group of the question is under the threshold). No respondent id, no raw text.
    """
    t = resolve_threshold(threshold, survey)
    code = survey.resolve_municipality(municipality) if municipality is not None else None
    about = likert_of(survey, question) if question is not None else None

    def compute() -> pd.DataFrame:
        screened = _screened(survey, code)
        plan = attribution(survey, code, threshold=t).set_index(["municipality_code", "about", "group"])["shown"]
        lookup = plan.to_dict()
        # the role is shown only when the role group is shown on the question *and* enough of its
        # members commented on it (the disclosure plan's comment threshold)
        disclosure = disclosure_plan(survey, threshold=t, comment_threshold=comment_threshold)
        commenters = screened.groupby(["municipality_code", "about", "role"], observed=True).size()
        screened["role_shown"] = [bool(lookup.get((m, a, r), False))
                                  and bool(lookup.get((m, a, TOTAL_GROUP), False))
                                  and disclosure.role_attributable(int(commenters.get((m, a, r), 0)))
                                  for m, a, r in zip(screened["municipality_code"], screened["about"],
                                                     screened["role"])]
        screened["quotable"] = [bool(lookup.get((m, a, TOTAL_GROUP), False))
                                for m, a in zip(screened["municipality_code"], screened["about"])]
        return screened

    # every quotes page, theme count and question page of a municipality asks: marked once per
    # survey (row by row from whole-municipality lookups, so a question's rows are a selection)
    marked = survey.memo(("marked_comments", code, t, comment_threshold), compute)
    if about is not None:
        marked = marked[marked["about"] == about].reset_index(drop=True)
    return marked


def _screened(survey: Survey, code: str | None) -> pd.DataFrame:
    """Every comment of a municipality (None: of the survey), screened and keyed — screened once
    per survey (screening works comment by comment, so a selection of rows is screened alike)."""
    def compute() -> pd.DataFrame:
        comments = survey.comments
        if code is not None:
            comments = comments[comments["municipality_code"] == code]
        comments = comments.reset_index(drop=True)
        keys = comment_keys(comments)
        screened, _ = screen_frame(comments[["municipality_code", "municipality_name", "role", "question",
                                             "about", "text"]])  # the findings hold the originals: dropped
        screened.insert(0, "comment_key", keys)
        return screened

    return survey.memo(("screened_comments", code), compute)
