"""Build the second questionnaire's export and key figures (seeded; run from the project root):

    python tests/data/second_survey/make_fixture.py

A questionnaire that shares nothing with the bundled instrument: other numbering (21-28), other
role labels ("Politiker", "Anställd"), a 4-level "stämmer"-scale without a centre plus "Ingen
uppfattning", other questions and themes (decision documents and commissions; digital tools and
citizen dialogue). Invented answers for three municipalities of Värmland; no real person answered.
The key figures are invented too (labelled in their `source` column, but not as the demo's
ILLUSTRATIV figures).
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np

HERE = Path(__file__).parent
SEED = 20261206
MUNICIPALITIES = {"Hammarö": 14, "Karlstad": 16, "Arvika": 14}  # respondents per role and municipality
ROLE = "21. Vilken är din huvudsakliga roll?"
ROLES = {"förtroendevald": "Politiker", "tjänsteperson": "Anställd"}
BACKGROUND = "22. Hur ofta deltar du i dialogmöten mellan politik och förvaltning?"
SCALE = ["Stämmer inte alls", "Stämmer ganska dåligt", "Stämmer ganska bra", "Stämmer helt"]
NO_OPINION = "Ingen uppfattning"
LIKERT = [
    "23. Stämmer det att beslutsunderlagen är tydliga och håller god kvalitet?",
    "24. Stämmer det att nämndernas uppdrag till förvaltningen är tydligt formulerade?",
    "26. Stämmer det att digitala verktyg används väl i det dagliga arbetet?",
    "27. Stämmer det att medborgardialogen påverkar nämndernas prioriteringar?",
]
COMMENTS = {
    "25. Kommentera gärna beslutsunderlagen och uppdragen.": [
        "Underlagen kommer ofta sent och budgeten för uppdraget saknas helt i beslutet.",
        "Vi får uppdrag utan att kostnaden är beräknad, det gör uppföljningen svår i efterhand.",
        "Dialogen mellan nämnd och förvaltning om uppdragen har blivit bättre det senaste året.",
        "Målen i uppdragen är otydliga och ändras mellan budgetåren, svårt att planera verksamheten.",
        "Mer tillit till att förvaltningen kan ta fram underlag i rätt tid skulle hjälpa alla.",
    ],
    "28. Kommentera gärna digitala verktyg och medborgardialogen.": [
        "Medborgardialogen blir sällan mer än ett samråd, dialogen med invånarna påverkar lite.",
        "De digitala verktygen kostar mycket men används inte fullt ut i verksamheten idag.",
        "Vi behöver mer samverkan mellan förvaltningarna kring digitala system och budget för dem.",
        "Förtroendet för dialogen sjunker när förslagen från invånarna inte följs upp.",
        "Uppföljningen av vad digitaliseringen ger i kvalitet och ekonomi saknas nästan helt.",
    ],
}


def main() -> None:
    rng = np.random.default_rng(SEED)
    header = ["Respondent-ID", "Kommun", ROLE, BACKGROUND, LIKERT[0], LIKERT[1], *list(COMMENTS)[:1],
              LIKERT[2], LIKERT[3], *list(COMMENTS)[1:]]
    rows = []
    rid = 0
    for name, per_role in MUNICIPALITIES.items():
        for role, label in ROLES.items():
            for _ in range(per_role):
                rid += 1
                lean = 0.6 if role == "förtroendevald" else -0.3
                row = {"Respondent-ID": f"S{rid:04d}", "Kommun": name, ROLE: label,
                       BACKGROUND: rng.choice(["Aldrig", "Ibland", "Ofta"])}
                for q in LIKERT:
                    if rng.random() < 0.06:
                        row[q] = NO_OPINION
                    else:
                        level = int(np.clip(np.round(1.5 + lean + rng.normal(0, 1.0)), 0, 3))
                        row[q] = SCALE[level]
                for q, texts in COMMENTS.items():
                    row[q] = texts[int(rng.integers(len(texts)))] if rng.random() < 0.5 else ""
                rows.append(row)
    with open(HERE / "export.csv", "w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=header, delimiter=";")
        writer.writeheader()
        writer.writerows(rows)
    # key figures of the result chain (invented), one year, for the three municipalities
    figures = {"1761": (118_400, 91.5), "1780": (112_300, 86.4), "1784": (124_900, 83.2)}
    with open(HERE / "key_figures.csv", "w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["kpi", "municipality_code", "period", "gender", "value", "source"])
        for code, (cost, share) in figures.items():
            writer.writerow(["N15027", code, 2023, "T", cost, "påhittade testvärden"])
            writer.writerow(["N15428", code, 2023, "T", share, "påhittade testvärden"])


if __name__ == "__main__":
    main()
