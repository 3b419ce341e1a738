"""Write ``adversarial_export.csv``: a survey export built to probe the disclosure rules.

Source: the package's own synthetic generator (:func:`kommunanalys.demo.generate_survey`, seed 12)
cut down to groups of 3–6 per role, with planted personal data and active content in the
comments. Run ``python tests/data/make_adversarial_export.py`` to rebuild it (seeded: the same
file every time). Nothing in it is real.

Design (what each municipality probes):

* 1761 Hammarö: förtroendevalda 6, chefer 3, övriga 5, one tjänsteperson who left the subgroup
  question blank (the "ej angivet" group of 1 that another group must be hidden to protect).
* 1762 Munkfors: förtroendevalda 4, chefer 5, övriga 6 (a role under the threshold 5).
* 1780 Karlstad: förtroendevalda 6, chefer 6, övriga 6 (everything shown; a pool member).
* 1763 Forshaga: förtroendevalda 5, chefer 3, övriga 5 (central managers hidden in their own
  municipality: they must not enter any survey-wide pool).
* 1764 Grums: one respondent (a tjänsteperson).

Comments carry personnummer, e-mail, phone numbers, full names, markup (links, images,
``javascript:`` and ``data:`` URLs, HTML) and formula-leading text (``=``, ``+``, ``-``, ``@``).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from kommunanalys.demo import generate_survey, write_export

HERE = Path(__file__).parent
TARGET = HERE / "adversarial_export.csv"
SEED = 12

#: municipality name -> (förtroendevalda, chefer, övriga, tjänstepersoner without subgroup)
DESIGN = {
    "Hammarö": (6, 3, 5, 1),
    "Munkfors": (4, 5, 6, 0),
    "Karlstad": (6, 6, 6, 0),
    "Forshaga": (5, 3, 5, 0),
    "Grums": (0, 0, 0, 1),
}

#: Planted personal data: the tests look for every one of these strings in every output.
PLANTED = {
    "personnummer": "19850312-2386",
    "email": "anna.svensson@hammaro.se",
    "phone": "070-123 45 67",
    "name": "Stefan Löfgren",
    "name2": "Karin Ekström",
}

COMMENTS = [
    f"Ring mig på {PLANTED['phone']} om tilliten, det är allvarligt.",
    f"Mitt personnummer är {PLANTED['personnummer']} och jag vill bli kontaktad.",
    f"Skriv till {PLANTED['email']} så berättar jag mer om målstyrningen.",
    f"{PLANTED['name']} bestämmer allt och lyssnar inte på förvaltningen.",
    f"Kommunstyrelsens ordförande {PLANTED['name2']} borde avgå.",
    "=HYPERLINK(\"http://evil.example/x\",\"klicka här\") uppföljningen fungerar dåligt.",
    "+cmd|' /C calc'!A0 ekonomin följs upp för sällan.",
    "-2+3 är ungefär vad budgeten säger om kvaliteten.",
    "@SUM(1+1) målen är otydliga för verksamheten.",
    "[här](javascript:alert(1)) finns mer om tilliten mellan politik och förvaltning.",
    "![](https://tracker.example/pixel.png) uppföljningen saknar analys.",
    "<script>alert('x')</script> målen känns avlägsna i vardagen.",
    "Läs mer på https://evil.example/leak om hur analysen går till.",
    "[länk](data:text/html;base64,PHNjcmlwdD4=) kvaliteten följs inte upp.",
    "Tilliten är god men dialogen kan bli bättre i nämnderna.",
    "Uppföljningen av ekonomin är tydlig och används i besluten.",
]


def build() -> Path:
    """Write the export and return its path."""
    rng = np.random.default_rng(SEED)
    frame = generate_survey(["1761", "1762", "1780", "1763", "1764"], seed=SEED)
    role, sub = frame.columns[3], frame.columns[4]
    comment_columns = [c for c in frame.columns if c.split(".")[0] in {"9", "11", "13", "15"}]
    fv_rows = list(frame.index[frame[role] == "Förtroendevald"])
    tp_rows = list(frame.index[frame[role] == "Tjänsteperson"])
    keep = []
    for name, (n_fv, n_chef, n_other, n_blank) in DESIGN.items():
        fv, fv_rows = fv_rows[:n_fv], fv_rows[n_fv:]
        tp, tp_rows = tp_rows[:n_chef + n_other + n_blank], tp_rows[n_chef + n_other + n_blank:]
        frame.loc[fv + tp, "Kommun"] = name
        frame.loc[tp, sub] = ["Ja"] * n_chef + ["Nej"] * n_other + [""] * n_blank
        keep.extend([*fv, *tp])
    out = frame.loc[sorted(keep)].reset_index(drop=True)
    # every respondent comments on every comment question: planted texts first, in turn
    texts = [COMMENTS[(i + j) % len(COMMENTS)] for i in range(len(out)) for j in range(len(comment_columns))]
    order = rng.permutation(len(texts))
    for j, column in enumerate(comment_columns):
        out[column] = [texts[order[i * len(comment_columns) + j]] for i in range(len(out))]
    return write_export(out, TARGET, encoding="utf-8-sig")


if __name__ == "__main__":  # pragma: no cover
    print(build())
