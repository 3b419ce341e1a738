"""Tests of kommunanalys.kolada: reading saved responses, fetching with a fake opener, demo data.

Expected values are read off the handwritten files in tests/data/kolada (see its README).
No test touches the network.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pandas as pd
import pytest

from kommunanalys import paths
from kommunanalys.errors import DataFormatError, InputError
from kommunanalys.kolada import (
    DEMO_MUNICIPALITIES,
    KOLADA_COLUMNS,
    KoladaFetchError,
    KoladaWarning,
    demo_key_figures,
    fetch_kolada,
    read_kolada,
)

DATA = Path(__file__).parent / "data" / "kolada"


def _value(frame: pd.DataFrame, kpi: str, code: str, period: int, gender: str = "T") -> float:
    hit = frame[
        (frame["kpi"] == kpi)
        & (frame["municipality_code"] == code)
        & (frame["period"] == period)
        & (frame["gender"] == gender)
    ]
    assert len(hit) == 1, (kpi, code, period, gender, len(hit))
    return float(hit["value"].iloc[0])


# ----------------------------------------------------------------------------- v2 JSON


def test_v2_folder_of_pages_is_read_in_order_and_tidy():
    frame = read_kolada(DATA / "v2_paged")
    assert list(frame.columns) == KOLADA_COLUMNS
    # page 1: 3 + 3 + 1 values, page 2: 1 + 1 values
    assert len(frame) == 9
    assert _value(frame, "N15428", "1780", 2022, "K") == 88.1
    assert _value(frame, "N15428", "1780", 2022, "M") == 84.3
    assert _value(frame, "N15027", "1761", 2022) == 109800.5
    assert frame["period"].dtype == "int64"
    assert frame["value"].dtype == "float64"
    assert set(frame["gender"]) == {"T", "K", "M"}


def test_v2_null_values_become_nan():
    frame = read_kolada(DATA / "v2_paged")
    assert math.isnan(_value(frame, "N15428", "1761", 2022, "K"))
    assert math.isnan(_value(frame, "N15027", "1761", 2023))
    assert _value(frame, "N15428", "1761", 2022, "T") == 91.0


def test_list_of_page_paths_equals_folder():
    pages = [DATA / "v2_paged" / "page_1.json", DATA / "v2_paged" / "page_2.json"]
    pd.testing.assert_frame_equal(read_kolada(pages), read_kolada(DATA / "v2_paged"))


def test_parsed_dicts_are_accepted():
    pages = [json.loads((DATA / "v2_paged" / name).read_text()) for name in
             ("page_1.json", "page_2.json")]
    pd.testing.assert_frame_equal(read_kolada(pages), read_kolada(DATA / "v2_paged"))


def test_unfollowed_next_page_warns():
    with pytest.warns(KoladaWarning, match="nästa sida"):
        frame = read_kolada(DATA / "v2_incomplete.json")
    assert len(frame) == 7


def test_same_page_twice_is_deduplicated():
    page = DATA / "v2_paged" / "page_2.json"
    assert len(read_kolada([page, page])) == 2


def test_conflicting_duplicates_raise():
    page = json.loads((DATA / "v2_paged" / "page_2.json").read_text())
    other = json.loads(json.dumps(page))
    other["values"][0]["values"][0]["value"] = 1.0
    with pytest.raises(DataFormatError, match="två gånger"):
        read_kolada([page, other])


# ----------------------------------------------------------------------------- v3 JSON


def test_v3_pages_with_next_url_and_isdeleted():
    with pytest.warns(KoladaWarning, match="isdeleted"):
        frame = read_kolada(DATA / "v3_paged")
    # 0000: T/K/M; the deleted 1715 row (12.3) is dropped, the later 1715 row kept;
    # 1784: T kept, deleted K dropped.
    assert len(frame) == 5
    assert _value(frame, "N15428", "0000", 2023, "K") == 86.0
    assert _value(frame, "N15428", "1715", 2023) == 82.7
    assert _value(frame, "N15428", "1784", 2023) == 79.5
    assert frame[(frame["municipality_code"] == "1784") & (frame["gender"] == "K")].empty


def test_v3_list_file_with_next_page():
    frame = read_kolada(DATA / "v3_list.json")
    assert frame["period"].tolist() == [2021, 2022]
    assert frame["value"].tolist() == [37.0, 41.0]
    assert frame["municipality_code"].tolist() == ["1760", "1760"]


def test_municipality_codes_are_zero_padded_strings():
    page = {"values": [{"kpi": "N1", "municipality": 114, "period": "2023",
                        "values": [{"gender": "T", "value": 1}]}]}
    frame = read_kolada(page)
    assert frame["municipality_code"].tolist() == ["0114"]
    assert frame["period"].tolist() == [2023]


# ----------------------------------------------------------------------------- CSV export


def test_csv_export_with_swedish_headers_and_decimal_comma():
    frame = read_kolada(DATA / "kolada_export.csv")
    assert len(frame) == 5
    assert _value(frame, "N15428", "1780", 2023, "T") == 86.4
    assert _value(frame, "N15428", "1780", 2023, "K") == 88.0
    assert _value(frame, "N15428", "1780", 2023, "M") == 84.9
    assert _value(frame, "N15027", "1762", 2023) == 131250.0
    assert math.isnan(_value(frame, "N15027", "0114", 2023))


# ----------------------------------------------------------------------------- malformed


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("broken.json", "ingen giltig JSON"),
        ("metadata.json", "saknar kpi, municipality, period"),
        ("bad_gender.json", "okänt kön"),
        ("bad_value.json", "inget tal"),
        ("empty.csv", "tom"),
        ("not_kolada.csv", "ingen CSV-export från Kolada"),
    ],
)
def test_malformed_files_name_file_and_problem(name, message):
    with pytest.raises(DataFormatError, match=message) as info:
        read_kolada(DATA / name)
    assert name in str(info.value)


def test_missing_path_and_wrong_type():
    with pytest.raises(InputError, match="finns inte"):
        read_kolada(DATA / "nope.json")
    with pytest.raises(InputError, match="kan inte läsas"):
        read_kolada(42)


def test_not_a_response_object():
    with pytest.raises(DataFormatError, match="lista 'values'"):
        read_kolada({"count": 0})


# ----------------------------------------------------------------------------- fetch (fake)


class _FakeKolada:
    """Answers URLs like the API: every request gets one page, paging by `page=`."""

    def __init__(self, *, rows_per_page: int = 1, version: str = "v2"):
        self.calls: list[str] = []
        self.rows_per_page = rows_per_page
        self.version = version

    def _selection(self, url: str) -> tuple[list[str], list[str], list[str], int]:
        parsed = urlparse(url)
        query = parse_qs(parsed.query)
        page = int(query.get("page", ["1"])[0])
        if "/v2/" in parsed.path:
            parts = parsed.path.split("/")
            kpis = parts[parts.index("kpi") + 1].split(",")
            municipalities = parts[parts.index("municipality") + 1].split(",")
            years = parts[parts.index("year") + 1].split(",")
        else:
            kpis = query["kpi_id"][0].split(",")
            municipalities = query["municipality_id"][0].split(",")
            years = query["year"][0].split(",")
        return kpis, municipalities, years, page

    def __call__(self, url: str) -> bytes:
        self.calls.append(url)
        kpis, municipalities, years, page = self._selection(url)
        rows = [
            {"kpi": k, "municipality": m, "period": int(y),
             "values": [{"gender": "T", "count": 1, "status": "", "value": float(y) - 2000}]}
            for k in kpis for m in municipalities for y in years
        ]
        start = (page - 1) * self.rows_per_page
        chunk = rows[start:start + self.rows_per_page]
        more = start + self.rows_per_page < len(rows)
        base = url.split("&page=")[0].split("?page=")[0]
        joiner = "&" if "?" in base else "?"
        link = f"{base}{joiner}page={page + 1}" if more else None
        body = {"values": chunk, "count": len(chunk)}
        body["next_url" if self.version == "v3" else "next_page"] = link
        return json.dumps(body).encode("utf-8")


def test_fetch_batches_of_at_most_20_and_follows_paging(tmp_path):
    municipalities = [f"{n:04d}" for n in range(1700, 1725)]  # 25 -> batches of 20 and 5
    fake = _FakeKolada(rows_per_page=15)
    frame = fetch_kolada(["N15428"], municipalities, [2023], cache_dir=tmp_path,
                         opener=fake, sleep=lambda s: None)
    assert len(frame) == 25
    first_calls = [c for c in fake.calls if "page=" not in c]
    assert len(first_calls) == 2
    for call in first_calls:
        ids = urlparse(call).path.split("/municipality/")[1].split("/")[0].split(",")
        assert len(ids) <= 20
    # 20 rows at 15 a page -> 2 pages, 5 rows -> 1 page
    assert len(fake.calls) == 3
    assert set(frame["value"]) == {23.0}


def test_fetch_caches_raw_pages_and_reuses_them(tmp_path):
    fake = _FakeKolada(rows_per_page=2)
    first = fetch_kolada(["N15027", "N15428"], ["1780", "1761"], [2022, 2023],
                         cache_dir=tmp_path, opener=fake, sleep=lambda s: None)
    n_calls = len(fake.calls)
    assert n_calls == 4  # 8 rows, 2 a page
    assert len(list(tmp_path.glob("*.json"))) == 4

    def offline(url):  # pragma: no cover - must not be called
        raise AssertionError("cache not used")

    second = fetch_kolada(["N15027", "N15428"], ["1780", "1761"], [2022, 2023],
                          cache_dir=tmp_path, opener=offline)
    pd.testing.assert_frame_equal(first, second)
    pd.testing.assert_frame_equal(read_kolada(tmp_path), first)
    assert len(first) == 8


def test_fetch_v3_uses_query_parameters_and_next_url(tmp_path):
    fake = _FakeKolada(rows_per_page=1, version="v3")
    frame = fetch_kolada(["U15900"], ["1760"], [2021, 2022], cache_dir=tmp_path,
                         opener=fake, version="v3", sleep=lambda s: None)
    assert fake.calls[0].startswith("https://api.kolada.se/v3/data?")
    assert "kpi_id=U15900" in fake.calls[0]
    assert frame["period"].tolist() == [2021, 2022]


def test_fetch_throttles_to_requests_per_second(tmp_path):
    now = [0.0]
    slept: list[float] = []

    def clock():
        return now[0]

    def sleep(seconds):
        slept.append(seconds)
        now[0] += seconds

    fake = _FakeKolada(rows_per_page=1)
    fetch_kolada(["N1"], ["1780"], [2021, 2022, 2023], cache_dir=tmp_path, opener=fake,
                 requests_per_second=5, sleep=sleep, clock=clock)
    assert len(fake.calls) == 3
    # the clock does not move by itself, so every request after the first waits 1/5 s
    assert slept == pytest.approx([0.2, 0.2])


def test_fetch_errors_are_wrapped(tmp_path):
    def failing(url):
        raise OSError("no route to host")

    with pytest.raises(KoladaFetchError, match="no route"):
        fetch_kolada(["N1"], ["1780"], [2023], cache_dir=tmp_path, opener=failing)
    with pytest.raises(KoladaFetchError, match="not JSON"):
        fetch_kolada(["N1"], ["1780"], [2023], cache_dir=tmp_path, opener=lambda u: b"<html>")
    with pytest.raises(InputError, match="version"):
        fetch_kolada(["N1"], ["1780"], [2023], cache_dir=tmp_path, version="v9")


# ----------------------------------------------------------------------------- demo data


def test_committed_demo_file_equals_generator():
    file = paths.DATA_DIR / "kolada" / "demo_key_figures.csv"
    pd.testing.assert_frame_equal(read_kolada(file), demo_key_figures())


def test_demo_file_is_labelled_illustrative():
    raw = pd.read_csv(paths.DATA_DIR / "kolada" / "demo_key_figures.csv", dtype=str)
    assert (raw["source"].str.startswith("ILLUSTRATIV")).all()
    readme = (paths.DATA_DIR / "kolada" / "README.md").read_text(encoding="utf-8")
    assert "ILLUSTRATIVE" in readme and "SYNTHETIC" in readme


def test_demo_covers_the_16_municipalities_and_is_seeded():
    frame = demo_key_figures()
    assert sorted(frame["municipality_code"].unique()) == sorted(DEMO_MUNICIPALITIES)
    assert len(DEMO_MUNICIPALITIES) == 16
    pd.testing.assert_frame_equal(frame, demo_key_figures())
    assert not frame.equals(demo_key_figures(seed=1))
    shares = frame.loc[frame["kpi"] == "N15428", "value"]
    assert shares.between(0, 100).all()
    cost = frame.loc[frame["kpi"] == "N15027", "value"]
    assert cost.between(70_000, 200_000).all()
