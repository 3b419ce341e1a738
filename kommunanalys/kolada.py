"""Kolada key figures: read saved API responses and exports, fetch (online), bundled demo data.

Kolada (https://www.kolada.se, run by RKA) publishes Swedish municipal key figures. This module
turns what Kolada hands out into one tidy frame:

============== ======== =====================================================================
column         dtype    meaning
============== ======== =====================================================================
kpi            str      key-figure id, e.g. ``"N15428"``
municipality   str      ``municipality_code``: four-digit code (``"1780"``); ``"0000"`` = Sweden;
_code                   non-numeric ids (e.g. municipality groups ``"G..."``) are kept as given
period         int      year
gender         str      ``"T"`` total, ``"K"`` women, ``"M"`` men
value          float    NaN where Kolada has ``null``
============== ======== =====================================================================

:func:`read_kolada` never uses the network. :func:`fetch_kolada` does (for online users) and
caches every raw page, so a fetched folder can later be re-read offline with :func:`read_kolada`.
:func:`demo_key_figures` builds the ILLUSTRATIVE (synthetic) key figures bundled in
``data/kolada/`` so that everything runs offline; they are not real Kolada data.
"""

from __future__ import annotations

import hashlib
import io
import json
import time
import warnings
from pathlib import Path
from typing import Any, Callable, Iterable, Sequence
from urllib.parse import urlencode, urljoin

import numpy as np
import pandas as pd

from . import paths
from .errors import DataFormatError, InputError, KoladaFetchError, KoladaWarning
from .textsafety import write_csv

__all__ = [
    "KOLADA_COLUMNS",
    "KoladaWarning",
    "KoladaFetchError",
    "read_kolada",
    "fetch_kolada",
    "demo_key_figures",
    "DEMO_MUNICIPALITIES",
    "DEMO_KEY_FIGURES_FILE",
]

KOLADA_COLUMNS = ["kpi", "municipality_code", "period", "gender", "value"]
_GENDERS = {"T", "K", "M"}

#: The 16 municipalities of Värmland, the project's demo group.
DEMO_MUNICIPALITIES = (
    "1715", "1730", "1737", "1760", "1761", "1762", "1763", "1764",
    "1765", "1766", "1780", "1781", "1782", "1783", "1784", "1785",
)
DEMO_KEY_FIGURES_FILE = paths.DATA_DIR / "kolada" / "demo_key_figures.csv"

_V2_BASE = "http://api.kolada.se/v2/data"
_V3_BASE = "https://api.kolada.se/v3/data"
_BATCH = 20

# Column names seen in Kolada's web exports (Swedish and English) -> tidy column.
_CSV_ALIASES = {
    "kpi": "kpi", "kpi_id": "kpi", "nyckeltal-id": "kpi", "nyckeltals-id": "kpi",
    "nyckeltalsid": "kpi", "kpi id": "kpi", "id nyckeltal": "kpi",
    "municipality_code": "municipality_code", "municipality": "municipality_code",
    "municipality_id": "municipality_code", "kommun-id": "municipality_code",
    "kommunid": "municipality_code", "kommunkod": "municipality_code",
    "kommun-kod": "municipality_code", "municipality id": "municipality_code",
    "period": "period", "year": "period", "år": "period", "ar": "period",
    "gender": "gender", "kön": "gender", "kon": "gender",
    "value": "value", "värde": "value", "varde": "value",
}
_GENDER_WORDS = {
    "t": "T", "totalt": "T", "total": "T", "alla": "T",
    "k": "K", "kvinnor": "K", "women": "K", "female": "K",
    "m": "M", "män": "M", "man": "M", "men": "M", "male": "M",
}


# --------------------------------------------------------------------------------------------
# Reading
# --------------------------------------------------------------------------------------------


def _empty() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "kpi": pd.Series(dtype=object),
            "municipality_code": pd.Series(dtype=object),
            "period": pd.Series(dtype="int64"),
            "gender": pd.Series(dtype=object),
            "value": pd.Series(dtype="float64"),
        }
    )


def _code(value: Any, *, file: Any, row: int | None) -> str:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        raise DataFormatError("kommun-id saknas", file=file, row=row,
                              column="municipality")
    text = str(value).strip()
    if text.endswith(".0") and text[:-2].isdigit():
        text = text[:-2]
    if text.isdigit():
        if len(text) > 4:
            raise DataFormatError(
                "kommunkoden har fler än fyra siffror",
                file=file, row=row, column="municipality", value=value,
                hint="det ser ut som ett id för en organisatorisk enhet (OU); bara data per kommun "
                "stöds",
            )
        return text.zfill(4)
    return text


