"""The warm-kernel engine: a reset kernel produces exactly what a fresh kernel produces."""

from __future__ import annotations

import json
import re
from pathlib import Path

import nbformat
import papermill
import pytest
from nbformat.v4 import new_code_cell, new_notebook

from kommunanalys import paths
from kommunanalys.report import engine as engine
from kommunanalys.report.batch import default_plan

DATA = Path(__file__).parent / "data" / "batch_export.csv"
RESPONDENTS = paths.NOTEBOOKS_DIR / "00_respondents.ipynb"

# papermill and nbclient write these per run; everything else must be identical
_VOLATILE_NB = ("start_time", "end_time", "duration", "input_path", "output_path")
_VOLATILE_CELL = ("start_time", "end_time", "duration")


_KERNEL_TMP = re.compile(r"/tmp/ipykernel_\d+/")


def comparable(nb: nbformat.NotebookNode) -> dict:
    """The executed notebook without timestamps, durations, file names and random ids.

    Also removed: the id papermill gives its injected-parameters cell (random) and the kernel's
    process id in the file names IPython gives cells in tracebacks and warnings.
    """
    data = json.loads(_KERNEL_TMP.sub("/tmp/ipykernel_PID/", nbformat.writes(nb)))
    for key in _VOLATILE_NB:
        data["metadata"].get("papermill", {}).pop(key, None)
    for cell in data["cells"]:
        cell["metadata"].pop("execution", None)
        if "injected-parameters" in cell["metadata"].get("tags", []):
            cell["id"] = "injected-parameters"
        for key in _VOLATILE_CELL:
            cell["metadata"].get("papermill", {}).pop(key, None)
    return data


def _notebook(tmp_path: Path, name: str, *sources: str) -> Path:
    cells = [new_code_cell('municipality = "1761"', metadata={"tags": ["parameters"]})]
    cells += [new_code_cell(src) for src in sources]
    nb = new_notebook(cells=cells, metadata={"kernelspec": {"name": "python3", "language": "python",
                                                            "display_name": "Python 3"}})
    for i, cell in enumerate(nb.cells):
        cell["id"] = f"{name}-{i}"
    path = tmp_path / f"{name}.ipynb"
    nbformat.write(nb, path)
    return path


# A notebook that looks at everything a previous notebook could have left behind.
PROBE = (
    "import os, sys, warnings, logging\n"
    "import numpy as np, pandas as pd, matplotlib, matplotlib.pyplot as plt, seaborn as sns\n"
    "import kommunanalys.pages.notebook\n"
    "print(sorted(k for k in globals() if not k.startswith('_')))\n"
    "print(os.getcwd(), sys.path[:3], 'POLLUTED' in os.environ)\n"
    "print(len(warnings.filters), logging.getLogger().level, np.get_printoptions()['precision'])\n"
    "print(pd.get_option('display.max_rows'), pd.get_option('display.precision'))\n"
    "print(matplotlib.rcParams['figure.figsize'], matplotlib.rcParams['axes.facecolor'], plt.get_fignums())",
    "warnings.warn('seen once per kernel unless reset', UserWarning)\n1 + 1",
    "In[-1], _i, len(Out)",
    "fig, ax = plt.subplots()\nax.plot([1, 3, 2]);",
)

# A notebook that changes every piece of state the reset is meant to undo.
POLLUTER = (
    "import os, sys, warnings, logging\n"
    "import numpy as np, pandas as pd, matplotlib, matplotlib.pyplot as plt, seaborn as sns\n"
    "sns.set_theme(style='dark')\n"
    "matplotlib.rcParams['figure.figsize'] = (3, 2)\n"
    "pd.set_option('display.max_rows', 3)\n"
    "np.set_printoptions(precision=2)\n"
    "warnings.simplefilter('ignore')\n"
    "os.chdir('/')\n"
    "os.environ['POLLUTED'] = '1'\n"
    "sys.path.insert(0, '/nowhere')\n"
    "logging.getLogger().setLevel(logging.DEBUG)\n"
    "display = print\n"
    "plt.figure(); plt.plot([1, 2])",
    "1 / 0",  # and it fails: the next notebook must not notice
)


