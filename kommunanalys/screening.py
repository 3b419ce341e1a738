"""Offline screening of Swedish free text for personal data.

Free-text answers are personal data: they can identify the person who wrote them or the person
written about. :func:`screen_text` masks, in this order,

- e-mail addresses, also spelled out ("lars.berg at hammaro punkt se", "kalle(at)kil.se")
  (``[e-post]``), and social-media handles ("@annasvensson", ``[användarnamn]``),
- personnummer and samordningsnummer (day + 60) in 10- and 12-digit forms, with or without ``-``
  or ``+``, date- and Luhn-checked on the 10-digit form (``[personnummer]``,
  ``[samordningsnummer]``); a number with a valid date written like one (with its separator, or
  12 digits) is masked even when its check digit is wrong: a mistyped number still identifies,
- Swedish phone numbers: mobile ``07x``, landline with area code, ``+46``, ``0046`` and ``46 7x``
  forms, with the spaces, dashes and dots people write (``[telefon]``),
- street addresses with a number and postboxes ("Box 123"), optionally followed by postcode and
  town (``[adress]``), and free-standing postcodes (``[postnummer]``),
- personal names: first names and surnames, alone or together, hyphenated, in the genitive,
  after a title, "O'Brien"-style, in capitals ("STEFAN LÖFGREN") and, when a first name is
  followed by a surname and neither is an ordinary word, in lower case ("anna svensson")
  (``[namn]``),

and flags, without masking, phrases that point at a person by position ("vår kommundirektör",
"ordföranden i socialnämnden", "ekonomichefen"), and a position or the leading of a board in a
text that also names someone ("[namn] sätt att leda kommunstyrelsen", "ordföranden [namn]"):
type ``role_reference``, for a human reviewer (a flagged quote waits for review).

Names are found with word lists that ship with the package (``data/names/``, see
``data/README_screening.md``), never with a model: a capitalised word is a name when it is in the
first-name or surname list and the context does not say otherwise. Place names (the 290
municipalities, counties, provinces), parties, boards and acronyms are protected; names that are
also ordinary Swedish words (``Per``, ``Hans``, ``Bo``, ``Berg``) are masked only where they cannot
be the ordinary word: inside a sentence, next to another name, after a title, or at the start of a
sentence followed by a verb ("Per har ...").

Every masked span is recorded as a :class:`Finding` (type, start, end, original, replacement) so a
reviewer can see what was done. Offsets refer to the original text.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Iterable, Sequence

import pandas as pd

from . import paths
from ._lru import memoize
from .errors import InputError
from .textsafety import write_csv

__all__ = [
    "Finding",
    "ScreenResult",
    "FINDING_TYPES",
    "REPLACEMENTS",
    "screen_text",
    "screen_frame",
    "scrub_csv",
    "luhn_checksum_ok",
    "classify_identity_number",
    "evaluate",
    "read_labelled",
]

#: Replacement text written in place of each kind of personal data (Swedish: a reader sees it).
REPLACEMENTS: dict[str, str] = {
    "email": "[e-post]",
    "handle": "[användarnamn]",
    "personnummer": "[personnummer]",
    "samordningsnummer": "[samordningsnummer]",
    "phone": "[telefon]",
    "address": "[adress]",
    "postcode": "[postnummer]",
    "name": "[namn]",
}

#: Every finding type, masked ones first; ``role_reference`` is flagged only.
FINDING_TYPES: tuple[str, ...] = (*REPLACEMENTS, "role_reference")

_NAMES_DIR = paths.DATA_DIR / "names"


@dataclass(frozen=True)
class Finding:
    """One span of personal data found in a text.

    Attributes
    ----------
    type
        One of :data:`FINDING_TYPES`.
    start, end
        Character offsets of the span in the *original* text (``end`` exclusive).
    original
        The text of the span as written.
    replacement
        What the span was replaced with in the screened text; ``None`` for a flag
        (``role_reference``), which is left in place for review.
    """

    type: str
    start: int
    end: int
    original: str
    replacement: str | None


@dataclass
class ScreenResult:
    """The outcome of screening one text.

    Attributes
    ----------
    text
        The screened text: every finding replaced by its replacement.
    original
        The text as given.
    findings
        The masked spans, in text order.
    flags
        Spans flagged for review but not masked (``role_reference``), in text order.
    """

    text: str
    original: str
    findings: list[Finding] = field(default_factory=list)
    flags: list[Finding] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        """Whether anything was masked."""
        return bool(self.findings)


# --------------------------------------------------------------------------------------------
# Identity numbers
# --------------------------------------------------------------------------------------------


def luhn_checksum_ok(digits: str) -> bool:
    """Check the Luhn (mod 10) check digit of a 10-digit Swedish identity number.

    Parameters
    ----------
    digits
        Exactly ten digits, ``YYMMDDNNNC``: the check digit ``C`` is computed over the first nine
        with weights 2, 1, 2, 1, ...

    Returns
    -------
    bool
        True when the last digit is the Luhn check digit of the first nine.
    """
    if len(digits) != 10 or not digits.isdigit():
        return False
    total = 0
    for i, char in enumerate(digits[:9]):
        product = int(char) * (2 if i % 2 == 0 else 1)
        total += product // 10 + product % 10
    return (10 - total % 10) % 10 == int(digits[9])


def _valid_date(year: int, month: int, day: int) -> bool:
    if not 1 <= month <= 12:
        return False
    return 1 <= day <= calendar.monthrange(year, month)[1]


def _shaped_like_identity_number(number: str) -> str | None:
    """The kind of a number that has a personnummer's date and shape but a wrong check digit.

    ``YYMMDD-NNNC``/``YYMMDD+NNNC`` (a separator is written) or ``YYYYMMDDNNNC`` (12 digits,
    century 18–20) with a valid date of birth (day + 60 for a samordningsnummer); ``None`` for
    anything else (10 bare digits without a separator may be a phone or an article number).
    """
    separated = bool(re.search(r"\d{6}\s?[-+]\s?\d{4}$", number))
    return _birth_date_kind(re.sub(r"\D", "", number), ten_digits=separated)


def _birth_date_kind(digits: str, *, ten_digits: bool = True) -> str | None:
    """``"personnummer"`` or ``"samordningsnummer"`` (day + 60) when ``digits`` begin with a valid
    date of birth: 12 digits with century 18–20, or (with ``ten_digits``) 10 digits; else ``None``."""
    if len(digits) == 12 and int(digits[:2]) in (18, 19, 20):
        years, short = [int(digits[:4])], digits[2:]
    elif len(digits) == 10 and ten_digits:
        short = digits
        years = [1900 + int(short[:2]), 2000 + int(short[:2])]
    else:
        return None
    month, day = int(short[2:4]), int(short[4:6])
    kind = "personnummer"
    if day > 60:
        kind, day = "samordningsnummer", day - 60
    return kind if any(_valid_date(year, month, day) for year in years) else None


def classify_identity_number(number: str) -> str | None:
    """Classify a written personnummer or samordningsnummer.

    Parameters
    ----------
    number
        The number as written: ``YYMMDD-NNNC``, ``YYMMDD+NNNC``, ``YYYYMMDDNNNC``, with or without
        a separator (``-``, ``+`` or a space).

    Returns
    -------
    str or None
        ``"personnummer"``, ``"samordningsnummer"`` (day of birth + 60), or ``None`` when the
        number has no valid date or fails the Luhn check.
    """
    digits = re.sub(r"\D", "", number)
    kind = _birth_date_kind(digits)
    return kind if kind is not None and luhn_checksum_ok(digits[-10:]) else None


# --------------------------------------------------------------------------------------------
# Patterns (compiled once)
# --------------------------------------------------------------------------------------------

_L = "A-Za-zÅÄÖåäöÉéÜüÆæØø"  # letters used in Swedish names and words
_UP = "A-ZÅÄÖÉÜÆØ"
_LOW = "a-zåäöéüæø"

_EMAIL_RE = re.compile(r"(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)*\.[A-Za-z]{2,}(?![\w-])")

# An address written out so that it escapes an e-mail pattern: "lars.berg at hammaro punkt se",
# "kalle(at)kil.se", "kalle [at] kil dot se", "kalle snabel-a kil.se".
_AT = r"(?:\s*[(\[{]\s*(?:at|snabel-?a|@)\s*[)\]}]\s*|\s+(?:at|snabel-?a)\s+|\s+@\s+)"
_DOT = r"(?:\s*[(\[{]\s*(?:dot|punkt)\s*[)\]}]\s*|\s+(?:dot|punkt)\s+|\.)"
_TLD = r"(?:se|nu|com|net|org|eu|info|io|fi|no|dk|de|uk)"
_SPELLED_EMAIL_RE = re.compile(
    rf"(?i)(?<![\w.+-])[\w+-]+(?:\.[\w+-]+)*{_AT}[\w-]+(?:{_DOT}[\w-]+)*?{_DOT}{_TLD}(?![\w])"
)
# A social-media handle: @annasvensson (an e-mail address is matched before).
_HANDLE_RE = re.compile(r"(?<![\w.@])@[A-Za-z0-9_](?:[A-Za-z0-9_.]{1,29})(?<!\.)(?![\w@])")
# A postbox ("Box 123", optionally with postcode and town).
_BOX_RE = re.compile(
    r"(?<![\w-])(?:Box|BOX|box|Postbox|Pl|PL)\s?\d{1,5}(?![\w])"
)

_PNR_RE = re.compile(r"(?<![\w+-])(?:\d{8}|\d{6})(?:\s?[-+]\s?|\s)?\d{4}(?![\w+]|-\d)")
_PNR_CONTEXT = re.compile(r"(?:person|pers\.?|samordnings)\s*-?n(?:umme)?r|pnr|p-nr", re.I)
_PHONE_CONTEXT = re.compile(r"tel|mobil|ring|sms|nå\b|nås|växel|direktn", re.I)

_PHONE_RE = re.compile(
    r"(?<![\w+.])(?:"
    r"(?:\+|00)46[\s-]?(?:\(0\)[\s-]?)?[1-9](?:[\s-]?\d){6,8}"  # +46 70 123 45 67
    r"|46[\s-](?:\(0\)[\s-]?)?7\d(?:[\s-]?\d){7}"  # 46 70 123 45 67 (a mobile, "+" left out)
    r"|\(0\d{1,3}\)[\s-]?\d(?:[\s-]?\d){4,7}"  # (054) 12 34 56
    r"|0[1-9]\d{0,3}(?:\s?[-–/]\s?|\s)?\d(?:[\s-]?\d){4,7}"  # 070-123 45 67, 054-540 00 00
    # dots only as the separator of every group: 070.123.45.67, 054.54.00.00 (not 08.30 or a date)
    r"|(?:\+46|0046|0)[1-9]\d{0,3}(?:\.\d{2,3}){2,4}"
    r")(?![\w]|[.,]\d)"
)

_STREET_SUFFIX = (
    "gatan|gata|vägen|väg|gränd|gränden|stigen|torget|torg|allén|allé|backen|backe|platsen|"
    "leden|gången|liden|slingan|kajen|esplanaden|promenaden|stråket|höjden|plan|ringen|bryggan"
)
_POSTCODE = r"(?:SE-?\s?)?[1-9]\d{2}\s?\d{2}"
_TOWN = rf"[{_UP}][{_LOW}]+(?:[\s-][{_UP}][{_LOW}]+)?"
_ADDRESS_RE = re.compile(
    rf"(?<![\w-])(?:(?:Norra|Södra|Östra|Västra|Stora|Lilla|Gamla|Nya|Övre|Nedre)\s)?"
    rf"[{_UP}][{_LOW}]+(?:-[{_LOW}]+)?(?:{_STREET_SUFFIX})"
    rf"\s\d{{1,4}}(?:\s?[A-Z](?![\w])|[a-z](?![\w]))?(?:\s?(?:lgh|lägenhet)\.?\s?\d{{1,4}})?"
    rf"(?:,?\s+{_POSTCODE}(?:\s+{_TOWN})?)?(?![\w])"
)
_POSTCODE_RE = re.compile(
    rf"(?<![\w,.-])(?:(?:SE-?\s?)?[1-9]\d{{2}}\s\d{{2}}|(?:SE-?\s?)?[1-9]\d{{4}}(?=\s+[{_UP}]))"
    rf"(?![\w]|[,.]\d|\s\d)"
)
# Words after "652 25" that make it a quantity rather than a postcode.
_NOT_POSTCODE_AFTER = re.compile(
    rf"\s*(?:kr|kronor|tkr|mkr|mnkr|sek|%|procent|st\b|personer|elever|invånare|timmar|år\b|"
    rf"dagar|kvm|m2|meter|km|[{_LOW}])",
)

_WORD_RE = re.compile(rf"[{_L}]+(?:[-'’][{_L}]+)*")

# A title or role word directly before a capitalised word makes that word a name.
_TITLE_RE = re.compile(
    rf"(?:fru|herr|fröken|frk|dr|doktor|professor|"
    rf"[{_LOW}-]*(?:chef|direktör|ordförande|kommunalråd|oppositionsråd|rektor|sekreterare|"
    rf"handläggare|controller|ekonom|ledamot|politiker|kollega|strateg|samordnare|ansvarig|"
    rf"ombud|revisor|förman|assistent|lärare|nämndeman|förvaltare|sköterska|präst|talesperson)"
    rf"(?:en|n|et)?)",
)

# Phrases that point at a person by position: flagged, not masked.
_ROLE = (
    rf"(?:[{_LOW}]+-)?[{_LOW}]*(?:chef|direktör|ordförande|kommunalråd|oppositionsråd|rektor|"
    rf"controller|sekreterare|nämndsekreterare|ekonom|strateg)"
)
_ROLE_RES = (
    re.compile(
        rf"(?<![\w-])(?:vår|vårt|våran|min|mitt|er|ert|deras|den|nya|nye|förra|förre|"
        rf"nuvarande|tidigare|dåvarande|avgående|f\.d\.)\s+(?:(?:nya|nye|förra|förre|"
        rf"nuvarande|tidigare|dåvarande|avgående|vice|biträdande)\s+)?"
        rf"{_ROLE}(?:en|n|et)?(?![\w-])",
        re.I,
    ),
    re.compile(
        rf"(?<![\w-])(?:vice\s+|biträdande\s+)?{_ROLE}(?:en|n|et)(?![\w-])"
        rf"(?:\s+(?:i|för|på|inom)\s+(?:(?:min|mitt|vår|vårt|den|det|en|ett)\s+)?[{_L}-]+)?",
        re.I,
    ),
    re.compile(
        rf"(?<![\w-])(?:vice\s+)?(?:ordförande|kommunalråd|oppositionsråd|chef)\s+(?:i|för|på|inom)"
        rf"\s+(?:[{_LOW}]+\s+)?[{_L}-]+",
        re.I,
    ),
)

# Function words that may be in a name list but are never a name on their own.
_NEVER_ALONE = frozenset(
    {"vi", "man", "de", "den", "det", "han", "hon", "jag", "du", "ni", "alla", "inga", "mina",
     "min", "dem", "kan", "var", "ser", "tar", "får", "går", "så", "då",
     "när", "om", "en", "ett", "är", "av", "till", "mot", "hos", "vid", "liv", "dag", "fred",
     "mark", "tom", "inge", "sanna", "lova", "klara", "rita", "tina", "ville", "trans"}
)

# Verbs that follow a subject: a sentence-initial name-word followed by one of these is a name.
_PRONOUNS = frozenset({"vi", "man", "de", "den", "det", "han", "hon", "jag", "du", "ni", "dem"})

_SUBJECT_VERBS = frozenset(
    {"har", "hade", "är", "var", "sa", "sade", "säger", "tycker", "tyckte", "tror", "trodde",
     "gör", "gjorde", "kan", "kunde", "ska", "skall", "skulle", "vill", "ville", "måste",
     "brukar", "verkar", "menar", "menade", "fick", "får", "tog", "tar", "blev", "blir",
     "jobbar", "arbetar", "leder", "ledde", "borde", "skrev", "skriver", "svarade", "svarar",
     "ringde", "ringer", "kom", "kommer", "gick", "går", "lyssnar", "lyssnade", "hanterar",
     "hanterade", "ansvarar", "ansvarade", "bestämmer", "bestämde", "förstår", "förstod",
     "behöver", "slutade", "började", "börjar", "mailade", "mejlade", "informerade"}
)

_ABBREVIATIONS = frozenset({"t", "ex", "bl", "a", "dvs", "osv", "m", "fl", "fr", "o", "s", "ca",
                            "kl", "nr", "jfr", "resp", "tel", "mm", "etc", "p", "g", "f", "d"})

_PARTIES_AND_BODIES = (
    "Moderaterna Socialdemokraterna Centerpartiet Centern Liberalerna Folkpartiet Vänsterpartiet "
    "Kristdemokraterna Miljöpartiet Sverigedemokraterna Socialdemokrater Moderater "
    "Sverige Norden Europa EU SKR Kolada Regionen Region Landstinget Länsstyrelsen "
    "Skolverket Socialstyrelsen Försäkringskassan Arbetsförmedlingen Skatteverket "
    "Kommunfullmäktige Kommunstyrelsen Fullmäktige KF KS"
)

_PROVINCES = (
    "Blekinge Bohuslän Dalarna Dalsland Gotland Gästrikland Halland Hälsingland Härjedalen "
    "Jämtland Lappland Medelpad Norrbotten Närke Skåne Småland Södermanland Uppland Värmland "
    "Västerbotten Västergötland Västmanland Ångermanland Öland Östergötland Norrland Svealand "
    "Götaland Stockholm Göteborg Malmö Uppsala Sörmland Roslagen Bergslagen"
)

_BODY_SUFFIX_RE = re.compile(
    r"(?:nämnd|nämnden|nämndens|styrelse|styrelsen|styrelsens|förvaltning|förvaltningen|"
    r"förvaltningens|fullmäktige|kontor|kontoret|bolag|bolaget|kommun|kommunen|kommuns|"
    r"kommunens|partiet|partiets|erna|ernas|arna|arnas|orna|region|regionen|län|länet|"
    r"skola|skolan|skolans|gymnasiet|huset|enhet|enheten|verket|verkets)$",
    re.I,
)


def _read_list(name: str) -> list[str]:
    path = _NAMES_DIR / name
    with path.open(encoding="utf-8") as handle:
        return [line.strip() for line in handle if line.strip() and not line.startswith("#")]


@memoize(maxsize=1)
def _first_names() -> frozenset[str]:
    return frozenset(_read_list("first_names.txt"))


@memoize(maxsize=1)
def _surnames() -> frozenset[str]:
    return frozenset(_read_list("surnames.txt"))


@memoize(maxsize=1)
def _name_words() -> frozenset[str]:
    return frozenset(_read_list("name_words.txt"))


@memoize(maxsize=1)
def _protected() -> frozenset[str]:
    """Lower-case words that are places, parties or bodies: never a name without strong context."""
    words: set[str] = set()
    table = pd.read_csv(paths.MUNICIPALITIES_FILE, dtype=str)
    for value in [*table["name"], *table["county"]]:
        value = re.sub(r"\s+län$", "", str(value))
        for part in re.split(r"[\s-]+", value):
            words.add(part.lower())
            if part.endswith("s"):
                words.add(part[:-1].lower())  # "Värmlands län" -> Värmland
    words.update(w.lower() for w in _PARTIES_AND_BODIES.split())
    words.update(w.lower() for w in _PROVINCES.split())
    return frozenset(words)


# --------------------------------------------------------------------------------------------
# Name detection
# --------------------------------------------------------------------------------------------


@dataclass
class _Token:
    text: str
    start: int
    end: int
    sentence_initial: bool


def _is_capitalised(word: str) -> bool:
    return word[0].isupper() and not word.isupper() if len(word) > 1 else False


def _name_part_kind(part: str, *, last: bool) -> str | None:
    """Return 'first', 'surname' or None for one (hyphen-free) part of a capitalised word."""
    first, surnames = _first_names(), _surnames()
    if part in first:
        return "first"
    if part in surnames:
        return "surname"
    if last and len(part) > 2 and part.endswith("s"):
        base = part[:-1]  # genitive: Annas, Svenssons
        if base in first:
            return "first"
        if base in surnames:
            return "surname"
    return None


def _tokens(text: str) -> list[_Token]:
    tokens: list[_Token] = []
    prev_end = 0
    prev_word = ""
    for match in _WORD_RE.finditer(text):
        gap = text[prev_end:match.start()]
        if not tokens:
            initial = True
        elif re.search(r"[!?:;\n•\u2013\u2014\u2212\"”“(\[*]|^\s*-\s|\s-\s", gap):
            initial = True
        elif "." in gap:
            initial = prev_word.lower() not in _ABBREVIATIONS
        else:
            initial = False
        tokens.append(_Token(match.group(), match.start(), match.end(), initial))
        prev_end, prev_word = match.end(), match.group()
    return tokens


def _is_protected(word: str) -> bool:
    lower = word.lower()
    protected = _protected()
    if lower in protected:
        return True
    if lower.endswith("s") and lower[:-1] in protected:
        return True
    return bool(_BODY_SUFFIX_RE.search(lower)) and lower not in _name_words() and not (
        word in _surnames() or word in _first_names()
    )


_IRISH_SCOTTISH_RE = re.compile(rf"(?:O|D)['’][{_UP}][{_LOW}]{{2,}}|Ma?c[{_UP}][{_LOW}]{{2,}}")


def _titled(word: str) -> str:
    """``"PER-OLOF"``/``"per-olof"`` → ``"Per-Olof"`` (same length: offsets stay valid)."""
    return re.sub(r"[^-'’]+", lambda m: m.group()[0].upper() + m.group()[1:].lower(), word)


def _classify_word(word: str) -> tuple[str | None, bool]:
    """Return (kind, ambiguous) for a capitalised word: kind 'first'/'surname'/None."""
    if _IRISH_SCOTTISH_RE.fullmatch(word):
        return "surname", False  # O'Brien, D'Souza, McLean
    parts = re.split(r"[-'’]", word)
    if not all(p and _is_capitalised(p) or (p and p[0].isupper() and len(p) == 1) for p in parts):
        return None, False
    if len(parts) > 1:
        kinds = [_name_part_kind(p, last=i == len(parts) - 1) for i, p in enumerate(parts)]
        if all(kinds) and not all(_is_protected(p) for p in parts):
            return kinds[0], False
        return None, False
    kind = _name_part_kind(word, last=True)
    if kind is None:
        return None, False
    ambiguous = word.lower() in _name_words() or word.lower() in _NEVER_ALONE
    return kind, ambiguous


def _strong_name(word: str) -> str | None:
    """The kind of a name written in any case when it cannot be an ordinary word, else None."""
    titled = _titled(word)
    kind, ambiguous = _classify_word(titled)
    if kind is None or ambiguous or _is_protected(titled):
        return None
    return kind


def _caps_as_titles(text: str) -> str:
    """The text with names written in capitals ("STEFAN LÖFGREN") in title case, same length.

    A word in capitals is turned into a name only when it is a name that is not also an ordinary
    word ("STEFAN"), or when such a name stands next to it ("PER ANDERSSON"); acronyms ("KS",
    "SKR") and places stay as they are.
    """
    words = [m for m in _WORD_RE.finditer(text) if m.group().isupper() and len(m.group()) > 2]
    if not words:
        return text
    strong = {m.start() for m in words if _strong_name(m.group())}
    chars = list(text)
    for k, m in enumerate(words):
        neighbours = [n for n in (words[k - 1] if k else None, words[k + 1] if k + 1 < len(words) else None)
                      if n is not None and n.start() in strong
                      and text[min(m.end(), n.end()):max(m.start(), n.start())] == " "]
        if m.start() in strong or (neighbours and _classify_word(_titled(m.group()))[0] is not None):
            chars[m.start():m.end()] = _titled(m.group())
    return "".join(chars)


def _lower_case_names(text: str, taken: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Names written in lower case: a first name followed by a surname ("anna svensson").

    Both must be names that are not ordinary words, so "per berg" or "bo i stan" stay text.
    """
    words = [m for m in _WORD_RE.finditer(text)
             if m.group().islower() and not _overlaps(m.start(), m.end(), taken)]
    spans = []
    for first, second in zip(words, words[1:]):
        if text[first.end():second.start()] != " ":
            continue
        if _strong_name(first.group()) == "first" and _strong_name(second.group()):
            if spans and spans[-1][1] == first.end():
                spans[-1] = (spans[-1][0], second.end())
            else:
                spans.append((first.start(), second.end()))
    return spans


