"""A papermill engine that reuses warm kernels: start and import once, run many notebooks.

papermill's default engine starts a new kernel for every notebook, so each notebook pays kernel
start-up plus ``import pandas, seaborn`` (about 4 s per notebook on a small machine). The engine
here, registered with papermill as ``"kommunanalys-warm"`` through papermill's entry point, keeps
one kernel per worker process (per thread, if a worker runs several threads), pre-imports the
heavy modules once and, **before every notebook**, puts the kernel back in the state a fresh
kernel has:

* the user namespace is cleared and a new history session starts
  (``get_ipython().reset(new_session=True)``, the ``%reset -f`` of IPython with fresh ``In``/``Out``);
* the execution counter restarts at 1, so prompts and ``execution_count`` match a fresh run
  (the reset itself runs as a *silent* request, which does not count);
* every matplotlib figure is closed, the inline backend's queue of figures to show is emptied and
  ``matplotlib.rcParams`` is restored to the values the kernel had after its warm-up (seaborn
  themes and ``setup()`` only change rcParams). The warm-up draws and closes one figure, so the
  inline backend is active from the start — in a fresh kernel that happens at its first figure;
* pandas options, numpy print options, ``warnings`` filters (and the once-only warning registries),
  the root logger's level and handlers, ``sys.path``, ``sys.argv``, ``os.environ`` and the working
  directory are restored; the kernel's ``cwd`` is the one papermill would give a fresh kernel.

Imported modules stay imported (that is the point) and :func:`kommunanalys.pages.notebook.survey_for`
keeps its parsed survey per data file, which notebooks treat as read-only. What a warm kernel
cannot undo — a notebook mutating a module's globals, monkey-patching, printing at import time —
would make a report differ from a fresh run; ``tests/test_engine.py`` runs the real notebooks both
ways and compares the executed notebooks (volatile metadata such as timestamps removed).

A kernel that dies, times out or fails to reset is discarded and replaced on the next request;
the batch runner retries such a notebook once (see :mod:`kommunanalys.report.batch`). A kernel is also
replaced after :data:`NOTEBOOKS_PER_KERNEL` notebooks: the memory a long-lived kernel gathers
then stays bounded, for a restart every few minutes. Measured in the 290-municipality batch (all
formats, 2 jobs): a kernel grows from about 250 MB to about 1.2 GB over its 240 notebooks (20
municipalities); the batch peaked at 3.3 GB. The cached survey's derived tables
(:meth:`kommunanalys.survey.Survey.memo`) are not most of it (about 8 MB of frames when its
:data:`kommunanalys.survey.MEMO_KEPT` entries are full, after about 20 municipalities); native memory
of figure drawing that the allocator does not give back is the likelier part, not pinned down.

The code that runs inside the kernel is :mod:`kommunanalys.report._kernel_reset` (sent as source).

Use it through papermill (no import needed: ``pyproject.toml`` registers the engine under
``[project.entry-points."papermill.engine"]``, which papermill loads with
``papermill_engines.register_entry_points()``; ``papermill --engine kommunanalys-warm`` works too)::

    papermill.execute_notebook(src, dst, parameters={...}, engine_name="kommunanalys-warm",
                               kernel_name="python3", kernel_cwd="notebooks")
"""

from __future__ import annotations

import atexit
import inspect
import logging
import os
import sys
import threading
import time
from pathlib import Path
from typing import Any, Sequence

from jupyter_client.kernelspec import KernelSpec
from jupyter_client.manager import AsyncKernelManager
from jupyter_core.utils import run_sync
from papermill.clientwrap import PapermillNotebookClient
from papermill.engines import NBClientEngine
from papermill.log import logger as papermill_logger

from . import _kernel_reset
from ..errors import KernelResetError

__all__ = [
    "ENGINE_NAME",
    "KERNEL_NAME",
    "NOTEBOOKS_PER_KERNEL",
    "WARM_IMPORTS",
    "WarmKernel",
    "WarmKernelEngine",
    "KernelResetError",
    "shutdown_kernels",
    "kernel_stats",
    "IPCKernelManager",
    "ipc_kwargs",
]

log = logging.getLogger(__name__)

#: The name under which the engine is registered with papermill.
ENGINE_NAME = "kommunanalys-warm"
#: The kernel the batch runs on: the interpreter running the batch (``sys.executable``).
KERNEL_NAME = "python3"
#: A warm kernel is replaced by a fresh one after this many notebooks (bounds its memory).
NOTEBOOKS_PER_KERNEL = 240
#: Modules imported once when a kernel starts (what every notebook imports).
WARM_IMPORTS: tuple[str, ...] = (
    "numpy", "pandas", "matplotlib", "matplotlib.pyplot", "seaborn", "kommunanalys", "kommunanalys.pages.notebook",
)
#: Same history setting as nbclient gives every kernel it starts.
_KERNEL_ARGS = ["--HistoryManager.hist_file=:memory:"]


