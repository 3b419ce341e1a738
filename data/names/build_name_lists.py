"""Rebuild the name lists in this folder (a maintainer's tool, not run by the package).

The screening in ``kommunanalys.screening`` reads three small text files from this folder at run
time; this script regenerates them from packages on PyPI, so the lists can be audited and
refreshed. It needs build-time-only packages that the package itself does not depend on::

    pip install "faker==40.63.0" "mimesis==22.2.0" "hunspell-sv==2026.10.25" "spylls==0.1.7"
    python data/names/build_name_lists.py

Outputs (UTF-8, one entry a line, sorted, ``#`` lines are comments):

``first_names.txt``
    Swedish first names: Faker's ``sv_SE`` person provider (Isof's top-500 female and male first
    names, 2023) united with Mimesis' ``sv`` person data set.
``surnames.txt``
    Swedish surnames: Faker's ``sv_SE`` provider (Skatteverket's top-500 surnames, 2025) united with
    Mimesis' ``sv`` surnames.
``name_words.txt``
    Lower-case forms of those names (and of their genitive in -s) that are also ordinary Swedish
    words according to the hunspell-sv dictionary (``hans``, ``per``, ``bo``, ``berg``, ...). The
    screening treats such a word as a name only when the context says so.
"""

from __future__ import annotations

import json
import sysconfig
from importlib import resources
from pathlib import Path

HERE = Path(__file__).resolve().parent

# Single-letter and two-letter tokens, and entries that are really particles, are dropped: they
# would be masked out of ordinary text far more often than they name anyone.
_DROP = {"Af", "Von", "Van", "De", "La", "Le", "Di", "Da", "El", "Al"}


def _faker_names() -> tuple[set[str], set[str]]:
    from faker.providers.person.sv_SE import Provider

    first = set(Provider.first_names_female) | set(Provider.first_names_male)
    last = set(Provider.last_names)
    return first, last


def _mimesis_names() -> tuple[set[str], set[str]]:
    path = resources.files("mimesis") / "datasets" / "sv" / "person.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    names = data["names"]
    first = set(names.get("female", [])) | set(names.get("male", []))
    last = set(data["surnames"])
    if isinstance(data["surnames"], dict):  # some mimesis versions split surnames by gender
        last = set().union(*data["surnames"].values())
    return first, last


def _clean(names: set[str]) -> list[str]:
    out = set()
    for name in names:
        name = name.strip()
        # Multi-word entries ("Af Jochnick") are split: each part is looked up on its own.
        for part in name.split():
            if len(part) >= 2 and part not in _DROP and part[0].isupper():
                out.add(part)
    return sorted(out, key=str.casefold)


def _write(path: Path, header: str, items: list[str]) -> None:
    text = "".join(f"# {line}\n" for line in header.strip().splitlines())
    text += "".join(f"{item}\n" for item in items)
    path.write_text(text, encoding="utf-8")


def main() -> None:
    from spylls.hunspell import Dictionary

    dic_base = Path(sysconfig.get_path("data")) / "share" / "hunspell" / "sv_SE_expanded"
    dictionary = Dictionary.from_files(str(dic_base))

    def is_word(name: str) -> bool:
        return any(dictionary.lookup(part.lower()) for part in name.split("-"))

    f1, l1 = _faker_names()
    f2, l2 = _mimesis_names()
    # Mimesis' lists hold runic-era and invented entries ("Gilla", "Gynna", "Namn"): from it we
    # keep only the entries that are not also ordinary Swedish words. Faker's lists come from
    # official statistics and are kept whole.
    f2 = {name for name in _clean(f2) if not is_word(name)}
    l2 = {name for name in _clean(l2) if not is_word(name)}
    first = _clean(f1 | f2)
    last = _clean(l1 | l2)
    words = set()
    for name in set(first) | set(last):
        for part in name.split("-"):
            for form in (part.lower(), part.lower() + "s"):
                if dictionary.lookup(form):
                    words.add(form)
    _write(
        HERE / "first_names.txt",
        "Swedish first names. Built by build_name_lists.py from Faker sv_SE (Isof top-500 2023, MIT)\n"
        "and Mimesis sv person data (MIT). See data/README_screening.md.",
        first,
    )
    _write(
        HERE / "surnames.txt",
        "Swedish surnames. Built by build_name_lists.py from Faker sv_SE (Skatteverket top-500 2025,\n"
        "MIT) and Mimesis sv person data (MIT). See data/README_screening.md.",
        last,
    )
    _write(
        HERE / "name_words.txt",
        "Lower-case name forms that are also ordinary Swedish words (hunspell-sv, LGPL-3.0).\n"
        "Built by build_name_lists.py. See data/README_screening.md.",
        sorted(words),
    )
    print(f"{len(first)} first names, {len(last)} surnames, {len(words)} name words")


if __name__ == "__main__":
    main()