def _name_spans(text: str, taken: list[tuple[int, int]]) -> list[tuple[int, int]]:
    lower = _lower_case_names(text, taken)
    taken = [*taken, *lower]
    text = _caps_as_titles(text)
    return sorted(lower + _capitalised_name_spans(text, taken))


def _capitalised_name_spans(text: str, taken: list[tuple[int, int]]) -> list[tuple[int, int]]:
    tokens = [t for t in _tokens(text) if not _overlaps(t.start, t.end, taken)]
    spans: list[tuple[int, int]] = []
    i = 0
    while i < len(tokens):
        token = tokens[i]
        if not _is_capitalised(token.text) or _TITLE_RE.fullmatch(token.text.lower()):
            i += 1  # a capitalised title ("Fru", "Rektor") is context, not part of the name
            continue
        # Collect a run of capitalised words separated by single spaces.
        run = [token]
        j = i + 1
        while (
            j < len(tokens)
            and _is_capitalised(tokens[j].text)
            and text[run[-1].end:tokens[j].start] == " "
        ):
            run.append(tokens[j])
            j += 1
        previous = tokens[i - 1] if i > 0 else None
        titled = (
            previous is not None
            and not token.sentence_initial
            and _TITLE_RE.fullmatch(previous.text.lower()) is not None
            and text[previous.end:token.start].strip() in ("", ",")
        )
        following = tokens[j].text.lower() if j < len(tokens) else ""
        verb_follows = following in _SUBJECT_VERBS and (
            j < len(tokens) and text[run[-1].end:tokens[j].start] == " "
        )
        spans.extend(_decide_run(run, titled=titled, verb_follows=verb_follows))
        i = j
    return spans


