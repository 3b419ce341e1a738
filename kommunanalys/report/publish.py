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
import uuid
from pathlib import Path

from ..errors import ReportError

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
