"""Assemble the HTML of the batch: one ``report.html`` per municipality and ``index.html``.

A report is the executed notebooks of a municipality in the seed's section order
(``instrument.report_sections``), each section under its Swedish heading, with every markdown
cell and output and no code: nbconvert's ``basic`` template renders the cells (figures stay
embedded as base64 PNG, as papermill wrote them) inside a small self-contained page — no
scripts, fonts or style sheets from the network, so it opens offline from a USB stick or a
mail attachment; a Content-Security-Policy (:data:`CONTENT_SECURITY_POLICY`) makes the browser
refuse any external load should one slip in. Cells tagged ``remove-cell``, the parameters cells and papermill's error banner
are left out, and so is what stands above the parameters cell (the notebook's own title and
instructions for interactive use: the report gives each section its heading); a notebook that failed is replaced by a note saying which notebook and cell failed.

The index lists every municipality of the data: its status, respondents in total and per role
(groups below the anonymity threshold are written as such, never with their number) and links
to the report, the executed notebooks and the tables.
"""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any, Mapping, Sequence

import nbformat

from .._lru import memoize

__all__ = ["write_report", "render_report", "render_index", "REMOVED_TAGS", "STATUS_LABELS",
           "CONTENT_SECURITY_POLICY", "report_words"]

#: Cells with one of these tags are not shown in a report.
REMOVED_TAGS = frozenset({"remove-cell", "parameters", "injected-parameters", "papermill-error-cell-tag"})
#: How a report writes the status of a municipality.
STATUS_LABELS = {
    "ok": "Klar",
    "unchanged": "Klar",
    "failed": "Fel i en del av rapporten",
    "error": "Rapporten kunde inte skapas",
    "missing": "Inte skapad",
}

_CSS = """
:root { --ink: #1d2b36; --muted: #5b6b78; --line: #d5dde3; --accent: #2a6f97; --warn: #9b2c2c; }
* { box-sizing: border-box; }
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
       color: var(--ink); margin: 0 auto; max-width: 60rem; padding: 1.5rem; line-height: 1.5; }
header { border-bottom: 3px solid var(--accent); margin-bottom: 1.5rem; }
h1 { font-size: 1.8rem; margin: 0 0 .3rem; } h2 { font-size: 1.4rem; margin-top: 2.5rem;
     border-bottom: 1px solid var(--line); padding-bottom: .2rem; }
h3 { font-size: 1.15rem; } .muted { color: var(--muted); }
nav ol { padding-left: 1.4rem; } a { color: var(--accent); }
.note { background: #fff8e1; border-left: 4px solid #e0a800; padding: .6rem .9rem; margin: 1rem 0; }
.error { background: #fdecea; border-left: 4px solid var(--warn); padding: .6rem .9rem; margin: 1rem 0; }
table { border-collapse: collapse; margin: .8rem 0; font-size: .95rem; }
th, td { border: 1px solid var(--line); padding: .3rem .6rem; text-align: left; vertical-align: top; }
thead th { background: #f1f5f8; }
table.dataframe { border: none; } .dataframe td { text-align: right; }
img { max-width: 100%; height: auto; }
.anchor-link { display: none; }
.cell { margin: .6rem 0; } .output_stderr { display: none; }
td.ok { color: #1e6b35; } td.failed, td.error { color: var(--warn); font-weight: 600; } td.missing { color: var(--muted); }
.lead { font-size: 1.05rem; color: var(--ink); border-left: 4px solid var(--accent); padding: .1rem .9rem; margin: .8rem 0 1.2rem; }
.summary { background: #f1f5f8; padding: .4rem 1.2rem 1rem; border-radius: 4px; }
.summary ul { padding-left: 1.2rem; } .summary li { margin: .35rem 0; }
.method p { margin: .6rem 0; } tbody th { font-weight: normal; }
footer { margin-top: 3rem; border-top: 1px solid var(--line); padding-top: .6rem; font-size: .85rem; color: var(--muted); }
"""


