"""The ``kommunanalys`` command line: ``validate``, ``report``, ``scrub`` and ``instrument draft``.

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
    from .instrument import normalize_text
    from .loader import load_survey

    survey = load_survey(args.path, args.instrument, municipality=args.municipality)
    report = survey.report
    assert report is not None
    print(terminal_safe(report.summary()))  # headers and values from the file: no escape sequences
    counts = survey.respondents["role"].value_counts()
    subgroups = survey.respondents["subgroup"].value_counts()
    print()
    print(f"Svarande: {len(survey.respondents)}")
    labels = survey.instrument.role_labels  # the instrument's own wording ("Politiker")
    for role in ("förtroendevald", "tjänsteperson"):
        shown = role if normalize_text(labels.get(role, role)) == role else f"{labels[role]} ({role})"
        print(terminal_safe(f"  {shown}: {int(counts.get(role, 0))}"))
    print(f"    varav chef i central förvaltning: {int(subgroups.get('chef i central förvaltning', 0))}")
    print()
    print("Svarande per kommun, roll och undergrupp:")
    from .labels import role_names

    names = role_names(survey.instrument)  # the roles as the reports will name them
    table = survey.municipalities().rename(columns={**_VALIDATE_COLUMNS, **{
        f"{role}_n": names.lower(role) for role in ("förtroendevald", "tjänsteperson")}})
    print(terminal_safe(table.to_string(index=False)))
    if args.population:  # invited per municipality and role (kommunanalys.population)
        from .population import check_population, population_summary, read_population

        population = read_population(args.population)
        print()
        print(terminal_safe(population_summary(population)))
        for note in check_population(population, survey):
            print(terminal_safe(f"  Obs: {note}"))
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


#: The columns of ``Survey.municipalities()`` as ``validate`` prints them.
_VALIDATE_COLUMNS = {"code": "kod", "name": "kommun", "n": "svarande", "förtroendevald_n": "förtroendevalda",
                     "tjänsteperson_n": "tjänstepersoner"}


def _cmd_report(args: argparse.Namespace) -> int:
    from .anonymity import parse_threshold
    from .report.batch import run_reports
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
        formats=formats, template=args.template, texts=args.texts,
        anonymity_threshold=threshold,
        instrument=args.instrument, review=args.review, key_figures=args.key_figures,
        previous=args.previous, current_round=args.current_round, comparison_groups=args.comparison_groups,
        population=args.population, low_rate=_low_rate(args.low_rate), round_column=args.round_column,
    )
    print(terminal_safe(result.summary()))
    return result.exit_code


def _cmd_scrub(args: argparse.Namespace) -> int:
    from .screening import scrub_csv

    outcome = scrub_csv(args.input, column=args.column, out_path=args.output, findings_path=args.findings)
    for key, value in outcome.items():
        print(terminal_safe(f"{key}: {value}"))
    return 0


def _cmd_instrument_draft(args: argparse.Namespace) -> int:
    from .instrument_draft import draft_instrument, write_draft

    draft = draft_instrument(args.export)
    target = write_draft(draft, args.output)
    print(terminal_safe(f"Utkast till instrument skrivet till {target}. Kontrollera gissningarna "
                        "(märkta `assumed: true` i filen):"))
    for line in draft.guesses:
        print(terminal_safe(f"  - {line}"))
    print(terminal_safe(f"Läs sedan in exporten med: kommunanalys validate {args.export} --instrument {target}"))
    return 0
def _low_rate(text: str | None) -> float | None:
    """``--low-rate 30`` (percent) as a share, 0.30."""
    if text is None:
        return None
    try:
        value = float(str(text).replace(",", ".").rstrip("% "))
    except ValueError:
        value = -1.0
    if not 0 <= value <= 100:
        from .errors import InputError

        raise InputError("gränsen för låg svarsfrekvens ska vara en procentsats mellan 0 och 100",
                         column="--low-rate", value=text, hint="ange t.ex. --low-rate 30")
    return value / 100


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


#: argparse's own messages, in Swedish (the pattern of each, and its translation).
_ARGPARSE_SWEDISH = [
    (r"argument command: invalid choice: (.*) \(choose from (.*)\)", r"okänt kommando: \1 (välj bland \2)"),
    (r"the following arguments are required: (.*)", r"dessa argument saknas: \1"),
    (r"unrecognized arguments: (.*)", r"okända argument: \1"),
    (r"argument (\S+): invalid choice: (.*) \(choose from (.*)\)", r"argument \1: ogiltigt val: \2 (välj bland \3)"),
    (r"argument (\S+): expected one argument", r"argument \1: ett värde behövs"),
    (r"argument (\S+): ignored explicit argument (.*)", r"argument \1: tar inget värde (fick \2)"),
    (r"argument (\S+): not allowed with argument (.*)", r"argument \1: går inte ihop med \2"),
    (r"ambiguous option: (\S+) could match (.*)", r"tvetydig flagga: \1 kan betyda \2"),
]
#: Placeholders in the help (``--data FIL``), by argument name.
_METAVARS = {"path": "FIL", "data": "FIL", "out": "MAPP", "municipality": "KOMMUN", "jobs": "N", "show": "N",
             "instrument": "FIL", "rejected_out": "FIL", "input": "FIL", "output": "FIL", "findings": "FIL",
             "column": "KOLUMN", "review": "FIL", "key_figures": "FIL", "population": "FIL"}


class _Formatter(argparse.HelpFormatter):
    """Help with a Swedish usage line."""

    def add_usage(self, usage, actions, groups, prefix=None):  # type: ignore[override]
        super().add_usage(usage, actions, groups, "användning: " if prefix is None else prefix)


class _Parser(argparse.ArgumentParser):
    """argparse in Swedish: usage, section titles, -h and the error line ("kommunanalys report: fel: …")."""

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("formatter_class", _Formatter)
        kwargs["add_help"] = False
        super().__init__(*args, **kwargs)
        self._positionals.title = "argument"
        self._optionals.title = "flaggor"
        self.add_argument("-h", "--help", action="help", default=argparse.SUPPRESS, help="visa denna hjälp och avsluta")

    def error(self, message: str):  # type: ignore[override]
        import re

        for pattern, swedish in _ARGPARSE_SWEDISH:
            if re.fullmatch(pattern, message):
                message = re.sub(pattern, swedish, message)
                break
        self.print_usage(sys.stderr)
        self.exit(2, f"{self.prog}: fel: {message}\n")


def _swedish_metavars(parser: argparse.ArgumentParser) -> None:
    """Swedish placeholders (``--out MAPP``) for every argument without its own, subcommands included."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for sub in action.choices.values():
                _swedish_metavars(sub)
        elif action.metavar is None and action.dest in _METAVARS and action.nargs != 0:
            action.metavar = _METAVARS[action.dest]


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
    p.add_argument("--population", metavar="FIL",
                   help="CSV med antal inbjudna per kommun och roll (kommun;roll;delgrupp;inbjudna): "
                        "kontrolleras mot svaren")
    p.set_defaults(func=_cmd_validate)

    p = sub.add_parser("report", help="bygg en rapport per kommun (huvudjobbet)")
    p.add_argument("--data", help="enkätexporten (standard: det medföljande syntetiska demodatat)")
    p.add_argument("--out", help="mapp för rapporterna (standard: reports/)")
    p.add_argument("--municipality", action="append",
                   help="bara denna kommun (kod eller namn); kan upprepas. För en export från en kommun utan "
                        "kolumnen 'Kommun': exportens kommun")
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
    p.add_argument("--texts", metavar="FIL",
                   help="egna rapporttexter: ingresser per avsnitt och metodbilagan (YAML; utgå från en kopia "
                        "av data/report_texts.yaml)")
    p.add_argument("--anonymity-threshold", metavar="K",
                   help="minsta gruppstorlek som visas (heltal, minst 3; standard: instrumentets, 5)")
    p.add_argument("--instrument", metavar="FIL", help="instrumentets YAML-fil (standard: det medföljande)")
    p.add_argument("--review", metavar="FIL|MAPP",
                   help="granskningsfil med beslut om citat (kan gälla flera kommuner), eller en mapp med en fil "
                        "per kommun med kommunkoden i filnamnet")
    p.add_argument("--key-figures", metavar="FIL",
                   help="nyckeltal för effektivitetsavsnittet: Kolada-export, mapp med sparade svar eller CSV")
    p.add_argument("--previous", action="append", metavar="ETIKETT=FIL",
                   help="en tidigare omgång av enkäten, t.ex. 2024=export_2024.csv; rapporterna visar förändringen "
                        "sedan dess; kan upprepas (demodata utan --data: omgång 2024 ingår)")
    p.add_argument("--round-column", metavar="KOLUMN",
                   help="kolumnen i --data som anger omgång (t.ex. Omgång med året); den senaste omgången (eller "
                        "--current-round) är denna omgång, de övriga tidigare omgångar. En kolumn som heter "
                        "Omgång hittas utan flaggan")
    p.add_argument("--current-round", metavar="ETIKETT",
                   help="den här omgångens etikett i jämförelsen, t.ex. 2026 (standard: 'denna omgång')")
    p.add_argument("--comparison-groups", metavar="FIL",
                   help="fil med kommun och kommungrupp per rad (t.ex. din kopia av SKR:s kommungruppsindelning); "
                        "varje kommun jämförs med de andra kommunerna i sin grupp")
    p.add_argument("--population", metavar="FIL",
                   help="CSV med antal inbjudna per kommun och roll (kommun;roll;delgrupp;inbjudna): ger "
                        "svarsfrekvens och viktade värden (standard för demodata: dess syntetiska population)")
    p.add_argument("--low-rate", metavar="PROCENT",
                   help="en roll med lägre svarsfrekvens än så får en anmärkning (standard 30)")
    p.set_defaults(func=_cmd_report)

    p = sub.add_parser("instrument", help="arbeta med instrumentet (frågekatalogen)")
    isub = p.add_subparsers(dest="instrument_command", required=True)
    d = isub.add_parser("draft", help="skriv ett utkast till instrument ur en exports rubriker och svar")
    d.add_argument("export", help="enkätexporten (CSV, XLSX eller SPSS .sav)")
    d.add_argument("-o", "--output", required=True, help="instrumentets YAML-fil som skrivs")
    d.set_defaults(func=_cmd_instrument_draft)

    p = sub.add_parser("scrub", help="granska en fritextkolumn efter personuppgifter")
    p.add_argument("input", help="CSV-fil med en fritextkolumn")
    p.add_argument("--column", default="text", help="fritextkolumnen (standard: text)")
    p.add_argument("-o", "--output", required=True, help="den granskade CSV-filen som skrivs")
    p.add_argument("--findings", help="CSV-fil med det som maskerades (standard: OUTPUT med .findings.csv)")
    p.set_defaults(func=_cmd_scrub)
    _swedish_metavars(parser)
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
