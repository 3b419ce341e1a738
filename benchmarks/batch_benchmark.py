"""Benchmark of the batch reports against a plain sequential loop of the ``papermill`` command.

Measured side by side in one run:

1. **demo**: the bundled demo (16 Värmland municipalities) with :func:`kommunanalys.report.batch.run_reports`
   (warm kernels, ``--jobs`` processes);
2. **all**: all 290 municipalities from the demo generator
   (``kommunanalys.demo.generate_survey(codes="all")`` written with ``write_export``);
3. **plain**: ``papermill`` on the command line, one notebook after the other, each on a fresh
   kernel, over the same plan notebooks and parameters — on a sample of municipalities of the
   290-municipality export (``--plain-sample``), scaled to the full count (notebook runs cost about
   the same whichever municipality they are for).

Reported: notebooks executed, total time, notebooks per second, the ratio of the plain loop's
(scaled) time to the batch's, peak memory: the peak of the summed resident memory of this
process and all its descendants (workers and kernels), sampled every 0.2 s with psutil, and
``resource.getrusage`` (maximum resident set of this process and of the largest child); and the
CPU seconds of the batch (this process and every descendant, sampled the same way) in total and
per municipality, with the time 290 municipalities take on 2 cores at that rate. On a shared
machine wall time depends on the neighbours several-fold; CPU seconds less, but still up to about
half (cache and core contention): compare two versions with runs made side by side.
``benchmarks/profile_report.py``
splits one municipality's CPU seconds by step (kernel, papermill, report assembly) and profiles them.

Usage::

    python benchmarks/batch_benchmark.py                  # everything, all cores
    python benchmarks/batch_benchmark.py --jobs 2 --plain-sample 2
    python benchmarks/batch_benchmark.py --skip-all       # demo + plain loop only (quick)
    python benchmarks/batch_benchmark.py --skip-demo --limit 40   # a slice of the 290 batch
    python benchmarks/batch_benchmark.py --skip-all --plain-sample 0 --formats html   # demo, HTML only

Nothing is timed in the tests; this script is run by hand and its figures go in the closing note.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from kommunanalys import paths  # noqa: E402
from kommunanalys.report.batch import default_plan, run_reports  # noqa: E402


class PeakMemory:
    """Samples the summed RSS of this process and all its descendants in a thread, and their CPU.

    ``cpu`` is the CPU seconds (user + system) spent while sampling by this process and every
    descendant (workers, kernels): per process the last value seen, taken every ``interval``
    seconds, so at most one interval of a process's last moment is missed. It depends less than
    wall time on what else runs on a shared machine (see the module docstring).
    """

    def __init__(self, interval: float = 0.2) -> None:
        self.interval = interval
        self.peak = 0
        self.cpu = 0.0
        self._cpu: dict[tuple[int, float], float] = {}  # (pid, create time) -> CPU seconds so far
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _sample(self, me) -> None:
        import psutil

        total = 0
        try:
            procs = [me, *me.children(recursive=True)]
        except psutil.Error:
            procs = [me]
        for proc in procs:
            try:
                with proc.oneshot():
                    total += proc.memory_info().rss
                    times = proc.cpu_times()
                    self._cpu[(proc.pid, proc.create_time())] = times.user + times.system
            except psutil.Error:
                pass
        self.peak = max(self.peak, total)

    def _run(self) -> None:
        import psutil

        me = psutil.Process()
        while not self._stop.is_set():
            self._sample(me)
            self._stop.wait(self.interval)
        self._sample(me)

    def __enter__(self) -> "PeakMemory":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()
        # this process only counts from the start (its imports and the export before are not the batch's)
        self.cpu = sum(self._cpu.values()) - self._own_start

    @property
    def _own_start(self) -> float:
        return getattr(self, "_own_cpu_at_start", 0.0)

    def start_cpu_here(self) -> "PeakMemory":
        """Count this process's CPU from now on (call before ``with``)."""
        times = os.times()
        self._own_cpu_at_start = times.user + times.system
        return self


def _mb(n_bytes: float) -> str:
    return f"{n_bytes / 2**20:,.0f} MB"


FORMATS = ("html", "pptx", "xlsx", "pdf")


