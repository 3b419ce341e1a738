"""The quotes page: what ``notebooks/02_quotes.ipynb`` shows, composed here.

"Citat ur enkäten" as in the seed presentation: per commented question, per theme, a handful of
representative quotes, each followed by the writer's role only where that role group may be shown.

The pipeline of :func:`build_quotes`:

1. **Screen** every comment of the municipality (:func:`kommunanalys.screening.screen_frame`):
   names, identity numbers, e-mail, phone numbers and addresses are masked. The raw text and the
   respondent id go no further than :func:`screened_comments`.
2. **Anonymity** (:mod:`kommunanalys.anonymity`, the project's single rule): for the Likert
   question a comment is about, :func:`~kommunanalys.anonymity.suppression_plan` says which role
   groups may be shown (primary *and* complementary suppression, so that an attributed role cannot
   reveal the other one by elimination). A quote keeps its role only where its group is shown; no
   quote at all is shown for a question whose whole municipality is under the threshold.
3. **Review** (:mod:`kommunanalys.review`), when a review file is given: struck quotes are dropped,
   edited ones replaced (and screened again); quotes flagged for naming a person by position wait
   for a decision.
4. **Themes** (:func:`kommunanalys.themes.code_themes`) and **selection**
   (:func:`kommunanalys.quotes.select_quotes`): up to ``n`` representative quotes per question and
   theme, each comment quoted once per question.

Theme counts by role count every screened comment (review decisions change quotes, not counts);
a role group that may not be shown has no counts.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Mapping

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.axes import Axes
from matplotlib.ticker import MaxNLocator

from ..anonymity import TOTAL_GROUP, resolve_threshold, respondent_plan
from ..comments import attribution, screened_comments
from ..comments import comment_questions as _comment_questions
from ..comments import likert_of as _likert_of
from ..errors import InputError
from ..labels import GROUP_LABELS, role_names
from .notebook import SYNTHETIC_NOTE, in_kernel, show, show_figure, show_markdown, write_tables
from ..plots.charts import ROLE_COLOURS
from ..quotes import near_duplicate, select_quotes
from ..review import apply_review, load_review
from ..survey import ROLES, Survey
from ..textsafety import display_text, plain_text
from ..themes import NO_THEME, Theme, code_themes, load_themes

__all__ = [
    "QuotesPage",
    "attribution",
    "screened_comments",
    "build_quotes",
    "quotes_markdown",
    "theme_chart",
    "show_quotes",
    "show_theme_counts",
    "quotes_for_question",
    "theme_counts_for",
    "show_quotes_for_question",
    "interactive_view",
    "IN_REPORT_NOTE",
    "THEME_COUNTS_HEADING",
]

_GROUP_TITLES = GROUP_LABELS
_QUOTE_COLUMNS = ["municipality_code", "municipality_name", "about", "question", "theme", "rank", "text",
                  "role", "role_shown", "review", "comment_key"]
_HATCHES = ["", "///", "..."]


# ---------------------------------------------------------------------------------------------
# Screening and anonymity
# ---------------------------------------------------------------------------------------------
def _respondent_plan(survey: Survey, municipality: str, threshold: int) -> tuple[dict[str, str], dict[str, int]]:
    """Suppressed groups ``{group: note}`` of the municipality counted in respondents, and the
    group sizes: the respondent part of the disclosure plan (:func:`anonymity.respondent_plan`)."""
    plan = respondent_plan(survey, threshold=threshold)
    plan = plan[plan["municipality_code"] == municipality]
    hidden = {g: note for g, note, h in zip(plan["group"], plan["note"], plan["suppressed"]) if h}
    return hidden, dict(zip(plan["group"], plan["n"]))


# ---------------------------------------------------------------------------------------------
# The page
# ---------------------------------------------------------------------------------------------
@dataclass
class QuotesPage:
    """Everything the quotes page shows for one municipality (screened, anonymity applied).

    Attributes
    ----------
    quotes
        The quotes shown: ``municipality_code``, ``municipality_name``, ``about`` (the Likert
        question), ``question`` (the comment question), ``theme``, ``rank``, ``text`` (screened,
        reviewed), ``role`` (NA where not shown), ``role_shown``, ``review`` and ``comment_key``
        (to find the quote in the review file; not written to the tables).
    counts
        Comments per theme and group: ``group`` (the roles, and ``alla``), ``n`` (respondents in
        the group), ``theme``, ``n_comments``, ``n_total``, ``share``, ``suppressed``, ``note``.
    attribution
        Per commented question the groups ``alla`` and the roles with ``n``, ``shown``, ``note``.
    review_counts
        What the review did (``godkänd``, ``ändrad``, ``struken``, ``ej godkänd``, ``väntar``).
    """

    survey: Survey
    municipality: str
    municipality_name: str
    threshold: int
    theme: str | None
    question: str | None
    quotes: pd.DataFrame
    counts: pd.DataFrame
    attribution: pd.DataFrame
    themes: list[Theme]
    review_counts: dict[str, int] = field(default_factory=dict)
    reviewed: bool = False

    @property
    def questions(self) -> list[str]:
        """The Likert questions the page covers (those with comment questions), in order."""
        abouts = [q.comments for q in _comment_questions(self.survey) if q.comments]
        return [q for q in abouts if self.question is None or q == self.question]

    @property
    def table_names(self) -> tuple[str, str]:
        """The CSV names of the quotes and of the theme counts: ``citat_<kod>`` and
        ``citat_teman_<kod>``, with the theme's id before the code when the page shows one theme
        (from the codebook, e.g. ``citat_ekonomi_uppfoljning_1761``): a report runs the
        quotes notebook once per theme, and each run writes its own tables. A page of one
        question (a theme the codebook does not know) has ``urval_<question>`` there instead (the
        question page's own table is ``citat_<question>_<kod>``)."""
        ids = {t.name: t.id for t in self.themes}
        scope = (f"{ids.get(self.theme, self.theme)}_" if self.theme
                 else f"urval_{self.question}_" if self.question else "")
        return f"citat_{scope}{self.municipality}", f"citat_teman_{scope}{self.municipality}"

    def tables(self) -> dict[str, pd.DataFrame]:
        """The data behind the page, keyed by CSV name (:attr:`table_names`): screened quotes
        and theme counts only.

        No raw text, respondent id, comment key or screening finding is ever part of a table.
        """
        quotes = self.quotes.drop(columns=["comment_key", "role_shown"], errors="ignore")
        quotes = quotes.assign(text=quotes["text"].map(display_text, na_action="ignore"))  # as shown
        names = self.table_names
        return {names[0]: quotes.reset_index(drop=True), names[1]: self.counts.reset_index(drop=True)}


def _resolve_theme(theme: str | None, codebook: list[Theme]) -> str | None:
    if theme is None:
        return None
    for t in codebook:
        if str(theme).strip().lower() in (t.id.lower(), t.name.lower()):
            return t.name
    raise InputError("unknown theme", column="theme", value=theme,
                     hint=f"use one of: {', '.join(t.name for t in codebook)} (or its id: "
                          f"{', '.join(t.id for t in codebook)}), or None for every theme")


def _theme_counts(survey: Survey, municipality: str, coded: pd.DataFrame, codebook: list[Theme], *,
                  threshold: int, question: str | None) -> pd.DataFrame:
    """Comments per theme and group; groups that may not be shown are blanked."""
    hidden, sizes = _respondent_plan(survey, municipality, threshold)
    if question is not None:  # the comments of one question: that question's plan as well
        plan = attribution(survey, municipality, threshold=threshold)
        plan = plan[plan["about"] == question].set_index("group")
        for group, row in plan.iterrows():
            if not row["shown"]:
                hidden.setdefault(group, row["note"])
    names = [*(t.name for t in codebook), NO_THEME]
    # distinct comments per group and theme, counted on plain lists (a few dozen rows: a pandas
    # group-by per group costs more than the counting)
    coded_rows = list(zip(coded["role"].astype(object), coded["theme"].astype(object), coded["comment_id"]))
    rows = []
    for group in [*ROLES, TOTAL_GROUP]:
        ids: dict[object, set] = {}
        every: set = set()
        for role, theme, comment in coded_rows:
            if group != TOTAL_GROUP and not (isinstance(role, str) and role == group):
                continue
            if pd.isna(comment):
                continue
            every.add(comment)
            ids.setdefault(NO_THEME if pd.isna(theme) else theme, set()).add(comment)
        total = len(every)
        for name in names:
            n_comments = len(ids.get(name, ()))
            rows.append({"group": group, "n": int(sizes.get(group, 0)), "theme": name,
                         "n_comments": n_comments, "n_total": total,
                         "share": n_comments / total if total else np.nan})
    out = pd.DataFrame(rows)
    out["suppressed"] = out["group"].isin(list(hidden))
    out["note"] = out["group"].map(hidden).fillna("")
    for column in ("n_comments", "n_total", "share"):
        out[column] = out[column].astype(float).where(~out["suppressed"])
    return out


def _theme_rank(name: str, about: str, size: int, codebook: list[Theme]) -> tuple:
    """Themes of a question in order: those the codebook ties to the question, then the largest."""
    position = {t.name: i for i, t in enumerate(codebook)}
    hinted = {t.name for t in codebook if about in t.questions}
    return (name not in hinted, -size, position.get(name, len(position)))


def _select(data: pd.DataFrame, *, n: int, order: list[str], codebook: list[Theme],
            seed: int = 0) -> pd.DataFrame:
    """Up to ``n`` quotes per question and theme, each comment once per question; themes in order
    of :func:`_theme_rank`."""
    picked = []
    for about in order:
        part = data[data["about"] == about]
        if part.empty or not part["quotable"].any():
            continue
        part = part[part["quotable"]]
        # The anonymity decision is made already (role_shown, from the suppression plan): hand it
        # to select_quotes as group sizes 1 (shown) / 0 (hidden) with threshold 1.
        shown = part.groupby("role")["role_shown"].all()
        sizes = {role: int(bool(shown.get(role, False))) for role in ROLES}
        chosen = select_quotes(part, n=3 * n, by=("question", "theme"), seed=seed,
                               anonymity_threshold=1, group_sizes=sizes)
        extra = part.drop_duplicates("comment_id").set_index("comment_id")
        chosen["comment_key"] = chosen["comment_id"].map(extra["comment_key"])
        chosen["review"] = chosen["comment_id"].map(extra["review"])
        used: set[str] = set()
        texts: list[str] = []  # kept so far for this question: no near-duplicate joins them
        for _, group in sorted(chosen.groupby("theme", sort=False),
                               key=lambda item: _theme_rank(item[0], about, len(item[1]), codebook)):
            rows = []
            for i, row in group[~group["comment_key"].isin(used)].iterrows():
                if len(rows) == n:
                    break
                if any(near_duplicate(str(row["text"]), t) for t in texts):
                    continue
                rows.append(i)
                texts.append(str(row["text"]))
            keep = group.loc[rows]
            used.update(keep["comment_key"])
            picked.append(keep.assign(rank=range(1, len(keep) + 1)))
    if not picked:
        return pd.DataFrame(columns=_QUOTE_COLUMNS)
    return pd.concat(picked, ignore_index=True)


def build_quotes(
    survey: Survey,
    municipality: str,
    *,
    theme: str | None = None,
    question: str | None = None,
    threshold: int | None = None,
    review: pd.DataFrame | str | Path | None = None,
    require_approval: bool = False,
    n: int = 5,
    themes: Iterable[Theme] | str | Path | None = None,
) -> QuotesPage:
    """Screen, code and select the quotes of one municipality (see the module docstring).

    Parameters
    ----------
    survey
        The loaded survey.
    municipality
        Code (``"1761"``) or name.
    theme
        Only this theme (name or id); None for every theme.
    question
        Only the comments on this Likert question (``"Q12"``, or its comment question ``"Q13"``).
    threshold
        Anonymity threshold (default: the instrument's).
    review
        A review file (path) or the output of :func:`kommunanalys.review.load_review`.
    require_approval
        Show only quotes approved or edited in the review file.
    n
        Quotes per question and theme at most.
    themes
        Theme codebook (list, path or None for the package's).

    Returns
    -------
    QuotesPage
    """
    if n < 1:
        raise InputError("n must be at least 1", column="n", value=n, hint="ask for 1 or more quotes")
    t = resolve_threshold(threshold, survey)
    code = survey.resolve_municipality(municipality)
    codebook = list(themes) if themes is not None and not isinstance(themes, (str, Path)) else load_themes(themes)
    theme_name = _resolve_theme(theme, codebook)
    about = _likert_of(survey, question) if question is not None else None
    comments = screened_comments(survey, code, threshold=t, question=about)
    counts = _counts_of(survey, code, codebook, threshold=t, question=about)

    if isinstance(review, (str, Path)):
        review = load_review(review, survey=survey)
    kept = apply_review(comments, review, require_approval=require_approval)
    # read once and drop: pandas deep-copies ``attrs`` on every operation of the selection below
    review_counts = kept.attrs.pop("review_counts", {})
    coded = code_themes(kept, themes=codebook, include_uncoded=False)
    if theme_name is not None:
        coded = coded[coded["theme"] == theme_name]
    order = [q.comments for q in _comment_questions(survey) if q.comments and (about is None or q.comments == about)]
    quotes = _select(coded, n=n, order=order, codebook=codebook)
    quotes = quotes.reindex(columns=_QUOTE_COLUMNS)
    quotes["role_shown"] = quotes["role_shown"].astype(bool)
    plan = attribution(survey, code, threshold=t)
    if about is not None:
        plan = plan[plan["about"] == about]
    return QuotesPage(
        survey=survey, municipality=code, municipality_name=survey.municipality_name(code), threshold=t,
        theme=theme_name, question=about, quotes=quotes.reset_index(drop=True), counts=counts,
        attribution=plan.reset_index(drop=True), themes=codebook,
        review_counts=review_counts, reviewed=review is not None,
    )


def _counts_of(survey: Survey, code: str, codebook: list[Theme], *, threshold: int,
               question: str | None) -> pd.DataFrame:
    """:attr:`QuotesPage.counts` of the municipality's screened comments (every comment, review or
    not). The same for every theme page of a municipality: counted once per survey."""
    def compute() -> pd.DataFrame:
        comments = screened_comments(survey, code, threshold=threshold, question=question)
        coded_all = code_themes(comments, themes=codebook, include_uncoded=True)
        counts = _theme_counts(survey, code, coded_all, codebook, threshold=threshold, question=question)
        counts.insert(0, "municipality_name", survey.municipality_name(code))
        counts.insert(0, "municipality_code", code)
        return counts

    return survey.memo(("theme_counts", code, threshold, question, tuple(codebook)), compute)


def theme_counts_for(survey: Survey, municipality: str, *, question: str | None = None,
                     threshold: int | None = None) -> pd.DataFrame:
    """The theme counts by role of :func:`build_quotes` alone (:attr:`QuotesPage.counts`), without
    selecting quotes: for a page that charts the themes and leaves the quotes to another page.

    Parameters as :func:`build_quotes` (the package's codebook).
    """
    t = resolve_threshold(threshold, survey)
    code = survey.resolve_municipality(municipality)
    about = _likert_of(survey, question) if question is not None else None
    return _counts_of(survey, code, load_themes(None), threshold=t, question=about)


def quotes_for_question(survey: Survey, municipality: str, question: str, *, threshold: int | None = None,
                        review: pd.DataFrame | str | Path | None = None, n: int = 5) -> pd.DataFrame:
    """The screened quotes on one Likert question (``about == question``), by theme.

    For the question page and the root-cause page. Columns as :attr:`QuotesPage.quotes`; the role
    is NA wherever its group may not be shown.
    """
    return build_quotes(survey, municipality, question=question, threshold=threshold, review=review,
                        n=n).quotes


# ---------------------------------------------------------------------------------------------
# Markdown
# ---------------------------------------------------------------------------------------------
def _md(text: str) -> str:
    """A quote or theme as inert Markdown text (one line): :func:`kommunanalys.textsafety.plain_text`."""
    return plain_text(text)


def _hidden_roles_note(plan: pd.DataFrame, threshold: int, titles: Mapping[str, str] = _GROUP_TITLES) -> str:
    hidden = plan[(plan["group"] != TOTAL_GROUP) & ~plan["shown"]]
    if hidden.empty:
        return ""
    groups = " och ".join(titles[g].lower() for g in hidden["group"])
    return (f"*Rollen visas inte för {groups}: grupper med färre än {threshold} svar, eller som "
            f"skulle gå att räkna fram, visas aldrig.*")


def quotes_markdown(quotes: pd.DataFrame, *, survey: Survey, plan: pd.DataFrame, threshold: int,
                    questions: list[str], level: int = 3) -> str:
    """The quotes in the seed's "Citat ur enkäten" style.

    Per question a heading (``level``), per theme a subheading, each quote as ``– text`` followed
    by ``(förtroendevald)``/``(tjänsteperson)`` only where the role is shown.
    """
    parts = []
    h, sub = "#" * level, "#" * (level + 1)
    roles = role_names(survey.instrument)
    for about in questions:
        parts.append(f"{h} {survey.instrument[about].label}")
        rows = plan[plan["about"] == about].set_index("group")
        if TOTAL_GROUP in rows.index and not rows.loc[TOTAL_GROUP, "shown"]:
            parts.append(f"Färre än {threshold} svar på frågan: inga citat visas.")
            continue
        note = _hidden_roles_note(rows.reset_index(), threshold, roles.group_labels)
        if note:
            parts.append(note)
        part = quotes[quotes["about"] == about]
        if part.empty:
            parts.append("Inga kommentarer att citera.")
            continue
        for theme, group in part.groupby("theme", sort=False):
            parts.append(f"{sub} {_md(theme)}")
            for row in group.itertuples():
                role = f" ({roles.suffix(row.role)})" if row.role_shown and pd.notna(row.role) else ""
                parts.append(f"– {_md(row.text)}{role}")
    return "\n\n".join(parts)


def _intro(page: QuotesPage) -> str:
    lines = []
    if page.survey.synthetic:
        lines.append(f"*{SYNTHETIC_NOTE}*")
    lines.append("Citaten är granskade innan de visas: namn, personnummer, e-postadresser, telefonnummer "
                 "och adresser är ersatta med [namn], [personnummer], [e-post], [telefon] och [adress]. "
                 f"Rollen anges bara för grupper med minst {page.threshold} svar.")
    counts = page.review_counts
    if page.reviewed:
        lines.append(f"Granskningsfil: {counts.get('godkänd', 0)} godkända, {counts.get('ändrad', 0)} ändrade "
                     f"och {counts.get('struken', 0)} strukna kommentarer.")
    if counts.get("väntar"):
        lines.append(f"{counts['väntar']} kommentar(er) som pekar ut en person genom sin befattning väntar på "
                     "granskning och visas inte.")
    if counts.get("ej godkänd"):
        lines.append(f"{counts['ej godkänd']} kommentar(er) utan godkännande i granskningsfilen visas inte.")
    return "\n\n".join(lines)


#: In a report each quote is shown once, under the question it comments on (the question page);
#: the quotes page and the root-cause page say so instead of repeating it.
IN_REPORT_NOTE = ("Citaten står en gång i rapporten: under frågan de kommenterar. Här syns vilka teman "
                  "kommentarerna tar upp.")


def show_quotes(page: QuotesPage, output_dir: str | Path | None = None, *, in_report: bool = False,
                theme_counts: bool = True) -> str:
    """Display the quotes ("Citat ur enkäten") and write the quote table; return the Markdown.

    ``in_report=True`` (a municipality report, where the question pages show each quote once):
    the heading and a pointer to the question pages instead of the quotes; with
    ``theme_counts=False`` as well (a later quotes section of the report, whose theme counts an
    earlier one showed: :func:`show_theme_counts`) nothing is displayed and the table is written.
    """
    if in_report:
        write_tables(page.tables(), output_dir, [page.table_names[0]])
        if not theme_counts:  # nothing of its own to show: the quotes and the themes are elsewhere
            return ""
        title = f"## Kommentarerna i {page.municipality_name}"
        if page.question:  # a page of one question's comments (a theme the codebook does not know)
            title += f": fråga {page.survey.instrument[page.question].number}"
        return show_markdown("\n\n".join([title, IN_REPORT_NOTE]))
    title = f"## Citat ur enkäten – {page.municipality_name}"
    if page.theme:
        title += f": {_md(page.theme)}"
    body = quotes_markdown(page.quotes, survey=page.survey, plan=page.attribution, threshold=page.threshold,
                           questions=page.questions)
    text = show_markdown("\n\n".join([title, _intro(page), body]))
    frames = page.tables()
    write_tables(frames, output_dir, [page.table_names[0]])
    return text


def show_quotes_for_question(survey: Survey, municipality: str, question: str, *,
                             threshold: int | None = None, review: pd.DataFrame | str | Path | None = None,
                             n: int = 5, output_dir: str | Path | None = None, level: int = 3,
                             intro: bool = True, page: "QuotesPage | None" = None,
                             table_prefix: str = "citat") -> str:
    """Display the screened quotes on one Likert question (for the question and root-cause pages).

    A heading "Citat ur enkäten" at ``level``, themes one level below, each quote as ``– text
    (roll)``; ``intro=False`` leaves out the paragraph on screening (when several questions are
    shown in a row). Writes ``<table_prefix>_<question>_<kod>.csv`` (``citat_Q6_1761.csv``) when
    given an ``output_dir``; a page that shows the same question's quotes as the question page
    passes its own ``table_prefix``, so table names stay unique across a report. Returns the
    Markdown. A caller that already built the question's :class:`QuotesPage` passes it as
    ``page`` (the other arguments are then not used to build it again).
    """
    if page is None:
        page = build_quotes(survey, municipality, question=question, threshold=threshold, review=review, n=n)
    about = page.question
    plan = page.attribution
    rows = plan.set_index("group")
    heading = f"{'#' * level} Citat ur enkäten"
    if TOTAL_GROUP in rows.index and not rows.loc[TOTAL_GROUP, "shown"]:
        body = f"Färre än {page.threshold} svar på frågan: inga citat visas."
    elif page.quotes.empty:
        body = "Inga kommentarer att citera."
    else:
        body = quotes_markdown(page.quotes, survey=survey, plan=plan, threshold=page.threshold,
                               questions=[about], level=level)
        body = body.split("\n\n", 1)[1] if "\n\n" in body else ""  # the question heading is the page's
    text = show_markdown("\n\n".join(p for p in [heading, _intro(page) if intro else "", body] if p))
    quotes = page.tables()[page.table_names[0]]
    write_tables({f"{table_prefix}_{about}_{page.municipality}": quotes}, output_dir)
    return text


# ---------------------------------------------------------------------------------------------
# Theme counts
# ---------------------------------------------------------------------------------------------
def theme_chart(counts: pd.DataFrame, *, ax: Axes | None = None, title: str | None = None,
                labels: Mapping[str, str] | None = None) -> Axes:
    """Horizontal bars: comments per theme for each role that may be shown (else for everyone).

    ``counts`` is :attr:`QuotesPage.counts`. Colour-blind safe palette plus a hatch per group, so
    the chart also reads in black and white; the count is written at each bar. ``labels``: the
    groups' names (the survey's ``role_names(instrument).group_labels``; default the bundled names).
    """
    titles = _GROUP_TITLES if labels is None else labels
    shown = counts[~counts["suppressed"].astype(bool)]
    roles = shown[shown["group"].isin(ROLES)]
    data = roles if roles["group"].nunique() > 0 else shown[shown["group"] == TOTAL_GROUP]
    if ax is None:
        n_themes = max(counts["theme"].nunique(), 1)
        _, ax = plt.subplots(figsize=(9, 0.55 * n_themes + 1.6))
    if data.empty or data["n_comments"].fillna(0).sum() == 0:
        ax.text(0.5, 0.5, "Inga kommentarer att visa", ha="center", va="center", transform=ax.transAxes)
        ax.set_axis_off()
        return ax
    groups = list(dict.fromkeys(data["group"]))
    labels = {g: f"{titles[g]} ({int(data.loc[data['group'] == g, 'n_total'].iloc[0])} kommentarer)"
              for g in groups}
    plot = data.assign(Grupp=data["group"].map(labels))
    sns.barplot(data=plot, x="n_comments", y="theme", hue="Grupp", hue_order=[labels[g] for g in groups],
                palette=[ROLE_COLOURS.get(g, "#7F7F7F") for g in groups], orient="h", ax=ax, errorbar=None)
    for container, hatch in zip(ax.containers, _HATCHES):
        for bar in container:
            bar.set_hatch(hatch)
            bar.set_edgecolor("0.25")
        ax.bar_label(container, fmt="%.0f", padding=2, fontsize=8)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))  # counts: no ticks at 0.5
    ax.set_xlabel("Antal kommentarer (en kommentar kan ha flera teman)")
    ax.set_ylabel("")
    ax.set_title(title or "Kommentarer per tema och roll", loc="left", fontsize=11)
    legend = ax.get_legend()
    if legend is not None:
        legend.set_title("")
        for patch, hatch in zip(legend.get_patches(), _HATCHES):
            patch.set_hatch(hatch)
            patch.set_edgecolor("0.25")
    return ax


