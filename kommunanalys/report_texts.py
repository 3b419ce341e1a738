"""The report's editable words: lead-ins per section and the method appendix (``data/report_texts.yaml``).

A consultant replaces the file (``kommunanalys report --texts FILE``) to write the report in
their own voice; :func:`load_report_texts` reads and checks it, :func:`lead_in` and
:func:`method_markdown` fill in the municipality and the anonymity threshold.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

import yaml

from .errors import InputError
from .labels import RoleNames, role_names
from .paths import DATA_DIR

__all__ = ["ReportTexts", "load_report_texts", "DEFAULT_TEXTS"]

DEFAULT_TEXTS = DATA_DIR / "report_texts.yaml"
_KEYS = {"summary_title", "summary_intro", "lead_ins", "method_title", "method"}


class _Blank(dict):
    def __missing__(self, key: str) -> str:  # an unknown {placeholder} stays as written
        return "{" + key + "}"


def _fill(text: str, **values: object) -> str:
    return text.format_map(_Blank({k: str(v) for k, v in values.items()}))


def _paragraphs(value: object, *, file: Path, column: str) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [p.strip() for p in value.split("\n\n") if p.strip()]
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return [v.strip() for v in value if v.strip()]
    raise InputError("en text ska vara en sträng eller en lista av stycken", file=file, column=column,
                     value=value, hint="skriv texten efter kolon, eller som en lista med '- ' före varje stycke")


@dataclass(frozen=True)
class ReportTexts:
    """The texts of :data:`DEFAULT_TEXTS` or a consultant's replacement.

    ``lead_ins`` maps a section id to its paragraphs (Markdown); ``method`` is the appendix's
    paragraphs. ``{k}`` and ``{kommun}`` are filled in by :meth:`lead_in` and :meth:`method_paragraphs`,
    and so are the roles as the survey's instrument names them (``roles``, default the bundled names):
    ``{fortroendevalda}``, ``{tjanstepersoner}``, ``{Fortroendevalda}``, ``{de_fortroendevalda}``,
    ``{tjanstepersonerna}``, ``{fortroendevald}``, ``{tjansteperson}`` (:meth:`RoleNames.placeholders`).
    """

    summary_title: str = "Sammanfattning"
    summary_intro: str = ""
    lead_ins: dict[str, list[str]] = field(default_factory=dict)
    method_title: str = "Så har vi räknat"
    method: list[str] = field(default_factory=list)
    source: str = ""

    def lead_in(self, section: str, *, threshold: int, municipality: str = "",
                roles: RoleNames | None = None) -> list[str]:
        """The lead-in paragraphs of ``section`` (empty when it has none)."""
        words = (roles or role_names()).placeholders()
        return [_fill(p, k=threshold, kommun=municipality, **words) for p in self.lead_ins.get(section, [])]

    def intro(self, *, threshold: int, municipality: str = "", roles: RoleNames | None = None) -> str:
        return _fill(self.summary_intro, k=threshold, kommun=municipality, **(roles or role_names()).placeholders())

    def method_paragraphs(self, *, threshold: int, non_substantive: Sequence[str] = ("Vet ej",),
                          roles: RoleNames | None = None) -> list[str]:
        """The method appendix "Så har vi räknat", paragraph by paragraph (Markdown).

        ``{vet_ej}`` is filled with the scale's own non-substantive answers ('svaret "Vet ej" och ',
        'svaren "Vet ej" och "Ingen uppfattning" och ', or nothing for a scale without any).
        """
        labels = [f'"{label}"' for label in non_substantive]
        vet_ej = (f"{'svaret' if len(labels) == 1 else 'svaren'} {' och '.join(labels)} och " if labels else "")
        words = (roles or role_names()).placeholders()
        return [_fill(p, k=threshold, vet_ej=vet_ej, **words) for p in self.method]


def load_report_texts(path: str | Path | None = None) -> ReportTexts:
    """Read the report texts (default ``data/report_texts.yaml``).

    Raises
    ------
    kommunanalys.errors.InputError
        When the file is missing, is not YAML, or holds an unknown key or a text of the wrong kind.
    """
    file = Path(path) if path is not None else DEFAULT_TEXTS
    if not file.is_file():
        raise InputError("filen med rapporttexter finns inte", file=file,
                         hint=f"ange sökvägen till en YAML-fil; utgå från en kopia av {DEFAULT_TEXTS}")
    try:
        spec = yaml.safe_load(file.read_text(encoding="utf-8")) or {}
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise InputError(f"filen med rapporttexter går inte att läsa: {exc}", file=file,
                         hint="spara filen som UTF-8 och kontrollera indraget (YAML)") from exc
    if not isinstance(spec, dict):
        raise InputError("filen med rapporttexter ska bestå av nycklar med texter", file=file, value=type(spec).__name__,
                         hint=f"utgå från en kopia av {DEFAULT_TEXTS}")
    unknown = sorted(set(spec) - _KEYS)
    if unknown:
        raise InputError("okänd nyckel i filen med rapporttexter", file=file, column=unknown[0], value=unknown[0],
                         hint=f"använd {', '.join(sorted(_KEYS))}")
    lead = spec.get("lead_ins") or {}
    if not isinstance(lead, dict):
        raise InputError("lead_ins ska vara en avsnittsid med text per rad", file=file, column="lead_ins",
                         value=lead, hint="skriv t.ex. 'culture: Varför prata kultur …' under lead_ins:")
    for key in ("summary_title", "summary_intro", "method_title"):
        if key in spec and not isinstance(spec[key], str):
            raise InputError("texten ska vara en sträng", file=file, column=key, value=spec[key],
                             hint="skriv texten direkt efter kolon")
    return ReportTexts(
        summary_title=spec.get("summary_title") or "Sammanfattning",
        summary_intro=spec.get("summary_intro") or "",
        lead_ins={str(k): _paragraphs(v, file=file, column=f"lead_ins.{k}") for k, v in lead.items()},
        method_title=spec.get("method_title") or "Så har vi räknat",
        method=_paragraphs(spec.get("method"), file=file, column="method"),
        source=str(file),
    )
