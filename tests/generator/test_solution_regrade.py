"""What the autograder relies on: a solution notebook handed in as its student's submission grades as full
marks, the untouched student notebook as zero (every slot missing). Answers are read from the cells with
``ast`` (nothing is executed) and graded against the variant regenerated from the manifest."""

import ast
import json

import pytest
from generated_files import answer_cells, read_notebook

from cnnexam.model.grading import CORRECT, MISSING, grade_variant
from cnnexam.templates import all_templates


def extract(cell: dict):
    """The raw answer in an answer cell: the right-hand side of its one assignment to the slot's variable
    (text and booleans as themselves, ``...`` as no answer, anything else as its source text)."""
    variable = cell["metadata"]["cnnexam"]["variable"]
    tree = ast.parse(cell["source"])
    (assignment,) = [s for s in tree.body if isinstance(s, ast.Assign)]
    assert [ast.unparse(t) for t in assignment.targets] == [variable]
    value = assignment.value
    if isinstance(value, ast.Constant):
        if value.value is Ellipsis:
            return None
        if isinstance(value.value, (str, bool)):
            return value.value
    return ast.get_source_segment(cell["source"], value)


def regrade(out, notebook_folder: str):
    """(student id, question, points, results) for every question of every student's notebook in the folder."""
    manifest = json.loads((out / "instructor" / "manifest.json").read_text(encoding="utf-8"))
    templates = all_templates()
    for entry in manifest["students"]:
        notebook = read_notebook(out / notebook_folder / f"{entry['id']}.ipynb")
        raw: dict[int, dict] = {}
        for cell in answer_cells(notebook):
            meta = cell["metadata"]["cnnexam"]
            raw.setdefault(meta["question"], {})[meta["slot"]] = extract(cell)
        for q in entry["questions"]:
            template = templates[q["template"]]
            assert template.version == q["template_version"]
            variant = template.variant(q["seed"], q["difficulty"])
            assert variant.variant_id == q["variant_id"]
            assert set(raw[q["number"]]) == {s.id for s in variant.slots}
            yield entry["id"], q, grade_variant(variant, raw[q["number"]])


@pytest.mark.parametrize("mode", ["exam_out", "practice_out"])
def test_solution_notebooks_grade_as_full_marks(mode, request):
    out = request.getfixturevalue(mode)
    graded = 0
    for sid, q, results in regrade(out, "instructor/solutions"):
        assert [r.status for r in results] == [CORRECT] * len(results), (sid, q["number"], results)
        # the notebook's points (question points shared over the slots) add up to the question's points
        assert sum(q["slots"][r.slot]["points"] for r in results if r.earned == r.points) == q["points"]
        graded += len(results)
    assert graded > 30 * 25


@pytest.mark.parametrize("mode", ["exam_out", "practice_out"])
def test_untouched_student_notebooks_grade_as_zero(mode, request):
    out = request.getfixturevalue(mode)
    for sid, q, results in regrade(out, "students"):
        assert [(r.status, r.earned) for r in results] == [(MISSING, 0.0)] * len(results), (sid, q["number"])


def test_extract_reads_what_students_write():
    def cell(source):
        return {"source": source, "metadata": {"cnnexam": {"variable": "q1_x"}}}

    assert extract(cell("# (a) a shape\nq1_x = ...")) is None
    assert extract(cell("# (a)\nq1_x = (6, 28, 28)")) == "(6, 28, 28)"
    assert extract(cell("q1_x = [[1, 2],\n        [3, 15/4]]")) == "[[1, 2],\n        [3, 15/4]]"
    assert extract(cell('q1_x = "B"')) == "B"
    assert extract(cell("q1_x = False")) is False