def _decide_run(run: list[_Token], *, titled: bool, verb_follows: bool) -> list[tuple[int, int]]:
    info = [(_classify_word(t.text), _is_protected(t.text)) for t in run]
    strong = [kind is not None and not amb and not prot for (kind, amb), prot in info]
    known = [kind is not None for (kind, _), _ in info]
    any_strong = any(strong)
    is_name = [False] * len(run)
    for k, token in enumerate(run):
        (kind, ambiguous), protected = info[k]
        lower = token.text.lower()
        if kind is not None and not ambiguous and not protected:
            is_name[k] = True
        elif kind is not None and (any_strong or titled) and len(run) > 1:
            is_name[k] = lower not in _NEVER_ALONE or k > 0
        elif kind is not None and lower not in _PRONOUNS and _pairs_with_neighbour(info, k):
            is_name[k] = True  # "Bo Ek", "Per Berg": a first name followed by a name
        elif kind is not None and protected:
            is_name[k] = titled
        elif kind is not None and ambiguous:
            if titled:
                is_name[k] = lower not in _PRONOUNS
            elif lower in _NEVER_ALONE:
                is_name[k] = False
            elif not token.sentence_initial:
                is_name[k] = True
            else:
                is_name[k] = verb_follows and len(run) == 1
    # Unknown capitalised words: a surname after a first name, or the word after a title.
    for k, token in enumerate(run):
        if is_name[k] or known[k] or _is_protected(token.text):
            continue
        lower = token.text.lower()
        if lower in _NEVER_ALONE:
            continue
        after_first = k > 0 and is_name[k - 1] and info[k - 1][0][0] == "first"
        if after_first or (k == 0 and titled):
            is_name[k] = True
    # Join adjacent name words into one span.
    spans: list[tuple[int, int]] = []
    for k, token in enumerate(run):
        if not is_name[k]:
            continue
        if spans and k > 0 and is_name[k - 1]:
            spans[-1] = (spans[-1][0], token.end)
        else:
            spans.append((token.start, token.end))
    return spans


