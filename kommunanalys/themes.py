"""Themes as data: code free-text comments with the codebook in ``data/themes.yaml``.

A theme is a name shown in reports (Swedish), a description and a list of Swedish word patterns
with their inflections. A comment gets every theme one of whose patterns occurs in it: zero, one or
several. :func:`code_themes` returns the coding in long form, :func:`theme_counts` counts comments
per theme and group.
"""

from __future__ import annotations


import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Sequence

import pandas as pd
import yaml

from . import paths
from ._lru import memoize
from .errors import InputError

__all__ = ["Theme", "THEMES_FILE", "NO_THEME", "load_themes", "code_themes", "uncoded", "theme_counts"]

#: The default codebook.
THEMES_FILE: Path = paths.DATA_DIR / "themes.yaml"

#: Label used by :func:`theme_counts` for comments that matched no theme.
NO_THEME = "Utan tema"


@dataclass(frozen=True)
class Theme:
    """One theme of the codebook.

    Attributes
    ----------
    id
        Short identifier (ASCII), stable across translations.
    name
        Name shown in reports, e.g. ``"Ekonomi & uppföljning"``.
    description
        What the theme covers (Swedish).
    questions
        Questions the theme belongs to most naturally (a hint; any comment may get any theme).
    patterns
        Regular expressions, each matched case-insensitively from the start of a word.
    exclude
        Regular expressions that veto the theme for a comment where they occur.
    """

    id: str
    name: str
    description: str = ""
    questions: tuple[str, ...] = ()
    patterns: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    _regex: re.Pattern[str] | None = field(default=None, compare=False, repr=False)
    _exclude_regex: re.Pattern[str] | None = field(default=None, compare=False, repr=False)

    def matches(self, text: str) -> list[str]:
        """Return the words of ``text`` that match the theme (empty when it does not apply)."""
        if not isinstance(text, str) or self._regex is None:
            return []
        if self._exclude_regex is not None and self._exclude_regex.search(text):
            return []
        return [m.group(0) for m in self._regex.finditer(text)]


def _compile(patterns: Sequence[str], *, where: str, file: Path | None) -> re.Pattern[str] | None:
    if not patterns:
        return None
    for pattern in patterns:
        try:
            re.compile(pattern)
        except re.error as error:
            raise InputError(
                f"{where}: invalid pattern ({error})",
                file=file,
                value=pattern,
                hint="write a Python regular expression; escape backslashes in YAML strings (\\\\b)",
            ) from None
    joined = "|".join(f"(?:{p})" for p in patterns)
    return re.compile(rf"\b(?:{joined})", re.IGNORECASE)


def _theme_from_mapping(item: dict, *, file: Path | None) -> Theme:
    if not isinstance(item, dict) or "name" not in item:
        raise InputError(
            "every theme needs at least a name and patterns",
            file=file,
            value=item,
            hint="see data/themes.yaml for the layout",
        )
    name = str(item["name"])
    theme_id = str(item.get("id") or re.sub(r"\W+", "_", name.lower()).strip("_"))
    patterns = tuple(str(p) for p in item.get("patterns") or ())
    if not patterns:
        raise InputError(
            f"theme {name!r} has no patterns", file=file, value=name, hint="add a list `patterns`"
        )
    exclude = tuple(str(p) for p in item.get("exclude") or ())
    return Theme(
        id=theme_id,
        name=name,
        description=str(item.get("description") or "").strip(),
        questions=tuple(str(q) for q in item.get("questions") or ()),
        patterns=patterns,
        exclude=exclude,
        _regex=_compile(patterns, where=f"theme {name!r}", file=file),
        _exclude_regex=_compile(exclude, where=f"theme {name!r} (exclude)", file=file),
    )


def load_themes(path: str | Path | None = None) -> list[Theme]:
    """Read a theme codebook.

    Parameters
    ----------
    path
        A YAML file with a top-level ``themes`` list (see ``data/themes.yaml``); default the
        package's codebook :data:`THEMES_FILE`.

    Returns
    -------
    list of Theme
        In the order of the file.

    Raises
    ------
    InputError
        When the file is missing, not YAML, has no themes, a theme lacks a name or patterns, a
        pattern is not a valid regular expression, or two themes share an id or a name.
    """
    file = Path(path) if path is not None else THEMES_FILE
    if not file.exists():
        raise InputError("the theme file does not exist", file=file, hint="check the path")
    stat = file.stat()
    return list(_read_themes(file, stat.st_mtime_ns, stat.st_size))


@memoize(maxsize=16)
def _read_themes(file: Path, mtime_ns: int, size: int) -> tuple[Theme, ...]:
    """The themes of a file, parsed once per version of the file (themes are immutable)."""
    try:
        content = yaml.safe_load(file.read_text(encoding="utf-8"))
    except yaml.YAMLError as error:
        raise InputError(f"not valid YAML ({error})", file=file) from None
    items = content.get("themes") if isinstance(content, dict) else None
    if not items:
        raise InputError(
            "no themes in the file", file=file, hint="put the themes in a top-level list `themes:`"
        )
    themes = [_theme_from_mapping(item, file=file) for item in items]
    for attribute in ("id", "name"):
        values = [getattr(t, attribute) for t in themes]
        duplicates = sorted({v for v in values if values.count(v) > 1})
        if duplicates:
            raise InputError(
                f"two themes share the {attribute} {duplicates[0]!r}",
                file=file,
                value=duplicates[0],
                hint=f"give every theme its own {attribute}",
            )
    return tuple(themes)


