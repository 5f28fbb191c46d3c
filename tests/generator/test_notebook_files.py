"""The generated notebooks as files: valid for nbformat and nbgrader, locked where they must be, and the
student's copy holds no answers (in exam mode not even hashes)."""

import ast
import copy
import json
import re

import nbformat
import pytest
from generated_files import answer_cells, read_notebook, selfcheck_cell
from nbgrader.nbgraderformat import MetadataValidator, ValidationError

from cnnexam.model.spec_types import public_spec
from cnnexam.templates import all_templates

MODES = ["exam_out", "practice_out"]


def notebooks(out):
    """(student id, student notebook, solution notebook) for every student."""
    for path in sorted((out / "students").glob("*.ipynb")):
        yield path.stem, read_notebook(path), read_notebook(out / "instructor" / "solutions" / path.name)


def data_of(cell: dict) -> dict:
    """The JSON handed to check(globals(), ...) in a self-check cell, read without running anything."""
    call = ast.parse(cell["source"]).body[0].orelse[0].value
    assert ast.unparse(call.func) == "check" and ast.unparse(call.args[0]) == "globals()"
    return json.loads(call.args[1].value)


@pytest.mark.parametrize("mode", MODES)
def test_valid_for_nbformat_and_nbgrader(mode, request):
    out = request.getfixturevalue(mode)
    validator = MetadataValidator()
    count = 0
    for _, student, solution in notebooks(out):
        for notebook in (student, solution):
            node = nbformat.from_dict(notebook)
            nbformat.validate(node)
            validator.validate_nb(node)
            count += 1
    assert count == 60


def test_nbgrader_validator_catches_a_duplicate_grade_id(exam_out):
    # the validator above is not vacuous: a notebook breaking nbgrader's rules fails it
    _, student, _ = next(notebooks(exam_out))
    broken = copy.deepcopy(student)
    first, second = answer_cells(broken)[:2]
    second["metadata"]["nbgrader"]["grade_id"] = first["metadata"]["nbgrader"]["grade_id"]
    with pytest.raises(ValidationError, match="Duplicate grade id: q1-shape"):
        MetadataValidator().validate_nb(nbformat.from_dict(broken))


@pytest.mark.parametrize("mode", MODES)
def test_cell_roles(mode, request):
    """Prompts locked, one graded code cell per slot with its points, a locked self-check cell last."""
    out = request.getfixturevalue(mode)
    manifest = json.loads((out / "instructor" / "manifest.json").read_text(encoding="utf-8"))
    entries = {s["id"]: s for s in manifest["students"]}
    for sid, student, solution in notebooks(out):
        # the same cells, the solution notebook adding one worked solution per question
        assert [c["id"] for c in student["cells"]] == [c["id"] for c in solution["cells"] if not c["id"].endswith("-solution")]
        for notebook in (student, solution):
            cells = notebook["cells"]
            grade_ids = [c["metadata"]["nbgrader"]["grade_id"] for c in cells]
            assert len(set(grade_ids)) == len(grade_ids)
            for cell in cells:
                meta = cell["metadata"]["nbgrader"]
                assert meta["schema_version"] == 3
                assert ("points" in meta) == meta["grade"]
                if meta["grade"]:
                    assert cell["cell_type"] == "code" and meta["solution"] and not meta["locked"]
                    assert cell["metadata"]["editable"] and not cell["metadata"]["deletable"]
                else:
                    assert meta["locked"] and not meta["solution"]
                    assert not cell["metadata"]["editable"] and not cell["metadata"]["deletable"]
            assert cells[-1]["id"] == "selfcheck" and cells[-1]["cell_type"] == "code"
            graded = [c for c in cells if c["metadata"]["nbgrader"]["grade"]]
            assert graded == answer_cells(notebook)
            # manifest.json sorts its keys: compare the slots in that order
            slots = {(q["number"], slot_id): slot for q in entries[sid]["questions"] for slot_id, slot in q["slots"].items()}
            assert sorted((c["metadata"]["cnnexam"]["question"], c["metadata"]["cnnexam"]["slot"]) for c in graded) == sorted(slots)
            for cell in graded:
                slot = slots[cell["metadata"]["cnnexam"]["question"], cell["metadata"]["cnnexam"]["slot"]]
                assert cell["metadata"]["nbgrader"]["grade_id"] == slot["grade_id"]
                assert cell["metadata"]["nbgrader"]["points"] == slot["points"]
                assert cell["metadata"]["cnnexam"]["variable"] == slot["variable"]
            assert sum(c["metadata"]["nbgrader"]["points"] for c in graded) == sum(q["points"] for q in entries[sid]["questions"])


