"""What a rerun compares: digests of the data, the notebooks, the package and the files they read.

A notebook is re-executed when its *input hash* (:func:`_input_hash`) differs from the one in the
municipality's manifest. The package's part (:func:`_package_fingerprint`) covers every source
and data file of the package, subpackages included, so that a change anywhere rebuilds.
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path
from typing import Any, Mapping, Sequence

from .. import paths


def _sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _notebook_digest(path: Path) -> str:
    """The hash of what a notebook executes: its cells' types, sources and tags.

    Metadata an editor rewrites (JupyterLab's kernelspec and language info, cell ids, widths,
    collapsed/scrolled flags), outputs and execution counts do not change execution, so opening
    and saving a notebook does not force a rebuild.
    """
    import nbformat

    nb = nbformat.read(str(path), as_version=4)
    cells = [[c.get("cell_type"), c.get("source", ""), sorted(c.get("metadata", {}).get("tags", []))]
             for c in nb.cells]
    return hashlib.sha256(json.dumps(cells, ensure_ascii=False).encode()).hexdigest()


def _package_fingerprint(instrument_source: str | None) -> dict[str, str]:
    from importlib import metadata

    import kommunanalys

    digest = hashlib.sha256()
    package_dir = Path(kommunanalys.__file__).parent
    # every source file and package data file, subpackages included (not caches)
    for file in sorted(p for p in package_dir.rglob("*") if p.is_file()
                       and "__pycache__" not in p.parts and p.suffix not in (".pyc", ".pyo")):
        digest.update(file.relative_to(package_dir).as_posix().encode())
        digest.update(file.read_bytes())
    instrument = Path(instrument_source) if instrument_source else paths.INSTRUMENT_FILE
    if instrument.exists():
        digest.update(instrument.read_bytes())
    versions = {"kommunanalys": getattr(kommunanalys, "__version__", "?"),
                "python": ".".join(map(str, sys.version_info[:3]))}
    for dist in ("pandas", "matplotlib", "seaborn", "papermill", "numpy"):
        try:
            versions[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            versions[dist] = "-"
    versions["digest"] = digest.hexdigest()
    return versions


def _input_hash(*, data_sha: str, notebook_sha: str, parameters: Mapping[str, Any],
                package: Mapping[str, str], inputs: Mapping[str, str] | None = None) -> str:
    content = {"data": data_sha, "notebook": notebook_sha, "parameters": dict(parameters),
               "package": dict(package)}
    if inputs:  # digests of the files a parameter names (review file, key figures, population)
        content["inputs"] = dict(inputs)
    blob = json.dumps(content, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(blob.encode()).hexdigest()


def _digest_path(path: Path) -> str:
    """The digest of a file, or of every file in a folder (names and contents)."""
    if path.is_file():
        return _sha256_file(path)
    digest = hashlib.sha256()
    for file in sorted(p for p in path.rglob("*") if p.is_file()):
        digest.update(file.relative_to(path).as_posix().encode())
        digest.update(_sha256_file(file).encode())
    return digest.hexdigest()


def _data_digest(data_path: Path, rounds: Mapping | None, comparison_of: Mapping, *, grouped: bool) -> str:
    """The digest of the data a batch reads: the export's content, and with earlier rounds or
    comparison groups (``grouped``) those too, so that a changed round or group file rebuilds."""
    data_sha = _sha256_file(data_path)
    if rounds or grouped:
        # each earlier round by its content: a corrected round file at the same path rebuilds
        earlier = {label: _sha256_file(Path(path)) for label, path in (rounds or {}).get("previous", {}).items()}
        data_sha = hashlib.sha256(json.dumps([data_sha, rounds, earlier, str(comparison_of)]).encode()).hexdigest()
    return data_sha


def _report_key(entries: Sequence[Mapping[str, Any]], *, threshold: int, package: Mapping[str, str],
                synthetic: bool, formats: Sequence[str], template, texts) -> str:
    """The hash of a municipality's report: its notebooks' input hashes and what the report adds
    (threshold, package, formats, the template's and the texts file's content)."""
    return hashlib.sha256(json.dumps(
        [[e["key"], e["input_hash"]] for e in entries] + [threshold, package["digest"], synthetic]
        + [sorted(formats), str(template or ""), _sha256_file(Path(template)) if template else "",
           _sha256_file(Path(texts)) if texts else ""],
    ).encode()).hexdigest()