def _period(value: Any, *, file: Any, row: int | None) -> int:
    try:
        number = float(str(value).strip().replace(",", "."))
    except (TypeError, ValueError):
        number = float("nan")
    if np.isnan(number) or number != int(number):
        raise DataFormatError("perioden är inget årtal", file=file, row=row, column="period",
                              value=value, hint="ange året med fyra siffror, t.ex. 2023")
    return int(number)


def _value(value: Any, *, file: Any, row: int | None) -> float:
    if value is None:
        return float("nan")
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    text = str(value).strip().replace("\u00a0", "").replace(" ", "")
    if text in ("", "-", "..", "null", "NaN", "nan"):
        return float("nan")
    try:
        return float(text.replace(",", "."))
    except ValueError as exc:
        raise DataFormatError("värdet är inget tal", file=file, row=row, column="value",
                              value=value, hint="skriv värdet som ett tal (t.ex. 12,5) eller lämna det tomt") from exc


def _gender(value: Any, *, file: Any, row: int | None) -> str:
    text = str(value).strip()
    mapped = _GENDER_WORDS.get(text.lower())
    if mapped is None:
        raise DataFormatError(
            "okänt kön", file=file, row=row, column="gender", value=value,
            hint="Kolada använder T (totalt), K (kvinnor) och M (män)",
        )
    return mapped


def _rows_from_page(page: Any, *, file: Any) -> tuple[list[dict], str | None, int]:
    """Tidy rows of one JSON page, its next-page link, and how many deleted values were dropped."""
    if not isinstance(page, dict) or "values" not in page:
        raise DataFormatError(
            "inget datasvar från Kolada: väntade ett JSON-objekt med en lista 'values'",
            file=file,
            hint="spara hela svaret från /v2/data/... eller /v3/data (inte ett metadataanrop)",
        )
    values = page["values"]
    if not isinstance(values, list):
        raise DataFormatError("'values' är ingen lista", file=file,
                              hint="spara hela svaret från Koladas API som det kom")
    rows: list[dict] = []
    dropped = 0
    for number, item in enumerate(values, start=1):
        if not isinstance(item, dict):
            raise DataFormatError(f"post {number} i 'values' är inget objekt", file=file,
                                  value=item, hint="spara hela svaret från Koladas API som det kom")
        if item.get("isdeleted") is True:
            dropped += 1
            continue
        if "ou" in item and "municipality" not in item and "municipality_id" not in item:
            raise DataFormatError(
                f"post {number} innehåller data för en organisatorisk enhet (OU)",
                file=file,
                hint="bara data per kommun stöds: hämta /data/kpi/<id>/municipality/...",
            )
        kpi = item.get("kpi", item.get("kpi_id"))
        municipality = item.get("municipality", item.get("municipality_id"))
        period = item.get("period", item.get("year"))
        missing = [name for name, v in (("kpi", kpi), ("municipality", municipality),
                                        ("period", period)) if v is None]
        if missing:
            raise DataFormatError(f"post {number} i 'values' saknar {', '.join(missing)}",
                                  file=file, value=item,
                                  hint="spara ett datasvar (/data/kpi/...), inte ett metadatasvar")
        code = _code(municipality, file=file, row=number)
        year = _period(period, file=file, row=number)
        inner = item.get("values")
        if not isinstance(inner, list):
            raise DataFormatError(
                f"post {number} har ingen inre lista 'values' (kön, värde)",
                file=file, value=kpi, hint="spara hela svaret från Koladas API som det kom",
            )
        for value in inner:
            if not isinstance(value, dict) or "gender" not in value:
                raise DataFormatError(
                    f"post {number} har ett inre värde utan 'gender' (kön)", file=file, value=value,
                    hint="spara hela svaret från Koladas API som det kom",
                )
            if value.get("isdeleted") is True:
                dropped += 1
                continue
            rows.append(
                {
                    "kpi": str(kpi).strip(),
                    "municipality_code": code,
                    "period": year,
                    "gender": _gender(value["gender"], file=file, row=number),
                    "value": _value(value.get("value"), file=file, row=number),
                }
            )
    next_link = page.get("next_url") or page.get("next_page")
    return rows, (str(next_link) if next_link else None), dropped