def _pairs_with_neighbour(info: list, k: int) -> bool:
    """Whether word ``k`` is a first name followed by a name, or a name preceded by one."""
    kinds = [kind for (kind, _), _ in info]
    after = k + 1 < len(info) and kinds[k] == "first" and kinds[k + 1] is not None
    before = k > 0 and kinds[k - 1] == "first" and kinds[k] is not None
    return after or before


# --------------------------------------------------------------------------------------------
# Screening
# --------------------------------------------------------------------------------------------


def _overlaps(start: int, end: int, spans: Iterable[tuple[int, int]]) -> bool:
    return any(start < s_end and s_start < end for s_start, s_end in spans)


def _regex_findings(text: str) -> list[tuple[str, int, int]]:
    found: list[tuple[str, int, int]] = []

    def taken() -> list[tuple[int, int]]:
        return [(s, e) for _, s, e in found]

    for match in _EMAIL_RE.finditer(text):
        found.append(("email", match.start(), match.end()))
    for match in _SPELLED_EMAIL_RE.finditer(text):
        if not _overlaps(match.start(), match.end(), taken()):
            found.append(("email", match.start(), match.end()))
    for match in _HANDLE_RE.finditer(text):
        if not _overlaps(match.start(), match.end(), taken()):
            found.append(("handle", match.start(), match.end()))

    for match in _PNR_RE.finditer(text):
        if _overlaps(match.start(), match.end(), taken()):
            continue
        kind = classify_identity_number(match.group())
        raw = match.group()
        if kind is None:
            # A wrong check digit does not make a number anonymous: a date-shaped number written
            # like a personnummer (with its separator, or 12 digits) still points at a person.
            kind = _shaped_like_identity_number(raw)
            if kind is None:
                continue
        before = text[max(0, match.start() - 30):match.start()]
        if raw.startswith("07") and raw.isdigit() and len(raw) == 10:
            # Could be a mobile number written without spaces: the context decides.
            if _PHONE_CONTEXT.search(before) and not _PNR_CONTEXT.search(before):
                continue
        found.append((kind, match.start(), match.end()))

    for match in _PHONE_RE.finditer(text):
        start, end = match.span()
        if _overlaps(start, end, taken()):
            continue
        digits = re.sub(r"\D", "", match.group().replace("(0)", ""))
        if digits.startswith("46"):
            national = 1 + len(digits) - 2  # +46 70... counts as 070...
        elif digits.startswith("0046"):
            national = 1 + len(digits) - 4
        else:
            national = len(digits)
        if not 8 <= national <= 10:
            continue
        found.append(("phone", start, end))

    for match in _ADDRESS_RE.finditer(text):
        if not _overlaps(match.start(), match.end(), taken()):
            found.append(("address", match.start(), match.end()))
    for match in _BOX_RE.finditer(text):
        start, end = match.span()
        if _overlaps(start, end, taken()):
            continue
        post = re.compile(rf",?\s+{_POSTCODE}(?:\s+{_TOWN})?(?![\w])").match(text, end)
        found.append(("address", start, post.end() if post else end))

    for match in _POSTCODE_RE.finditer(text):
        start, end = match.span()
        if _overlaps(start, end, taken()):
            continue
        before = text[max(0, start - 12):start].lower()
        if _NOT_POSTCODE_AFTER.match(text, end) and not re.search(r"post(?:nummer|nr)\s*$", before):
            continue
        if re.search(r"(?:dnr|diarienr|nr|ärende|§)\s*[\w/ ]*$", before):
            continue
        found.append(("postcode", start, end))
    return found