#: The heading of :func:`show_theme_counts`.
THEME_COUNTS_HEADING = ("## Teman per roll\n\nHur många kommentarer som tar upp varje tema. En kommentar kan ha "
                        "flera teman; en roll med för få svar redovisas inte för sig.")


def show_theme_counts(page: QuotesPage, output_dir: str | Path | None = None, *, shown: bool = True) -> Axes | None:
    """Display the heading and chart of theme counts by role, and write its table; return the Axes.

    The counts are the municipality's over every theme (or one question's, for a page of one
    question), whatever theme the page shows: a report with several quotes sections shows them
    once, in its first, and passes ``shown=False`` in the others (no heading, no chart, no table;
    returns None).
    """
    if not shown:
        return None
    show_markdown(THEME_COUNTS_HEADING)
    hidden = page.counts[page.counts["suppressed"] & page.counts["group"].isin(ROLES)]
    title = f"Kommentarer per tema och roll – {page.municipality_name}"
    groups = role_names(page.survey.instrument).group_labels
    if not hidden.empty:
        note = hidden.drop_duplicates("group")
        show_markdown("*Rollerna redovisas inte var för sig: "
                      + "; ".join(f"{groups[g].lower()}: {n}" for g, n in zip(note["group"], note["note"]))
                      + ".*")
    ax = theme_chart(page.counts, title=title, labels=groups)
    show_figure()
    write_tables(page.tables(), output_dir, [page.table_names[1]])
    return ax