#: The Content-Security-Policy of every page the batch writes: nothing is loaded from outside the
#: file. Figures are embedded PNG (``data:`` images), the style sheet is inline; no scripts, no
#: frames, no fonts, no form targets, no ``<base>``. (``frame-ancestors`` cannot be set in a meta
#: element and is not needed for a file opened locally.)
CONTENT_SECURITY_POLICY = ("default-src 'none'; img-src data:; style-src 'unsafe-inline'; "
                           "base-uri 'none'; form-action 'none'")


def _page(title: str, body: str) -> str:
    return (
        "<!DOCTYPE html>\n<html lang=\"sv\">\n<head>\n<meta charset=\"utf-8\">\n"
        f"<meta http-equiv=\"Content-Security-Policy\" content=\"{CONTENT_SECURITY_POLICY}\">\n"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
        f"<title>{html.escape(title)}</title>\n<style>{_CSS}</style>\n</head>\n<body>\n{body}\n</body>\n</html>\n"
    )


@memoize(maxsize=1)
def _exporter():
    import logging

    from nbconvert import HTMLExporter

    quiet = logging.getLogger(f"{__name__}.nbconvert")  # not "Alternative text is missing" per figure
    quiet.setLevel(logging.ERROR)
    return HTMLExporter(template_name="basic", exclude_input=True, exclude_input_prompt=True,
                        exclude_output_prompt=True, log=quiet)


def _shown_cells(nb: nbformat.NotebookNode, key: str) -> list:
    tagged = [i for i, c in enumerate(nb.cells) if "parameters" in c.get("metadata", {}).get("tags", [])]
    first = tagged[0] if tagged else 0  # what stands above the parameters is the notebook's own intro
    cells = []
    for i, cell in enumerate(nb.cells):
        tags = set(cell.get("metadata", {}).get("tags", []))
        if i < first or tags & REMOVED_TAGS:
            continue
        if cell.cell_type == "code" and not cell.get("outputs"):
            continue
        if cell.cell_type == "raw":
            continue
        cell = nbformat.from_dict(dict(cell))
        cell["id"] = f"{key}-{i}"
        cells.append(cell)
    return cells


def _failure_note(part: Mapping[str, Any]) -> str:
    error = part.get("error") or {}
    where = ""
    if error.get("cell_index") is not None:
        where = f", cell {error['cell_index']}"
        if error.get("exec_count") is not None:
            where += f" (In [{error['exec_count']}])"
    what = f"{error.get('ename', 'Fel')}: {error.get('evalue', '')}".strip()
    return (
        "<div class=\"error\"><strong>Den här delen av rapporten kunde inte skapas.</strong> "
        f"Notebooken <code>{html.escape(str(part['key']))}</code> avbröts{html.escape(where)}: "
        f"<code>{html.escape(what[:500])}</code>. Se den körda notebooken "
        f"<a href=\"{html.escape(str(part['path']))}\">{html.escape(str(part['path']))}</a>.</div>"
    )


def _markdown(text: str) -> str:
    """Markdown of the report's own texts (lead-ins, summary, method) as HTML; any HTML in them is escaped."""
    import mistune

    return mistune.create_markdown(escape=True)(text)


def _summary_block(summary, texts, threshold: int, roles=None) -> str:
    """The "Sammanfattning" section: the intro and one bullet per statement of the summary."""
    intro = (texts.intro(threshold=threshold, municipality=summary.municipality_name, roles=roles)
             if texts is not None else "")
    title = texts.summary_title if texts is not None else "Sammanfattning"
    def item(sentence: str) -> str:  # "Starkast i X: …" with its label in bold
        label, colon, rest = sentence.partition(": ")
        text = f"**{label}:** {rest}" if colon and len(label) < 60 else sentence
        return f"<li>{_markdown(text)}</li>"

    items = "".join(item(s) for s in summary.sentences)
    return (f"<section id=\"summary\" class=\"summary\">\n<h2>{html.escape(title)}</h2>\n"
            f"{_markdown(intro) if intro else ''}<ul>{items}</ul>\n</section>")


