"""What instructors and rosters write (instructions, names, ids, titles) prints as written in the notebook
and the PDF: only the instructions' $...$ maths and `code` are read as such."""

import dataclasses

import pytest
from test_typst import compile_clean, synthetic_paper

from cnnexam.generator.notebook import render_notebooks
from cnnexam.generator.spec import SpecError, load_spec
from cnnexam.generator.typst import render_typst

VALID = '''course = "Deep Learning"
title = "Quiz"
seed = 7

[[sections]]
[[sections.questions]]
template = "conv2d-output"
'''

INSTRUCTIONS = "Fees: $5 and $10 (\\$x$ too). Use $x_i$ and `np.sum`."


def with_instructions(text: str):
    paper = synthetic_paper()
    return dataclasses.replace(paper, spec=dataclasses.replace(paper.spec, instructions=text))


def header(paper) -> str:
    return render_notebooks(paper)[0]["cells"][0]["source"]


def test_dollars_that_are_money_print_literally_and_maths_stays_maths():
    paper = with_instructions(INSTRUCTIONS)
    assert "Fees: \\$5 and \\$10 (\\$x\\$ too). Use $x_i$ and `np.sum`." in header(paper)
    source = render_typst(paper)
    assert 'Fees: \\$5 and \\$10 (\\$x\\$ too). Use $x_(i)$ and #{raw("np.sum")}.' in source
    compile_clean(source)


@pytest.mark.parametrize("text, message", [
    ("Use $\\foo{x}$.", "cannot translate the LaTeX '\\\\foo{x}': the command \\foo is not in the supported subset"),
    ("Use $x^$.", "cannot translate the LaTeX 'x^': a command or ^/_ without its argument"),
])
def test_maths_the_papers_cannot_print_is_an_error_at_load_time(tmp_path, text, message):
    path = tmp_path / "exam.toml"
    path.write_text(VALID.replace("seed = 7\n", f"seed = 7\ninstructions = '''{text}'''\n"), encoding="utf-8")
    with pytest.raises(SpecError) as error:
        load_spec(path)
    assert str(error.value) == (f"{path}: instructions: {message}; expected text with $...$ maths in the LaTeX "
                                "subset of the questions (a dollar that is not maths: \\$)")
