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
from .textsafety import terminal_safe, write_csv

__all__ = ["main", "build_parser"]


def _cmd_validate(args: argparse.Namespace) -> int:
    from .loader import load_survey

    survey = load_survey(args.path, args.instrument, municipality=args.municipality)
    report = survey.report
    assert report is not None
    print(terminal_safe(report.summary()))  # headers and values from the file: no escape sequences
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
    print(terminal_safe(table.to_string(index=False)))
    if args.rejected_out and report.n_rejected:
        write_csv(report.rejected, args.rejected_out, index=False, encoding="utf-8")  # no formula cells
        print(f"\nAvvisade rader skrivna till {args.rejected_out}")
    elif report.n_rejected:
        print("\nAvvisade rader (rad, orsak, kolumn, värde):")
        for rec in report.rejected.head(args.show).itertuples():
            print(terminal_safe(f"  rad {rec.row}: {rec.reason} – {rec.message}"))
        if report.n_rejected > args.show:
            print(f"  ... och {report.n_rejected - args.show} till (skriv alla med --rejected-out FIL.csv)")
    return 0


def _cmd_report(args: argparse.Namespace) -> int:
    from .anonymity import parse_threshold
    from .batch import run_reports
    from .errors import ReportError

    formats = [f.strip().lower() for f in (args.format or "html,pptx,xlsx,pdf").split(",") if f.strip()]
    unknown = [f for f in formats if f not in ("html", "pptx", "xlsx", "pdf")]
    if unknown:
        raise ReportError(f"okänt format i --format: {', '.join(unknown)}; välj bland html, pptx, xlsx och pdf "
                          "(t.ex. --format html,pptx)")
    if args.format is None:  # the default: without the system's Pango the PDF is left out, and said so
        from .report.pdf import pdf_available

        if not pdf_available():
            formats.remove("pdf")
            print("Obs: rapport.pdf skapas inte eftersom WeasyPrint inte kan laddas (Pango saknas; Debian/Ubuntu: "
                  "apt-get install libpango-1.0-0 libpangoft2-1.0-0).", file=sys.stderr)
    threshold = parse_threshold(args.anonymity_threshold) if args.anonymity_threshold is not None else None
    result = run_reports(
        args.data, out=args.out, municipalities=args.municipality or None, jobs=args.jobs,
        progress=not args.no_progress, force=args.force, only_failed=args.only_failed,
        formats=formats, template=args.template,
        anonymity_threshold=threshold,
    )
    print(terminal_safe(result.summary()))
    return result.exit_code


def _cmd_scrub(args: argparse.Namespace) -> int:
    from .screening import scrub_csv

    outcome = scrub_csv(args.input, column=args.column, out_path=args.output, findings_path=args.findings)
    for key, value in outcome.items():
        print(terminal_safe(f"{key}: {value}"))
    return 0


def _positive_int(text: str) -> int:
    """``--jobs``: a whole number of at least 1 (argparse prints the message)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} är inget heltal; ange antal processer, t.ex. --jobs 2") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{value} processer går inte; ange minst 1, t.ex. --jobs 2")
    return value


def _non_negative_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} är inget heltal") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"{value} går inte; ange 0 eller fler")
    return value


class _Parser(argparse.ArgumentParser):
    """argparse with its error line in Swedish ("kommunanalys report: fel: …")."""

    def error(self, message: str):  # type: ignore[override]
        self.print_usage(sys.stderr)
        self.exit(2, f"{self.prog}: fel: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser (exposed for tests and documentation)."""
    parser = _Parser(
        prog="kommunanalys",
        description="Analys av kommunala styrningsenkäter: validera exporter, bygg rapporter, granska fritext.",
    )
    parser.add_argument("--debug", action="store_true", help="visa fullständiga tracebacks (för felsökning)")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("validate", help="läs in en export och redovisa varje rad")
    p.add_argument("path", help="enkätexporten (CSV, XLSX eller SPSS .sav)")
    p.add_argument("--instrument", help="instrumentets YAML-fil (standard: det medföljande)")
    p.add_argument("--municipality", help="för en export från en kommun utan kolumnen 'Kommun': kommunens kod eller namn")
    p.add_argument("--rejected-out", help="skriv de avvisade raderna med orsak till denna CSV-fil")
    p.add_argument("--show", type=_non_negative_int, default=20, help="hur många avvisade rader som skrivs ut (standard 20)")
    p.set_defaults(func=_cmd_validate)

    p = sub.add_parser("report", help="bygg en rapport per kommun (huvudjobbet)")
    p.add_argument("--data", help="enkätexporten (standard: det medföljande syntetiska demodatat)")
    p.add_argument("--out", help="mapp för rapporterna (standard: reports/)")
    p.add_argument("--municipality", action="append", help="bara denna kommun (kod eller namn); kan upprepas")
    p.add_argument("--jobs", type=_positive_int, help="antal parallella processer, minst 1 (standard: alla kärnor)")
    p.add_argument("--force", action="store_true", help="bygg om allt, inte bara det som misslyckades eller ändrats")
    p.add_argument("--only-failed", action="store_true", help="kör bara om de notebooks som misslyckades förra gången")
    p.add_argument("--no-progress", action="store_true", help="ingen förloppsindikator")
    p.add_argument("--format", metavar="LISTA",
                   help="vad som skrivs, kommaseparerat: html (alltid), pptx (presentation.pptx), xlsx "
                        "(bilaga.xlsx och bilaga_alla_kommuner.xlsx), pdf (rapport.pdf, utskriftsklar och "
                        "tillgänglighetsmärkt); standard html,pptx,xlsx,pdf")
    p.add_argument("--template", metavar="FIL",
                   help="egen PowerPoint-mall (.pptx) för presentationerna; dess layouter och tema används")
    p.add_argument("--anonymity-threshold", metavar="K",
                   help="minsta gruppstorlek som visas (heltal, minst 3; standard: instrumentets, 5)")
    p.set_defaults(func=_cmd_report)

    p = sub.add_parser("scrub", help="granska en fritextkolumn efter personuppgifter")
    p.add_argument("input", help="CSV-fil med en fritextkolumn")
    p.add_argument("--column", default="text", help="fritextkolumnen (standard: text)")
    p.add_argument("-o", "--output", required=True, help="den granskade CSV-filen som skrivs")
    p.add_argument("--findings", help="CSV-fil med det som maskerades (standard: OUTPUT med .findings.csv)")
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
        print(terminal_safe(f"kommunanalys: fel: {exc}"), file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("kommunanalys: avbrutet (Ctrl-C); publicerade rapporter är kvar, inget halvfärdigt", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # the reader went away (`kommunanalys validate … | head -1`): stop quietly
        import os

        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 141
    except Exception as exc:  # a bug: say so plainly
        if args.debug:
            raise
        print(terminal_safe(f"kommunanalys: oväntat fel ({exc.__class__.__name__}: {exc}). "
                            "Kör igen med --debug för detaljer och rapportera felet."), file=sys.stderr)
        return 3


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