def _method_block(texts, threshold: int, non_substantive: Sequence[str] = ("Vet ej",), roles=None) -> str:
    """The appendix "Så har vi räknat": every method term of the report explained plainly."""
    body = "".join(_markdown(p) for p in texts.method_paragraphs(threshold=threshold,
                                                                  non_substantive=non_substantive, roles=roles))
    return (f"<section id=\"method\" class=\"method\">\n<h2>{html.escape(texts.method_title)}</h2>\n"
            f"{body}\n</section>")


def report_words(*, data: str | None, municipality: str, threshold: int, texts: str | None = None,
                 instrument: str | None = None, export_municipality: str | None = None) -> dict:
    """What :func:`render_report` needs besides the notebooks: the summary and the report texts.

    The batch's hook (:func:`kommunanalys.report.tasks._assemble`): the survey at ``data`` is read once
    per process (:func:`kommunanalys.pages.notebook.survey_for`), the texts from ``texts`` (default
    ``data/report_texts.yaml``); ``instrument`` and ``export_municipality`` as for the notebooks.
    """
    from ..labels import role_names
    from ..loader import survey_for
    from ..report_texts import load_report_texts
    from ..summary import summarize

    survey = survey_for(data, instrument=instrument, municipality=export_municipality)
    labels = dict.fromkeys(label for q in survey.instrument.likert_questions
                           for label in q.scale.non_substantive_labels)
    return {"summary": summarize(survey, municipality, threshold=threshold), "texts": load_report_texts(texts),
            "threshold": threshold, "non_substantive": list(labels), "roles": role_names(survey.instrument)}


