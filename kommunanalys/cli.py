"""The ``kommunanalys`` command line: ``validate``, ``report`` and ``scrub``.

Errors raised on purpose (:class:`~kommunanalys.errors.KommunanalysError`) are printed as one
clear message (file, row, column, value, how to fix) and exit with code 2; no traceback unless
``--debug`` is given.
"""

from __future__ import annotations

import argparse
import sys
from typing import Sequence

from .errors import KommunanalysError

__all__ = ["main", "build_parser"]


def _cmd_validate(args: argparse.Namespace) -> int:
    from .loader import load_survey

    survey = load_survey(args.path, args.instrument, municipality=args.municipality)
    report = survey.report
    assert report is not None
    print(report.summary())
    counts = survey.respondents["role"].value_counts()
    subgroups = survey.respondents["subgroup"].value_counts()
    print()
    print(f"Svarande: {len(survey.respondents)}")
    for role in ("förtroendevald", "tjänsteperson"):
        print(f"  {role}: {int(counts.get(role, 0))}")
    print(f"    varav chef i central förvaltning: {int(subgroups.get('chef i central förvaltning', 0))}")
    print()
    print("Svarande per kommun, roll och undergrupp:")
    table = survey.municipalities()
    print(table.to_string(index=False))
    if args.rejected_out and report.n_rejected:
        report.rejected.to_csv(args.rejected_out, index=False, encoding="utf-8")
        print(f"\nAvvisade rader skrivna till {args.rejected_out}")
    elif report.n_rejected:
        print("\nAvvisade rader (rad, orsak, kolumn, värde):")
        for rec in report.rejected.head(args.show).itertuples():
            print(f"  rad {rec.row}: {rec.reason} – {rec.message}")
        if report.n_rejected > args.show:
            print(f"  ... och {report.n_rejected - args.show} till (skriv alla med --rejected-out FIL.csv)")
    return 0


def _cmd_report(args: argparse.Namespace) -> int:
    from .anonymity import parse_threshold
    from .batch import run_reports

    threshold = parse_threshold(args.anonymity_threshold) if args.anonymity_threshold is not None else None
    result = run_reports(
        args.data, out=args.out, municipalities=args.municipality or None, jobs=args.jobs,
        progress=not args.no_progress, force=args.force, only_failed=args.only_failed,
        anonymity_threshold=threshold,
    )
    print(result.summary())
    return result.exit_code


def _cmd_scrub(args: argparse.Namespace) -> int:
    from .screening import scrub_csv

    outcome = scrub_csv(args.input, column=args.column, out_path=args.output, findings_path=args.findings)
    for key, value in outcome.items():
        print(f"{key}: {value}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The argument parser (exposed for tests and documentation)."""
    parser = argparse.ArgumentParser(
        prog="kommunanalys",
        description="Analys av kommunala styrningsenkäter: validera exporter, bygg rapporter, granska fritext.",
    )
    parser.add_argument("--debug", action="store_true", help="show full tracebacks")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("validate", help="load an export and account for every row")
    p.add_argument("path", help="the survey export (CSV, XLSX or SPSS .sav)")
    p.add_argument("--instrument", help="instrument YAML (default: the bundled one)")
    p.add_argument("--municipality", help="for a one-municipality export without a 'Kommun' column: its code or name")
    p.add_argument("--rejected-out", help="write the rejected rows with reasons to this CSV")
    p.add_argument("--show", type=int, default=20, help="how many rejected rows to print (default 20)")
    p.set_defaults(func=_cmd_validate)

    p = sub.add_parser("report", help="build one report per municipality (the main job)")
    p.add_argument("--data", help="the survey export (default: the bundled synthetic demo)")
    p.add_argument("--out", help="output folder (default: reports/)")
    p.add_argument("--municipality", action="append", help="only this municipality (code); repeatable")
    p.add_argument("--jobs", type=int, help="parallel workers (default: all cores)")
    p.add_argument("--force", action="store_true", help="rebuild everything, not only what failed or changed")
    p.add_argument("--only-failed", action="store_true", help="re-run only the notebooks that failed last time")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.add_argument("--anonymity-threshold", metavar="K",
                   help="minsta gruppstorlek som visas (heltal, minst 3; standard: instrumentets, 5)")
    p.set_defaults(func=_cmd_report)

    p = sub.add_parser("scrub", help="screen a free-text column for personal data")
    p.add_argument("input", help="CSV with a free-text column")
    p.add_argument("--column", default="text", help="the free-text column (default: text)")
    p.add_argument("-o", "--output", required=True, help="screened CSV to write")
    p.add_argument("--findings", help="CSV of what was masked (default: OUTPUT with .findings.csv)")
    p.set_defaults(func=_cmd_scrub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except KommunanalysError as exc:
        if args.debug:
            raise
        print(f"kommunanalys: fel: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("kommunanalys: avbrutet", file=sys.stderr)
        return 130
    except Exception as exc:  # a bug: say so plainly
        if args.debug:
            raise
        print(f"kommunanalys: oväntat fel ({exc.__class__.__name__}: {exc}). "
              "Kör igen med --debug för detaljer och rapportera felet.", file=sys.stderr)
        return 3


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