def run_batch(label: str, data: Path | None, out: Path, jobs: int | None, municipalities=None) -> dict:
    with PeakMemory().start_cpu_here() as mem:
        started = time.perf_counter()
        result = run_reports(data, out=out, jobs=jobs, progress=True, force=True, municipalities=municipalities,
                             formats=FORMATS)
        elapsed = time.perf_counter() - started
    n = result.notebooks_run
    failed = [f"{c} {k}: {e.describe() if e else '?'}" for c, k, e in result.failures()]
    n_municipalities = len(result.municipalities)
    return {"label": label, "municipalities": n_municipalities, "notebooks": n,
            "seconds": elapsed, "notebooks_per_s": n / elapsed, "peak_tree_rss": mem.peak,
            "cpu_seconds": mem.cpu, "cpu_seconds_per_municipality": mem.cpu / max(n_municipalities, 1),
            "cpu_projected_290_minutes_on_2_cores": mem.cpu / max(n_municipalities, 1) * 290 / 2 / 60,
            "failures": failed, "jobs": result.jobs, "skipped": result.skipped_notebooks}


def run_deliverables(data: Path | None, codes: list[str] | None, out: Path) -> dict:
    """The deck and workbook alone, one process, per municipality (kommunanalys.report), and the
    workbook across municipalities: seconds each, to see their share of a batch."""
    from kommunanalys.pages.notebook import survey_for
    from kommunanalys.report import write_batch_workbook, write_deliverables

    survey = survey_for(data)
    codes = codes or survey.municipality_codes
    out.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    for code in codes:
        (out / code).mkdir(exist_ok=True)
        write_deliverables(out / code, survey=survey, municipality=code, threshold=5,
                           formats=("pptx", "xlsx"))  # the PDF needs the notebooks' report.html
    per = (time.perf_counter() - started) / len(codes)
    started = time.perf_counter()
    write_batch_workbook(out, data=str(data or paths.DEMO_EXPORT), threshold=5, codes=survey.municipality_codes)
    return {"label": f"deck + workbook alone ({len(codes)} municipalities)", "seconds_per_municipality": per,
            "batch_workbook_seconds": time.perf_counter() - started,
            "batch_workbook_municipalities": len(survey.municipality_codes)}