def render_report(*, parts: Sequence[Mapping[str, Any]], root: Path, sections: Sequence[Mapping[str, str]],
                  municipality: str, code: str, title: str, synthetic: bool,
                  respondents: Sequence[Mapping[str, Any]] = (), summary=None, texts=None,
                  threshold: int | None = None, non_substantive: Sequence[str] = ("Vet ej",), roles=None) -> str:
    """The HTML of one municipality's report.

    Parameters
    ----------
    parts
        One mapping per planned notebook, in plan order: ``key``, ``section``, ``status``
        (``ok``/``reused``/``failed``), ``error`` (mapping or None) and ``path`` (the executed
        notebook, relative to ``root``).
    root
        The municipality's folder.
    sections
        ``id`` and ``title`` of every report section, in report order.
    respondents
        The municipality's row of :func:`kommunanalys.respondents.respondent_counts`, as records
        (only ``label`` and ``shown`` are used: suppressed numbers are not in it).
    summary, texts, threshold
        :func:`kommunanalys.summary.summarize` of the municipality (shown first, as
        "Sammanfattning"), :class:`kommunanalys.report_texts.ReportTexts` (a lead-in under each
        section's heading, the appendix "Så har vi räknat" at the end) and the anonymity threshold
        they mention; ``non_substantive``: the scale's own "Vet ej" labels, named in the appendix;
        ``roles``: the survey's :class:`kommunanalys.labels.RoleNames` for the texts' role words; see
        :func:`report_words`.
    """
    exporter = _exporter()
    by_section: dict[str, list[Mapping[str, Any]]] = {}
    for part in parts:
        by_section.setdefault(part["section"], []).append(part)
    shown_sections = [s for s in sections if s["id"] in by_section]

    blocks = []
    for section in shown_sections:
        sid = section["id"]
        chunks = [f"<section id=\"{html.escape(sid)}\">\n<h2>{html.escape(section['title'])}</h2>"]
        if texts is not None:
            lead = texts.lead_in(sid, threshold=threshold or 0, municipality=municipality, roles=roles)
            if lead:
                chunks.append("<div class=\"lead\">" + "".join(_markdown(p) for p in lead) + "</div>")
        for part in by_section[sid]:
            if part["status"] == "failed":
                chunks.append(_failure_note(part))
                continue
            nb = nbformat.read(root / part["path"], as_version=4)
            cells = _shown_cells(nb, str(part["key"]))
            if not cells:
                continue
            combined = nbformat.v4.new_notebook(cells=cells, metadata={
                "language_info": nb.metadata.get("language_info", {"name": "python"})})
            body, _ = exporter.from_notebook_node(combined)
            chunks.append(f"<div class=\"part\" data-notebook=\"{html.escape(str(part['key']))}\">\n{body}\n</div>")
        chunks.append("</section>")
        blocks.append("\n".join(chunks))

    total = next((r["shown"] for r in respondents if r.get("group") == "alla"), None)
    intro = f"<p class=\"muted\">Kommunkod {html.escape(code)}"
    if total is not None:
        intro += f" · svarande: {html.escape(str(total))}"
    intro += "</p>"
    note = ("<p class=\"note\"><strong>Syntetiska demodata – inga verkliga svar.</strong> Rapporten visar hur "
            "analysen fungerar; siffrorna beskriver inte kommunen.</p>") if synthetic else ""
    failed = [p for p in parts if p["status"] == "failed"]
    failed_note = ("<p class=\"error\">Delar av rapporten saknas eftersom en analys avbröts; se respektive avsnitt.</p>"
                   if failed else "")
    toc_entries = [(s["id"], s["title"]) for s in shown_sections]
    first = last = ""
    if summary is not None:
        first = _summary_block(summary, texts, threshold or 0, roles)
        toc_entries.insert(0, ("summary", texts.summary_title if texts is not None else "Sammanfattning"))
    if texts is not None and texts.method:
        last = _method_block(texts, threshold or 0, non_substantive, roles)
        toc_entries.append(("method", texts.method_title))
    toc = "".join(f"<li><a href=\"#{html.escape(i)}\">{html.escape(t)}</a></li>" for i, t in toc_entries)
    body = (
        f"<header>\n<h1>{html.escape(municipality)}</h1>\n<p>{html.escape(title)} – resultat av enkäten</p>\n"
        f"{intro}\n</header>\n{note}{failed_note}\n{first}\n<nav><h2>Innehåll</h2><ol>{toc}</ol></nav>\n<main>\n"
        + "\n".join(blocks) + last
        + "\n</main>\n<footer>Skapad med kommunanalys. Underlaget till varje diagram och tabell finns som CSV i "
          "mappen <a href=\"tables/\">tables/</a>; de körda notebookarna i <a href=\"notebooks/\">notebooks/</a>."
          "</footer>"
    )
    return _page(f"{municipality} – {title}", body)


def write_report(path: str | Path, **kwargs: Any) -> Path:
    """Render :func:`render_report` and write it to ``path`` (UTF-8)."""
    path = Path(path)
    path.write_text(render_report(**kwargs), encoding="utf-8")
    return path


def _group(respondents: Sequence[Mapping[str, Any]], group: str) -> str:
    for row in respondents:
        if row.get("group") == group:
            rate = row.get("rate_shown")  # with a population (kommunanalys.population): the response rate
            if rate and rate not in ("dold", "saknas"):
                return f"{row.get('shown', '')} ({rate}{', låg' if row.get('low') else ''})"
            return str(row.get("shown", ""))
    return "–"


