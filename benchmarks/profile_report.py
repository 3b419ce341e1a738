"""Where the CPU seconds of a municipality's report go: a profile of the notebook half of a batch.

Runs the batch (HTML only) in this process on the calling thread, so its one warm kernel and the
report assembly can be observed: first a warm-up municipality (kernel start, imports, survey
parsing and the survey-wide caches, which a real batch pays once per worker), then the measured
municipalities. Reported per measured municipality: CPU seconds of the kernel (psutil) and of
this process (papermill/nbclient, writing the notebooks, assembling report.html), and with
``--profile`` the top functions by cumulative time on each side (cProfile; the kernel's profile
is switched on through the warm kernel's client and written to a file).

Usage::

    python benchmarks/profile_report.py                         # 290-export, 3 municipalities
    python benchmarks/profile_report.py --demo --count 2 --profile

Run by hand; nothing here is part of the tests. To compare two versions, run both at the same
time (e.g. one from a copy of the other commit with PYTHONPATH set to it): CPU seconds on a
shared machine vary with the load by up to about half.
"""

from __future__ import annotations

import argparse
import concurrent.futures as cf
import cProfile
import io
import pstats
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from kommunanalys.report import engine  # noqa: E402
from kommunanalys.report import tasks  # noqa: E402
from kommunanalys.report.batch import run_reports  # noqa: E402

#: CPU seconds of this process in the batch's notebook tasks and report assembly.
_SPENT = {"notebooks": 0.0, "assemble": 0.0}


def _counted(name: str, function):
    def run(task):
        started = _self_cpu()
        try:
            return function(task)
        finally:
            _SPENT[name] += _self_cpu() - started
    return run


class _Inline(cf.Executor):
    """Runs every task at once in the calling thread (so one profile sees the whole batch side)."""

    _max_workers = 1

    def submit(self, fn, /, *args, **kwargs):
        future: cf.Future = cf.Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except BaseException as exc:  # noqa: BLE001 - handed to the batch as the task's outcome
            future.set_exception(exc)
        return future


def _self_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _kernel() -> engine.WarmKernel:
    kernels = list(engine._kernels.values())
    assert len(kernels) == 1, kernels
    return kernels[0]


def _kernel_cpu() -> float:
    import psutil

    times = psutil.Process(_kernel().km.provisioner.process.pid).cpu_times()
    return times.user + times.system


def _silent(code: str) -> None:
    from jupyter_core.utils import run_sync

    kernel = _kernel()
    run_sync(kernel._asilent)(code, timeout=120)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--demo", action="store_true", help="the bundled demo instead of the 290-export")
    parser.add_argument("--count", type=int, default=3, help="municipalities measured after the warm-up")
    parser.add_argument("--profile", action="store_true", help="cProfile in the kernel and in this process")
    parser.add_argument("--top", type=int, default=45, help="functions listed per profile")
    parser.add_argument("--workdir", help="where to write (default: a temporary folder)")
    parser.add_argument("--formats", default="html")
    args = parser.parse_args(argv)
    formats = tuple(f for f in args.formats.split(",") if f)

    workdir = Path(args.workdir) if args.workdir else Path(tempfile.mkdtemp(prefix="kommunanalys-prof-"))
    workdir.mkdir(parents=True, exist_ok=True)
    if args.demo:
        data = None
        from kommunanalys import load_survey
        from kommunanalys import paths

        codes = load_survey(paths.DEMO_EXPORT).municipality_codes
    else:
        from kommunanalys import load_survey
        from kommunanalys.demo import generate_survey, write_export

        data = workdir / "alla_290_kommuner.csv"
        if not data.exists():
            write_export(generate_survey(codes="all"), data)
        codes = load_survey(data).municipality_codes
    warm, measured = codes[0], codes[1:1 + args.count]
    pool = _Inline()
    tasks._execute_notebook = _counted("notebooks", tasks._execute_notebook)
    tasks._assemble = _counted("assemble", tasks._assemble)
    common = dict(out=workdir / "out", executor=pool, progress=False, force=True, formats=formats)

    t0, c0 = time.perf_counter(), _self_cpu()
    run_reports(data, municipalities=[warm], **common)
    print(f"warm-up {warm}: {time.perf_counter() - t0:.1f} s wall, this process {_self_cpu() - c0:.1f} s CPU, "
          f"kernel {_kernel_cpu():.1f} s CPU (start, imports, survey, caches)")

    if args.profile:
        _silent("import cProfile as _cp, sys as _s; _s.modules['_kommunanalys_warm'].prof = _cp.Profile("
                "__import__('time').process_time); "
                "_s.modules['_kommunanalys_warm'].prof.enable()")
        parent = cProfile.Profile(time.process_time)
        parent.enable()
    k0, c0, t0 = _kernel_cpu(), _self_cpu(), time.perf_counter()
    _SPENT.update(notebooks=0.0, assemble=0.0)
    result = run_reports(data, municipalities=measured, **common)
    wall, kernel_cpu, self_cpu = time.perf_counter() - t0, _kernel_cpu() - k0, _self_cpu() - c0
    notebooks = result.notebooks_run
    if args.profile:
        parent.disable()
        kfile = workdir / "kernel.prof"
        _silent(f"_p = __import__('_kommunanalys_warm').prof; _p.disable(); _p.dump_stats({str(kfile)!r})")
    n = len(measured)
    print(f"measured {n} municipalities, {notebooks} notebooks, failures {len(result.failures())}")
    print(f"  wall {wall / n:.2f} s per municipality (one worker)")
    print(f"  CPU kernel {kernel_cpu / n:.2f} s + this process {self_cpu / n:.2f} s "
          f"= {(kernel_cpu + self_cpu) / n:.2f} s per municipality, "
          f"{(kernel_cpu + self_cpu) / notebooks:.3f} s per notebook")
    print(f"  of this process: papermill/nbclient {_SPENT['notebooks'] / n:.2f} s, report assembly "
          f"{_SPENT['assemble'] / n:.2f} s, batch set-up (once per batch) "
          f"{(self_cpu - _SPENT['notebooks'] - _SPENT['assemble']):.2f} s")
    print(f"  projected 290 municipalities on 2 cores: {(kernel_cpu + _SPENT['notebooks'] + _SPENT['assemble']) / n * 290 / 2 / 60:.1f} min "
          "(per-municipality CPU, set-up left out)")
    if args.profile:
        for label, stats in (("kernel", pstats.Stats(str(kfile))), ("batch process", pstats.Stats(parent))):
            buf = io.StringIO()
            stats.stream = buf
            stats.sort_stats("cumulative").print_stats(args.top)
            print(f"\n===== {label}: cumulative, per {n} municipalities =====")
            print("\n".join(buf.getvalue().splitlines()[4:]))
        print(f"(kernel profile: {kfile})")
    pool.shutdown()
    engine.shutdown_kernels()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