# ---------------------------------------------------------------------------------------------
# Interactive view
# ---------------------------------------------------------------------------------------------
def interactive_view(survey: Survey, *, municipality: str, theme: str | None = None,
                     threshold: int | None = None, review: pd.DataFrame | str | Path | None = None,
                     enabled: bool = True):
    """Dropdowns for municipality and theme that redraw the quotes in place.

    Does nothing (returns None) unless ``enabled`` and running in a Jupyter kernel: batch runs
    (papermill, ``interactive=False``) get the static page only. Returns the widget box otherwise.
    """
    if not enabled or not in_kernel():
        return None
    import ipywidgets as widgets

    codebook = load_themes()
    muni = widgets.Dropdown(description="Kommun",
                            options=[(f"{survey.municipality_name(c)} ({c})", c) for c in survey.municipality_codes],
                            value=survey.resolve_municipality(municipality))
    chosen = _resolve_theme(theme, codebook)
    pick = widgets.Dropdown(description="Tema", options=[("Alla teman", None), *[(t.name, t.name) for t in codebook]],
                            value=chosen, layout=widgets.Layout(width="24em"))
    out = widgets.Output()

    def redraw(*_):
        with out:
            out.clear_output(wait=True)
            page = build_quotes(survey, muni.value, theme=pick.value, threshold=threshold, review=review)
            show_quotes(page)
            plt.close("all")

    for w in (muni, pick):
        w.observe(redraw, names="value")
    box = widgets.VBox([widgets.HBox([muni, pick]), out])
    redraw()
    show(box)
    return box