_POSITION_TITLE_BEFORE_NAME = re.compile(
    rf"(?<![\w-])(?:vice\s+|biträdande\s+)?{_ROLE}(?:en|n|et)?(?=,?\s+$)", re.I
)


# A position or the leading of a body, in a text that also names someone: together they point at
# one person even with the name masked ("[namn] sätt att leda kommunstyrelsen", "ordföranden
# [namn]"), so the text is held for review like "vår kommundirektör".
_BODY = rf"[{_LOW}-]*(?:styrelsen|nämnden|förvaltningen|fullmäktige|kontoret|enheten|bolaget|partiet|gruppen)"
_POSITION_NEAR_NAME_RE = re.compile(
    rf"(?<![\w-])(?:(?:vice\s+|biträdande\s+)?{_ROLE}(?:en|n|et|s|ens|ns)?"
    rf"|(?:leda|leder|ledde|lett|styra|styr|styrde|basa|basar|ordförandeskap(?:et)?\s+i|presidiet\s+i)"
    rf"\s+(?:{_LOW}+\s+)?{_BODY})(?![\w-])",
    re.I,
)
_MASKED_NAME_RE = re.compile(r"\[namn\]")


def _role_flags(text: str, masked: list[tuple[int, int]], names: list[tuple[int, int]] = ()
                ) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    names = [*names, *(m.span() for m in _MASKED_NAME_RE.finditer(text))]
    if names:
        for match in _POSITION_NEAR_NAME_RE.finditer(text):
            if not _overlaps(*match.span(), masked):
                spans.append(match.span())
    # A position title directly before a masked name still points at the person.
    for start, _ in masked:
        match = _POSITION_TITLE_BEFORE_NAME.search(text[max(0, start - 60):start])
        if match:
            offset = max(0, start - 60)
            spans.append((offset + match.start(), offset + match.end()))
    for regex in _ROLE_RES:
        for match in regex.finditer(text):
            start, end = match.span()
            if _overlaps(start, end, masked):
                # "ordförande Berg": keep the title as the flagged phrase.
                end = min(s for s, e in masked if start < e and s < end)
                if end <= start:
                    continue
                end = start + len(text[start:end].rstrip(" ,"))
            if (start, end) in spans:
                continue
            if not _overlaps(start, end, spans):
                spans.append((start, end))
            else:  # keep the longest of overlapping flags
                for k, (s, e) in enumerate(spans):
                    if start < e and s < end and (end - start) > (e - s):
                        spans[k] = (start, end)
    return sorted(set(spans))


