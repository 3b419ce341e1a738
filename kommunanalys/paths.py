"""Every path the package uses, resolved in one place.

The project is used from a checkout (``pip install -e .``): data, notebooks and the default report
folder live beside the package. ``KOMMUNANALYS_HOME`` overrides the project root.
"""

from __future__ import annotations

import os
from pathlib import Path

__all__ = [
    "PROJECT_ROOT",
    "DATA_DIR",
    "NOTEBOOKS_DIR",
    "REPORTS_DIR",
    "INSTRUMENT_FILE",
    "MUNICIPALITIES_FILE",
    "DEMO_EXPORT",
    "DEMO_DIR",
    "DEMO_PREVIOUS_EXPORT",
    "DEMO_POPULATION",
]

PROJECT_ROOT = Path(os.environ.get("KOMMUNANALYS_HOME", Path(__file__).resolve().parent.parent))
DATA_DIR = PROJECT_ROOT / "data"
NOTEBOOKS_DIR = PROJECT_ROOT / "notebooks"
REPORTS_DIR = PROJECT_ROOT / "reports"

INSTRUMENT_FILE = DATA_DIR / "instrument.yaml"
MUNICIPALITIES_FILE = DATA_DIR / "kommuner.csv"
DEMO_DIR = DATA_DIR / "demo"
DEMO_EXPORT = DEMO_DIR / "syntetisk_enkat_varmland.csv"
#: The demo's previous round (2024), for the changes since then (:mod:`kommunanalys.rounds`).
DEMO_PREVIOUS_EXPORT = DEMO_DIR / "syntetisk_enkat_varmland_2024.csv"
DEMO_POPULATION = DEMO_DIR / "syntetisk_population_varmland.csv"
