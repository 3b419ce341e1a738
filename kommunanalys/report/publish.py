"""Publishing: a municipality folder is a complete old or a complete new report, never half-written.

A report is built in ``<out>/.staging/<run>/<slug>`` and swapped in with ``os.replace``
(:func:`_publish`); :func:`_recover` finishes what an interrupted run left; the output folder is
locked for one run at a time (:func:`_lock_output`); single files are written atomically
(:func:`_write_atomic`); :func:`_read_manifest` reads what an earlier run built.
"""

from __future__ import annotations

import json
import os
import shutil
import time
import uuid
from pathlib import Path
from typing import Mapping, Sequence

from ..errors import ReportError
from ..municipalities import slugify

#: What an earlier run built, in every report folder (format: ``_MANIFEST_FORMAT``).
_MANIFEST = "manifest.json"
#: Files a notebook writes to its output folder that the report folder publishes beside
#: report.html (the editable next steps of the root-cause notebook).
PUBLISHED_FILES = ("nasta_steg.md",)
_MANIFEST_FORMAT = 1
_STAGING = ".staging"
_ASIDE = ".aside"
_LOCK = ".lock"


def _publish(staging: Path, final: Path, aside_root: Path) -> None:
    """Replace ``final`` by ``staging`` (both complete folders on the same file system)."""
    if final.exists():
        aside_root.mkdir(parents=True, exist_ok=True)
        aside = aside_root / f"{final.name}--{uuid.uuid4().hex[:8]}"
        os.replace(final, aside)
        os.replace(staging, final)
        shutil.rmtree(aside, ignore_errors=True)
    else:
        os.replace(staging, final)


def _recover(out: Path) -> None:
    """Clean up after an interrupted run: stale staging, folders moved aside but not replaced."""
    aside_root = out / _ASIDE
    if aside_root.is_dir():
        for aside in sorted(aside_root.iterdir()):
            slug = aside.name.rsplit("--", 1)[0]
            final = out / slug
            if not final.exists() and (aside / _MANIFEST).exists():
                os.replace(aside, final)
            else:
                shutil.rmtree(aside, ignore_errors=True)
        shutil.rmtree(aside_root, ignore_errors=True)
    shutil.rmtree(out / _STAGING, ignore_errors=True)


class _OutputLock:
    """An exclusive ``fcntl.flock`` on ``<out>/.lock``, held for the whole batch."""

    def __init__(self, path: Path, handle) -> None:
        self.path = path
        self.handle = handle

    def release(self) -> None:
        if self.handle is not None:
            self.handle.close()  # closing the file releases the lock
            self.handle = None


def _lock_output(out_dir: Path) -> _OutputLock:
    """Lock the output folder for this run, or raise naming the run that holds it.

    The lock file stays (removing it would race with a waiting run); the lock is the kernel's,
    so a run that was killed holds nothing.
    """
    path = out_dir / _LOCK
    handle = open(path, "a+", encoding="utf-8")
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows: no lock
        return _OutputLock(path, handle)
    try:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        handle.seek(0)
        holder = handle.read().strip() or "okänd"
        handle.close()
        raise ReportError(
            f"en annan körning av kommunanalys (process {holder}) bygger redan rapporter i {out_dir}; "
            "vänta tills den är klar, eller välj en annan mapp med --out") from None
    handle.seek(0)
    handle.truncate()
    handle.write(str(os.getpid()))
    handle.flush()
    return _OutputLock(path, handle)


def _remove_if_empty(folder: Path) -> None:
    try:
        folder.rmdir()
    except OSError:
        pass


def _write_atomic(path: Path, text: str) -> None:
    """Write ``path`` through a temporary file; a failure is a :class:`ReportError` naming the
    file, and leaves no temporary file behind."""
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}.tmp")
    try:
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise ReportError(
            f"kunde inte skriva {path} ({exc.strerror or exc}); rapporterna är publicerade, men inte "
            f"{path.name}. Kontrollera att {path} är en vanlig fil som går att skriva över "
            "(inte en mapp, inte skrivskyddad) och kör igen") from None


def _read_manifest(folder: Path) -> dict | None:
    try:
        manifest = json.loads((folder / _MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return manifest if manifest.get("format") == _MANIFEST_FORMAT else None


def _make_output_folder(out_dir: Path) -> Path:
    """The output folder, made if missing; a file in its place is a :class:`ReportError`."""
    if out_dir.exists() and not out_dir.is_dir():
        raise ReportError(f"{out_dir} är en fil, inte en mapp; välj en annan --out eller flytta filen")
    out_dir.mkdir(parents=True, exist_ok=True)
    return out_dir


def _new_run_dir(out_dir: Path) -> Path:
    """This run's staging folder (not made yet): ``<out>/.staging/<time>-<pid>-<random>``."""
    return out_dir / _STAGING / f"{time.strftime('%Y%m%dT%H%M%S')}-{os.getpid()}-{uuid.uuid4().hex[:6]}"


def _check_targets(out_dir: Path, names: Mapping[str, str]) -> None:
    """Refuse to replace anything in ``out_dir`` that is not a report of kommunanalys: nothing of
    the batch's own making is ever moved or deleted (``names``: municipality code -> name)."""
    for code, name in names.items():
        final = out_dir / slugify(code, name)
        if final.exists() and (not final.is_dir() or (any(final.iterdir()) and _read_manifest(final) is None)):
            kind = "en mapp" if final.is_dir() else "en fil"
            raise ReportError(
                f"{final} är {kind} som inte är en rapport från kommunanalys (ingen {_MANIFEST}); "
                f"den skulle ersättas av rapporten för {code} {name}. Flytta eller byt namn på den, "
                "eller välj en annan --out; inget har ändrats")


def _stage_reused(final: Path, staging: Path, records: Sequence[Mapping]) -> None:
    """Copy the reused notebooks (``status`` ok) of the published report ``final``, with their
    tables and published files, into the new report's ``staging`` folder, where :func:`_assemble`
    finds them as a notebook run now would leave them."""
    for record in records:
        if record["status"] == "ok":
            (staging / "notebooks").mkdir(parents=True, exist_ok=True)
            shutil.copy2(final / "notebooks" / f"{record['key']}.ipynb",
                         staging / "notebooks" / f"{record['key']}.ipynb")
            tdir = staging / ".work" / record["key"] / "tables"
            for name in record.get("published", []):
                if (final / name).is_file():
                    tdir.mkdir(parents=True, exist_ok=True)
                    shutil.copy2(final / name, tdir.parent / name)
            for table in record.get("tables", []):
                if (final / "tables" / table).exists():
                    tdir.mkdir(parents=True, exist_ok=True)
                    shutil.copy2(final / "tables" / table, tdir / table)