def screen_text(text: str) -> ScreenResult:
    """Mask personal data in one Swedish text and flag references to persons by position.

    Parameters
    ----------
    text
        A free-text answer. ``None`` or NA is treated as the empty string.

    Returns
    -------
    ScreenResult
        ``.text`` is the screened text, ``.findings`` the masked spans and ``.flags`` the
        ``role_reference`` spans left in place for review; offsets refer to the original text.

    Examples
    --------
    >>> screen_text("Ring Anna Svensson på 070-123 45 67.").text
    'Ring [namn] på [telefon].'
    """
    if text is None or (not isinstance(text, str) and pd.isna(text)):
        text = ""
    text = str(text)
    found = _regex_findings(text)
    taken = [(s, e) for _, s, e in found]
    found.extend(("name", s, e) for s, e in _name_spans(text, taken))
    found.sort(key=lambda item: item[1])
    findings = [
        Finding(kind, start, end, text[start:end], REPLACEMENTS[kind]) for kind, start, end in found
    ]
    masked = [(f.start, f.end) for f in findings]
    names = [(f.start, f.end) for f in findings if f.type == "name"]
    flags = [
        Finding("role_reference", s, e, text[s:e], None) for s, e in _role_flags(text, masked, names)
    ]
    pieces = []
    cursor = 0
    for finding in findings:
        pieces.append(text[cursor:finding.start])
        pieces.append(finding.replacement or "")
        cursor = finding.end
    pieces.append(text[cursor:])
    return ScreenResult("".join(pieces), text, findings, flags)


