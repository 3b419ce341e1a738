"""The distributed route for real: a small batch on a Dask LocalCluster with worker processes.

What the README shows (``run_reports(..., executor=client.get_executor())``), on two worker
processes of one thread each: the notebooks run in the workers (each keeps its own warm kernel),
the reports are published by the caller, and what they contain is what the library computes here.
"""

from __future__ import annotations

import logging
from pathlib import Path

import pandas as pd
import pytest

from kommunanalys import load_survey, paths
from kommunanalys.report import engine as engine
from kommunanalys.report.batch import PlanEntry, run_reports
from kommunanalys.respondents import respondent_counts

distributed = pytest.importorskip("distributed")

DATA = Path(__file__).parent / "data" / "batch_export.csv"  # 1761 Hammarö, 1762 Munkfors, 1780 Karlstad
RESPONDENTS = paths.NOTEBOOKS_DIR / "00_respondents.ipynb"
SLUGS = {"1761": "1761-hammaro", "1762": "1762-munkfors"}

pytestmark = pytest.mark.slow


@pytest.fixture
def client():
    """Two worker processes, one thread each; the warm kernels and the cluster are stopped after."""
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                       dashboard_address=None, silence_logs=logging.ERROR)
    client = distributed.Client(cluster)
    try:
        yield client
    finally:
        try:
            client.run(engine.shutdown_kernels)  # atexit does not run in a worker that is closed
        finally:
            client.close()
            cluster.close()


def test_a_batch_runs_on_dask_worker_processes(tmp_path, client):
    out = tmp_path / "reports"
    plan = [PlanEntry(str(RESPONDENTS), section="respondents", key="00_respondents")]
    here_before = engine.kernel_stats()["notebooks"]
    result = run_reports(DATA, out=out, executor=client.get_executor(), progress=False, plan=plan,
                         municipalities=["1761", "1762"], formats=("html",))

    assert result.exit_code == 0
    assert sorted(m.code for m in result.municipalities) == ["1761", "1762"]
    # the notebooks ran in the two workers, on their warm kernels; none ran in this process
    stats = client.run(engine.kernel_stats)
    assert len(stats) == 2
    assert sum(s["notebooks"] for s in stats.values()) == 2
    assert engine.kernel_stats()["notebooks"] == here_before

    survey = load_survey(DATA)
    for code, slug in SLUGS.items():
        html = (out / slug / "report.html").read_text(encoding="utf-8")
        assert "<h2>Vem svarade?</h2>" in html and "data:image/png;base64," in html
        written = pd.read_csv(out / slug / "tables" / "respondenter.csv", dtype={"shown": str})
        expected = respondent_counts(survey, code)  # computed here, not in a worker
        assert written["group"].tolist() == expected["group"].tolist()
        assert written["shown"].fillna("").tolist() == expected["shown"].fillna("").tolist()
    index = (out / "index.html").read_text(encoding="utf-8")
    assert 'id="k1761"' in index and 'id="k1762"' in index
