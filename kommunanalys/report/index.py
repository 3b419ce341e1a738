"""What a batch shows of itself: ``index.html`` and ``batch.json`` over every municipality, and
the progress bars while it runs."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path

from ..municipalities import slugify
from .publish import _read_manifest, _write_atomic
from .results import BatchResult, NotebookError


def _records(frame) -> list[dict]:
    import pandas as pd

    return [{k: (None if pd.isna(v) else (int(v) if k == "n" else v)) for k, v in row.items()}
            for row in frame.astype(object).to_dict("records")]


def _write_index(out_dir: Path, survey, respondents, result: BatchResult, *, title: str, threshold: int) -> None:
    from .html import render_index

    built = {m.code: m for m in result.municipalities}
    rows = []
    for code in survey.municipality_codes:
        name = survey.municipality_name(code)
        slug = slugify(code, name)
        manifest = _read_manifest(out_dir / slug) if (out_dir / slug).is_dir() else None
        res = built.get(code)
        failures = []
        if manifest is not None:
            for e in manifest.get("notebooks", []):
                if e.get("status") == "failed":
                    err = NotebookError.from_record(e.get("error"))
                    failures.append({"key": e["key"], "notebook": e["notebook"],
                                     "error": err.describe() if err else "okänt fel",
                                     "path": f"{slug}/notebooks/{e['key']}.ipynb"})
        if res is not None and res.status == "error":
            status = "error"
        elif manifest is None:
            status = "missing"
        else:
            status = manifest.get("status", "ok")
        rows.append({"code": code, "name": name, "slug": slug, "status": status,
                     "in_this_run": res is not None, "failures": failures,
                     "error": res.error.splitlines()[0] if res is not None and res.error else None,
                     "has_report": (out_dir / slug / "report.html").exists(),
                     "deliverables": _deliverable_links(out_dir / slug),
                     "respondents": _records(respondents[code])})
    from ..labels import role_names

    html = render_index(rows, title=title, synthetic=survey.synthetic, threshold=threshold,
                        skipped=result.skipped_notebooks, roles=role_names(survey.instrument))
    _write_atomic(out_dir / "index.html", html)
    summary = {
        "exit_code": result.exit_code, "elapsed": round(result.elapsed, 3), "jobs": result.jobs,
        "engine": result.engine, "skipped_notebooks": result.skipped_notebooks,
        "municipalities": [
            {"code": m.code, "name": m.name, "slug": m.slug, "status": m.status, "error": m.error,
             "notebooks": [{"key": nb.key, "status": nb.status, "duration": round(nb.duration, 3),
                            "attempts": nb.attempts, "error": asdict(nb.error) if nb.error else None}
                           for nb in m.notebooks]}
            for m in result.municipalities
        ],
    }
    _write_atomic(out_dir / "batch.json", json.dumps(summary, indent=2, ensure_ascii=False))


def _deliverable_links(folder: Path) -> list[tuple[str, str]]:
    """(file, link text) of the deck and workbook present in a municipality folder."""
    from . import DELIVERABLES

    return [(name, label) for name, label in DELIVERABLES.values() if (folder / name).exists()]


class _Progress:
    """Two tqdm bars: notebooks executed and municipalities finished."""

    def __init__(self, enabled: bool, *, n_notebooks: int, n_municipalities: int, done_municipalities: int) -> None:
        self.bars = None
        if enabled:
            from tqdm.auto import tqdm

            self.bars = (
                tqdm(total=n_municipalities, initial=done_municipalities, desc="Kommuner ", unit="kommun",
                     position=0, dynamic_ncols=True),
                tqdm(total=n_notebooks, desc="Notebooks", unit="nb", position=1, dynamic_ncols=True),
            )

    def notebook_done(self) -> None:
        if self.bars:
            self.bars[1].update()

    def municipality_done(self) -> None:
        if self.bars:
            self.bars[0].update()

    def close(self) -> None:
        if self.bars:
            for bar in self.bars:
                bar.close()
            self.bars = None
