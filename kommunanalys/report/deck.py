"""The slide deck of one municipality (python-pptx), in the seed presentation's structure.

Slides: title; the role question ("Vilken roll har du i kommunen?"); per Likert question the question text with
FÖRTROENDEVALD | TJÄNSTEPERSON side by side as native, editable stacked 100 % bar charts (data
embedded; a hidden group has no chart and no data, the slide says "färre än k svar");
"Citat ur enkäten"; where the roles differ most ("skav"); "Hur går vi vidare med resultatet?".
With earlier survey rounds (``content.changes``), "Förändring sedan 2024" follows the respondents.
Speaker notes give n, intervals and the method in plain Swedish (never for a hidden group).

python-pptx cannot duplicate slides nor put charts into content placeholders: each slide is
built from a layout of the template and charts are added as shapes.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from pptx import Presentation
from pptx.chart.data import CategoryChartData
from pptx.dml.color import RGBColor
from pptx.enum.chart import XL_CHART_TYPE, XL_LEGEND_POSITION, XL_TICK_LABEL_POSITION
from pptx.util import Emu, Pt

from ..errors import ReportError
from ..paths import DATA_DIR
from ..labels import format_interval, format_number, format_pp, role_names
from ..plots.charts import level_colours, respondent_colours
from ..plots.efficiency import MUNICIPALITY_COLOUR
from ..rootcause import MIN_DIFFERENCE
from ..survey import ROLES
from ..textsafety import display_text
from .content import METHOD_NOTE, MunicipalityContent, hidden_text

__all__ = ["build_deck", "chain_steps", "DEFAULT_TEMPLATE", "BODY_PT", "CHART_PT", "QUOTE_PT"]

DEFAULT_TEMPLATE = DATA_DIR / "deck_template.pptx"
BODY_PT = 20   # body text, readable when projected (>= 18 pt)
CHART_PT = 14  # chart labels (>= 12 pt)
TITLE_PT = 30
_QUOTES_PER_SLIDE = 6  # two columns of three
QUOTE_PT = 22  # quotes: larger than the body text, read from the back of the room
#: Data labels: whole percent, none below 6 % (Excel and LibreOffice conditional number format).
_LABEL_FORMAT = '[<6]"";0" %"'


def _pct(value: float) -> str:
    return format_number(value, 0)


def _layouts(prs) -> tuple:
    """(title layout, title-only layout) of a template: by placeholders, not by names."""
    from pptx.enum.shapes import PP_PLACEHOLDER

    layouts = list(prs.slide_layouts)
    if not layouts:
        raise ReportError("the deck template has no slide layouts; use a .pptx with at least one layout")

    def kinds(layout):
        return [ph.placeholder_format.type for ph in layout.placeholders]

    title = next((lo for lo in layouts if PP_PLACEHOLDER.CENTER_TITLE in kinds(lo)), layouts[0])
    with_title = [lo for lo in layouts if PP_PLACEHOLDER.TITLE in kinds(lo)]
    title_only = min(with_title, key=lambda lo: len(kinds(lo))) if with_title else layouts[-1]
    return title, title_only


class _Deck:
    def __init__(self, template: Path | None) -> None:
        path = Path(template) if template is not None else DEFAULT_TEMPLATE
        try:
            self.prs = Presentation(str(path)) if path.exists() else Presentation()
        except Exception as exc:
            raise ReportError(f"kunde inte öppna presentationsmallen {path}: {exc}; ange en PowerPoint-fil (.pptx)") from exc
        if template is not None and not path.exists():
            raise ReportError(f"presentationsmallen {path} finns inte; ange sökvägen till en .pptx-fil (--template)")
        if not path.exists():  # no template shipped: python-pptx's default, made 16:9
            self.prs.slide_width, self.prs.slide_height = Emu(12192000), Emu(6858000)
        # a consultant's template may hold example slides: keep only its masters and layouts
        ids = self.prs.slides._sldIdLst
        for sld in list(ids):
            self.prs.part.drop_rel(sld.rId)
            ids.remove(sld)
        self.title_layout, self.title_only = _layouts(self.prs)
        self.w, self.h = self.prs.slide_width, self.prs.slide_height
        self.margin = int(self.w * 0.05)

    def slide(self, title: str, *, notes: str = ""):
        slide = self.prs.slides.add_slide(self.title_only)
        # placeholders other than the title stay empty in a title-only layout; remove any others
        for ph in list(slide.placeholders):
            if ph.placeholder_format.idx != 0:
                ph._element.getparent().remove(ph._element)
        if slide.shapes.title is not None:
            slide.shapes.title.text = title
            for p in slide.shapes.title.text_frame.paragraphs:
                for r in p.runs:
                    r.font.size = Pt(TITLE_PT)
        else:
            self.text(slide, [title], top=self.margin // 2, height=int(self.h * 0.15), size=TITLE_PT, bold=True)
        if notes:
            slide.notes_slide.notes_text_frame.text = notes
        return slide

    def body_top(self) -> int:
        return int(self.h * 0.22)

    def text(self, slide, lines, *, left=None, top=None, width=None, height=None, size=BODY_PT,
             bold=False, italic=False):
        left = self.margin if left is None else left
        top = self.body_top() if top is None else top
        width = self.w - 2 * self.margin if width is None else width
        height = self.h - top - self.margin if height is None else height
        box = slide.shapes.add_textbox(left, top, width, height)
        frame = box.text_frame
        frame.word_wrap = True
        for i, line in enumerate(lines):
            p = frame.paragraphs[0] if i == 0 else frame.add_paragraph()
            p.text = line
            p.space_after = Pt(6)
            for r in p.runs:
                r.font.size = Pt(size)
                r.font.bold = bold
                r.font.italic = italic
        return box


def _role_chart(deck: _Deck, slide, rows: pd.DataFrame, *, left: int, top: int, width: int, height: int) -> None:
    """A stacked 100 % bar of one role's answer levels (substantive answers only)."""
    subst = rows[rows["answer_type"] == "substantive"].sort_values("level")
    data = CategoryChartData(number_format='0" %"')
    data.categories = ["Andel av svaren"]
    for answer, pct in zip(subst["answer"], subst["percent"]):
        data.add_series(str(answer), [round(float(pct), 1)])
    frame = slide.shapes.add_chart(XL_CHART_TYPE.BAR_STACKED_100, left, top, width, height, data)
    chart = frame.chart
    chart.has_legend = True
    chart.legend.position = XL_LEGEND_POSITION.BOTTOM
    chart.legend.include_in_layout = False
    chart.legend.font.size = Pt(CHART_PT)
    chart.font.size = Pt(CHART_PT)
    plot = chart.plots[0]
    plot.gap_width = 40
    plot.overlap = 100
    plot.has_data_labels = True
    labels = plot.data_labels
    labels.number_format = _LABEL_FORMAT  # no label on a sliver (it would overlap its neighbours)
    labels.number_format_is_linked = False
    labels.font.size = Pt(CHART_PT)
    palette = level_colours(len(subst))  # the answer levels' colours of the report's charts
    for i, series in enumerate(plot.series):
        series.format.fill.solid()
        series.format.fill.fore_color.rgb = RGBColor.from_string(palette[i])
        series.format.line.color.rgb = RGBColor(0x40, 0x40, 0x40)  # the pale middle level stays visible
        series.format.line.width = Pt(0.75)
    chart.category_axis.visible = False
    chart.value_axis.visible = False
    chart.value_axis.has_major_gridlines = False


