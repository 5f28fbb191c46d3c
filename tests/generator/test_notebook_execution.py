"""Student and solution notebooks run top to bottom in a real Jupyter kernel (nbclient + ipykernel), and the
self-check cell reports what it must: in practice mode every answer of the solution right and nothing of
the untouched student notebook; in exam mode formats only."""

import re
import sys

import nbformat
import pytest
from generated_files import answer_cells
from ipykernel.kernelspec import write_kernel_spec
from jupyter_client.kernelspec import KernelSpecManager
from nbclient import NotebookClient


@pytest.fixture(scope="module")
def kernel_path(tmp_path_factory):
    """A Jupyter data folder whose python3 kernel is this test's own Python (which has cnnexam installed)."""
    folder = tmp_path_factory.mktemp("jupyter")
    write_kernel_spec(folder / "kernels" / "python3")
    return folder


def run(path, kernel_path, monkeypatch, cwd, allow_errors=False):
    """The notebook run top to bottom; with ``allow_errors``, every cell is run whatever the ones before raised
    (as a student running the cells one by one)."""
    monkeypatch.setenv("JUPYTER_PATH", str(kernel_path))
    assert KernelSpecManager().get_kernel_spec("python3").argv[0] == sys.executable
    notebook = nbformat.read(path, as_version=4)
    NotebookClient(notebook, kernel_name="python3", timeout=60, allow_errors=allow_errors,
                   resources={"metadata": {"path": str(cwd)}}).execute()
    return notebook


def report(notebook) -> list[str]:
    cell = notebook.cells[-1]
    assert cell.id == "selfcheck"
    assert [o.output_type for o in cell.outputs] == ["stream"] and cell.outputs[0].name == "stdout"
    return cell.outputs[0].text.splitlines()


def slot_lines(notebook) -> list[str]:
    return [f"Q{c.metadata.cnnexam.question}({chr(96 + i)}) {c.metadata.cnnexam.variable}: "
            for i, c in _lettered(notebook)]


def _lettered(notebook):
    letters = {}
    for cell in answer_cells(notebook):
        letters[cell.metadata.cnnexam.question] = letters.get(cell.metadata.cnnexam.question, 0) + 1
        yield letters[cell.metadata.cnnexam.question], cell


@pytest.mark.parametrize("mode", ["practice", "exam"])
def test_notebooks_run_and_report(mode, request, kernel_path, monkeypatch, tmp_path):
    out = request.getfixturevalue(f"{mode}_out")
    sid = "s007"
    solution = run(out / "instructor" / "solutions" / f"{sid}.ipynb", kernel_path, monkeypatch, tmp_path)
    student = run(out / "students" / f"{sid}.ipynb", kernel_path, monkeypatch, tmp_path)
    for notebook in (solution, student):
        errors = [o for c in notebook.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"]
        assert errors == []
        assert all(c.execution_count for c in notebook.cells if c.cell_type == "code")
    prefixes = slot_lines(solution)
    n = len(prefixes)
    assert prefixes == slot_lines(student) and n >= 25
    right = "right" if mode == "practice" else "format ok"
    title = ("Self-check (practice mode: right or wrong, without showing answers; not your grade)" if mode == "practice"
             else "Format check (exam mode: only whether each answer can be read, not whether it is right)")
    assert report(solution) == [title, *(p + right for p in prefixes), f"{n} answers: {n} {right}"]
    assert report(student) == [title, *(p + "not answered: replace the ... and run the cell" for p in prefixes),
                               f"{n} answers: {n} not answered"]


def test_a_student_working_in_practice_mode(practice_out, kernel_path, monkeypatch, tmp_path):
    """Answers typed into the student notebook: the key is right, a changed answer is wrong, and an answer
    the grader could not read is a format error, whatever Python makes of it."""
    solution = nbformat.read(practice_out / "instructor" / "solutions" / "s011.ipynb", as_version=4)
    notebook = nbformat.read(practice_out / "students" / "s011.ipynb", as_version=4)
    keyed, student = answer_cells(solution), answer_cells(notebook)
    student[0].source = keyed[0].source  # a shape, answered right
    name, answer = keyed[1].source.split("\n")[1].split(" = ")
    student[1].source = f"{name} = " + re.sub(r"\d+", lambda m: str(int(m[0]) + 1), answer, count=1)  # one cell off
    variable = student[2].metadata.cnnexam.variable
    student[2].source = f"n = 3\n{variable} = (1, n, n)"  # fine for Python, unreadable for the grader
    path = tmp_path / "s011.ipynb"
    nbformat.write(notebook, path)
    lines = report(run(path, kernel_path, monkeypatch, tmp_path))
    prefixes = slot_lines(notebook)
    assert lines[1] == prefixes[0] + "right"
    assert lines[2] == prefixes[1] + "wrong"
    assert lines[3].startswith(prefixes[2] + "format error: ")
    n = len(prefixes)
    assert lines[-1] == f"{n} answers: 1 right, 1 wrong, 1 format error, {n - 3} not answered"


def _as_a_student_types_it(answer: str) -> str | None:
    """The key's answer in a notation the grader reads and Python cannot run, if it has one: ``3x3`` for a
    shape, ``false`` for False, a letter or a word without its quotes; None for the others."""
    if re.fullmatch(r"\((\d+, )+\d+\)", answer):
        return answer.strip("()").replace(", ", "x")
    if answer in ("True", "False"):
        return answer.lower()
    if re.fullmatch(r'"[A-Za-z]+"', answer):
        return answer.strip('"')
    return None


def test_answers_python_cannot_run_are_checked_as_the_grader_reads_them(exam_out, kernel_path, monkeypatch, tmp_path):
    """``3x3``, ``false``, ``B``: each cell raises an error when run, and the format check says the answer
    can be read, as the grader reads the text, instead of calling it not run."""
    solution = nbformat.read(exam_out / "instructor" / "solutions" / "s013.ipynb", as_version=4)
    notebook = nbformat.read(exam_out / "students" / "s013.ipynb", as_version=4)
    raising = []
    for n, (keyed, cell) in enumerate(zip(answer_cells(solution), answer_cells(notebook), strict=True)):
        comment, assignment = keyed.source.split("\n")
        name, answer = assignment.split(" = ", 1)
        typed = _as_a_student_types_it(answer)
        cell.source = f"{comment}\n{name} = {typed or answer}"
        if typed:
            raising.append(n)
    assert len(raising) >= 5
    path = tmp_path / "s013.ipynb"
    nbformat.write(notebook, path)
    ran = run(path, kernel_path, monkeypatch, tmp_path, allow_errors=True)
    assert [n for n, c in enumerate(answer_cells(ran)) if any(o.output_type == "error" for o in c.outputs)] == raising
    prefixes = slot_lines(ran)
    raised = "Python raised an error running its cell, which does not matter: the grader reads the answer as written"
    assert report(ran)[1:] == [p + "format ok" + (f": {raised}" if n in raising else "") for n, p in enumerate(prefixes)] \
        + [f"{len(prefixes)} answers: {len(prefixes)} format ok"]