@pytest.mark.parametrize("mode", MODES)
def test_student_notebooks_hold_no_answers(mode, request):
    out = request.getfixturevalue(mode)
    key = json.loads((out / "instructor" / "key.json").read_text(encoding="utf-8"))
    manifest = json.loads((out / "instructor" / "manifest.json").read_text(encoding="utf-8"))
    kinds = {(s["id"], str(q["number"]), slot_id): slot["type"]["kind"]
             for s in manifest["students"] for q in s["questions"] for slot_id, slot in q["slots"].items()}
    for sid, student, solution in notebooks(out):
        text = (out / "students" / f"{sid}.ipynb").read_text(encoding="utf-8")
        # every answer cell is the solution's cell with the answer replaced by the placeholder
        for mine, theirs in zip(answer_cells(student), answer_cells(solution), strict=True):
            comment, assignment = mine["source"].split("\n")
            variable = mine["metadata"]["cnnexam"]["variable"]
            assert assignment == f"{variable} = ..."
            assert theirs["source"].split("\n")[0] == comment
            assert theirs["source"].split("\n")[1] != assignment
        # no worked solution anywhere
        assert "Worked solution" not in text
        assert not [c for c in student["cells"] if c["id"].endswith("-solution")]
        for cell in solution["cells"]:
            if cell["id"].endswith("-solution"):
                body = cell["source"].split("\n\n", 1)[1].strip()
                assert body not in text
        # matrices are long enough that finding one anywhere would be a leak, in any notation
        for (owner, question, slot_id), kind in kinds.items():
            if owner == sid and kind == "array":
                answer = key[sid][question][slot_id]
                for form in (json.dumps(answer), json.dumps(answer, separators=(",", ":")), str(answer)):
                    assert form not in text, (sid, question, slot_id)
        assert student["metadata"]["cnnexam"]["solution"] is False


@pytest.mark.parametrize("mode", MODES)
def test_selfcheck_data(mode, request):
    """Exam mode: variables and public answer types only, no hash or salt. Practice mode: a salt and hashes
    per slot as well, never the answer."""
    out = request.getfixturevalue(mode)
    manifest = json.loads((out / "instructor" / "manifest.json").read_text(encoding="utf-8"))
    templates = all_templates()
    for entry in manifest["students"]:
        student = read_notebook(out / "students" / f"{entry['id']}.ipynb")
        solution = read_notebook(out / "instructor" / "solutions" / f"{entry['id']}.ipynb")
        cell = selfcheck_cell(student)
        assert cell == selfcheck_cell(solution)
        data = data_of(cell)
        assert data["mode"] == mode.removesuffix("_out")
        expected = []
        for q in entry["questions"]:
            variant = templates[q["template"]].variant(q["seed"], q["difficulty"])
            for slot in variant.slots:
                expected.append({"question": q["number"], "variable": q["slots"][slot.id]["variable"],
                                 "type": public_spec(slot.type)})
        assert [{k: s[k] for k in ("question", "variable", "type")} for s in data["slots"]] == expected
        for slot in data["slots"]:
            if mode == "exam_out":
                assert set(slot) == {"question", "letter", "variable", "type"}
            else:
                assert set(slot) == {"question", "letter", "variable", "type", "salt", "hashes"}
                assert re.fullmatch("[0-9a-f]{16}", slot["salt"])
                assert slot["hashes"] and all(re.fullmatch("[0-9a-f]{32}", h) for h in slot["hashes"])
        if mode == "exam_out":
            assert not re.search("[0-9a-f]{16}", cell["source"])