def _run(src: Path, dst: Path, *, warm: bool, parameters: dict | None = None) -> nbformat.NotebookNode:
    kwargs = (dict(engine_name=engine.ENGINE_NAME, kernel_cwd=str(src.parent)) if warm
              else dict(cwd=str(src.parent), kernel_manager_class=engine.IPCKernelManager))
    try:
        return papermill.execute_notebook(str(src), str(dst), parameters=parameters or {}, kernel_name="python3",
                                          progress_bar=False, **kwargs)
    except papermill.PapermillExecutionError:
        return nbformat.read(dst, as_version=4)


@pytest.fixture(scope="module")
def warm_kernel_fresh():
    """Start from no warm kernel in this process, stop them afterwards."""
    engine.shutdown_kernels()
    yield
    engine.shutdown_kernels()


def test_warm_kernel_output_is_identical_to_fresh_kernel(tmp_path, warm_kernel_fresh):
    probe = _notebook(tmp_path, "probe", *PROBE)
    polluter = _notebook(tmp_path, "polluter", *POLLUTER)
    respondents = {"data": str(DATA), "interactive": False, "output_dir": None}
    started = engine.kernel_stats()["started"]

    # one warm kernel: probe, polluter, probe, respondents, polluter, respondents
    warm = {}
    warm["probe-1"] = _run(probe, tmp_path / "w-probe-1.ipynb", warm=True)
    _run(polluter, tmp_path / "w-pol-1.ipynb", warm=True)
    warm["probe-2"] = _run(probe, tmp_path / "w-probe-2.ipynb", warm=True)
    warm["1761"] = _run(RESPONDENTS, tmp_path / "w-1761.ipynb", warm=True,
                        parameters={**respondents, "municipality": "1761"})
    _run(polluter, tmp_path / "w-pol-2.ipynb", warm=True)
    warm["1762"] = _run(RESPONDENTS, tmp_path / "w-1762.ipynb", warm=True,
                        parameters={**respondents, "municipality": "1762"})
    assert engine.kernel_stats()["started"] == started + 1, "every warm run must reuse the one kernel"

    fresh = {
        "probe": _run(probe, tmp_path / "f-probe.ipynb", warm=False),
        "1761": _run(RESPONDENTS, tmp_path / "f-1761.ipynb", warm=False,
                     parameters={**respondents, "municipality": "1761"}),
        "1762": _run(RESPONDENTS, tmp_path / "f-1762.ipynb", warm=False,
                     parameters={**respondents, "municipality": "1762"}),
    }
    assert comparable(warm["probe-1"]) == comparable(fresh["probe"])
    assert comparable(warm["probe-2"]) == comparable(fresh["probe"])
    assert comparable(warm["1761"]) == comparable(fresh["1761"])
    assert comparable(warm["1762"]) == comparable(fresh["1762"])
    # the warning shown once in the first probe is shown again after the reset
    assert any(o.get("name") == "stderr" for o in warm["probe-2"].cells[2].outputs)
    # execution counts restart at 1 in every notebook
    counts = [c.execution_count for c in warm["1762"].cells if c.cell_type == "code"]
    assert counts == list(range(1, len(counts) + 1))
    # and the figure is embedded
    assert any("image/png" in o.get("data", {}) for c in warm["1762"].cells for o in c.get("outputs", []))


def test_dead_kernel_is_replaced(tmp_path, warm_kernel_fresh):
    crash = _notebook(tmp_path, "crash", "import os\nos._exit(1)")
    ok = _notebook(tmp_path, "ok", "print('alive')")
    started = engine.kernel_stats()["started"]
    _run(ok, tmp_path / "ok-0.ipynb", warm=True)
    with pytest.raises(Exception):
        papermill.execute_notebook(str(crash), str(tmp_path / "crash.ipynb"), engine_name=engine.ENGINE_NAME,
                                   kernel_name="python3", progress_bar=False, kernel_cwd=str(tmp_path))
    nb = _run(ok, tmp_path / "ok-1.ipynb", warm=True)
    assert nb.cells[1].outputs[0]["text"] == "alive\n"
    assert engine.kernel_stats()["started"] >= started + 1


