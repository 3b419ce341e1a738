"""Free text from respondents and input files stays text: in reports, spreadsheets and terminals.

Respondents write whatever they like into a comment box, and survey exports carry headers and
values nobody checked. This module is the one place that makes such text inert wherever the
package shows or writes it:

- :func:`plain_text` — for Markdown that is rendered to HTML (report.html via nbconvert, the
  executed notebooks in JupyterLab, the explorer via mistune): no links, no images, no
  autolinks, no HTML, no math, no control characters. Every character a respondent wrote that
  Markdown would read as syntax is written as a numeric character reference (``&#91;`` for
  ``[``), which Markdown renderers show as the character and never treat as structure.
- :func:`html_text` — the same for text put straight into HTML.
- :func:`spreadsheet_safe` — for every CSV or workbook the package writes: a text cell that a
  spreadsheet would read as a formula (it starts with ``=``, ``+``, ``-``, ``@``, a tab or a
  carriage return) gets a leading apostrophe (OWASP's advice on CSV injection); the reader still
  sees the text. Numbers stay numbers, numeric columns are untouched.
- :func:`terminal_safe` — for text from input files printed to a terminal: escape sequences and
  other control characters are removed.

What a reader sees of a link: a web address (``https://…``, ``www.…``) or a link with a script
or data scheme (``javascript:``, ``data:``, ``vbscript:``, ``file:``) in a comment is replaced by
:data:`LINK_REMOVED` ("[länk borttagen]"). A report is promised to open offline and to reference
nothing outside itself, an address in a comment can itself identify someone (a personal page, a
profile, a tracking token), and a reader cannot follow it from a printed report anyway. The text
of a Markdown link (``[här](…)``) stays, as written, followed by the marker.
"""

from __future__ import annotations

import html
import re
import unicodedata

import pandas as pd

__all__ = [
    "LINK_REMOVED",
    "FORMULA_PREFIXES",
    "strip_control",
    "remove_links",
    "display_text",
    "plain_text",
    "html_text",
    "spreadsheet_cell",
    "spreadsheet_safe",
    "write_csv",
    "terminal_safe",
]

#: What replaces a web address or an active link in a displayed comment (a reader sees it).
LINK_REMOVED = "[länk borttagen]"

#: First characters that make a spreadsheet read a cell as a formula (OWASP, CSV injection).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")

# Bidirectional overrides and isolates ("Trojan Source"): they reorder what a reader sees.
_BIDI = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c"

# ANSI/VT escape sequences: CSI (ESC [ ... final), OSC (ESC ] ... BEL or ESC \), other ESC x,
# and the 8-bit CSI/OSC introducers.
_ANSI_RE = re.compile(
    r"(?:\x1b\[|\x9b)[0-?]*[ -/]*[@-~]"
    r"|(?:\x1b\]|\x9d)[^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?"
    r"|\x1b[PX^_][^\x1b\x9c]*(?:\x1b\\|\x9c)?"
    r"|\x1b[@-Z\\-_]?"
)

_SCHEMES = r"(?:javascript|vbscript|data|file|https?|ftps?|mailto)"
# A web address, or anything with an active scheme, up to the next blank.
_URL_RE = re.compile(
    rf"(?i)(?<![\w.@])(?:{_SCHEMES}:[^\s<>\"']+|//[\w-]+(?:\.[\w-]+)+[^\s<>\"']*"
    rf"|www\d?\.[^\s<>\"']+)"
)
# A domain name written bare ("kil.se/sida"): autolinked by some renderers only when it carries a
# path, so that is the part that is removed ("kil.se" alone stays: a place, not a link).
_BARE_DOMAIN_PATH_RE = re.compile(r"(?i)(?<![\w.@/])(?:[a-z0-9-]+\.)+[a-z]{2,}/[^\s<>\"']*")
# Markdown's inline link/image: keep the visible text, drop the target.
_MD_LINK_RE = re.compile(
    r"!?\[([^\]\n]*)\]\(\s*<?((?:[^()\s>]|\([^()\s]*\))*)>?(?:\s+[\"'(][^)]*[\"')])?\s*\)"
)
# Punctuation that ends a sentence after an address is not part of it.
_TRAILING = ".,;:!?)\"'”’»"
# A bare e-mail address (autolinked by GFM renderers): the screening masks addresses before a
# comment is shown; this is only the display's second line of defence.
_EMAIL_RE = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")

# Characters Markdown (CommonMark, GFM, mistune's plugins, MathJax) may read as syntax.
_MD_SPECIAL = set("\\`*_{}[]()<>#!|~$:@^")
# "&" only where it would start a character reference ("&lt;" written by a respondent stays text).
_AMP_RE = re.compile(r"&(?=#?\w+;)")
# ... and at the start of the text only (a list item, a heading underline, a numbered list).
_MD_LEADING_RE = re.compile(r"^(?:[-+=]|\d+(?=[.)]))")


def strip_control(text: object, *, keep_newlines: bool = False) -> str:
    """Remove control characters, escape sequences and bidirectional overrides from a text.

    Parameters
    ----------
    text
        Any value; ``None``/NA gives ``""``, other values their ``str``.
    keep_newlines
        Keep ``\\n`` (and turn ``\\r\\n``/``\\r`` into ``\\n``); otherwise line breaks become
        spaces like tabs do.

    Returns
    -------
    str
        The text without C0/C1 control characters (NUL, BEL, ESC, ...), ANSI escape sequences,
        DEL and bidirectional formatting characters.
    """
    if text is None or (not isinstance(text, str) and pd.isna(text)):
        return ""
    value = _ANSI_RE.sub("", str(text))
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    out = []
    for char in value:
        if char == "\n":
            out.append("\n" if keep_newlines else " ")
        elif char == "\t":
            out.append(" ")
        elif char in _BIDI or unicodedata.category(char) == "Cc":
            continue
        else:
            out.append(char)
    return "".join(out)