_FINDING_COLUMNS = ["type", "start", "end", "original", "replacement"]


def screen_frame(
    data: pd.DataFrame,
    *,
    column: str = "text",
    id_columns: Sequence[str] | str | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Screen one text column of a long-form frame.

    Parameters
    ----------
    data
        One row per comment.
    column
        The column holding the free text.
    id_columns
        Columns copied into the findings frame to identify the row (e.g. ``"respondent_id"``);
        the frame's index is always copied as ``row``.

    Returns
    -------
    screened : DataFrame
        A copy of ``data`` with ``column`` screened, ``screened`` set to True and
        ``review_flags`` holding the flagged phrases of the row (``"; "``-joined, ``""`` when none).
    findings : DataFrame
        One row per masked span and per flag: ``row``, the id columns, ``type``, ``start``,
        ``end``, ``original``, ``replacement`` (NA for flags). It contains the personal data that
        was removed: keep it with the raw data, never in a report.

    Raises
    ------
    InputError
        When ``column`` or an id column is not in ``data``.
    """
    ids = [id_columns] if isinstance(id_columns, str) else list(id_columns or [])
    for name in [column, *ids]:
        if name not in data.columns:
            raise InputError(
                f"column {name!r} is not in the data",
                column=name,
                hint=f"choose one of the columns: {', '.join(map(str, data.columns))}",
            )
    out = data.copy()
    texts: list[object] = []
    flags_col: list[str] = []
    rows: list[dict[str, object]] = []
    for index, value in zip(data.index, data[column]):
        if value is None or (not isinstance(value, str) and pd.isna(value)):
            texts.append(value)
            flags_col.append("")
            continue
        result = screen_text(str(value))
        texts.append(result.text)
        flags_col.append("; ".join(f.original for f in result.flags))
        id_values = {name: data.at[index, name] for name in ids}
        for finding in [*result.findings, *result.flags]:
            rows.append({"row": index, **id_values, **asdict(finding)})
    out[column] = pd.Series(texts, index=data.index, dtype="object")
    out["screened"] = True
    out["review_flags"] = flags_col
    findings = pd.DataFrame(rows, columns=["row", *ids, *_FINDING_COLUMNS])
    findings = findings.astype({"start": "int64", "end": "int64"})
    return out, findings


# --------------------------------------------------------------------------------------------
# CSV files
# --------------------------------------------------------------------------------------------

def scrub_csv(
    in_path: str | Path,
    *,
    column: str,
    out_path: str | Path,
    findings_path: str | Path | None = None,
    id_columns: Sequence[str] | str | None = None,
) -> dict[str, object]:
    """Screen one text column of a CSV file and write the result and its findings.

    The core of ``kommunanalys scrub IN.csv --column text -o OUT.csv``.

    Parameters
    ----------
    in_path
        The CSV file; separator ``;`` or ``,`` (detected), encoding UTF-8, UTF-8 with BOM or
        Windows-1252 (cp1252), detected in that order.
    column
        The free-text column to screen.
    out_path
        Where to write the screened file: same separator, UTF-8 with BOM (opens correctly in
        Excel), every other column unchanged, plus ``screened`` and ``review_flags``.
    findings_path
        Where to write the findings; default ``OUT.findings.csv`` beside ``out_path``. Its
        ``line`` column is the line in the input file (header = line 1). It holds the personal
        data removed: keep it with the raw data.
    id_columns
        Columns copied into the findings file to identify each row.

    Returns
    -------
    dict
        ``rows``, ``findings`` (masked spans), ``flags`` (role references), ``by_type`` (count per
        type), ``encoding``, ``separator``, ``out_path``, ``findings_path``.

    Raises
    ------
    InputError
        When ``column`` is not in the file (the message lists the columns there are).
    DataFormatError
        When the file is empty or not text.
    """
    in_path = Path(in_path)
    out_path = Path(out_path)
    if findings_path is None:
        name = out_path.name[: -len(out_path.suffix)] if out_path.suffix else out_path.name
        findings_path = out_path.with_name(f"{name}.findings.csv")
    findings_path = Path(findings_path)
    from .loader import read_table  # one reader for every input file (formats, encodings, errors)

    data, info = read_table(in_path, min_columns=1)
    separator = info.get("separator", ";")
    encoding = info.get("encoding", info["format"])
    ids = [id_columns] if isinstance(id_columns, str) else list(id_columns or [])
    for name, what in [(column, "column"), *[(i, "id column") for i in ids]]:
        if name not in data.columns:
            raise InputError(
                f"{what} {name!r} is not in the file",
                file=in_path,
                column=name,
                hint=f"use --column with one of: {', '.join(map(str, data.columns))}" if name == column
                else f"choose among: {', '.join(map(str, data.columns))}",
            )
    screened, findings = screen_frame(data, column=column, id_columns=ids)
    findings.insert(0, "line", findings.pop("row").astype("int64") + 2)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    # Both files open in Excel: a comment starting with "=", "+", "-" or "@" must stay text.
    write_csv(screened, out_path, sep=separator, index=False, encoding="utf-8-sig")
    write_csv(findings, findings_path, sep=separator, index=False, encoding="utf-8-sig")
    masked = findings[findings["type"] != "role_reference"]
    return {
        "rows": int(len(data)),
        "findings": int(len(masked)),
        "flags": int((findings["type"] == "role_reference").sum()),
        "by_type": {str(k): int(v) for k, v in findings["type"].value_counts().sort_index().items()},
        "encoding": encoding,
        "separator": separator,
        "out_path": str(out_path),
        "findings_path": str(findings_path),
    }


# --------------------------------------------------------------------------------------------
# Quality against a labelled set
# --------------------------------------------------------------------------------------------


def _parse_labels(cell: object, *, typed: bool) -> list[tuple[str, str]]:
    if cell is None or (not isinstance(cell, str) and pd.isna(cell)) or not str(cell).strip():
        return []
    labels = []
    for item in str(cell).split(" | "):
        if typed:
            kind, _, original = item.partition("=")
            labels.append((kind.strip(), original))
        else:
            labels.append(("role_reference", item))
    return labels


def read_labelled(path: str | Path) -> pd.DataFrame:
    """Read a hand-labelled screening set (``text``, ``expected``, ``flags``; see :func:`evaluate`).

    Lines at the top that start with ``#`` are the file's description and are skipped; every
    cell is read as text, empty cells as ``""``.
    """
    path = Path(path)
    with path.open(encoding="utf-8") as handle:
        header_lines = 0
        for line in handle:
            if not line.startswith("#"):
                break
            header_lines += 1
    return pd.read_csv(path, dtype=str, keep_default_na=False, skiprows=header_lines)


def evaluate(
    labelled: pd.DataFrame,
    *,
    text: str = "text",
    expected: str = "expected",
    flags: str | None = "flags",
) -> pd.DataFrame:
    """Measure recall and precision per finding type on a hand-labelled set.

    Parameters
    ----------
    labelled
        One row per text. ``expected`` holds the spans that must be masked, written
        ``type=original`` and separated by ``" | "`` (``name=Anna Svensson | phone=070-123 45
        67``); ``flags`` the phrases that must be flagged as ``role_reference``, separated the same
        way. Empty cells mean "nothing".
    text, expected, flags
        Column names; ``flags=None`` skips role references.

    Returns
    -------
    DataFrame
        One row per type: ``type``, ``expected`` (labelled spans), ``found`` (spans the screening
        reported), ``true_positives``, ``recall``, ``precision``,
        ``exact`` (share of the spans found whose boundaries equal the label's), and
        ``false_negatives`` and ``false_positives`` (the texts of the missed and the spurious
        spans). A found span counts as correct when it overlaps a labelled span of the same type;
        each labelled span is located at its first occurrence in the text.
    """
    stats: dict[str, dict[str, object]] = {
        kind: {"expected": 0, "found": 0, "tp_expected": 0, "tp_found": 0, "exact": 0, "fn": [],
               "fp": []}
        for kind in FINDING_TYPES
    }
    for _, row in labelled.iterrows():
        value = str(row[text])
        gold = _parse_labels(row[expected], typed=True)
        if flags is not None:
            gold += _parse_labels(row[flags], typed=False)
        gold_spans = []
        for kind, original in gold:
            start = value.find(original)
            if start < 0:
                raise InputError(
                    "a labelled span is not in its text", value=original, column=expected
                )
            gold_spans.append((kind, start, start + len(original), original))
        result = screen_text(value)
        found = [(f.type, f.start, f.end, f.original) for f in [*result.findings, *result.flags]]
        if flags is None:
            found = [item for item in found if item[0] != "role_reference"]
        for kind, start, end, original in gold_spans:
            stat = stats[kind]
            stat["expected"] += 1
            if any(k == kind and s < end and start < e for k, s, e, _ in found):
                stat["tp_expected"] += 1
                stat["exact"] += any(k == kind and (s, e) == (start, end) for k, s, e, _ in found)
            else:
                stat["fn"].append(original)
        for kind, start, end, original in found:
            stat = stats[kind]
            stat["found"] += 1
            if any(k == kind and s < end and start < e for k, s, e, _ in gold_spans):
                stat["tp_found"] += 1
            else:
                stat["fp"].append(original)
    rows = []
    for kind, stat in stats.items():
        if flags is None and kind == "role_reference":
            continue
        exp, fnd = stat["expected"], stat["found"]
        rows.append(
            {
                "type": kind,
                "expected": exp,
                "found": fnd,
                "true_positives": stat["tp_expected"],
                "recall": stat["tp_expected"] / exp if exp else float("nan"),
                "precision": stat["tp_found"] / fnd if fnd else float("nan"),
                "exact": stat["exact"] / stat["tp_expected"] if stat["tp_expected"] else float("nan"),
                "false_negatives": stat["fn"],
                "false_positives": stat["fp"],
            }
        )
    return pd.DataFrame(rows)