def _read_csv(file: Path) -> pd.DataFrame:
    raw = file.read_bytes()
    if not raw.strip():
        raise DataFormatError("filen är tom", file=file, hint="ladda ner nyckeltalen från Kolada igen")
    text = None
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            text = raw.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    assert text is not None  # cp1252 decodes nearly anything; guarded by the loop above
    first = text.splitlines()[0]
    sep = ";" if first.count(";") >= first.count(",") else ","
    frame = pd.read_csv(io.StringIO(text), sep=sep, dtype=str, keep_default_na=False)
    renamed = {}
    for column in frame.columns:
        key = str(column).strip().lower()
        if key in _CSV_ALIASES and _CSV_ALIASES[key] not in renamed.values():
            renamed[column] = _CSV_ALIASES[key]
    frame = frame.rename(columns=renamed)
    needed = {"kpi", "municipality_code", "period", "value"}
    missing = needed - set(frame.columns)
    if missing:
        raise DataFormatError(
            f"ingen CSV-export från Kolada: kolumn saknas för {sorted(missing)}",
            file=file,
            value=list(map(str, frame.columns))[:10],
            hint="väntade kolumner som kpi/Nyckeltal-id, municipality_code/Kommun-id, "
            "period/År, gender/Kön, value/Värde",
        )
    rows = []
    for number, record in enumerate(frame.to_dict("records"), start=2):
        rows.append(
            {
                "kpi": str(record["kpi"]).strip(),
                "municipality_code": _code(record["municipality_code"], file=file, row=number),
                "period": _period(record["period"], file=file, row=number),
                "gender": _gender(record.get("gender", "T") or "T", file=file, row=number),
                "value": _value(record["value"], file=file, row=number),
            }
        )
    return pd.DataFrame(rows, columns=KOLADA_COLUMNS) if rows else _empty()