def render_index(rows: Sequence[Mapping[str, Any]], *, title: str, synthetic: bool, threshold: int,
                 skipped: Sequence[str] = (), roles=None) -> str:
    """The HTML of ``index.html``: every municipality with status, respondents per role and links.

    ``rows`` (one per municipality, in code order) carry ``code``, ``name``, ``slug``, ``status``
    (``ok``/``failed``/``error``/``missing``), ``has_report``, ``failures`` (``key``, ``error``,
    ``path``), ``error`` and ``respondents`` (records of ``respondent_counts``: only the shown
    texts are used, so suppressed groups read "färre än 5 svar"); ``roles``: the survey's
    :class:`kommunanalys.labels.RoleNames` for the column headings (default: the bundled names).
    """
    from ..labels import role_names

    roles = roles or role_names()
    n_ok = sum(r["status"] in ("ok", "unchanged") for r in rows)
    n_failed = sum(r["status"] in ("failed", "error") for r in rows)
    n_missing = sum(r["status"] == "missing" for r in rows)
    lines = []
    for r in rows:
        slug = html.escape(r["slug"])
        name = f"{html.escape(r['code'])} {html.escape(r['name'])}"
        link = f"<a href=\"{slug}/report.html\">{name}</a>" if r.get("has_report") else name
        status = STATUS_LABELS.get(r["status"], r["status"])
        detail = ""
        if r.get("failures"):
            detail = "<br>" + "<br>".join(
                f"<a href=\"{html.escape(f['path'])}\">{html.escape(f['key'])}</a>: {html.escape(f['error'][:300])}"
                for f in r["failures"])
        if r.get("error"):
            detail += f"<br>{html.escape(r['error'][:300])}"
        links = (f"<a href=\"{slug}/report.html\">rapport</a> · <a href=\"{slug}/notebooks/\">notebooks</a> · "
                 f"<a href=\"{slug}/tables/\">tabeller</a>") if r.get("has_report") else ""
        if r.get("has_report"):
            links += "".join(f" · <a href=\"{slug}/{html.escape(f)}\">{html.escape(label)}</a>"
                             for f, label in r.get("deliverables") or [])
        resp = r.get("respondents") or []
        lines.append(
            f"<tr id=\"k{html.escape(r['code'])}\" data-status=\"{html.escape(r['status'])}\"><td>{link}</td>"
            f"<td class=\"{html.escape(r['status'])}\">{html.escape(status)}{detail}</td>"
            f"<td>{html.escape(_group(resp, 'alla'))}</td><td>{html.escape(_group(resp, 'förtroendevald'))}</td>"
            f"<td>{html.escape(_group(resp, 'tjänsteperson'))}</td><td>{links}</td></tr>"
        )
    note = ("<p class=\"note\"><strong>Syntetiska demodata – inga verkliga svar.</strong></p>" if synthetic else "")
    summary = f"{len(rows)} kommuner: {n_ok} klara"
    if n_failed:
        summary += f", {n_failed} med fel"
    if n_missing:
        summary += f", {n_missing} inte skapade"
    skipped_note = (f"<p class=\"muted\">Analyser som ännu inte finns och hoppades över: "
                    f"{html.escape(', '.join(skipped))}.</p>" if skipped else "")
    body = (
        f"<header>\n<h1>{html.escape(title)}</h1>\n<p>Rapporter per kommun</p>\n</header>\n{note}"
        f"<p><strong>{html.escape(summary)}.</strong></p>{skipped_note}\n"
        "<table class=\"index\">\n<thead><tr><th>Kommun</th><th>Status</th><th>Svarande</th>"
        f"<th>{html.escape(roles.label('förtroendevald'))}</th><th>{html.escape(roles.label('tjänsteperson'))}</th>"
        "<th>Länkar</th></tr></thead>\n<tbody>\n"
        + "\n".join(lines)
        + "\n</tbody>\n</table>\n"
        f"<p class=\"muted\">Grupper med färre än {threshold} svarande redovisas utan antal; en grupp vars antal "
        "annars kunde räknas fram ur summan döljs också.</p>\n"
        + ("<p class=\"muted\">Inom parentes: svarsfrekvens (antal svar / antal inbjudna).</p>\n"
           if any(row.get("rate_shown") for r in rows for row in r.get("respondents") or []) else "")
        + "<footer>Skapad med kommunanalys.</footer>"
    )
    return _page(f"{title} – rapporter per kommun", body)
