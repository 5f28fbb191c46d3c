"""Generated exams shared by the generator tests: the example spec and roster from ``cnnexam init``,
generated once in exam mode and once in practice mode (notebooks only, so no test depends on the PDF
renderer)."""

from pathlib import Path

import pytest

from cnnexam.cli import main
from cnnexam.generator.exam import generate_exam
from cnnexam.generator.spec import load_roster, load_spec


@pytest.fixture(scope="session")
def example(tmp_path_factory) -> Path:
    """A folder holding ``exam.toml`` (exam mode) and ``roster.csv`` as ``cnnexam init`` writes them."""
    folder = tmp_path_factory.mktemp("example")
    assert main(["init", str(folder)]) == 0
    return folder


@pytest.fixture(scope="session")
def practice_spec(example) -> Path:
    """The example spec switched to practice mode."""
    text = (example / "exam.toml").read_text(encoding="utf-8")
    assert '\nmode = "exam"' in text
    path = example / "practice.toml"
    path.write_text(text.replace('\nmode = "exam"', '\nmode = "practice"'), encoding="utf-8")
    return path


def _generate(spec_path: Path, roster_path: Path, out: Path, workers: int) -> Path:
    generate_exam(load_spec(spec_path), load_roster(roster_path), out, ("ipynb",), workers)
    return out


@pytest.fixture(scope="session")
def exam_out(example, tmp_path_factory) -> Path:
    return _generate(example / "exam.toml", example / "roster.csv", tmp_path_factory.mktemp("exam") / "out", 2)


@pytest.fixture(scope="session")
def practice_out(example, practice_spec, tmp_path_factory) -> Path:
    return _generate(practice_spec, example / "roster.csv", tmp_path_factory.mktemp("practice") / "out", 2)


@pytest.fixture(scope="session")
def generate():
    """``generate(spec, roster, out, workers)``: one more generation, for comparisons."""
    return _generate
