"""The review file: the consultant approves, edits or drops individual quotes before a report.

Quotes reach a report only after screening (:mod:`kommunanalys.screening`). The review file adds
a human decision on top:

1. :func:`export_review` writes one row per *screened* comment (never the raw text, never the
   respondent id) to a CSV file that opens in Excel (UTF-8 with BOM, separator ``;``), with two
   empty columns to fill in: ``beslut`` (``godkänn``, ``ändra`` or ``stryk``) and ``ny_text``
   (the edited quote, for ``ändra``).
2. :func:`load_review` reads the file back and checks every row; a problem is reported as an
   :class:`~kommunanalys.errors.InputError` naming the file, row, column and value and saying how
   to fix it.
3. :func:`apply_review` applies the decisions to quotes or comments: ``stryk`` drops the quote,
   ``ändra`` replaces its text by ``ny_text`` *screened again* (an edit must not bring personal
   data back), ``godkänn`` keeps it. Undecided quotes are kept, unless ``require_approval`` is set
   or they carry review flags (a phrase pointing at a person by position, "vår kommundirektör"):
   those wait for a decision.

The key of a comment (``comment_key``) is a hash of the respondent id and the comment question:
stable across exports of the same data, but not the respondent id itself. It is a pseudonym, not
anonymisation — the review file is working material for the consultant, not a report.
"""

from __future__ import annotations

import unicodedata
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from .comments import comment_key, comment_keys, screened_comments
from .errors import InputError
from .screening import screen_text
from .textsafety import write_csv

if TYPE_CHECKING:  # pragma: no cover
    from .survey import Survey

__all__ = [
    "DECISIONS",
    "REVIEW_COLUMNS",
    "REVIEW_STATUS",
    "comment_key",
    "comment_keys",
    "export_review",
    "load_review",
    "apply_review",
]

#: The decisions a consultant may write in ``beslut`` (an empty cell means "not decided").
DECISIONS: tuple[str, ...] = ("godkänn", "ändra", "stryk")
#: The columns of the review file, in order.
REVIEW_COLUMNS: list[str] = [
    "comment_key", "municipality_code", "municipality_name", "question", "about", "themes", "role",
    "text", "review_flags", "beslut", "ny_text",
]
#: What :func:`apply_review` writes in ``review`` for each kept quote (Swedish: a reader may see it).
REVIEW_STATUS: dict[str, str] = {"godkänn": "godkänd", "ändra": "ändrad", "": "ej granskad"}


# ---------------------------------------------------------------------------------------------
# Export
# ---------------------------------------------------------------------------------------------
def export_review(
    survey: "Survey",
    municipality: str | None = None,
    *,
    path: str | Path,
    threshold: int | None = None,
    themes=None,
) -> Path:
    """Write the review file: one row per screened comment, with empty decision columns.

    Parameters
    ----------
    survey
        The loaded survey.
    municipality
        Code or name of one municipality; None for every municipality.
    path
        Where to write the CSV (UTF-8 with BOM, separator ``;``: opens in Excel).
    threshold
        Anonymity threshold (default: the instrument's); ``role`` is filled in only where the role
        group may be shown for the commented question.
    themes
        Theme codebook (list, path or None for the package's).

    Returns
    -------
    Path
        The file written. Columns: :data:`REVIEW_COLUMNS`. ``text`` is the screened text,
        ``themes`` the comment's themes (``"; "``-joined), ``review_flags`` the phrases that point
        at a person by position. No raw text, no respondent id.
    """
    from .themes import code_themes

    comments = screened_comments(survey, municipality, threshold=threshold)
    coded = code_themes(comments, themes=themes, include_uncoded=True)
    joined = (coded.dropna(subset=["theme"]).groupby("comment_key", sort=False)["theme"]
              .agg(lambda names: "; ".join(names)))
    out = comments.assign(
        themes=comments["comment_key"].map(joined).fillna(""),
        role=comments["role"].where(comments["role_shown"], ""),
        beslut="",
        ny_text="",
    )[REVIEW_COLUMNS]
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    write_csv(out, path, sep=";", index=False, encoding="utf-8-sig")  # no formula cells
    return path


