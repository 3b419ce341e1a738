"""What the consultant prepares, read and checked before a batch writes anything.

The instrument, review files, key figures, population file, earlier rounds (given, or split from
a round column of the export), comparison groups and the municipalities asked for: each is
resolved and read once here, so that a bad file fails with a
:class:`~kommunanalys.errors.ReportError` (or the library's ``InputError``) before any notebook runs.
"""

from __future__ import annotations

import contextlib
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Iterator

from .. import paths
from ..errors import ReportError
from ..municipalities import lookup_municipality
from .fingerprint import _sha256_file


@contextlib.contextmanager
def _reading(what: str) -> Iterator[None]:
    """Any error but a :class:`ReportError` inside becomes one saying ``what`` failed, and why."""
    try:
        yield
    except ReportError:
        raise
    except Exception as exc:
        raise ReportError(f"{what}: {exc}") from exc


def _select(survey, municipalities: Iterable[str] | str | None) -> list[str]:
    present = survey.municipality_codes
    if municipalities is None:
        return present
    if isinstance(municipalities, str):
        municipalities = [municipalities]
    chosen = []
    for value in municipalities:
        found = lookup_municipality(value)
        code = found[0] if found else str(value)
        if code not in present:
            raise ReportError(
                f"kommunen {value!r} har inga svarande i datat; finns: {', '.join(present)}")
        if code not in chosen:
            chosen.append(code)
    return chosen


def _existing(value: str | os.PathLike | None, option: str, what: str) -> Path | None:
    if value is None:
        return None
    path = Path(value)
    if not path.exists():
        raise ReportError(f"{what} {path} finns inte; kontrollera sökvägen till {option}")
    return path.resolve()


def _review_for(review: Path | None, code: str) -> Path | None:
    """The review file of a municipality: ``review`` itself when it is a file (it may hold many
    municipalities), else the one CSV in the folder whose name holds the municipality's code."""
    if review is None or review.is_file():
        return review
    found = sorted(p for p in review.glob("*.csv") if re.search(rf"(?<!\d){code}(?!\d)", p.name))
    if len(found) > 1:
        raise ReportError(f"flera granskningsfiler för kommun {code} i {review}: "
                          f"{', '.join(p.name for p in found)}; behåll en fil per kommun")
    return found[0] if found else None


def _export_municipality(data_path: Path, instrument: Path | None, municipalities) -> str | None:
    """For an export without a municipality column: the one municipality given with
    ``--municipality`` (which then names the export's municipality), else None."""
    from ..loader import has_municipality_column

    if municipalities is None or has_municipality_column(data_path, instrument):
        return None
    values = [municipalities] if isinstance(municipalities, str) else list(municipalities)
    if len(values) != 1:
        raise ReportError(f"exporten {data_path} har ingen kolumn 'Kommun', så den räknas som en export från en "
                          f"kommun; ange exakt en --municipality (kod eller namn), inte {len(values)}")
    return str(values[0])


def _population_input(population, data, survey) -> tuple[str | None, str]:
    """The population file of a batch (the demo's synthetic one for the demo), read and checked
    against the survey before anything runs; its path and content hash (for reruns)."""
    from ..population import check_population, read_population

    if population is None and data is None and paths.DEMO_POPULATION.exists():
        population = paths.DEMO_POPULATION
    if population is None:
        return None, ""
    path = Path(population).resolve()
    check_population(read_population(path), survey)  # InputError: file, row, column, value, fix
    return str(path), _sha256_file(path)


def _earlier_rounds(data, previous, current_round, instrument) -> dict | None:
    """``{"previous": {label: absolute path}, "current_round": label}``, or None without earlier
    rounds; every earlier export is read once here, so a bad one fails before anything is built."""
    from ..rounds import demo_rounds, load_rounds

    found, label = demo_rounds(data, previous, current_round)
    if not found:
        return None
    resolved = {lab: str(Path(str(path)).resolve()) for lab, path in found.items()}
    with _reading("kunde inte läsa in en tidigare omgång"):
        load_rounds(resolved, instrument=instrument)
    return {"previous": resolved, "current_round": label}


def _comparison_of(path, survey) -> dict[str, list[str]]:
    """Each municipality's comparison group from a ``--comparison-groups`` file ({} without one)."""
    if path is None:
        return {}
    from ..comparison_groups import comparison_for, load_comparison_groups

    groups = load_comparison_groups(path)
    codes = survey.municipality_codes
    return {c: found for c in codes if (found := comparison_for(groups, c, available=codes))}