def _resolve(themes: Iterable[Theme] | str | Path | None) -> list[Theme]:
    if themes is None or isinstance(themes, (str, Path)):
        return load_themes(themes)
    return list(themes)


def code_themes(
    comments: pd.DataFrame,
    *,
    column: str = "text",
    themes: Iterable[Theme] | str | Path | None = None,
    include_uncoded: bool = True,
) -> pd.DataFrame:
    """Code each comment with zero or more themes.

    Parameters
    ----------
    comments
        One row per comment (e.g. columns ``respondent_id``, ``role``, ``question``, ``text``).
    column
        The column holding the text.
    themes
        A list of :class:`Theme`, a path to a codebook, or None for the package's codebook.
    include_uncoded
        Keep a comment that matched no theme as one row with ``theme`` NA (default), so that
        nothing silently disappears; with False such comments are left out (see :func:`uncoded`).

    Returns
    -------
    DataFrame
        Long form: the comment's columns, plus ``comment_id`` (the row's position in
        ``comments``, unless the frame already has that column), ``theme_id``, ``theme`` (the
        theme's name) and ``matched`` (the matched words, ``"; "``-joined). One row per comment and
        theme matched, ordered by comment and then by the codebook's theme order.

    Raises
    ------
    InputError
        When ``column`` is not in ``comments``.
    """
    if column not in comments.columns:
        raise InputError(
            f"column {column!r} is not in the comments",
            column=column,
            hint=f"choose one of: {', '.join(map(str, comments.columns))}",
        )
    codebook = _resolve(themes)
    base = comments.reset_index(drop=True)
    if "comment_id" not in base.columns:
        base.insert(0, "comment_id", range(len(base)))
    rows_index: list[int] = []
    theme_ids: list[object] = []
    theme_names: list[object] = []
    matched: list[object] = []
    for position, text in enumerate(base[column]):
        hit = False
        for theme in codebook:
            words = theme.matches(text)
            if words:
                hit = True
                rows_index.append(position)
                theme_ids.append(theme.id)
                theme_names.append(theme.name)
                matched.append("; ".join(dict.fromkeys(w.lower() for w in words)))
        if not hit and include_uncoded:
            rows_index.append(position)
            theme_ids.append(pd.NA)
            theme_names.append(pd.NA)
            matched.append(pd.NA)
    coded = base.iloc[rows_index].reset_index(drop=True)
    coded["theme_id"] = pd.array(theme_ids, dtype="string")
    coded["theme"] = pd.array(theme_names, dtype="string")
    coded["matched"] = pd.array(matched, dtype="string")
    return coded


def uncoded(coded: pd.DataFrame) -> pd.DataFrame:
    """Return the comments that matched no theme (rows of :func:`code_themes` with NA theme)."""
    return coded[coded["theme"].isna()].reset_index(drop=True)


def theme_counts(
    coded: pd.DataFrame,
    *,
    by: Sequence[str] | str = ("role",),
    include_uncoded: bool = True,
    themes: Iterable[Theme] | str | Path | None = None,
) -> pd.DataFrame:
    """Count comments per theme and group.

    Parameters
    ----------
    coded
        The output of :func:`code_themes`.
    by
        Grouping columns, e.g. ``("role",)`` or ``("municipality_name", "role", "question")``;
        ``()`` for totals.
    include_uncoded
        Count comments without a theme under :data:`NO_THEME` (default True).
    themes
        The codebook used for coding (list, path or None for the package's): it gives the order
        of the themes in the result; themes not in it follow, :data:`NO_THEME` comes last.

    Returns
    -------
    DataFrame
        Columns ``*by``, ``theme``, ``n_comments`` (comments with the theme in the group),
        ``n_total`` (comments in the group) and ``share`` (``n_comments / n_total``). A comment
        with several themes counts once under each, so shares may sum to more than 1.
    """
    keys = [by] if isinstance(by, str) else list(by)
    needed = [*keys, "theme", "comment_id"]
    missing = [c for c in needed if c not in coded.columns]
    if missing:
        raise InputError(
            f"column {missing[0]!r} is not in the coded comments",
            column=missing[0],
            hint="pass the output of code_themes(); group only by columns it has",
        )
    data = coded[needed].copy()
    data["theme"] = data["theme"].astype("object")
    if include_uncoded:
        data["theme"] = data["theme"].where(data["theme"].notna(), NO_THEME)
    else:
        data = data[data["theme"].notna()]
    if keys:
        totals = coded.groupby(keys, dropna=False)["comment_id"].nunique().rename("n_total")
        counts = data.groupby([*keys, "theme"], dropna=False)["comment_id"].nunique()
        out = counts.rename("n_comments").reset_index().merge(totals.reset_index(), on=keys)
    else:
        counts = data.groupby("theme")["comment_id"].nunique()
        out = counts.rename("n_comments").reset_index()
        out["n_total"] = coded["comment_id"].nunique()
    out["share"] = out["n_comments"] / out["n_total"]
    names = [t.name for t in _resolve(themes)]
    extra = [t for t in dict.fromkeys(coded["theme"].dropna()) if t not in names]
    order = {name: i for i, name in enumerate([*names, *extra, NO_THEME])}
    out["_order"] = out["theme"].map(order)
    out = out.sort_values([*keys, "_order"], kind="stable").drop(columns="_order")
    return out.reset_index(drop=True)