def test_kernel_is_replaced_after_its_quota_of_notebooks(tmp_path, warm_kernel_fresh, monkeypatch):
    """A kernel runs at most NOTEBOOKS_PER_KERNEL notebooks (bounded memory), then a fresh one."""
    monkeypatch.setattr(engine, "NOTEBOOKS_PER_KERNEL", 2)
    engine.shutdown_kernels()  # the fixture is per module: start this count from no kernel
    pid = _notebook(tmp_path, "pid", "import os\nprint(os.getpid())")
    started = engine.kernel_stats()["started"]
    pids = [_run(pid, tmp_path / f"pid-{i}.ipynb", warm=True).cells[1].outputs[0]["text"] for i in range(5)]
    assert pids[0] == pids[1] != pids[2] == pids[3] != pids[4]
    assert engine.kernel_stats()["started"] == started + 3


def test_kernel_runs_this_interpreter(tmp_path, warm_kernel_fresh):
    import sys

    which = _notebook(tmp_path, "which", "import sys\nprint(sys.executable)")
    nb = _run(which, tmp_path / "which-out.ipynb", warm=True)
    assert nb.cells[1].outputs[0]["text"].strip() == sys.executable


@pytest.mark.slow
def test_every_plan_notebook_is_identical_warm_and_fresh(tmp_path, warm_kernel_fresh):
    """All analysis notebooks that exist, for one municipality, warm (one kernel) and fresh."""
    entries = [e for e in default_plan() if (paths.NOTEBOOKS_DIR / e.notebook).exists()]
    base = {"municipality": "1780", "data": str(DATA), "interactive": False, "anonymity_threshold": 5}
    for warm in (True, False):
        for entry in entries:
            out = tmp_path / ("warm" if warm else "fresh") / f"{entry.key}.ipynb"
            out.parent.mkdir(exist_ok=True)
            params = {**base, **entry.parameters, "output_dir": str(tmp_path / "tables" / entry.key)}
            _run(paths.NOTEBOOKS_DIR / entry.notebook, out, warm=warm, parameters=params)
    for entry in entries:
        warm_nb = nbformat.read(tmp_path / "warm" / f"{entry.key}.ipynb", as_version=4)
        fresh_nb = nbformat.read(tmp_path / "fresh" / f"{entry.key}.ipynb", as_version=4)
        assert comparable(warm_nb) == comparable(fresh_nb), entry.key


@pytest.mark.parametrize("first", ["import papermill", "import kommunanalys.report.engine", "import kommunanalys"])
def test_engine_comes_in_through_papermills_entry_point(first):
    """A fresh interpreter finds the engine without importing kommunanalys for its side effect,
    whichever of papermill and kommunanalys it imports first (no circular import)."""
    import subprocess
    import sys

    code = (f"{first}\n"
            "from importlib.metadata import entry_points\n"
            "from papermill.engines import papermill_engines\n"
            "assert 'kommunanalys-warm' in {e.name for e in entry_points(group='papermill.engine')}\n"
            "found = papermill_engines.get_engine('kommunanalys-warm')\n"
            "from kommunanalys.report.engine import WarmKernelEngine\n"
            "assert found.execute_notebook.__self__ is WarmKernelEngine, found.execute_notebook\n"
            "assert found.nb_kernel_name.__self__ is WarmKernelEngine\n"
            "print('ok')\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=Path(__file__).parent)
    assert done.returncode == 0 and done.stdout.strip() == "ok", done.stderr


def test_kernel_side_code_is_a_module_the_engine_sends():
    from kommunanalys.report import _kernel_reset as _kernel_reset

    source = engine._kernel_source()
    assert "def reset(cwd" in source and "def snapshot(imports" in source
    namespace: dict = {}
    exec(compile(source, "<kommunanalys-warm>", "exec"), namespace)  # what the kernel runs
    assert callable(namespace["reset"]) and callable(namespace["snapshot"])
    assert source == Path(_kernel_reset.__file__).read_text(encoding="utf-8")