#: Installs the kernel-side module (:mod:`kommunanalys.report._kernel_reset`, sent as source) in the kernel.
_INSTALL = (
    "import sys as _s, types as _t\n"
    "_m = _t.ModuleType('_kommunanalys_warm')\n"
    "exec(compile({source!r}, '<kommunanalys-warm>', 'exec'), _m.__dict__)\n"
    "_s.modules['_kommunanalys_warm'] = _m\n"
    "_m.snapshot({imports!r})\n"
    "del _s, _t, _m\n"
)
_RESET = "__import__('_kommunanalys_warm').reset({cwd!r})"


def _kernel_source() -> str:
    """The source of :mod:`kommunanalys.report._kernel_reset`, as sent to a kernel."""
    return inspect.getsource(_kernel_reset)


def _kernel_spec() -> KernelSpec:
    """The spec of ipykernel on the current interpreter, whatever kernelspecs are installed."""
    return KernelSpec(
        argv=[sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        display_name="Python 3 (ipykernel)", language="python",
        metadata={"debugger": True},
    )


def ipc_kwargs(kwargs: dict) -> dict:
    """Kernel-manager keyword arguments for IPC transport with an absolute, unique socket prefix.

    A relative prefix (jupyter_client's default) would resolve against the kernel's working
    folder on one side and the client's on the other.
    """
    import tempfile
    import uuid

    kwargs = dict(kwargs)
    kwargs.setdefault("transport", "ipc")
    if kwargs["transport"] == "ipc" and "ip" not in kwargs:
        kwargs["ip"] = os.path.join(tempfile.gettempdir(), f"kommunanalys-{uuid.uuid4().hex[:12]}-ipc")
    return kwargs


class IPCKernelManager(AsyncKernelManager):
    """A kernel manager that talks to its kernel over IPC (Unix sockets) instead of TCP ports.

    jupyter_client picks free TCP ports and hands them to the kernel, which binds them a moment
    later; with kernels starting in parallel processes another process can take a port in
    between ("Address already in use", "Kernel died before replying to kernel_info"). IPC
    socket files named after the kernel's own connection file cannot collide. Pass it to
    papermill as ``kernel_manager_class=IPCKernelManager`` for fresh kernels.
    """

    def __init__(self, **kwargs):
        super().__init__(**ipc_kwargs(kwargs))


class _ThisInterpreterKernelManager(IPCKernelManager):
    """A kernel manager whose ``python3`` kernel is always ``sys.executable`` (over IPC)."""

    @property
    def kernel_spec(self) -> KernelSpec | None:  # type: ignore[override]
        if self._kernel_spec is None:
            if self.kernel_name in ("python3", "python"):
                self._kernel_spec = _kernel_spec()
            else:  # raises NoSuchKernel naming the installed kernels
                self._kernel_spec = self.kernel_spec_manager.get_kernel_spec(self.kernel_name)
        return self._kernel_spec


class WarmKernel:
    """One running kernel with its client, reset before every notebook.

    Parameters
    ----------
    kernel_name
        ``"python3"`` (default) runs ipykernel on ``sys.executable``; another name uses the
        installed kernelspec of that name.
    imports
        Modules to import once at start (their state is what :meth:`reset` restores).
    startup_timeout
        Seconds to wait for the kernel to answer after start.
    """

    def __init__(self, kernel_name: str = KERNEL_NAME, *, imports: Sequence[str] = WARM_IMPORTS,
                 startup_timeout: float = 60, cwd: str | Path | None = None) -> None:
        self.kernel_name = kernel_name
        self.imports = tuple(imports)
        self.startup_timeout = startup_timeout
        self.km = _ThisInterpreterKernelManager(kernel_name=kernel_name)
        self.kc = None
        self.broken = False
        self.notebooks_run = 0
        self.started_at = time.perf_counter()
        self.cwd = str(cwd) if cwd is not None else os.getcwd()
        self._start()

    # -- life cycle ---------------------------------------------------------------------------
    def _start(self) -> None:
        run_sync(self._astart)()

    async def _astart(self) -> None:
        await self.km.start_kernel(extra_arguments=list(_KERNEL_ARGS), cwd=self.cwd)
        self.kc = self.km.client()
        self.kc.start_channels()
        await self.kc.wait_for_ready(timeout=self.startup_timeout)
        self.kc.allow_stdin = False
        await self._asilent(_INSTALL.format(source=_kernel_source(), imports=self.imports),
                            timeout=max(self.startup_timeout, 120))

    def shutdown(self) -> None:
        """Stop the kernel (idempotent)."""
        try:
            if self.kc is not None:
                self.kc.stop_channels()
            if self.km.has_kernel:
                run_sync(self.km.shutdown_kernel)(now=True)
        except Exception:  # pragma: no cover - best effort at exit
            log.debug("could not shut down a warm kernel", exc_info=True)
        finally:
            self.kc = None
            self.broken = True

    @property
    def alive(self) -> bool:
        return not self.broken and self.kc is not None and bool(run_sync(self.km.is_alive)())

    # -- running code ---------------------------------------------------------------------------
    async def _asilent(self, code: str, *, timeout: float) -> None:
        """Run ``code`` silently (no execution count, no broadcast) and wait until it is done."""
        assert self.kc is not None
        msg_id = self.kc.execute(code, silent=True, store_history=False, allow_stdin=False)
        deadline = time.monotonic() + timeout
        reply = None
        while reply is None:
            msg = await self.kc.get_shell_msg(timeout=max(deadline - time.monotonic(), 0.01))
            if msg["parent_header"].get("msg_id") == msg_id:
                reply = msg
        # drain iopub up to this request's idle status, so nothing leaks into the next notebook
        while True:
            msg = await self.kc.get_iopub_msg(timeout=max(deadline - time.monotonic(), 0.01))
            if (msg["parent_header"].get("msg_id") == msg_id and msg["msg_type"] == "status"
                    and msg["content"].get("execution_state") == "idle"):
                break
        content = reply["content"]
        if content.get("status") != "ok":
            raise KernelResetError(f"{content.get('ename')}: {content.get('evalue')}")

    def reset(self, cwd: str | Path) -> None:
        """Make the kernel look fresh for the next notebook, working in ``cwd``."""
        try:
            run_sync(self._asilent)(_RESET.format(cwd=str(cwd)), timeout=60)
        except Exception as exc:
            self.broken = True
            raise KernelResetError(f"could not reset the warm kernel: {exc}") from exc


# ---------------------------------------------------------------------------------------------
# One warm kernel per (process, thread): a pool keyed by thread, started on first use.
# ---------------------------------------------------------------------------------------------
_lock = threading.Lock()
_kernels: dict[tuple[int, int, str], WarmKernel] = {}
_stats = {"started": 0, "notebooks": 0}


def _acquire(kernel_name: str, startup_timeout: float, cwd: str) -> WarmKernel:
    key = (os.getpid(), threading.get_ident(), kernel_name)
    with _lock:
        kernel = _kernels.get(key)
    if kernel is not None and (kernel.broken or not kernel.alive or kernel.notebooks_run >= NOTEBOOKS_PER_KERNEL):
        kernel.shutdown()
        kernel = None
    if kernel is None:
        kernel = WarmKernel(kernel_name, startup_timeout=startup_timeout, cwd=cwd)
        with _lock:
            _kernels[key] = kernel
            _stats["started"] += 1
    return kernel


def shutdown_kernels() -> None:
    """Stop every warm kernel of this process (run at exit, also in worker processes)."""
    with _lock:
        kernels = [k for key, k in _kernels.items() if key[0] == os.getpid()]
        _kernels.clear()
    for kernel in kernels:
        kernel.shutdown()


def kernel_stats() -> dict[str, int]:
    """Kernels started and notebooks run by the warm engine in this process."""
    return dict(_stats)


atexit.register(shutdown_kernels)
try:  # worker processes of multiprocessing leave through os._exit: atexit does not run there
    from multiprocessing import util as _mp_util

    _mp_util.Finalize(None, shutdown_kernels, exitpriority=100)
except Exception:  # pragma: no cover
    pass


class WarmKernelEngine(NBClientEngine):
    """papermill engine running notebooks on this process's warm kernel.

    Accepts papermill's usual engine arguments plus ``kernel_cwd``: the notebook's working
    directory. Default: the current directory, which is papermill's ``cwd`` when given — what a
    fresh kernel started by papermill would have. Prefer ``kernel_cwd`` in threaded callers
    (papermill's ``cwd`` changes the directory of the whole process).
    """

    @classmethod
    def execute_managed_notebook(cls, nb_man, kernel_name, log_output=False, stdout_file=None,
                                 stderr_file=None, start_timeout=60, execution_timeout=None,
                                 kernel_cwd=None, **kwargs: Any):
        kwargs.pop("input_path", None)
        kwargs.pop("timeout", None)
        kwargs.pop("startup_timeout", None)
        # papermill runs the engine inside `chdir(cwd)`; a fresh kernel would start right here
        cwd = str(kernel_cwd) if kernel_cwd else os.getcwd()
        kernel = _acquire(kernel_name or KERNEL_NAME, start_timeout, cwd)
        kernel.reset(cwd)
        client = PapermillNotebookClient(
            nb_man, km=kernel.km, kernel_name=kernel_name or KERNEL_NAME,
            timeout=execution_timeout, startup_timeout=start_timeout, log=papermill_logger,
            log_output=log_output, stdout_file=stdout_file, stderr_file=stderr_file, **kwargs,
        )
        client.kc = kernel.kc
        try:
            nb = client.execute()
        except BaseException:
            # a timeout, a dead kernel or an interrupt leaves the kernel in an unknown state
            kernel.broken = True
            raise
        finally:
            kernel.notebooks_run += 1
            _stats["notebooks"] += 1
        return nb

