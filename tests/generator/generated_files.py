"""Reading generated notebooks in the generator tests."""

import json
from pathlib import Path


def read_notebook(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def answer_cells(notebook: dict) -> list[dict]:
    return [c for c in notebook["cells"] if "variable" in c["metadata"].get("cnnexam", {})]


def selfcheck_cell(notebook: dict) -> dict:
    (cell,) = [c for c in notebook["cells"] if c["id"] == "selfcheck"]
    return cell