def _question_slide(deck: _Deck, content: MunicipalityContent, qid: str) -> None:
    q = content.survey.instrument[qid]
    dist = content.distribution[content.distribution["question"] == qid]
    summ = content.summary[content.summary["question"] == qid].set_index("group")
    notes = [f"Fråga {q.number}: {q.text}"]
    roles = role_names(content.survey.instrument)  # the slides' FÖRTROENDEVALD | TJÄNSTEPERSON
    for role in ROLES:
        row = summ.loc[role]
        one = roles.singular.get(role, role)
        if bool(row["suppressed"]):
            notes.append(f"{one}: {hidden_text(row['note'], content.threshold)}.")
        elif int(row["n"]) == 0:
            notes.append(f"{one}: inga svar.")
        else:
            notes.append(f"{one}: {int(row['n'])} svar; "
                         f"{_pct(row['positive'])} % instämmer (95 % konfidensintervall "
                         f"{_pct(row['positive_ci_low'])}–{_pct(row['positive_ci_high'])} %).")
    notes.append(METHOD_NOTE.format(k=content.threshold))
    slide = deck.slide(f"{q.number}. {q.text}", notes="\n".join(notes))
    _fit_title(slide)
    gap = int(deck.w * 0.03)
    col_w = (deck.w - 2 * deck.margin - gap) // 2
    top = deck.body_top() + int(deck.h * 0.08)
    height = deck.h - top - deck.margin
    for i, role in enumerate(ROLES):
        left = deck.margin + i * (col_w + gap)
        deck.text(slide, [roles.heading(role)], left=left, top=deck.body_top(), width=col_w,
                  height=int(deck.h * 0.08), bold=True)
        rows = dist[dist["group"] == role]
        hidden = bool(rows["suppressed"].any())
        if hidden or int(summ.loc[role, "n"] if not hidden else 0) == 0:
            shown = hidden_text(rows["note"].iloc[0], content.threshold) if hidden else "inga svar"
            deck.text(slide, [shown.capitalize()], left=left, top=top, width=col_w, height=height // 2, italic=True)
            continue
        _role_chart(deck, slide, rows, left=left, top=top, width=col_w, height=height)


def _fit_title(slide) -> None:
    """Long question texts: a smaller title font (never below the body size)."""
    title = slide.shapes.title
    if title is None:
        return
    n = len(title.text)
    size = TITLE_PT if n <= 70 else 26 if n <= 110 else 22 if n <= 160 else 20
    for p in title.text_frame.paragraphs:
        for r in p.runs:
            r.font.size = Pt(size)


def _summary_slide(deck: _Deck, content: MunicipalityContent) -> None:
    """"Sammanfattning": the same summary as report.html (:func:`kommunanalys.summary.summarize`)."""
    from ..rootcause import gap_words
    from ..summary import KIND_TITLES, summarize

    summary = summarize(content.survey, content.code, threshold=content.threshold)
    frame = summary.frame
    lines = []
    for kind in ("strongest", "weakest"):
        part = frame[frame["kind"] == kind]
        if len(part):
            lines.append(f"{KIND_TITLES[kind]}: " + "; ".join(f"{r.short.lower()} ({_pct(r.value)} %)"
                                                              for r in part.itertuples()))
    gaps = frame[frame["kind"] == "role_gap"]
    if len(gaps):  # in the report's words ("en tydlig skillnad", "stor men osäker" …), without the why
        lines.append(f"{KIND_TITLES['role_gap']}: " + "; ".join(
            f"{r.short.lower()} ({_pct(abs(r.value))} procentenheter, "
            f"{gap_words(r.value, r.ci_low, r.ci_high, clear=bool(r.clear), short=True)})"
            for r in gaps.itertuples()))
    look = frame[frame["kind"] == "look_into"]
    lines.append(f"{KIND_TITLES['look_into']}: " + "; ".join(r.short.lower() for r in look.itertuples()) if len(look)
                 else "Inga tydliga skillnader: pröva i intervjuer och dialog vad enkäten inte mäter.")
    slide = deck.slide("Sammanfattning", notes="\n\n".join(summary.sentences))
    deck.text(slide, lines, size=BODY_PT)


def _respondents_slide(deck: _Deck, content: MunicipalityContent) -> None:
    lines = [f"{r.label}: {r.shown}" for r in content.respondents.itertuples()]
    rate_note = ""
    if content.rates is not None:  # response rates (kommunanalys.population): already suppressed
        from ..population import low_rate_notes, rate_line

        lines = [rate_line(r) for r in content.rates.itertuples()] + low_rate_notes(content.rates,
                                                                                      low_rate=content.low_rate)
        rate_note = (" Svarsfrekvens = antal svar / antal inbjudna; för en grupp utan antal visas varken "
                     "inbjudna eller svarsfrekvens.")
    deck.slide(content.survey.instrument.role_question.text, notes=(
        f"Antal svarande i {content.name}. Grupper med färre än {content.threshold} svar redovisas utan antal, "
        "liksom grupper vars antal annars skulle kunna räknas fram ur summan." + rate_note))
    slide = deck.prs.slides[-1]
    shown = content.respondents[(content.respondents["suppressed"] == "") & content.respondents["n"].notna()]
    width = (deck.w - 2 * deck.margin) // 2 if len(shown) else None
    deck.text(slide, lines, width=width, size=24 if content.rates is None else 20)
    if len(shown):
        _respondents_chart(deck, slide, shown, left=deck.margin + width, width=deck.w - 2 * deck.margin - width)


def _respondents_chart(deck: _Deck, slide, shown: pd.DataFrame, *, left: int, width: int) -> None:
    """Answers per group as a native bar chart in the roles' colours (:func:`respondent_colours`);
    ``shown`` holds only the groups shown with their number (a hidden group is not in the data)."""
    data = CategoryChartData(number_format="0")
    data.categories = list(shown["label"])
    data.add_series("Antal svar", [int(n) for n in shown["n"]])
    top = deck.body_top()
    chart = slide.shapes.add_chart(XL_CHART_TYPE.BAR_CLUSTERED, left, top, width, deck.h - top - deck.margin,
                                   data).chart
    chart.has_legend = False
    chart.font.size = Pt(CHART_PT)
    plot = chart.plots[0]
    plot.gap_width = 50
    plot.vary_by_categories = False
    plot.has_data_labels = True
    plot.data_labels.number_format = "0"
    plot.data_labels.number_format_is_linked = False
    plot.data_labels.font.size = Pt(CHART_PT)
    for point, colour in zip(plot.series[0].points, respondent_colours(shown)):
        point.format.fill.solid()
        point.format.fill.fore_color.rgb = RGBColor.from_string(colour.lstrip("#"))
    chart.category_axis.reverse_order = True  # everyone first, as in the list beside it
    chart.category_axis.tick_labels.font.size = Pt(CHART_PT)
    chart.value_axis.visible = False
    chart.value_axis.has_major_gridlines = False


def _quote_slides(deck: _Deck, content: MunicipalityContent) -> None:
    quotes = content.quotes
    inst = content.survey.instrument
    roles = role_names(inst)
    for about, part in quotes.groupby("about", sort=False):
        lines = []
        for row in part.itertuples():
            role = f" ({roles.suffix(row.role)})" if bool(row.role_shown) and pd.notna(row.role) else ""
            lines.append(f"– {display_text(row.text)}{role}")  # as in report.html: no links, no controls
        q = inst[about]
        chars, rows = _quote_room(deck)
        sizes = [_quote_rows(line, chars) for line in lines]
        slides = -(-len(lines) // _QUOTES_PER_SLIDE)
        while slides < len(lines) and not all(  # more slides until both columns of each fit
                max(_column_rows(sizes[a:b])) <= rows for a, b in _even_chunks(len(lines), slides)):
            slides += 1
        for start, stop in _even_chunks(len(lines), slides):  # even split: 10 quotes are 4 + 3 + 3
            slide = deck.slide(f"Citat ur enkäten: {q.number}. {q.short}", notes=(
                "Citaten är granskade: namn, personnummer, e-post, telefonnummer och adresser är maskerade. "
                f"Rollen anges bara för grupper med minst {content.threshold} svar."))
            _quote_columns(deck, slide, lines[start:stop])


def _even_chunks(n: int, parts: int) -> list[tuple[int, int]]:
    """``n`` items in ``parts`` runs whose lengths differ by at most one, the longer first."""
    size, extra = divmod(n, parts)
    bounds = [0]
    for i in range(parts):
        bounds.append(bounds[-1] + size + (i < extra))
    return list(zip(bounds[:-1], bounds[1:]))


def _quote_room(deck: _Deck) -> tuple[int, int]:
    """Characters per line and lines per column of a quote column at :data:`QUOTE_PT` (an average
    glyph is about half the font size wide, less what word wrapping leaves at a line's end; a line
    is 1.2 times the font size high)."""
    col_w = (deck.w - 2 * deck.margin - int(deck.w * 0.03)) // 2
    return int(col_w / Pt(QUOTE_PT) * 1.75), int((deck.h - deck.body_top() - deck.margin) / (Pt(QUOTE_PT) * 1.2))


def _quote_rows(line: str, chars: int) -> int:
    return max(1, -(-len(line) // chars))


def _quote_split(sizes: list[int]) -> int:
    """How many quotes go in the left column: the split that makes the longer column shortest."""
    return min(range(1, len(sizes) + 1), key=lambda k: (max(sum(sizes[:k]), sum(sizes[k:])), -k))


def _column_rows(sizes: list[int]) -> tuple[float, float]:
    """The rows the two columns of one slide take (half a row of box margins around each quote)."""
    k = _quote_split(sizes)
    return sum(sizes[:k]) + 0.5 * k, sum(sizes[k:]) + 0.5 * (len(sizes) - k)


def _quote_columns(deck: _Deck, slide, lines: list[str]) -> None:
    """Quotes over the slide's body: two columns balanced by length, each quote a text box of
    :data:`QUOTE_PT`, the space left spread evenly between them, the first quotes down the left column."""
    chars, _ = _quote_room(deck)
    gap = int(deck.w * 0.03)
    col_w = (deck.w - 2 * deck.margin - gap) // 2
    top, bottom = deck.body_top(), deck.h - deck.margin
    sizes = [_quote_rows(line, chars) for line in lines]
    split = _quote_split(sizes)
    row_h = int(Pt(QUOTE_PT) * 1.2)
    for col, (part, rows) in enumerate(((lines[:split], sizes[:split]), (lines[split:], sizes[split:]))):
        if not part:
            continue
        heights = [r * row_h + int(Pt(QUOTE_PT) * 0.6) for r in rows]  # the text box's own margins
        spare = max(0, (bottom - top) - sum(heights))
        step = min(spare // max(1, len(part) - 1), int(deck.h * 0.2))  # over the body, never far apart
        y = top
        for line, height in zip(part, heights):
            deck.text(slide, [line], left=deck.margin + col * (col_w + gap), top=y, width=col_w, height=height,
                      size=QUOTE_PT)
            y += height + step


def _friction_slide(deck: _Deck, content: MunicipalityContent) -> None:
    inst = content.survey.instrument
    gaps = content.gaps
    shown = gaps[~gaps["suppressed"].astype(bool) & gaps["gap"].notna()].head(5)
    hidden = gaps[gaps["suppressed"].astype(bool)]
    roles = role_names(inst)
    fv, tp = roles.lower("förtroendevald"), roles.lower("tjänsteperson")
    lines, notes = [], []
    for r in shown.itertuples():
        q = inst[r.question]
        lines.append(f"{q.number}. {q.short}: {fv} {_pct(r.positive_fv)} %, {tp} "
                     f"{_pct(r.positive_tp)} % ({_pct(r.gap)} procentenheter)")
        notes.append(f"Fråga {q.number}: skillnad {_pct(r.gap)} procentenheter, 95 % konfidensintervall "
                     f"{_pct(r.gap_ci_low)} till {_pct(r.gap_ci_high)}; {int(r.n_fv)} {fv} och "
                     f"{int(r.n_tp)} {tp} svarade.")
    if not lines:
        lines = ["Rollerna kan inte jämföras här: en av dem har för få svar."]
    if len(hidden):
        lines.append(f"Dold jämförelse för {len(hidden)} fråga(or): färre än {content.threshold} svar i en roll.")
    notes.append(f"Skillnaden är andelen {fv} som instämmer minus andelen {tp} som instämmer. "
                 f"En tydlig skillnad är minst {round(MIN_DIFFERENCE * 100)} procentenheter och håller när alla kommunens frågor prövas "
                 "tillsammans (Holm); att intervallet inte omfattar noll räcker inte. Ett brett intervall "
                 "betyder att skillnaden är osäker.")
    slide = deck.slide("Var skaver det? Där rollerna skiljer sig mest", notes="\n".join(notes))
    deck.text(slide, lines, size=BODY_PT)


def _change_slide(deck: _Deck, content: MunicipalityContent) -> None:
    """"Förändring sedan <round>": a native table, per question each role's share then → now and
    the change (a group hidden in either round: "–", the reason in the speaker notes)."""
    from ..rounds import latest_label

    label = latest_label(list(dict.fromkeys(content.changes["previous_round"])))
    data = content.changes[(content.changes["previous_round"] == label) & content.changes["group"].isin(ROLES)]
    inst = content.survey.instrument
    roles = role_names(inst)
    plural = {role: roles.lower(role) for role in ROLES}
    rows, notes, hidden = [], [], False
    for qid, part in data.groupby("question", sort=False):
        q = inst[qid]
        cells = [f"{q.number}. {q.short}"]
        for role in ROLES:
            r = part[part["group"] == role].iloc[0]
            if r["status"] != "visas":
                missing = r["status"] == "saknas"
                cells.append("frågan saknas" if missing else "–")
                hidden = hidden or not missing
                notes.append(f"Fråga {q.number}, {plural[role]}: {r['note']}.")
                continue
            cells.append(f"{_pct(r['positive_previous'])} → {_pct(r['positive_current'])} % "
                         f"({format_pp(r['change'])})")
            notes.append(f"Fråga {q.number}, {plural[role]}: {format_pp(r['change'])} procentenheter (95 % "
                         f"konfidensintervall {format_interval(r['change_ci_low'], r['change_ci_high'], signed=True)}); "
                         f"{int(r['n_previous'])} svar {label}, {int(r['n_current'])} svar "
                         f"{content.current_round}.")
        rows.append(cells)
    notes.append(f"Andelen som instämmer {label} → {content.current_round}, i parentes förändringen i "
                 "procentenheter. Ett intervall som inte omfattar noll är en tydlig förändring. En grupp visas "
                 f"bara om den visas i båda omgångarna (minst {content.threshold} svar och inte dold).")
    slide = deck.slide(f"Förändring sedan {label}", notes="\n".join(notes))
    head = ["Fråga", f"{roles.label('förtroendevald')} {label} → {content.current_round}",
            f"{roles.label('tjänsteperson')} {label} → {content.current_round}"]
    top = deck.body_top()
    width = deck.w - 2 * deck.margin
    height = int(deck.h * 0.075) * (len(rows) + 1)
    table = slide.shapes.add_table(len(rows) + 1, 3, deck.margin, top, width, height).table
    table.columns[0].width = int(width * 0.46)
    table.columns[1].width = table.columns[2].width = int(width * 0.27)
    for i, row in enumerate([head, *rows]):
        for j, value in enumerate(row):
            cell = table.cell(i, j)
            cell.text = value
            for p in cell.text_frame.paragraphs:
                for run in p.runs:
                    run.font.size = Pt(18)
                    run.font.bold = i == 0
    if hidden:
        deck.text(slide, [f"–: färre än {content.threshold} svar, eller dold, i någon av omgångarna."],
                  top=min(top + height + int(deck.h * 0.02), deck.h - deck.margin - int(deck.h * 0.08)),
                  height=int(deck.h * 0.08), size=18, italic=True)


def _chain_slide(deck: _Deck, content: MunicipalityContent) -> None:
    slide = deck.slide("Mål- och resultatkedjan", notes=(
        "Produktivitet = prestationer / resurser. Effektivitet = kvalitet / resurser. Nyckeltalen finns i "
        "rapportens avsnitt om effektivitet."))
    deck.text(slide, ["Behov → Mål → Resurser → Aktiviteter → Prestationer → Resultat",
                      "Produktivitet = prestationer / resurser",
                      "Effektivitet = kvalitet / resurser",
                      "Genom att följa upp resursinsats och kvalitativa resultat förstår vi hur arbetssätten "
                      "behöver förändras för att öka effektiviteten."], size=24)


def chain_steps(page) -> pd.DataFrame:
    """The result-chain slide's figures: the municipality's key figures on the chain, in chain order,
    each indexed against the comparison group's median (= 100), then the page's effektivitet ratio.

    ``page`` is :attr:`MunicipalityContent.efficiency` (an
    :class:`~kommunanalys.pages.efficiency.EfficiencyPage` with key figures). One row per key figure:
    ``step`` (the link's title), ``kpi``, ``title``, ``unit``, ``value``, ``median`` (the comparison
    group's), ``index`` (:func:`kommunanalys.efficiency.index_to_reference`) and ``comparable``:
    False for a count (a unit without "/", "%" or "index", e.g. pupils leaving year 9), which depends
    on the municipality's size and is not indexed. Kolada's own optional indices are left out, as in
    the page's chain diagram.
    """
    from ..efficiency import index_to_reference

    chain = page.chain[page.chain["kpi"].notna() & ~page.chain["optional"].astype(bool)]
    chain = chain[chain["value"].notna()]
    wide = page.figures.pivot(index="municipality_code", columns="kpi", values="value")
    rows = []
    for r in chain.sort_values("link_order", kind="stable").itertuples(index=False):
        unit = str(r.unit)
        comparable = "/" in unit or "%" in unit or unit.startswith("index")
        index = np.nan
        if comparable and r.comparison_median > 0:
            index = float(index_to_reference(wide[r.kpi].dropna())[page.municipality])
        rows.append({"step": r.link_title, "kpi": r.kpi, "title": r.title, "unit": unit, "value": r.value,
                     "median": r.comparison_median, "index": index, "comparable": comparable})
    own = page.ratios[page.ratios["is_municipality"].astype(bool) & (page.ratios["ratio"] == "effektivitet")]
    for r in own.itertuples(index=False):
        rows.append({"step": r.label, "kpi": r.ratio, "title": r.measure, "unit": r.unit, "value": r.value,
                     "median": r.reference_median, "index": r.index, "comparable": pd.notna(r.index)})
    return pd.DataFrame(rows, columns=["step", "kpi", "title", "unit", "value", "median", "index", "comparable"])


def _short_title(title: str) -> str:
    """A key figure's title for a slide: up to its first comma, without parentheses
    ("Elever per lärare (heltidstjänst) i grundskola" is "Elever per lärare i grundskola")."""
    import re

    short = re.sub(r"\s*\([^)]*\)", "", str(title)).split(",")[0].strip()
    return short or str(title)


def _plain_unit(unit: str) -> str:
    """A key figure's unit in plain Swedish ("kr/elev" is "kr per elev")."""
    return unit.replace("/", " per ")


def _chain_reading(r) -> str:
    """One line of the result-chain slide: the figure, and how it stands against the group's median
    ("Kostnad grundskola F-9: 137 806 kr per elev, 3 % över jämförelsegruppens median"); the chart
    names each figure's step of the chain."""
    from ..pages.efficiency import _number  # the efficiency page's number format: the same figures read alike

    ratio = r.kpi == "effektivitet"
    head = f"{r.step} = kvalitet / resurser" if ratio else _short_title(r.title)
    value = "" if ratio else f" {_number(r.value, _plain_unit(r.unit))},"
    if not r.comparable:  # not in the chart: the step said here
        return f"{r.step} · {head}: {_number(r.value, _plain_unit(r.unit))} (ett antal; jämförs inte)"
    if r.unit == "%":  # a share: the difference in percentage points
        diff = round(float(r.value - r.median), 1)
        size = f"{format_number(abs(diff), 1)} procentenheter"
    else:
        diff = round(float(r.index) - 100)
        size = f"{abs(diff)} %"
    said = "som jämförelsegruppens median" if diff == 0 else \
        f"{size} {'över' if diff > 0 else 'under'} jämförelsegruppens median"
    return f"{head}:{value} {said}"


def _chain_figures_slide(deck: _Deck, content: MunicipalityContent) -> None:
    """The municipality's own key figures on the result chain: a native bar chart of each figure as an
    index against the comparison group's median (= 100) and one reading per figure. Key figures are
    public register data (Kolada), not survey answers: nothing on this slide comes from the survey."""
    from ..pages.efficiency import ILLUSTRATIVE_NOTE, NO_KEY_FIGURES_NOTE, _number

    page = content.efficiency
    if page is None:
        return
    title = f"Mål- och resultatkedjan i {content.name}"
    if not page.has_key_figures:  # a real survey without --key-figures, or none for this municipality
        given = page.message != NO_KEY_FIGURES_NOTE
        slide = deck.slide(title, notes=(
            "Nyckeltalen läses in från Kolada: hämta kommunernas nyckeltal och ange filen med "
            "kommunanalys report --key-figures FIL. Kedjan och nyckeltalen finns då också i rapportens avsnitt "
            "om effektivitet."))
        deck.text(slide, [f"Inga nyckeltal för {content.name} i de nyckeltal som lästs in." if given
                          else "Inga nyckeltal har angetts.",
                          "Kedjan kan därför inte visas med kommunens egna siffror. Med nyckeltal ur Kolada visar "
                          "bilden kostnad, lärartäthet och resultat mot jämförelsegruppens median."], size=BODY_PT)
        return
    steps = chain_steps(page)
    shown = steps[steps["comparable"].astype(bool)]
    group = len(page.comparison)
    notes = [f"Nyckeltal år {page.year}; jämförelsegrupp: {group} kommuner. Index = kommunens värde / "
             "jämförelsegruppens median × 100, så 100 är medianen. Produktivitet = prestationer / resurser; "
             "effektivitet = kvalitet / resurser (här: andel behöriga elever i förhållande till kostnad per elev).",
             *(f"{r.step}: {r.title} ({r.kpi}): {content.name} {_number(r.value, _plain_unit(r.unit))}, "
               f"median {_number(r.median, _plain_unit(r.unit))}" for r in steps.itertuples() if r.kpi != "effektivitet"),
             "Nyckeltalen är offentliga registerdata (Kolada), inte enkätsvar."]
    if page.illustrative:
        notes.insert(0, f"{ILLUSTRATIVE_NOTE}: påhittade demodata, citera dem inte som fakta om kommunen.")
    slide = deck.slide(f"{title} {page.year}", notes="\n".join(notes))
    top = deck.body_top()
    gap = int(deck.w * 0.03)
    width = deck.w - 2 * deck.margin
    bottom = deck.h - deck.margin
    chart_h = int((bottom - top) * (0.5 if len(shown) else 0))
    if len(shown):
        data = CategoryChartData(number_format="0")
        data.categories = [f"{r.step}: {r.title[:1].lower() + r.title[1:]}" if r.kpi == "effektivitet"
                           else f"{r.step} · {_short_title(r.title)}" for r in shown.itertuples()]
        data.add_series(f"{content.name} (index, median = 100)", [round(float(v), 1) for v in shown["index"]])
        frame = slide.shapes.add_chart(XL_CHART_TYPE.BAR_CLUSTERED, deck.margin, top, width, chart_h, data)
        chart = frame.chart
        chart.font.size = Pt(CHART_PT)
        chart.has_legend = False
        chart.has_title = True
        chart.chart_title.text_frame.text = (f"Index: jämförelsegruppens median = 100 ({group} kommuner)"
                                             + (f" · {ILLUSTRATIVE_NOTE}" if page.illustrative else ""))
        chart.chart_title.text_frame.paragraphs[0].runs[0].font.size = Pt(CHART_PT)
        plot = chart.plots[0]
        plot.gap_width = 60
        plot.has_data_labels = True
        plot.data_labels.number_format = "0"
        plot.data_labels.number_format_is_linked = False
        plot.data_labels.font.size = Pt(CHART_PT)
        series = plot.series[0]
        series.format.fill.solid()
        series.format.fill.fore_color.rgb = RGBColor.from_string(MUNICIPALITY_COLOUR.lstrip("#"))
        series.invert_if_negative = False
        span = max(20.0, float((shown["index"] - 100).abs().max()) + 10)
        span = -(-span // 10) * 10
        axis = chart.value_axis
        axis.minimum_scale, axis.maximum_scale = 100 - span, 100 + span
        axis.crosses_at = 100  # the bars start at the median: longer than it to the right
        axis.has_major_gridlines = True
        axis.tick_labels.font.size = Pt(CHART_PT)
        chart.category_axis.reverse_order = True  # chain order from the top
        chart.category_axis.tick_labels.font.size = Pt(CHART_PT)
        chart.category_axis.tick_label_position = XL_TICK_LABEL_POSITION.LOW  # labels at the left edge
    lines = [_chain_reading(r) for r in steps.itertuples()]
    half = -(-len(lines) // 2)  # two columns below the chart, the chain's order down the first
    col_w = (width - gap) // 2
    for i, part in enumerate((lines[:half], lines[half:])):
        if part:
            deck.text(slide, part, left=deck.margin + i * (col_w + gap), top=top + chart_h, width=col_w,
                      height=bottom - top - chart_h, size=BODY_PT - 2)


def _next_steps_slides(deck: _Deck, content: MunicipalityContent) -> None:
    items = content.hypotheses
    if not items:
        slide = deck.slide("Hur går vi vidare med resultatet?")
        deck.text(slide, ["Enkäten visar inga tydliga skillnader att bygga hypoteser på.",
                          "Använd intervjuer och dialog för att fånga det enkäten inte mäter."])
        return
    for start in range(0, min(len(items), 4), 2):  # two a slide: each names its evidence and what to test
        page = items[start:start + 2]
        slide = deck.slide("Hur går vi vidare med resultatet?" + (" (forts.)" if start else ""), notes=(
            "Hypoteserna bygger på samband i en enkät, inte på orsaker: pröva dem i intervjuer och dialog.\n"
            + "\n".join(e for h in page for e in h.evidence)))
        deck.text(slide, [f"{i}. {h.text}" for i, h in enumerate(page, start=start + 1)], size=BODY_PT)
    questions = list(dict.fromkeys(q for h in items for q in h.interview_questions))[:5]
    if questions:
        slide = deck.slide("Frågor att ställa i intervjuerna")
        deck.text(slide, [f"• {q}" for q in questions], size=BODY_PT)


def build_deck(content: MunicipalityContent, *, path: str | Path, template: str | Path | None = None) -> Path:
    """Write the municipality's deck.

    Parameters
    ----------
    content
        :func:`kommunanalys.report.gather` of the municipality.
    path
        The .pptx to write.
    template
        The consultant's own .pptx (its masters, layouts and theme are used; its slides are not);
        default ``data/deck_template.pptx``.

    Returns
    -------
    pathlib.Path
        ``path``.
    """
    deck = _Deck(Path(template) if template is not None else None)
    slide = deck.prs.slides.add_slide(deck.title_layout)
    if slide.shapes.title is not None:
        slide.shapes.title.text = f"Styrning och effektivitet i {content.name}"
    subtitle = [ph for ph in slide.placeholders if ph.placeholder_format.idx == 1]
    roles = role_names(content.survey.instrument)
    sub = f"Enkät till {roles.lower('förtroendevald')} och {roles.lower('tjänsteperson')}"
    if content.survey.synthetic:
        sub += " – syntetiska demodata, inga verkliga svar"
    if subtitle:
        subtitle[0].text = sub
    _summary_slide(deck, content)
    _respondents_slide(deck, content)
    if content.changes is not None:
        _change_slide(deck, content)
    for qid in content.question_ids:
        _question_slide(deck, content, qid)
    _quote_slides(deck, content)
    _friction_slide(deck, content)
    _chain_slide(deck, content)
    _chain_figures_slide(deck, content)
    _next_steps_slides(deck, content)
    path = Path(path)
    deck.prs.save(str(path))
    return path