def remove_links(text: str) -> str:
    """Replace links and web addresses in a text by :data:`LINK_REMOVED`.

    A Markdown link or image keeps its visible text (``[här](javascript:…)`` → ``här [länk
    borttagen]``; an image without text → ``[länk borttagen]``); a bare address with a scheme,
    ``//host``, ``www.…`` or ``domain.se/path`` is replaced whole.
    """

    def _link(match: re.Match[str]) -> str:
        label = match.group(1).strip()
        return f"{label} {LINK_REMOVED}" if label else LINK_REMOVED

    def _address(match: re.Match[str]) -> str:
        found = match.group()
        kept = found.rstrip(_TRAILING)
        return LINK_REMOVED + found[len(kept):]

    value = _MD_LINK_RE.sub(_link, text)
    value = _URL_RE.sub(_address, value)
    return _BARE_DOMAIN_PATH_RE.sub(_address, value)


def display_text(text: object) -> str:
    """A respondent's text as a reader sees it, before any escaping: for tables and workbooks.

    One line, control characters removed, links and web addresses replaced by
    :data:`LINK_REMOVED`: the same words :func:`plain_text` and :func:`html_text` show, so a
    quote reads the same in the report and in its table.
    """
    value = strip_control(text)
    value = remove_links(value)
    value = _EMAIL_RE.sub("[e-post]", value)
    return " ".join(value.split())


_clean = display_text


def plain_text(text: object) -> str:
    """A respondent's text made safe to put into Markdown: it renders as exactly that text.

    Parameters
    ----------
    text
        A comment or quote (already screened for personal data); any value, ``None``/NA gives
        ``""``.

    Returns
    -------
    str
        One line: control characters removed, whitespace collapsed, links and web addresses
        replaced by :data:`LINK_REMOVED`, and every character Markdown, HTML or math rendering
        could read as syntax written as a numeric character reference. Rendered by mistune
        (nbconvert, the explorer) or JupyterLab it shows the text as written, with no link,
        image, autolink, HTML element or formula.

    Examples
    --------
    >>> plain_text("Se [här](javascript:alert(1)) <b>nu</b>")
    'Se här &#91;länk borttagen&#93; &#60;b&#62;nu&#60;/b&#62;'
    """
    value = _clean(text)
    lead = _MD_LEADING_RE.match(value)
    head = "".join(f"&#{ord(c)};" for c in lead.group()) if lead else ""
    rest = value[lead.end():] if lead else value
    return head + "".join(
        f"&#{ord(c)};" if c in _MD_SPECIAL or c == "&" and _AMP_RE.match(rest, i) else c
        for i, c in enumerate(rest)
    )


def html_text(text: object) -> str:
    """A respondent's text made safe to put into HTML (element content or a quoted attribute).

    Same cleaning as :func:`plain_text` (control characters, links, one line), then HTML-escaped.
    """
    return html.escape(_clean(text), quote=True)


_NUMBER_RE = re.compile(r"[+-]?(?:\d+(?:[.,]\d+)?|[.,]\d+)(?:[eE][+-]?\d+)?%?")


def spreadsheet_cell(value: object) -> object:
    """One cell made safe for a spreadsheet; anything but a formula-like text is returned as is.

    A text starting with one of :data:`FORMULA_PREFIXES` gets a leading ``'``, unless it is just
    a number as text (``"-0.25"``, ``"+46"`` is not: ``"+46 70"`` is text and prefixed). Control
    characters other than tab and line breaks are removed from text.
    """
    if not isinstance(value, str):
        return value
    if any(ch in value for ch in "\x00\x07\x1b\x7f") or _ANSI_RE.search(value):
        value = _ANSI_RE.sub("", value)
        value = "".join(c for c in value if c in "\t\n\r" or unicodedata.category(c) != "Cc")
    if value.startswith(FORMULA_PREFIXES) and not _NUMBER_RE.fullmatch(value):
        return "'" + value
    return value


def spreadsheet_safe(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of a frame that is safe to write as CSV or workbook (no formula injection).

    Parameters
    ----------
    frame
        Any frame. Only text cells (columns of object or string dtype, and the column names) are
        changed; numeric, boolean and date columns are left exactly as they are, so −0.25 in a
        numeric column stays the number −0.25.

    Returns
    -------
    DataFrame
        The same shape, index and dtypes; text cells as :func:`spreadsheet_cell` makes them.
    """
    out = frame.copy()
    for position, dtype in enumerate(out.dtypes):
        if pd.api.types.is_object_dtype(dtype) or pd.api.types.is_string_dtype(dtype):
            values = out.iloc[:, position].tolist()
            safe = [spreadsheet_cell(v) for v in values]
            if any(a is not b for a, b in zip(safe, values)):  # most columns hold no formula-like text
                out.isetitem(position, pd.Series(safe, index=out.index, dtype=dtype))
    out.columns = [spreadsheet_cell(c) for c in out.columns]
    return out


def write_csv(frame: pd.DataFrame, path, **kwargs) -> None:
    """Write a frame as CSV through :func:`spreadsheet_safe` (the one CSV writer of the package).

    ``kwargs`` go to :meth:`pandas.DataFrame.to_csv` (``sep``, ``encoding``, ``index``, ...).
    """
    spreadsheet_safe(frame).to_csv(path, **kwargs)


def terminal_safe(text: object) -> str:
    """Text from an input file made safe to print to a terminal.

    ANSI/VT escape sequences (colours, cursor movement, window titles, hyperlinks) and every
    other control character except line breaks are removed; so are bidirectional overrides.
    """
    return strip_control(text, keep_newlines=True)