# ---------------------------------------------------------------------------------------------
# Load and validate
# ---------------------------------------------------------------------------------------------
def _normalise(value: object) -> str:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    return unicodedata.normalize("NFC", str(value)).strip()


def _validate(frame: pd.DataFrame, *, file: str | Path | None, known_keys: set[str] | None,
              rows: list[int] | None = None) -> pd.DataFrame:
    """Check decisions; return ``comment_key``, ``beslut``, ``ny_text``, ``row`` (file row)."""
    for column in ("comment_key", "beslut"):
        if column not in frame.columns:
            raise InputError(
                f"the review file has no column {column!r}", file=file, column=column,
                hint="start from the file written by export_review and keep its header row; "
                     f"columns present: {', '.join(map(str, frame.columns))}",
            )
    rows = rows if rows is not None else [i + 2 for i in range(len(frame))]  # header = row 1
    new_text = frame["ny_text"] if "ny_text" in frame.columns else pd.Series("", index=frame.index)
    records = []
    seen: dict[str, int] = {}
    allowed = ", ".join(DECISIONS)
    for row, key, decision, text in zip(rows, frame["comment_key"], frame["beslut"], new_text):
        key, decision, text = _normalise(key), _normalise(decision).lower(), _normalise(text)
        if not key:
            if decision or text:
                raise InputError("a row with a decision has no comment_key", file=file, row=row,
                                 column="comment_key",
                                 hint="copy the comment_key back from the exported file, or delete the row")
            continue  # an empty line
        if decision and decision not in DECISIONS:
            raise InputError(
                "unknown decision", file=file, row=row, column="beslut", value=decision,
                hint=f"write one of: {allowed} (or leave the cell empty); check the spelling and the "
                     "letters å, ä, ö",
            )
        if decision == "ändra" and not text:
            raise InputError(
                "the decision 'ändra' needs the new text", file=file, row=row, column="ny_text",
                value=text, hint="write the edited quote in ny_text, or choose godkänn or stryk",
            )
        if known_keys is not None and key not in known_keys:
            raise InputError(
                "unknown comment_key: no comment of this survey has it", file=file, row=row,
                column="comment_key", value=key,
                hint="do not edit comment_key; use a review file exported from the same data "
                     "(export_review), or delete the row",
            )
        if key in seen:
            raise InputError(
                f"comment_key appears twice (also in row {seen[key]})", file=file, row=row,
                column="comment_key", value=key, hint="keep one row per comment",
            )
        seen[key] = row
        records.append({"comment_key": key, "beslut": decision, "ny_text": text, "row": row})
    return pd.DataFrame(records, columns=["comment_key", "beslut", "ny_text", "row"])


def load_review(path: str | Path, *, survey: "Survey | None" = None) -> pd.DataFrame:
    """Read and check a review file written by :func:`export_review` and edited by hand.

    Parameters
    ----------
    path
        The CSV file (``;`` or ``,``; UTF-8, UTF-8 with BOM or Windows-1252, as Excel saves it).
    survey
        When given, every ``comment_key`` must belong to a comment of this survey.

    Returns
    -------
    DataFrame
        One row per comment in the file: ``comment_key``, ``beslut`` (one of :data:`DECISIONS`
        or ``""`` = undecided), ``ny_text`` and ``row`` (the row in the file, header = row 1).
        ``attrs["file"]`` holds the path.

    Raises
    ------
    InputError
        Naming file, row, column and value: a missing column, an unknown decision, ``ändra``
        without ``ny_text``, a missing, unknown or repeated ``comment_key``.
    """
    from .loader import read_table  # one reader for every input file (formats, encodings, errors)

    path = Path(path)
    data, _ = read_table(path, min_columns=1)
    known = set(comment_keys(survey.comments)) if survey is not None else None
    review = _validate(data, file=path, known_keys=known)
    review.attrs["file"] = str(path)
    return review


