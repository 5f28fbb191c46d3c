"""What a student reads in the notebook before each answer cell: a choice question lists its options."""

import pytest
from test_typst import catalog_paper

from cnnexam.generator.notebook import render_notebooks
from cnnexam.templates import all_templates


@pytest.mark.parametrize("difficulty, seed", [("easy", 11), ("medium", 12), ("hard", 13), ("medium", 14)])
def test_choice_options_are_listed_before_their_answer_cell(difficulty, seed):
    paper = catalog_paper(list(all_templates()), difficulty, seed)
    student, _ = render_notebooks(paper)
    cells = student["cells"]
    choices = 0
    for question in paper.questions:
        for slot in question.variant.slots:
            if slot.type.kind not in ("single-choice", "multiple-choice"):
                continue
            choices += 1
            at = next(i for i, c in enumerate(cells) if c["metadata"].get("nbgrader", {}).get("grade_id")
                      == question.grade_id(slot.id))
            prompt = cells[at - 1]
            assert prompt["cell_type"] == "markdown"
            listed = [line for line in prompt["source"].splitlines() if line.startswith("- **")]
            assert listed == [f"- **{'ABCDEFGH'[i]})** {option}" for i, option in enumerate(slot.type.options)]
    assert choices >= 3  # the catalog has choice questions at every difficulty
