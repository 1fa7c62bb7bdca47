"""Reference data with provenance: ``tests/data/<paper>/<name>.json``, each folder with a ``SOURCE.md`` saying where
every number comes from (a paper's table or figure, the authors' code at a commit, or a formula written out)."""

import json
from pathlib import Path

DATA = Path(__file__).resolve().parent / "data"


def reference(paper: str, name: str) -> dict:
    """The JSON record ``tests/data/<paper>/<name>.json``."""
    return json.loads((DATA / paper / f"{name}.json").read_text())