def run_plain(data: Path, codes: list[str], out: Path, n_total_municipalities: int) -> dict:
    """The plain loop: ``papermill`` CLI, one notebook at a time, fresh kernel each."""
    plan = [e for e in default_plan() if (paths.NOTEBOOKS_DIR / e.notebook).exists()]
    papermill = Path(sys.executable).with_name("papermill")
    cmd0 = [str(papermill)] if papermill.exists() else [sys.executable, "-m", "papermill"]
    runs = 0
    with PeakMemory() as mem:
        started = time.perf_counter()
        for code in codes:
            for entry in plan:
                target = out / code / f"{entry.key}.ipynb"
                target.parent.mkdir(parents=True, exist_ok=True)
                cmd = [*cmd0, str(paths.NOTEBOOKS_DIR / entry.notebook), str(target), "-k", "python3",
                       "--cwd", str(paths.NOTEBOOKS_DIR), "--no-progress-bar",
                       "-r", "municipality", code, "-r", "data", str(data),
                       "-r", "output_dir", str(out / code / "work" / entry.key),
                       "-p", "anonymity_threshold", "5", "-p", "interactive", "False"]
                for name, value in entry.parameters.items():
                    cmd += ["-r", name, str(value)]
                subprocess.run(cmd, check=False, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                runs += 1
        elapsed = time.perf_counter() - started
    per_notebook = elapsed / runs
    scaled = per_notebook * len(plan) * n_total_municipalities
    return {"label": "plain papermill loop", "municipalities": len(codes), "notebooks": runs,
            "seconds": elapsed, "notebooks_per_s": runs / elapsed, "peak_tree_rss": mem.peak,
            "seconds_per_notebook": per_notebook, "scaled_seconds_all": scaled,
            "plan_notebooks": len(plan)}


def main(argv: list[str] | None = None) -> int:
    global FORMATS
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=None, help="worker processes (default: all cores)")
    parser.add_argument("--plain-sample", type=int, default=2,
                        help="municipalities the plain papermill loop runs (scaled to 290); default 2, 0 skips it")
    parser.add_argument("--skip-all", action="store_true", help="skip the 290-municipality batch")
    parser.add_argument("--limit", type=int, default=None,
                        help="run the 290-municipality export's batch on its first N municipalities only")
    parser.add_argument("--skip-demo", action="store_true", help="skip the demo batch")
    parser.add_argument("--workdir", help="where to write (default: a temporary folder)")
    parser.add_argument("--json", help="also write the figures as JSON to this file")
    parser.add_argument("--formats", default=",".join(FORMATS),
                        help="formats the batches write (default html,pptx,xlsx,pdf; html alone to compare)")
    parser.add_argument("--deliverables-only", action="store_true",
                        help="time only the decks and workbooks (no notebooks) on the demo and the 290-export")
    args = parser.parse_args(argv)
    FORMATS = tuple(f.strip() for f in args.formats.split(",") if f.strip())

    from kommunanalys.demo import generate_survey, write_export

    workdir = Path(args.workdir) if args.workdir else Path(tempfile.mkdtemp(prefix="kommunanalys-bench-"))
    workdir.mkdir(parents=True, exist_ok=True)
    all_export = workdir / "alla_290_kommuner.csv"
    t = time.perf_counter()
    frame = generate_survey(codes="all")
    write_export(frame, all_export)
    print(f"290-kommuners export: {all_export} ({len(frame)} svarande, {time.perf_counter() - t:.1f} s)",
          flush=True)

    from kommunanalys import load_survey

    survey_codes = load_survey(all_export).municipality_codes
    results = []
    if args.deliverables_only:
        for label, data in (("demo", None), ("290", all_export)):
            row = run_deliverables(data, None if label == "demo" else survey_codes[: args.limit or 20],
                                   workdir / f"deliverables-{label}")
            print(f"{label}: {json.dumps(row, default=str)}", flush=True)
        return 0
    if not args.skip_demo:
        results.append(run_batch("demo batch (16 municipalities)", None, workdir / "demo", args.jobs))
        print(json.dumps(results[-1], default=str), flush=True)
    if not args.skip_all:
        chosen = survey_codes[: args.limit] if args.limit else None
        label = f"290-export, first {args.limit} municipalities" if args.limit else "all 290 municipalities"
        results.append(run_batch(label, all_export, workdir / "all", args.jobs, chosen))
        print(json.dumps(results[-1], default=str), flush=True)
    if args.plain_sample <= 0:  # --plain-sample 0: the batches only
        for r in results:
            print(f"{r['label']}: {r['seconds']:.1f} s, {r['notebooks']} notebooks, formats {','.join(FORMATS)}, "
                  f"peak {_mb(r['peak_tree_rss'])}, failures {len(r['failures'])}; CPU {r['cpu_seconds']:.1f} s "
                  f"({r['cpu_seconds_per_municipality']:.2f} s per municipality, 290 on 2 cores at that rate: "
                  f"{r['cpu_projected_290_minutes_on_2_cores']:.1f} min)")
        if args.json:
            Path(args.json).write_text(json.dumps({"results": results, "formats": FORMATS}, indent=2, default=str))
        return 0
    sample = survey_codes[: args.plain_sample]
    plain = run_plain(all_export, sample, workdir / "plain", len(survey_codes))
    print(json.dumps(plain, default=str), flush=True)

    self_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    child_rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024
    print()
    print(f"Machine: {os.cpu_count()} CPUs; Python {sys.version.split()[0]}; workdir {workdir}")
    print(f"{'run':36} {'kommuner':>8} {'notebooks':>9} {'tid':>10} {'nb/s':>7} {'topp-minne':>11} {'CPU/kommun':>10}")
    for r in results + [plain]:
        per = f"{r['cpu_seconds_per_municipality']:>9.2f}s" if "cpu_seconds_per_municipality" in r else ""
        print(f"{r['label']:36} {r['municipalities']:>8} {r['notebooks']:>9} {r['seconds']:>9.1f}s "
              f"{r['notebooks_per_s']:>7.2f} {_mb(r['peak_tree_rss']):>11} {per:>10}")
    print(f"plain loop: {plain['seconds_per_notebook']:.2f} s per notebook; scaled to all "
          f"{len(survey_codes)} municipalities x {plain['plan_notebooks']} notebooks: "
          f"{plain['scaled_seconds_all'] / 60:.1f} min")
    for r in results:
        scaled = plain["seconds_per_notebook"] * r["notebooks"]
        print(f"ratio plain/batch for {r['label']}: {scaled / r['seconds']:.1f}x "
              f"(plain would take {scaled:.0f} s for its {r['notebooks']} notebooks)")
        if r["failures"]:
            print(f"  failures in {r['label']}: {len(r['failures'])}, e.g. {r['failures'][:3]}")
        if r["skipped"]:
            print(f"  skipped (missing) notebooks: {r['skipped']}")
    print(f"getrusage max RSS: self {_mb(self_rss)}, largest child {_mb(child_rss)}")
    if args.json:
        Path(args.json).write_text(json.dumps({"results": results, "plain": plain}, indent=2, default=str))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
