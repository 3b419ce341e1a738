"""Read survey exports (CSV, XLSX, SPSS .sav) into a :class:`~kommunanalys.survey.Survey`.

Every input row is either loaded or reported as rejected with its reason; a file that cannot be
read at all raises :class:`~kommunanalys.errors.DataFormatError` naming the file and how to fix
it. Rows are numbered as the user sees them in a spreadsheet: the header is row 1.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from . import paths
from ._lru import memoize
from .errors import DataFormatError, InputError
from .instrument import Instrument, Question, load_instrument, normalize_text
from .municipalities import lookup_municipality
from .survey import REJECTION_REASONS, RESPONDENT_COLUMNS, LoadReport, Survey

__all__ = ["survey_for", "load_survey", "load_demo", "read_table", "match_columns", "has_municipality_column",
           "REJECTION_REASONS"]

_CSV_SUFFIXES = {".csv", ".txt", ".tsv"}
_XLSX_SUFFIXES = {".xlsx", ".xlsm"}
_SAV_SUFFIXES = {".sav", ".zsav"}
_NUMBER_PREFIX = re.compile(r"^(?:(?:fråga|fraga|question|q)\s*)?(\d{1,3})\s*(?:[.):]|-\s)?\s*(.*)$")


# ---------------------------------------------------------------------------------------------
# Reading the raw table
# ---------------------------------------------------------------------------------------------
def _sniff_kind(path: Path, head: bytes) -> str:
    if head.startswith(b"PK\x03\x04"):
        return "xlsx"
    if head.startswith(b"$FL2") or head.startswith(b"$FL3"):
        return "sav"
    suffix = path.suffix.lower()
    if suffix in _XLSX_SUFFIXES:
        return "xlsx"
    if suffix in _SAV_SUFFIXES:
        return "sav"
    if suffix == ".xls":
        raise DataFormatError("gamla Excel-filer (.xls) stöds inte", file=path,
                              hint="spara filen som .xlsx eller som CSV från Excel")
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise DataFormatError("detta är en gammal binär Office-fil (.xls), inte en CSV-fil", file=path,
                              hint="spara den som .xlsx eller som CSV från Excel")
    if b"\x00" in head and not head.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise DataFormatError("filen är binär, inte en CSV-, XLSX- eller SPSS .sav-export", file=path,
                              hint="exportera enkäten som CSV, XLSX eller SPSS .sav")
    return "csv"


def _decode(path: Path, raw: bytes) -> tuple[str, str]:
    """Decode a CSV export: UTF-16 (with BOM), UTF-8 (with or without BOM) or Windows-1252.

    A file that is UTF-8 except for some rows (an export edited in an old Excel) is an error
    naming the first row that does not decode, never silently decoded as cp1252 throughout; a
    Windows-1252 file with some UTF-8 rows (pasted in) names the first UTF-8 row.
    """
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return raw.decode("utf-16"), "utf-16"
    try:
        return raw.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError:
        pass
    body = raw[3:] if raw.startswith(b"\xef\xbb\xbf") else raw
    utf8_lines = other_lines = 0
    for line in body.split(b"\n"):
        if max(line, default=0) < 0x80:
            continue  # plain ASCII decodes alike in both
        try:
            line.decode("utf-8")
            utf8_lines += 1
        except UnicodeDecodeError:
            other_lines += 1
    if utf8_lines or raw.startswith(b"\xef\xbb\xbf"):
        # the minority is the odd one out; a BOM says the file is meant to be UTF-8
        _raise_mixed_encoding(path, body, utf8_lines, other_lines,
                              odd_is_utf8=utf8_lines < other_lines and not raw.startswith(b"\xef\xbb\xbf"))
    try:
        return raw.decode("cp1252"), "cp1252"
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise DataFormatError(
            "filen är varken UTF-8- eller Windows-1252-text (cp1252)", file=path, row=line,
            value=raw[exc.start: exc.start + 1],
            hint="spara exporten som CSV UTF-8 (Excel: 'CSV UTF-8 (kommaavgränsad)') och försök igen",
        ) from None


def _raise_mixed_encoding(path: Path, body: bytes, utf8_lines: int, other_lines: int = 0, *,
                          odd_is_utf8: bool = False) -> None:
    """Name the first row (and cell) in the odd encoding: not UTF-8 in a UTF-8 file, or UTF-8
    in a Windows-1252 file (``odd_is_utf8``). Rows are CSV records (header = row 1)."""
    text = body.decode("latin-1")  # byte for byte: separators, quotes and line ends are ASCII in both
    sep = _detect_separator(text)
    main = "cp1252" if odd_is_utf8 else "utf-8"
    header: list[str] = []
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=sep)
    try:
        for number, record in enumerate(reader, start=1):
            cells = [cell.encode("latin-1") for cell in record]
            if number == 1:
                header = [cell.decode(main, errors="replace") for cell in cells]
            for j, cell in enumerate(cells):
                if max(cell, default=0) < 0x80:
                    continue
                try:
                    shown, is_utf8 = cell.decode("utf-8"), True
                except UnicodeDecodeError:
                    shown, is_utf8 = cell.decode("cp1252", errors="replace"), False
                if is_utf8 != odd_is_utf8:
                    continue
                column = header[j] if number > 1 and j < len(header) else None
                if odd_is_utf8:
                    message = (f"filen är Windows-1252/cp1252 ({other_lines} rader med å, ä, ö i cp1252) men "
                               "raden är UTF-8: filen blandar teckenkodningar")
                else:
                    message = (f"filen är UTF-8 ({utf8_lines} rader med å, ä, ö i UTF-8) men raden är inte UTF-8 "
                               "(den ser ut att vara Windows-1252/cp1252): filen blandar teckenkodningar")
                raise DataFormatError(
                    message, file=path, row=number, column=column, value=shown,
                    hint="rätta raden i en editor som visar teckenkodningen, eller spara hela exporten "
                         "på nytt som CSV UTF-8 från enkätverktyget",
                )
    except csv.Error:
        pass
    raise DataFormatError(  # pragma: no cover - a surrogate is always inside some record
        "filen blandar teckenkodningarna UTF-8 och Windows-1252 (cp1252)", file=path,
        hint="spara hela exporten på nytt som CSV UTF-8 från enkätverktyget",
    )


def _detect_separator(text: str) -> str:
    header = text.split("\n", 1)[0]
    # count separators outside quotes in the header
    counts = {}
    for sep in (";", ",", "\t"):
        try:
            row = next(csv.reader([header], delimiter=sep))
        except (csv.Error, StopIteration):
            row = []
        counts[sep] = len(row) - 1
    return max(counts, key=lambda s: (counts[s], s == ";"))


def _parse_csv(path: Path, text: str, sep: str) -> tuple[pd.DataFrame, dict[int, int]]:
    """Parse CSV text record by record; rows are numbered as records (header = row 1).

    Returns the frame (header as columns, cells as strings, a short row padded with "") and
    the number of fields of each row whose field count differs from the header's (by the
    frame's 0-based index), so the loader can reject those rows with their reason. An
    unbalanced quote is an error naming the row where the quoted field starts.
    """
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=sep, strict=True)
    records: list[list[str]] = []
    start_line = 1
    try:
        for record in reader:
            records.append(record)
            start_line = reader.line_num + 1
    except csv.Error as exc:
        row = len(records) + 1
        raise DataFormatError(
            f"CSV-filen är felaktig: ett citattecken (\") öppnas men stängs inte som det ska "
            f"({'filen tar slut inom citattecknen' if 'end of data' in str(exc) else 'tecken efter det avslutande citattecknet'}); "
            f"fältet börjar på rad {row} (textrad {start_line} i filen)",
            file=path, row=row,
            hint="rätta citattecknen på raden: text som innehåller citattecken, radbrytningar eller "
                 f"{sep!r} ska stå inom \"...\" och citattecken i texten skrivas dubbelt (\"\")",
        ) from None
    if not records:
        raise DataFormatError("filen har ingen rubrikrad", file=path,
                              hint="exportera enkäten med kolumnrubriker")
    header = records[0]
    width = len(header)
    body: list[list[str]] = []
    odd: dict[int, int] = {}
    for i, record in enumerate(records[1:]):
        n = len(record)
        if n == width or n == 0:
            body.append(record or [""] * width)
        elif n < width:
            odd[i] = n
            body.append(record + [""] * (width - n))
        elif not any(cell.strip() for cell in record[width:]):
            body.append(record[:width])  # trailing empty fields (Excel's extra separators)
        else:
            odd[i] = n
            body.append(record[:width])
    frame = pd.DataFrame(body, columns=range(width), dtype=object) if body else pd.DataFrame(columns=range(width))
    frame.columns = header
    return frame, odd


def _read_csv(path: Path, raw: bytes) -> tuple[pd.DataFrame, dict]:
    text, encoding = _decode(path, raw)
    if not text.strip():
        raise DataFormatError("filen har ingen text (bara tomma rader eller blanktecken)", file=path,
                              hint="exportera enkäten igen; filen ska börja med en rubrikrad")
    sep = _detect_separator(text)
    frame, odd = _parse_csv(path, text, sep)
    return frame, {"format": "csv", "encoding": encoding, "separator": sep,
                   "field_counts": odd, "header_fields": frame.shape[1]}


def _with_header(frame: pd.DataFrame) -> pd.DataFrame:
    """Use the first row as header, unmangled (pandas would rename a duplicate to 'X.1')."""
    header = ["" if pd.isna(h) else str(h) for h in frame.iloc[0].tolist()] if len(frame) else []
    body = frame.iloc[1:].reset_index(drop=True)
    body.columns = header
    return body


def _read_xlsx(path: Path) -> tuple[pd.DataFrame, dict]:
    try:
        frame = _with_header(pd.read_excel(path, sheet_name=0, dtype=object, engine="openpyxl", header=None))
    except Exception as exc:  # openpyxl raises many kinds for broken zips
        raise DataFormatError(f"Excel-filen går inte att läsa ({exc.__class__.__name__}: {exc})", file=path,
                              hint="öppna den i Excel och spara den igen som .xlsx, eller exportera som CSV") from None
    _check_uncached_formulas(path)
    frame = frame.map(lambda v: "" if v is None or (isinstance(v, float) and np.isnan(v)) else
                      (str(int(v)) if isinstance(v, float) and v.is_integer() else str(v)))
    return frame, {"format": "xlsx"}


def _check_uncached_formulas(path: Path) -> None:
    """A formula cell without a saved result would read as empty: name the cell instead.

    Files written by a program rather than by Excel (or saved without recalculation) hold
    formulas without their cached values; reading them as "not answered" would be silently
    wrong. Cheap when there are no formulas: the sheets' XML is searched for ``<f>`` first.
    """
    import zipfile

    import openpyxl

    try:
        with zipfile.ZipFile(path) as archive:
            has_formulas = any(re.search(rb"<(?:\w+:)?f[ >/]", archive.read(name))
                               for name in archive.namelist()
                               if name.startswith("xl/worksheets/") and name.endswith(".xml"))
    except (zipfile.BadZipFile, OSError):
        return
    if not has_formulas:
        return
    formulas = openpyxl.load_workbook(path, read_only=True, data_only=False)
    values = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        sheet_f, sheet_v = formulas.worksheets[0], values.worksheets[0]
        header: list[Any] = []
        for r, (row_f, row_v) in enumerate(zip(sheet_f.iter_rows(), sheet_v.iter_rows()), start=1):
            if r == 1:
                header = [c.value for c in row_v]
            for cell_f, cell_v in zip(row_f, row_v):
                if getattr(cell_f, "data_type", None) == "f" and cell_v.value is None:
                    j = cell_f.column - 1
                    raise DataFormatError(
                        f"cellen {cell_f.coordinate} innehåller en formel utan sparat resultat "
                        f"({str(cell_f.value)[:60]}), så svaret går inte att läsa",
                        file=path, row=r, column=str(header[j]) if r > 1 and j < len(header) else None,
                        value=str(cell_f.value)[:60],
                        hint="öppna filen i Excel och spara den (då räknas formlerna om och resultaten "
                             "sparas), eller ersätt formlerna med värden (Klistra in special → Värden)",
                    )
    finally:
        formulas.close()
        values.close()


def _read_sav(path: Path) -> tuple[pd.DataFrame, dict]:
    import pyreadstat

    try:
        frame, meta = pyreadstat.read_sav(str(path), apply_value_formats=False)
    except Exception as exc:
        raise DataFormatError(f"SPSS-filen går inte att läsa ({exc})", file=path,
                              hint="exportera enkäten från enkätverktyget igen som SPSS .sav, eller som CSV") from None
    out = pd.DataFrame(index=frame.index)
    headers = []
    for name in frame.columns:
        labels = meta.variable_value_labels.get(name, {})
        col = frame[name]

        def cell(v: Any, labels: dict = labels) -> str:
            if v is None or (isinstance(v, float) and np.isnan(v)):
                return ""
            if v in labels:
                return str(labels[v])
            if isinstance(v, float) and v.is_integer():
                return str(int(v))
            return str(v)

        header = meta.column_names_to_labels.get(name) or name
        headers.append(header)
        out[name] = col.map(cell)
    out.columns = headers
    return out, {"format": "sav"}


def read_table(path: str | Path, *, min_columns: int = 2) -> tuple[pd.DataFrame, dict]:
    """Read an export into a frame of strings ("" = empty cell), whatever its format.

    Returns the frame and what was detected (format, encoding, separator). A survey export
    needs at least two columns; other tables (a column of comments) may ask for fewer.

    Raises
    ------
    DataFormatError
        The file is missing, empty, binary, malformed or of an unsupported format.
    """
    path = Path(path)
    if not path.exists():
        raise DataFormatError("filen finns inte", file=path, hint="kontrollera sökvägen (och vilken mapp du står i)")
    if path.is_dir():
        raise DataFormatError("detta är en mapp, inte en fil", file=path, hint="ange sökvägen till exportfilen")
    raw = path.read_bytes()
    if not raw:
        raise DataFormatError("filen är tom (0 byte)", file=path, hint="exportera enkäten igen")
    kind = _sniff_kind(path, raw[:4096])
    if kind == "xlsx":
        frame, info = _read_xlsx(path)
    elif kind == "sav":
        frame, info = _read_sav(path)
    else:
        frame, info = _read_csv(path, raw)
    # a trailing blank line is not a row; blank lines between rows are (reported as empty rows)
    while len(frame) and frame.iloc[-1].astype(str).str.strip().eq("").all():
        frame = frame.iloc[:-1]
    if frame.shape[1] < min_columns:
        raise DataFormatError(
            f"hittade bara {frame.shape[1]} kolumn ({', '.join(map(str, frame.columns)) or 'ingen'})", file=path,
            hint="exporten ska ha en kolumn per fråga; kontrollera avgränsaren (';' eller ',') och formatet",
        )
    dupes = frame.columns[frame.columns.duplicated()].tolist()
    if dupes:
        raise DataFormatError("rubrikraden har samma kolumnnamn två gånger", file=path, column=str(dupes[0]),
                              hint="ge varje kolumn en egen rubrik")
    return frame, info


# ---------------------------------------------------------------------------------------------
# Matching headers to questions
# ---------------------------------------------------------------------------------------------
def _text_matches(header_text: str, question_text: str) -> bool:
    if header_text == question_text:
        return True
    shorter, longer = sorted((header_text, question_text), key=len)
    # survey tools and spreadsheets truncate long headers; demand a substantial prefix
    return len(shorter) >= 30 and longer.startswith(shorter)


def match_columns(headers: list[str], instrument: Instrument) -> tuple[dict[str, str], list[str]]:
    """Map export headers to ``respondent_id``, ``municipality`` or a question id.

    A header matches a question by its text (tolerant of numbering prefixes such as "6.",
    whitespace, line breaks and case; long texts may be truncated), by its number alone
    ("6", "Q6", "Fråga 6"), by an alias listed under ``columns:`` in the instrument, or by a wording
    of an earlier survey round listed under ``earlier_texts:`` (the current text is tried first).
    Returns the mapping and the headers that matched nothing (ignored columns).
    """
    identity = {
        normalize_text(alias): key
        for key, aliases in instrument.identity_columns.items() for alias in aliases
    }
    aliases = {normalize_text(a): q.id for q in instrument.questions for a in q.aliases}
    by_number = {q.number: q for q in instrument.questions}
    texts = [(normalize_text(q.text), q) for q in instrument.questions]
    texts += [(normalize_text(t), q) for q in instrument.questions for t in q.earlier_texts]  # reworded
    mapping: dict[str, str] = {}
    ignored: list[str] = []
    for header in headers:
        key = normalize_text(header)
        target: str | None = None
        if key in aliases:
            target = aliases[key]
        elif key in identity:
            target = identity[key]
        else:
            m = _NUMBER_PREFIX.match(key)
            number, rest = (int(m.group(1)), m.group(2).strip()) if m else (None, key)
            if rest:
                found = [q for text, q in texts if _text_matches(rest, text)]
                if not found and number is not None:
                    found = [q for text, q in texts if _text_matches(key, text)]
                if found:
                    target = found[0].id
            elif number is not None and number in by_number:
                target = by_number[number].id
        if target is None:
            ignored.append(header)
        else:
            mapping[header] = target
    return mapping, ignored


# ---------------------------------------------------------------------------------------------
# Loading
# ---------------------------------------------------------------------------------------------
@dataclass
class _Problem:
    index: int
    reason: str
    column: str | None
    value: Any
    message: str


def _decode_column(values: pd.Series, question: Question) -> tuple[pd.Series, pd.Series]:
    """Decode a column: canonical labels (None where empty) and a mask of undecodable cells."""
    scale = question.scale
    assert scale is not None
    uniques = pd.unique(values)
    table = {u: (None if u.strip() == "" else scale.decode(u)) for u in uniques}
    decoded = values.map(table)
    bad = values.str.strip().ne("") & decoded.isna()
    return decoded, bad


def _allowed(question: Question) -> str:
    scale = question.scale
    assert scale is not None
    opts = [f"{lv.label!r} ({lv.code})" for lv in (*scale.levels, *scale.non_substantive)]
    return ", ".join(opts)


def has_municipality_column(path: str | Path, instrument: Instrument | str | Path | None = None) -> bool:
    """Whether an export has a municipality column (else it is the export of one municipality,
    loaded with ``municipality=``)."""
    if not isinstance(instrument, Instrument):
        instrument = load_instrument(instrument)
    frame, _ = read_table(Path(path))
    mapping, _ = match_columns([str(c) for c in frame.columns], instrument)
    return "municipality" in mapping.values()


def load_survey(
    path: str | Path,
    instrument: Instrument | str | Path | None = None,
    *,
    municipality: str | None = None,
    strict: bool = False,
    synthetic: bool | None = None,
) -> Survey:
    """Load a survey export (CSV, XLSX or SPSS .sav) into a :class:`Survey`.

    Parameters
    ----------
    path
        The export: one row per respondent, one column per question.
    instrument
        An :class:`Instrument`, or the path of an instrument YAML; default: the bundled one.
    municipality
        For an export of one municipality without a municipality column: its code or name.
    strict
        Raise :class:`InputError` on the first rejected row instead of reporting it.
    synthetic
        Mark the survey as synthetic (the bundled demo is marked automatically).

    Returns
    -------
    Survey
        With ``survey.report`` accounting for every input row (loaded + rejected = rows).
    """
    path = Path(path)
    if not isinstance(instrument, Instrument):
        instrument = load_instrument(instrument)
    frame, info = read_table(path)
    n_rows = len(frame)
    headers = [str(c) for c in frame.columns]
    mapping, ignored = match_columns(headers, instrument)
    by_target: dict[str, list[str]] = {}
    for header, target in mapping.items():
        by_target.setdefault(target, []).append(header)
    for target, cols in by_target.items():
        if len(cols) > 1:
            raise DataFormatError(
                f"flera kolumner motsvarar {target}: {', '.join(repr(c) for c in cols)}", file=path, column=cols[1],
                hint="ta bort den dubbla kolumnen eller ange rätt rubrik under `columns:` i instrumentet",
            )
    col_of = {target: cols[0] for target, cols in by_target.items()}
    role_q = instrument.role_question
    if role_q.id not in col_of:
        raise DataFormatError(
            f"ingen kolumn för rollfrågan ({role_q.label!r})", file=path,
            hint=f"döp kolumnen till {role_q.label!r} (eller lägg dess rubrik under `columns:` "
                 f"för {role_q.id} i instrumentet). Kolumner i filen: " + "; ".join(headers[:20]),
        )
    fixed_municipality = None
    if "municipality" not in col_of:
        if municipality is None:
            raise DataFormatError(
                "ingen kommunkolumn", file=path,
                hint="lägg till kolumnen 'Kommun' med kommunens namn eller kod, eller ange "
                     "municipality='1761' (kommandoraden: --municipality 1761) för en export från en kommun",
            )
        fixed_municipality = lookup_municipality(municipality)
        if fixed_municipality is None:
            raise InputError("okänd kommun", value=municipality,
                             hint="ange en av Sveriges 290 fyrsiffriga kommunkoder eller kommunens namn")
    elif municipality is not None:
        raise InputError("filen har en kommunkolumn; ange inte också kommun (municipality=, --municipality)",
                         file=path, column=col_of["municipality"],
                         hint="ta bort --municipality (municipality=) så läses kommunen från kolumnen")

    cells = frame.astype(str)
    problems: list[_Problem] = []
    row_no = lambda i: i + 2  # noqa: E731 - header is row 1

    # rows whose field count differs from the header's (CSV): their columns cannot be trusted
    width = info.get("header_fields", len(headers))
    for i, n in sorted(info.get("field_counts", {}).items()):
        if n < width:
            problems.append(_Problem(
                i, "short_row", headers[n] if n < len(headers) else None, None,
                f"raden har {n} fält men rubrikraden {width}: den är avbruten eller saknar avgränsare "
                f"(första saknade kolumnen: {headers[n]!r}); komplettera raden eller ta bort den"))
        else:
            problems.append(_Problem(
                i, "too_many_fields", None, None,
                f"raden har {n} fält men rubrikraden {width}: troligen ett {info.get('separator', ';')!r} "
                "i en text utan citattecken; sätt texten inom \"...\" eller ta bort avgränsaren"))

    # empty rows
    empty = cells.apply(lambda c: c.str.strip().eq("")).all(axis=1)
    for i in np.flatnonzero(empty.to_numpy()):
        problems.append(_Problem(i, "empty_row", None, None, "raden är tom; ta bort den eller fyll i den"))

    # respondent ids
    if "respondent_id" in col_of:
        rid = cells[col_of["respondent_id"]].str.strip()
        rid = rid.where(rid.ne(""), "rad-" + pd.Series(np.arange(n_rows) + 2, index=rid.index).astype(str))
    else:
        rid = "rad-" + pd.Series(np.arange(n_rows) + 2, index=cells.index).astype(str)
    seen: dict[str, int] = {}
    for i, value in enumerate(rid):
        if empty.iat[i]:
            continue
        if value in seen:
            problems.append(_Problem(i, "duplicate_respondent_id", col_of.get("respondent_id"), value,
                                     f"svarande-id {value!r} användes redan på rad {row_no(seen[value])}; "
                                     "ta bort den dubbla raden eller ge den ett eget id"))
        else:
            seen[value] = i

    # municipality
    if fixed_municipality is not None:
        muni_code = pd.Series(fixed_municipality[0], index=cells.index)
        muni_name = pd.Series(fixed_municipality[1], index=cells.index)
    else:
        col = col_of["municipality"]
        raw = cells[col].str.strip()
        table = {u: lookup_municipality(u) for u in pd.unique(raw)}
        found = raw.map(table)
        muni_code = found.map(lambda t: t[0] if t else None)
        muni_name = found.map(lambda t: t[1] if t else None)
        for i in np.flatnonzero((~empty & found.isna()).to_numpy()):
            value = raw.iat[i]
            if value == "":
                problems.append(_Problem(i, "missing_municipality", col, None,
                                         "kommunen är tom; fyll i kommunens namn eller fyrsiffriga kod"))
            else:
                problems.append(_Problem(i, "unknown_municipality", col, value,
                                         f"{value!r} är ingen svensk kommun; ange den fyrsiffriga koden "
                                         "(t.ex. 1761) eller namnet som SCB skriver det (t.ex. Hammarö)"))

    # decoded answers per question column
    decoded: dict[str, pd.Series] = {}
    for q in instrument.questions:
        if q.id not in col_of or q.kind == "free_text":
            continue
        col = col_of[q.id]
        values, bad = _decode_column(cells[col], q)
        decoded[q.id] = values
        for i in np.flatnonzero((bad & ~empty).to_numpy()):
            value = cells[col].iat[i]
            reason = "unknown_role" if q.kind == "role" else "unknown_answer"
            problems.append(_Problem(i, reason, col, value,
                                     f"{value!r} är inget svar på fråga {q.number}; tillåtna: {_allowed(q)}. "
                                     "Kontrollera stavning, extra mellanslag och om exporten blandar in koder från en annan skala"))
    roles_raw = decoded[role_q.id]
    for i in np.flatnonzero((roles_raw.isna() & ~empty & cells[col_of[role_q.id]].str.strip().eq("")).to_numpy()):
        problems.append(_Problem(i, "missing_role", col_of[role_q.id], None,
                                 f"rollen är inte besvarad; fyll i {' eller '.join(role_q.scale.labels)}, "
                                 "eller ta bort raden"))

    # nothing answered besides background
    answer_cols = [col_of[q.id] for q in (*instrument.likert_questions, *instrument.of_kind("free_text")) if q.id in col_of]
    if answer_cols:
        nothing = cells[answer_cols].apply(lambda c: c.str.strip().eq("")).all(axis=1) & ~empty
        for i in np.flatnonzero(nothing.to_numpy()):
            problems.append(_Problem(i, "no_answers", None, None,
                                     "den svarande besvarade ingen av enkätens frågor; raden går inte att analysera"))

    # collect problems per row (first problem names the reason)
    per_row: dict[int, list[_Problem]] = {}
    for p in problems:
        per_row.setdefault(p.index, []).append(p)
    rejected_rows = []
    for i in sorted(per_row):
        first, rest = per_row[i][0], per_row[i][1:]
        message = first.message
        if rest:
            message += "; dessutom: " + "; ".join(
                f"{p.column!r}: {p.message}" if p.column else p.message for p in rest)
        rejected_rows.append({
            "row": row_no(i), "respondent_id": rid.iat[i] if not empty.iat[i] else None,
            "reason": first.reason, "column": first.column, "value": first.value, "message": message,
        })
        if strict:
            raise InputError(message, file=path, row=row_no(i), column=first.column, value=first.value,
                             hint="rätta raden i exporten, eller läs in utan strict=True för att se alla avvisade rader")
    rejected = pd.DataFrame(rejected_rows, columns=["row", "respondent_id", "reason", "column", "value", "message"])
    keep = np.ones(n_rows, dtype=bool)
    keep[list(per_row)] = False

    # respondents
    role_value = {lv.label: (lv.value or normalize_text(lv.label)) for lv in role_q.scale.levels}  # type: ignore[union-attr]
    role = roles_raw.map(role_value)
    warnings: list[str] = []
    sub_q = instrument.subgroup_question
    subgroup = pd.Series(np.where(role.eq("förtroendevald"), "förtroendevald", "tjänsteperson, ej angivet"),
                         index=cells.index, dtype=object)
    if sub_q is not None and sub_q.id in decoded:
        answered = decoded[sub_q.id].map(sub_q.subgroup)
        is_civil = role.eq("tjänsteperson")
        subgroup = subgroup.where(~(is_civil & answered.notna()), answered)
        odd = int((role.eq("förtroendevald") & decoded[sub_q.id].notna() & pd.Series(keep, index=cells.index)).sum())
        if odd:
            warnings.append(f"{odd} förtroendevalda besvarade frågan till tjänstepersoner ({sub_q.id}); "
                            "deras svar användes inte (de räknas som förtroendevalda)")
    respondents = pd.DataFrame({
        "respondent_id": rid, "municipality_code": muni_code, "municipality_name": muni_name,
        "role": role, "subgroup": subgroup,
    })
    for q in instrument.of_kind("background"):
        if q.id in decoded:
            respondents[q.id] = pd.Categorical(decoded[q.id], dtype=q.scale.substantive_dtype())  # type: ignore[union-attr]
    respondents["source_row"] = np.arange(n_rows) + 2
    respondents = respondents[keep].reset_index(drop=True)

    # responses, long form
    dtype = instrument.answer_dtype()
    kept_index = np.flatnonzero(keep)
    parts = []
    missing_questions = []
    for q in instrument.likert_questions:
        if q.id not in decoded:
            missing_questions.append(q.id)
            continue
        answers = decoded[q.id].iloc[kept_index].reset_index(drop=True)
        scale = q.scale
        score_of = {lab: float(k) for k, lab in enumerate(scale.labels, start=1)}  # type: ignore[union-attr]
        part = respondents[RESPONDENT_COLUMNS].copy()
        part["question"] = q.id
        part["answer"] = answers
        part["score"] = answers.map(score_of).astype(float)
        part["answer_type"] = np.select(
            [answers.isna(), answers.isin(scale.non_substantive_labels)],  # type: ignore[union-attr]
            ["skipped", "non_substantive"], "substantive")
        parts.append(part)
    responses = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(
        columns=[*RESPONDENT_COLUMNS, "question", "answer", "score", "answer_type"])
    responses["answer"] = pd.Categorical(responses["answer"], dtype=dtype)

    # comments
    cparts = []
    for q in instrument.of_kind("free_text"):
        if q.id not in col_of:
            continue
        text = cells[col_of[q.id]].iloc[kept_index].reset_index(drop=True).str.strip()
        part = respondents[RESPONDENT_COLUMNS].copy()
        part["question"] = q.id
        part["about"] = q.comments
        part["text"] = text
        cparts.append(part[text.ne("")])
    comments = pd.concat(cparts, ignore_index=True) if cparts else pd.DataFrame(
        columns=[*RESPONDENT_COLUMNS, "question", "about", "text"])

    if not len(respondents):
        reasons = rejected["reason"].value_counts().to_dict() if len(rejected) else {}
        raise InputError(
            f"ingen rad kunde läsas in ({n_rows} rader, avvisade: {reasons or 'inga'})", file=path,
            row=int(rejected["row"].iat[0]) if len(rejected) else None,
            column=rejected["column"].iat[0] if len(rejected) else None,
            value=rejected["value"].iat[0] if len(rejected) else None,
            hint=(rejected["message"].iat[0] if len(rejected) else "filen har en rubrikrad men inga datarader"),
        )
    report = LoadReport(
        source=str(path), rows_in_file=n_rows, loaded=len(respondents), rejected=rejected,
        column_map=mapping, ignored_columns=ignored, missing_questions=missing_questions, warnings=warnings,
        format=info,
    )
    if synthetic is None:
        synthetic = path.resolve() == paths.DEMO_EXPORT.resolve()
    return Survey(instrument=instrument, respondents=respondents, responses=responses,
                  comments=comments, report=report, synthetic=synthetic)


def load_demo() -> Survey:
    """The bundled synthetic demo survey (16 municipalities of Värmland, 656 respondents)."""
    if not paths.DEMO_EXPORT.exists():
        raise DataFormatError("demoexporten saknas", file=paths.DEMO_EXPORT,
                              hint="bygg den igen med `python -m kommunanalys.demo`")
    return load_survey(paths.DEMO_EXPORT, synthetic=True)


# ---------------------------------------------------------------------------------------------
# Parsed once per process (the batch's warm kernels, the deliverables, the explorer)
# ---------------------------------------------------------------------------------------------
@memoize(maxsize=4)
def _cached(path: str, mtime_ns: int, instrument: str | None, instrument_mtime_ns: int,
            municipality: str | None) -> Survey:
    return load_survey(path, instrument, municipality=municipality)


def survey_for(data: str | Path | None = None, *, instrument: str | Path | None = None,
               municipality: str | None = None) -> Survey:
    """The survey in ``data`` (default: the bundled synthetic demo), parsed once per kernel.

    ``instrument`` is the path of an instrument YAML (default: the bundled one);
    ``municipality`` the code or name of the municipality of an export of one municipality
    without a ``Kommun`` column (``kommunanalys report --municipality``). A changed data or
    instrument file is read again.
    """
    path = Path(data) if data else paths.DEMO_EXPORT
    inst = Path(instrument) if instrument else None
    survey = _cached(str(path.resolve()), path.stat().st_mtime_ns if path.exists() else 0,
                     str(inst.resolve()) if inst else None,
                     inst.stat().st_mtime_ns if inst is not None and inst.exists() else 0,
                     str(municipality) if municipality else None)
    return survey