# ---------------------------------------------------------------------------------------------
# Apply
# ---------------------------------------------------------------------------------------------
def apply_review(
    quotes: pd.DataFrame,
    review: pd.DataFrame | str | Path | None,
    *,
    require_approval: bool = False,
    hold_flagged: bool = True,
    column: str = "text",
) -> pd.DataFrame:
    """Apply the consultant's decisions to quotes (or to all screened comments before selection).

    Parameters
    ----------
    quotes
        Screened quotes or comments with ``comment_key`` (or ``respondent_id`` and ``question``,
        from which it is computed) and the text column.
    review
        The output of :func:`load_review`, a path to a review file, or None (no decisions yet).
    require_approval
        When True only approved (``godkänn``) and edited (``ändra``) quotes pass.
    hold_flagged
        When True (default) an undecided quote with ``review_flags`` (a phrase pointing at a person
        by position) is held back until the consultant decides on it.
    column
        The text column.

    Returns
    -------
    DataFrame
        The quotes kept, in their order: ``stryk`` dropped; ``ändra`` with ``ny_text`` screened
        again (and its ``review_flags`` recomputed); plus a column ``review`` (``"godkänd"``,
        ``"ändrad"`` or ``"ej granskad"``). ``attrs["review_counts"]`` counts what happened:
        ``godkänd``, ``ändrad``, ``struken``, ``ej godkänd`` (left out by ``require_approval``),
        ``väntar`` (held back by ``hold_flagged``).
    """
    if isinstance(review, (str, Path)):
        review = load_review(review)
    elif review is None:
        review = pd.DataFrame(columns=["comment_key", "beslut", "ny_text", "row"])
    elif "row" not in review.columns:
        review = _validate(review, file=review.attrs.get("file"), known_keys=None)
    if column not in quotes.columns:
        raise InputError(f"column {column!r} is not in the quotes", column=column,
                         hint=f"choose one of: {', '.join(map(str, quotes.columns))}")
    data = quotes.copy()
    if "comment_key" not in data.columns:
        data["comment_key"] = comment_keys(data)
    by_key = dict(zip(review["comment_key"], zip(review["beslut"], review["ny_text"])))
    found = [by_key.get(key, ("", "")) for key in data["comment_key"]]
    decision = pd.Series([d for d, _ in found], index=data.index, dtype="object")
    new_text = pd.Series([t for _, t in found], index=data.index, dtype="object")
    flags = (data["review_flags"].fillna("").astype(str) if "review_flags" in data.columns
             else pd.Series("", index=data.index))

    edited = decision.eq("ändra")
    if edited.any():
        results = {i: screen_text(new_text[i]) for i in data.index[edited]}
        data[column] = data[column].astype("object")
        for i, result in results.items():
            data.at[i, column] = result.text
            flags[i] = "; ".join(f.original for f in result.flags)
        if "review_flags" in data.columns:
            data["review_flags"] = flags
        if "screened" in data.columns:
            data.loc[edited, "screened"] = True

    struck = decision.eq("stryk")
    decided = decision.isin(["godkänn", "ändra"])
    unapproved = ~decided & ~struck & require_approval
    waiting = ~decided & ~struck & ~unapproved & hold_flagged & flags.str.strip().ne("")
    keep = ~(struck | unapproved | waiting)
    out = data[keep].copy()
    out["review"] = decision[keep].map(REVIEW_STATUS).to_numpy()
    out.attrs["review_counts"] = {
        "godkänd": int(decision.eq("godkänn").sum()),
        "ändrad": int(edited.sum()),
        "struken": int(struck.sum()),
        "ej godkänd": int(unapproved.sum()),
        "väntar": int(waiting.sum()),
    }
    return out