def _load_json(file: Path) -> Any:
    raw = file.read_bytes()
    if not raw.strip():
        raise DataFormatError("filen är tom", file=file, hint="ladda ner nyckeltalen från Kolada igen")
    try:
        return json.loads(raw.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise DataFormatError(f"ingen giltig JSON ({exc})", file=file,
                              hint="spara API-svaret som det kom, t.ex. med curl -o") from exc


def _expand(source: Any) -> list[tuple[Any, Any]]:
    """Flatten ``source`` into a list of ``(origin, page-or-path)`` items in reading order."""
    if isinstance(source, dict):
        return [("<dict>", source)]
    if isinstance(source, (str, Path)):
        path = Path(source)
        if path.is_dir():
            files = sorted(p for p in path.iterdir()
                           if p.is_file() and p.suffix.lower() in (".json", ".csv"))
            if not files:
                raise InputError("mappen har inga .json- eller .csv-filer", file=path,
                                 hint="lägg Koladas nedladdade filer i mappen, eller ange en fil")
            return [(p, p) for p in files]
        if not path.exists():
            raise InputError("filen finns inte", file=path, hint="kontrollera sökvägen")
        return [(path, path)]
    if isinstance(source, (list, tuple)):
        items: list[tuple[Any, Any]] = []
        for element in source:
            items.extend(_expand(element))
        return items
    raise InputError(
        "kan inte läsas som data från Kolada",
        value=type(source).__name__,
        hint="ange en fil eller mapp, ett tolkat JSON-svar (dict) eller en lista av dem",
    )


def read_kolada(source: Any) -> pd.DataFrame:
    """Read saved Kolada responses or exports into one tidy frame.

    Parameters
    ----------
    source
        Any of: a path to a v2 or v3 JSON response; a JSON file holding a list of pages; a
        folder of page files (``*.json``/``*.csv``, read in name order); a Kolada CSV export
        (``;`` or ``,`` separated, decimal comma allowed, UTF-8 or cp1252; columns recognised by
        name: ``kpi``/``Nyckeltal-id``, ``municipality_code``/``Kommun-id``, ``period``/``År``,
        ``gender``/``Kön`` (optional, default T), ``value``/``Värde``); a parsed response
        (``dict``); or a list of any of these.

    Returns
    -------
    pandas.DataFrame
        Columns ``kpi``, ``municipality_code``, ``period``, ``gender``, ``value`` (see the module
        docstring), sorted, exact duplicates (a page saved twice) removed.

    Raises
    ------
    InputError
        A path does not exist.
    DataFormatError
        A file is empty, not JSON, not a Kolada data response, has an unknown gender, a
        non-numeric value, or two pages give different values for the same key figure,
        municipality, period and gender. The message names the file.

    Warns
    -----
    KoladaWarning
        The last page read still points to a next page (the response is incomplete), or values
        marked ``isdeleted`` were dropped.

    Notes
    -----
    Deleted values (v3 ``isdeleted: true``, on a row or on an inner value) are dropped.
    ``count`` and ``status`` are not kept.
    """
    frames = []
    last_next: str | None = None
    last_origin: Any = None
    dropped_total = 0
    for origin, item in _expand(source):
        if isinstance(item, Path) and item.suffix.lower() == ".csv":
            frames.append(_read_csv(item))
            continue
        pages = _load_json(item) if isinstance(item, Path) else item
        page_list = pages if isinstance(pages, list) else [pages]
        for number, page in enumerate(page_list, start=1):
            where = origin if len(page_list) == 1 else f"{origin} (sida {number})"
            rows, last_next, dropped = _rows_from_page(page, file=where)
            last_origin = where
            dropped_total += dropped
            frames.append(pd.DataFrame(rows, columns=KOLADA_COLUMNS) if rows else _empty())
    if last_next:
        warnings.warn(
            f"{last_origin} pekar på en nästa sida ({last_next}) som inte lästes in: svaret är "
            "ofullständigt (next page saknas)",
            KoladaWarning,
            stacklevel=2,
        )
    if dropped_total:
        warnings.warn(f"{dropped_total} värden markerade isdeleted (borttagna i Kolada) hoppades över", KoladaWarning,
                      stacklevel=2)
    frames = [f for f in frames if len(f)]
    if not frames:
        return _empty()
    data = pd.concat(frames, ignore_index=True)
    data = data.astype({"kpi": object, "municipality_code": object, "gender": object,
                        "period": "int64", "value": "float64"})
    data = data.drop_duplicates()
    key = ["kpi", "municipality_code", "period", "gender"]
    clash = data[data.duplicated(key, keep=False)]
    if len(clash):
        first = clash.iloc[0]
        raise DataFormatError(
            "samma nyckeltal finns två gånger med olika värden",
            value=f"{first['kpi']} {first['municipality_code']} {first['period']} "
            f"{first['gender']}",
            hint="sidor från olika nedladdningar är blandade; läs en nedladdning i taget",
        )
    return data.sort_values(key).reset_index(drop=True)


# --------------------------------------------------------------------------------------------
# Fetching (online users only; tests inject a fake opener)
# --------------------------------------------------------------------------------------------


def _default_opener(url: str) -> bytes:  # pragma: no cover - network
    from urllib.request import Request, urlopen

    request = Request(url, headers={"Accept": "application/json",
                                    "User-Agent": "kommunanalys"})
    with urlopen(request, timeout=60) as response:
        return response.read()


def _batches(items: Sequence[str], size: int = _BATCH) -> list[list[str]]:
    return [list(items[i:i + size]) for i in range(0, len(items), size)]


def _urls(kpis: list[str], municipalities: list[str], years: list[int], *,
          version: str, per_page: int) -> list[str]:
    urls = []
    for kpi_batch in _batches(kpis):
        for municipality_batch in _batches(municipalities):
            for year_batch in _batches([str(y) for y in years]):
                if version == "v2":
                    urls.append(
                        f"{_V2_BASE}/kpi/{','.join(kpi_batch)}/municipality/"
                        f"{','.join(municipality_batch)}/year/{','.join(year_batch)}"
                    )
                else:
                    query = urlencode(
                        {
                            "kpi_id": ",".join(kpi_batch),
                            "municipality_id": ",".join(municipality_batch),
                            "year": ",".join(year_batch),
                            "per_page": per_page,
                        },
                        safe=",",
                    )
                    urls.append(f"{_V3_BASE}?{query}")
    return urls


def _cache_file(cache_dir: Path, start_url: str, page: int) -> Path:
    """Name a cached page by its first URL and its page number, so name order = paging order."""
    digest = hashlib.sha256(start_url.encode("utf-8")).hexdigest()[:20]
    return cache_dir / f"kolada_{digest}_p{page:04d}.json"


def fetch_kolada(
    kpis: Iterable[str],
    municipalities: Iterable[str],
    years: Iterable[int],
    *,
    cache_dir: str | Path | None = None,
    version: str = "v2",
    opener: Callable[[str], bytes] | None = None,
    requests_per_second: float = 5.0,
    per_page: int = 5000,
    max_pages: int = 1000,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
) -> pd.DataFrame:
    """Fetch key figures from the Kolada API (online), caching every raw page on disk.

    Parameters
    ----------
    kpis, municipalities, years
        What to fetch. Ids are sent in batches of at most 20 per call, as Kolada asks.
    cache_dir
        Folder for the raw pages (one JSON file per URL, named by a hash of the URL). A page
        already in the cache is read from disk, not fetched. Default:
        ``data/kolada/cache``. Files are named ``kolada_<hash of first URL>_p<page>.json`` so
        that name order is paging order; the folder can later be read offline with
        :func:`read_kolada` (it then holds every page fetched into it, across calls).
    version
        ``"v2"`` (``http://api.kolada.se/v2/data/kpi/../municipality/../year/..``) or ``"v3"``
        (``https://api.kolada.se/v3/data?kpi_id=..&municipality_id=..&year=..``).
    opener
        Callable ``url -> bytes``; default uses :mod:`urllib`. Tests inject a fake here.
    requests_per_second
        Throttle (default 5 requests a second); cached pages do not count.
    per_page
        Page size asked of v3.
    max_pages
        Safety stop for paging loops.
    sleep, clock
        Injected for tests.

    Returns
    -------
    pandas.DataFrame
        The tidy frame of :func:`read_kolada`.

    Raises
    ------
    KoladaFetchError
        A request failed, or a response is not JSON.
    InputError
        An unknown ``version`` or empty selection.
    """
    if version not in ("v2", "v3"):
        raise InputError("unknown Kolada API version", value=version, hint="use 'v2' or 'v3'")
    kpi_list = [str(k).strip() for k in kpis]
    municipality_list = [str(m).strip().zfill(4) if str(m).strip().isdigit() else str(m).strip()
                         for m in municipalities]
    year_list = [int(y) for y in years]
    if not kpi_list or not municipality_list or not year_list:
        raise InputError("nothing to fetch: kpis, municipalities and years must be non-empty")
    folder = Path(cache_dir) if cache_dir is not None else paths.DATA_DIR / "kolada" / "cache"
    folder.mkdir(parents=True, exist_ok=True)
    fetch = opener if opener is not None else _default_opener
    interval = 1.0 / requests_per_second if requests_per_second > 0 else 0.0
    last_request: float | None = None

    pages: list[dict] = []
    for start_url in _urls(kpi_list, municipality_list, year_list, version=version,
                           per_page=per_page):
        url: str | None = start_url
        seen: set[str] = set()
        while url:
            if url in seen or len(seen) >= max_pages:
                raise KoladaFetchError(f"paging does not end (at {url})")
            seen.add(url)
            cached = _cache_file(folder, start_url, len(seen))
            if cached.is_file():
                raw = cached.read_bytes()
            else:
                if last_request is not None and interval:
                    wait = interval - (clock() - last_request)
                    if wait > 0:
                        sleep(wait)
                last_request = clock()
                try:
                    raw = fetch(url)
                except Exception as exc:  # network errors come in many classes
                    raise KoladaFetchError(f"request failed: {url}: {exc}") from exc
            try:
                page = json.loads(raw.decode("utf-8-sig"))
            except (UnicodeDecodeError, json.JSONDecodeError) as exc:
                raise KoladaFetchError(f"response is not JSON: {url}") from exc
            if not cached.is_file():
                cached.write_bytes(raw)
            pages.append(page)
            next_link = None
            if isinstance(page, dict):
                next_link = page.get("next_url") or page.get("next_page")
            url = urljoin(url, next_link) if next_link else None
    return read_kolada(pages)


# --------------------------------------------------------------------------------------------
# Bundled demo key figures (ILLUSTRATIVE, synthetic)
# --------------------------------------------------------------------------------------------

# kpi -> (typical level, spread between municipalities, yearly drift, decimals)
_DEMO_SPEC: dict[str, tuple[float, float, float, int]] = {
    "N15027": (118_000.0, 0.08, 0.035, 0),   # kr/elev
    "N15034": (12.0, 0.10, 0.0, 1),          # elever/lärare
    "LOKAL_LEKTIONER": (96.0, 0.015, 0.0, 1),  # %
    "N15428": (84.0, 0.06, 0.0, 1),          # %
    "U15401": (50.0, 0.25, 0.0, 0),          # index
    "U15010": (50.0, 0.25, 0.0, 0),          # index
    "U15900": (50.0, 0.25, 0.0, 0),          # index
}

# Rough population weight per demo municipality, only to give year-9 cohorts plausible sizes.
_DEMO_SIZE = {
    "1715": 12_000, "1730": 8_500, "1737": 11_500, "1760": 4_000, "1761": 16_500,
    "1762": 3_600, "1763": 11_700, "1764": 9_000, "1765": 10_000, "1766": 13_600,
    "1780": 95_000, "1781": 24_500, "1782": 10_400, "1783": 11_800, "1784": 26_000,
    "1785": 15_700,
}


def demo_key_figures(
    *,
    seed: int = 20240601,
    years: Sequence[int] = (2021, 2022, 2023),
) -> pd.DataFrame:
    """ILLUSTRATIVE, synthetic key figures for the 16 Värmland demo municipalities.

    Not real Kolada data: plausible magnitudes drawn with a seeded generator so that the
    efficiency notebook runs offline. The committed file ``data/kolada/demo_key_figures.csv``
    is exactly ``demo_key_figures()`` (a test checks it).

    Parameters
    ----------
    seed
        Seed of :func:`numpy.random.default_rng`.
    years
        Periods to generate.

    Returns
    -------
    pandas.DataFrame
        The tidy Kolada layout (``kpi``, ``municipality_code``, ``period``, ``gender``,
        ``value``). Gender ``T`` for every key figure, ``K`` and ``M`` also for N15428.
        Values are rounded (kr to whole kronor, shares to one decimal) so a CSV round trip is
        exact.

    Notes
    -----
    How they are made: each municipality gets a persistent level per key figure (typical level
    × lognormal factor with the spread in ``_DEMO_SPEC``), plus a small yearly noise; cost per
    pupil drifts up ~3.5 % a year; the share eligible is slightly higher for girls than boys;
    year-9 leavers are about 1.1 % of the population weight in ``_DEMO_SIZE``.
    """
    rng = np.random.default_rng(seed)
    rows = []
    for code in DEMO_MUNICIPALITIES:
        levels = {kpi: spec[0] * float(np.exp(rng.normal(0.0, spec[1])))
                  for kpi, spec in _DEMO_SPEC.items()}
        cohort = _DEMO_SIZE[code] * 0.011
        for step, year in enumerate(years):
            for kpi, (_, spread, drift, decimals) in _DEMO_SPEC.items():
                value = levels[kpi] * (1 + drift) ** step * float(np.exp(rng.normal(0, spread / 4)))
                if kpi in ("LOKAL_LEKTIONER", "N15428"):
                    value = min(value, 99.5)
                if kpi.startswith("U"):
                    value = min(max(value, 1.0), 100.0)
                value = round(value, decimals)
                rows.append((kpi, code, int(year), "T", float(value)))
                if kpi == "N15428":
                    gap = float(rng.uniform(1.0, 6.0))
                    rows.append((kpi, code, int(year), "K", float(round(min(value + gap / 2, 100.0), 1))))
                    rows.append((kpi, code, int(year), "M", float(round(value - gap / 2, 1))))
            leavers = round(cohort * float(np.exp(rng.normal(0, 0.08))))
            rows.append(("LOKAL_ELEVER_AK9", code, int(year), "T", float(leavers)))
    frame = pd.DataFrame(rows, columns=KOLADA_COLUMNS)
    frame = frame.astype({"kpi": object, "municipality_code": object, "gender": object,
                          "period": "int64", "value": "float64"})
    return frame.sort_values(["kpi", "municipality_code", "period", "gender"]).reset_index(drop=True)


_DEMO_LABEL = "ILLUSTRATIV (syntetisk, inte Kolada-data)"


def _write_demo_key_figures(path: str | Path | None = None) -> Path:
    """Write :func:`demo_key_figures` to ``data/kolada/demo_key_figures.csv`` (maintainers only).

    The file has the tidy columns plus ``source`` = ``"ILLUSTRATIV (syntetisk, inte Kolada-data)"``
    on every row, so the label travels with the data.
    """
    target = Path(path) if path is not None else DEMO_KEY_FIGURES_FILE
    target.parent.mkdir(parents=True, exist_ok=True)
    frame = demo_key_figures().assign(source=_DEMO_LABEL)
    write_csv(frame, target, index=False, encoding="utf-8", lineterminator="\n")
    return target