def _round_column_split(data, data_path: Path, round_column: str | None, previous, current_round,
                        out_dir: Path) -> tuple[Path, Any, str | None, list[str]]:
    """An export with a round column split into the current round's export and the earlier ones
    (under ``<out>/omgangar``); unchanged without a round column (or for the demo)."""
    from ..rounds import round_column_of, split_rounds

    if data is None and round_column is None:
        return data_path, previous, current_round, []
    with _reading("kunde inte dela upp enkätexporten efter omgång"):
        column = round_column_of(data_path, round_column)
        if column is None:
            return data_path, previous, current_round, []
        if previous:
            raise ReportError(f"exporten har omgångskolumnen {column!r}; ange inte också --previous "
                              "(eller ta bort kolumnen)")
        current, earlier, label, rejected = split_rounds(data_path, out_dir / "omgangar", column=column,
                                                         current_round=current_round)
    notes = []
    if len(rejected):
        rejected.to_csv(out_dir / "omgangar" / "avvisade_rader.csv", index=False, encoding="utf-8")
        notes.append(f"{len(rejected)} rader i {data_path.name} saknar omgång och lästes inte in "
                     f"(rader: {', '.join(map(str, rejected['row'].head(10)))}; se omgangar/avvisade_rader.csv)")
    return current, earlier, label, notes


@dataclass(frozen=True)
class _Inputs:
    """What a batch reads, checked before anything is written (:func:`_read_inputs`)."""

    survey: Any
    data_path: Path
    out_dir: Path
    nb_dir: Path
    threshold: int
    codes: list[str]  # the municipalities to build
    consultant: dict  # instrument, export_municipality, review, key_figures (see _options_for)
    rounds: dict | None  # earlier rounds (see _earlier_rounds)
    comparison_groups: Any  # the comparison-group file, or None
    comparison_of: dict[str, list[str]]
    population: str | None
    population_sha: str
    notes: list[str]  # what reading noted for the summary (rows without a round)

    @property
    def survey_options(self) -> dict:
        """How a worker reads the same survey: the instrument file, the one-municipality export."""
        return {"instrument": str(self.consultant["instrument"]) if self.consultant.get("instrument") else None,
                "export_municipality": self.consultant.get("export_municipality")}


def _read_inputs(data, *, out, municipalities, notebooks_dir, anonymity_threshold, formats, template, texts,
                 instrument, review, key_figures, previous, current_round, comparison_groups, population,
                 round_column) -> _Inputs:
    """Check the arguments of :func:`~kommunanalys.report.batch.run_reports` and read every file
    they name; nothing is written but the split of an export's round column (``<out>/omgangar``)."""
    from ..anonymity import resolve_threshold
    from ..loader import load_survey

    if anonymity_threshold is not None:
        resolve_threshold(anonymity_threshold)  # a bad threshold fails before the data is read
    data_path = Path(data) if data is not None else paths.DEMO_EXPORT
    if not data_path.exists():
        hint = " (bygg demodatat med `python -m kommunanalys.demo`)" if data is None else ""
        raise ReportError(f"enkätexporten {data_path} finns inte{hint}; kontrollera sökvägen till --data")
    data_path = data_path.resolve()
    if "pdf" in formats:  # WeasyPrint needs the system's Pango: say so before anything runs
        from .pdf import require_pdf

        require_pdf()
    if template is not None and not Path(template).is_file():
        raise ReportError(f"presentationsmallen {template} finns inte; ange sökvägen till en .pptx-fil med --template")
    instrument_path = _existing(instrument, "--instrument", "instrumentfilen")
    review_path = _existing(review, "--review", "granskningsfilen")
    key_figures_path = _existing(key_figures, "--key-figures", "nyckeltalsfilen")
    if texts is not None:
        from ..report_texts import load_report_texts

        load_report_texts(texts)  # a bad texts file fails before anything runs
    out_dir = Path(out) if out is not None else paths.REPORTS_DIR
    out_dir = out_dir.resolve()
    data_path, previous, current_round, round_notes = _round_column_split(
        data, data_path, round_column, previous, current_round, out_dir)  # --round-column Omgång
    data = None if data is None else data_path
    nb_dir = Path(notebooks_dir) if notebooks_dir is not None else paths.NOTEBOOKS_DIR
    nb_dir = nb_dir.resolve()
    with _reading(f"kunde inte läsa in enkätexporten {data_path}"):
        export_municipality = _export_municipality(data_path, instrument_path, municipalities)
        survey = load_survey(data_path, instrument_path, municipality=export_municipality,
                             synthetic=True if data is None else None)
    if export_municipality is not None:
        export_municipality = survey.municipality_codes[0] if survey.municipality_codes else export_municipality
    threshold = resolve_threshold(anonymity_threshold, survey)  # validated, never coerced
    population_path, population_sha = _population_input(population, data, survey)
    codes = _select(survey, municipalities)
    consultant = dict(instrument=instrument_path, export_municipality=export_municipality,
                      review=review_path, key_figures=key_figures_path)
    rounds = _earlier_rounds(data, previous, current_round, survey.instrument)  # --previous: read before anything
    return _Inputs(survey=survey, data_path=data_path, out_dir=out_dir, nb_dir=nb_dir,
                   threshold=threshold, codes=codes, consultant=consultant, rounds=rounds,
                   comparison_groups=comparison_groups, comparison_of=_comparison_of(comparison_groups, survey),
                   population=population_path, population_sha=population_sha, notes=list(round_notes))
