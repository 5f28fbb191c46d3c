"""A corpus of broken exam specs and rosters, written as real files, each with the exact message it must get."""

from types import SimpleNamespace

import pytest

from cnnexam.generator.spec import SpecError, load_roster, load_spec

VALID = '''course = "Deep Learning"
title = "Quiz"
seed = 7
mode = "exam"

[[sections]]
title = "Convolution"

[[sections.questions]]
template = "conv2d-output"
difficulty = "medium"
points = 10
'''
Q = "sections[1].questions[1]"

SPECS = {
    "unknown-template": (VALID.replace('"conv2d-output"', '"conv2d-outptu"'),
                         (f"{Q}.template: unknown template id 'conv2d-outptu'; did you mean conv2d-output, "
                         "conv-output-shape, conv-transpose-output?")),
    "unknown-template-far": (VALID.replace('"conv2d-output"', '"zebra"'),
                             f"{Q}.template: unknown template id 'zebra'; `cnnexam templates` lists the ids"),
    "unknown-in-pool": (VALID.replace('template = "conv2d-output"', 'pool = ["pool-output", "max-pooling"]'),
                        (f"{Q}.pool: unknown template id 'max-pooling'; did you mean global-average-pooling, "
                        "pooling-concepts, maxpool-backward?")),
    "seed-text": (VALID.replace("seed = 7", 'seed = "abc"'),
                  "seed: expected a whole number >= 0 (the master seed), got 'abc'"),
    "seed-negative": (VALID.replace("seed = 7", "seed = -1"),
                      "seed: expected a whole number >= 0 (the master seed), got -1"),
    "seed-bool": (VALID.replace("seed = 7", "seed = true"),
                  "seed: expected a whole number >= 0 (the master seed), got True"),
    "seed-missing": (VALID.replace("seed = 7\n", ""), "seed: missing; expected a whole number >= 0 (the master seed)"),
    "points-text": (VALID.replace("points = 10", 'points = "ten"'),
                    f"{Q}.points: expected a number of points from 0.5 to 1000 in steps of 0.5, got 'ten'"),
    "points-zero": (VALID.replace("points = 10", "points = 0"),
                    f"{Q}.points: expected a number of points from 0.5 to 1000 in steps of 0.5, got 0"),
    "points-huge": (VALID.replace("points = 10", "points = 5000"),
                    f"{Q}.points: expected a number of points from 0.5 to 1000 in steps of 0.5, got 5000"),
    "course-number": (VALID.replace('course = "Deep Learning"', "course = 3"), "course: expected a non-empty string, got 3"),
    "course-blank": (VALID.replace('course = "Deep Learning"', 'course = "  "'),
                     "course: expected a non-empty string, got '  '"),
    "date-number": (VALID.replace("seed = 7", "seed = 7\ndate = 5"), "date: expected a string, got 5"),
    "title-missing": (VALID.replace('title = "Quiz"\n', ""), "title: missing; expected a non-empty string"),
    "sections-missing": (VALID.split("[[sections]]")[0], "sections: missing; expected at least one [[sections]] table"),
    "sections-single-brackets": (VALID.replace("[[sections]]", "[sections]").replace("[[sections.questions]]", "[sections.questions]"),
                                 "sections: expected [[sections]] tables (double brackets), got a single [sections] table"),
    "questions-without-section": (VALID.replace('[[sections]]\ntitle = "Convolution"\n', ""),
                                  "sections: [[sections.questions]] with no [[sections]] above it; start each section "
                                  "with [[sections]]"),
    "questions-missing": (VALID.split("[[sections.questions]]")[0],
                          "sections[1].questions: missing; expected at least one [[sections.questions]] table"),
    "unknown-key": (VALID.replace('title = "Quiz"', 'titel = "Quiz"'),
                    ("titel: unknown key (did you mean title?); expected one of course, date, instructions, mode, "
                    "sections, seed, title")),
    "points-not-half-steps": (VALID.replace("points = 10", "points = 7.3"),
                              f"{Q}.points: expected a number of points from 0.5 to 1000 in steps of 0.5, got 7.3"),
    "points-tiny": (VALID.replace("points = 10", "points = 0.001"),
                    f"{Q}.points: expected a number of points from 0.5 to 1000 in steps of 0.5, got 0.001"),
    "unknown-question-key": (VALID.replace("points = 10", "point = 10"),
                             f"{Q}.point: unknown key (did you mean points?); expected one of difficulty, points, pool, template"),
    "unknown-section-key": (VALID.replace('title = "Convolution"', 'title = "Convolution"\nweight = 2'),
                            "sections[1].weight: unknown key; expected one of questions, title"),
    "bad-mode": (VALID.replace('mode = "exam"', 'mode = "test"'), "mode: expected one of exam, practice, got 'test'"),
    "bad-difficulty": (VALID.replace('"medium"', '"extreme"'),
                       f"{Q}.difficulty: expected one of easy, medium, hard (the levels of conv2d-output), got 'extreme'"),
    "template-and-pool": (VALID.replace('template = "conv2d-output"', 'template = "conv2d-output"\npool = ["pool-output"]'),
                          f'{Q}: expected exactly one of template = "ID" or pool = ["ID", ...]'),
    "neither-template-nor-pool": (VALID.replace('template = "conv2d-output"\n', ""),
                                  f'{Q}: expected exactly one of template = "ID" or pool = ["ID", ...]'),
    "template-list": (VALID.replace('template = "conv2d-output"', 'template = ["conv2d-output", "pool-output"]'),
                      (f"{Q}.template: expected a template id string (pool = [...] draws from several), "
                      "got ['conv2d-output', 'pool-output']")),
    "empty-pool": (VALID.replace('template = "conv2d-output"', "pool = []"),
                   f"{Q}.pool: expected a non-empty list of template id strings, got []"),
    "pool-twice": (VALID.replace('template = "conv2d-output"', 'pool = ["pool-output", "conv2d-output", "pool-output"]'),
                   f"{Q}.pool: lists 'pool-output' twice"),
    "second-question": (VALID + '\n[[sections.questions]]\ntemplate = "pool-output"\ndifficulty = "hardest"\n',
                        ("sections[1].questions[2].difficulty: expected one of easy, medium, hard (the levels of "
                        "pool-output), got 'hardest'")),
    "long-value-cut-short": (VALID.replace('"conv2d-output"', '"' + "conv" * 100 + '"'),
                             f"{Q}.template: unknown template id '{('conv' * 9)[:35]}...'; `cnnexam templates` lists the ids"),
    "latex-in-basic-string": (VALID.replace("seed = 7", 'seed = 7\ninstructions = """\nUse $\\frac{1}{2}$."""'),
                              ('instructions: a backslash in a """ string is a TOML escape, so LaTeX\'s \\frac became a '
                               "control character; write the instructions in a \'\'\'...\'\'\' string (which keeps "
                               "backslashes) or double each backslash")),
    "latex-times-in-basic-string": (VALID.replace("seed = 7", 'seed = 7\ninstructions = "a $3 \\times 3$ grid"'),
                                    ('instructions: a backslash in a """ string is a TOML escape, so LaTeX\'s \\times '
                                     "became a control character; write the instructions in a \'\'\'...\'\'\' string "
                                     "(which keeps backslashes) or double each backslash")),
    "not-toml": (VALID.replace("seed = 7", "seed 7"),
                 "not valid TOML: Expected '=' after a key in a key/value pair (at line 3, column 6)"),
}


@pytest.mark.parametrize("name", SPECS)
def test_broken_spec(tmp_path, name):
    text, message = SPECS[name]
    path = tmp_path / f"{name}.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(SpecError) as error:
        load_spec(path)
    assert str(error.value) == f"{path}: {message}"


def test_the_valid_base_loads(tmp_path):
    path = tmp_path / "exam.toml"
    path.write_text(VALID, encoding="utf-8")
    spec = load_spec(path)
    assert (spec.course, spec.seed, spec.mode, spec.points) == ("Deep Learning", 7, "exam", 10.0)
    assert spec.questions[0].templates == ("conv2d-output",)


def test_spec_not_utf8(tmp_path):
    path = tmp_path / "latin1.toml"
    path.write_bytes(VALID.replace('"Quiz"', '"Réseaux"').encode("latin-1"))
    with pytest.raises(SpecError) as error:
        load_spec(path)
    assert str(error.value) == f"{path}: line 2: not UTF-8 text (byte 0xe9); save the spec as UTF-8"


def test_spec_saved_with_a_byte_order_mark(tmp_path):
    path = tmp_path / "exam.toml"
    path.write_bytes(b"\xef\xbb\xbf" + VALID.encode())
    assert load_spec(path).course == "Deep Learning"


def test_spec_missing_file(tmp_path):
    path = tmp_path / "nowhere.toml"
    with pytest.raises(SpecError) as error:
        load_spec(path)
    assert str(error.value) == f"{path}: cannot read the exam spec (No such file or directory)"


def test_difficulty_a_template_does_not_offer(tmp_path):
    path = tmp_path / "exam.toml"
    path.write_text(VALID.replace('"medium"', '"hard"'), encoding="utf-8")
    catalog = {"conv2d-output": SimpleNamespace(difficulties=("easy", "medium"))}
    with pytest.raises(SpecError) as error:
        load_spec(path, catalog)
    assert str(error.value) == f"{path}: {Q}.difficulty: expected one of easy, medium (the levels of conv2d-output), got 'hard'"


ROSTERS = {
    "duplicate-id": ("id,name\ns001,Ada\ns002,Alan\ns001,Grace\n", "line 4: id 's001' already appears on line 2"),
    "ids-differ-in-case": ("id,name\ns001,Ada\nS001,Alan\n",
                           ("line 3: id 'S001' differs from 's001' on line 2 only in case; their files would overwrite "
                           "each other on Windows and macOS")),
    "line-numbers-count-blank-lines": ("id,name\ns001,Ada\n\ns002,Alan\ns002,Grace\n",
                                       "line 5: id 's002' already appears on line 4"),
    "no-id-column": ("student,name\ns001,Ada\n",
                     ("line 1: no id column; expected a header with columns id and name (optional: email, section), "
                     "got student,name")),
    "no-name-column": ("id,full name\ns001,Ada\n",
                       ("line 1: no name column; expected a header with columns id and name (optional: email, section), "
                       "got id,full name")),
    "empty-file": ("", ("line 1: no id column; expected a header with columns id and name (optional: email, section), "
                       "got nothing")),
    "header-only": ("id,name\n", "no students (expected one row per student after the header)"),
    "empty-name": ("id,name,email\ns001,Ada,ada@example.edu\ns002,,alan@example.edu\n",
                   "line 3: the name of student 's002' is empty"),
    "empty-id": ("id,name\n,Ada\n", "line 2: the id is empty"),
    "slash-in-id": ("id,name\ns/01,Ada\n",
                    "line 2: id 's/01' cannot be used in a file name (no / \\ : * ? \" < > |, control characters, or dot at either end)"),
    "dot-dot-id": ("id,name\n..,Ada\n",
                   "line 2: id '..' cannot be used in a file name (no / \\ : * ? \" < > |, control characters, or dot at either end)"),
    "control-character-id": ('id,name\n"s\x0701",Ada\n',
                             ("line 2: id 's\\x0701' cannot be used in a file name (no / \\ : * ? \" < > |, control "
                             "characters, or dot at either end)")),
    "unclosed-quote": ('id,name\ns001,"Ada\ns002,Alan\ns003,Grace\n',
                       ('line 2: a quote (") opens a field that does not end on this line; expected one student per '
                        'line (a quote inside a field is written "")')),
    "newline-in-field": ('id,name\ns001,Ada\ns002,"Alan\nTuring"\ns003,Grace\n',
                         ('line 3: a quote (") opens a field that does not end on this line; expected one student per '
                          'line (a quote inside a field is written "")')),
    "trailing-dot-id": ("id,name\ns001.,Ada\n",
                        ("line 2: id 's001.' cannot be used in a file name (no / \\ : * ? \" < > |, control "
                         "characters, or dot at either end)")),
    "long-id": ("id,name\ns001,Ada\n" + "x" * 300 + ",Alan\n",
                f"line 3: id '{'x' * 35}...' is 300 characters long; expected at most 64 (it names the student's files)"),
    "ids-differ-in-normalization": ("id,name\nzo\u00eb,Ada\nzoe\u0308,Alan\n",
                                    ("line 3: id 'zoe\u0308' differs from 'zo\u00eb' on line 2 only in how its accents "
                                     "are encoded (Unicode NFC and NFD); they look the same, and their files would "
                                     "overwrite each other on macOS")),
    "column-twice": ("id,name,email,name\ns001,Ada,ada@example.edu,Lovelace\n",
                     "line 1: column 'name' appears twice; expected each column once"),
    "long-header-cut-short": ("student," + "x" * 100 + "\ns001,Ada\n",
                              ("line 1: no id column; expected a header with columns id and name (optional: email, "
                               f"section), got student,{'x' * 69}...")),
    "reserved-id": ("id,name\ncon,Ada\n", "line 2: id 'con' cannot be used in a file name (reserved on Windows)"),
    "unquoted-comma": ("id,name,email\ns001,Lovelace, Ada,ada@example.edu\n",
                       ("line 2: 4 fields but the header has 3 columns; a name or other value with a comma must be in "
                        'double quotes ("Lovelace, Ada")')),
}


@pytest.mark.parametrize("name", ROSTERS)
def test_broken_roster(tmp_path, name):
    text, message = ROSTERS[name]
    path = tmp_path / f"{name}.csv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(SpecError) as error:
        load_roster(path)
    assert str(error.value) == f"{path}: {message}"


def test_roster_not_utf8(tmp_path):
    path = tmp_path / "latin1.csv"
    path.write_bytes("id,name\ns001,Ada\ns002,José\n".encode("latin-1"))
    with pytest.raises(SpecError) as error:
        load_roster(path)
    assert str(error.value) == f"{path}: line 3: not UTF-8 text (byte 0xe9); save the roster as a UTF-8 CSV"


def test_roster_missing_file(tmp_path):
    path = tmp_path / "nowhere.csv"
    with pytest.raises(SpecError) as error:
        load_roster(path)
    assert str(error.value) == f"{path}: cannot read the roster (No such file or directory)"


def test_roster_from_a_spreadsheet(tmp_path):
    # a byte-order mark, ';' between columns, capitalised headers, spaces and blank lines
    path = tmp_path / "export.csv"
    path.write_bytes("\ufeffID; Name ;Email;Section\ns001;Ada Lovelace ;ada@example.edu;A\n\n;;;\ns002;Alan Turing;;\n".encode())
    students = load_roster(path)
    assert [(s.id, s.name, s.email, s.section) for s in students] == [
        ("s001", "Ada Lovelace", "ada@example.edu", "A"), ("s002", "Alan Turing", "", "")]


def test_latex_in_a_literal_string_and_a_trailing_comma_in_a_roster_are_fine(tmp_path):
    spec = tmp_path / "s.toml"
    spec.write_text(VALID.replace("seed = 7", "seed = 7\ninstructions = \'\'\'\nUse $\\frac{1}{2}$ and $3 \\times 3$.\n\'\'\'"),
                    encoding="utf-8")
    assert load_spec(spec).instructions.strip() == "Use $\\frac{1}{2}$ and $3 \\times 3$."
    roster = tmp_path / "r.csv"
    roster.write_text('id,name,email\ns001,"Lovelace, Ada",ada@example.edu,\n', encoding="utf-8")  # as LMSs export
    assert load_roster(roster)[0].email == "ada@example.edu"


def test_roster_quotes_that_close_on_their_line(tmp_path):
    path = tmp_path / "quoted.csv"
    path.write_text('id,name\ns001,"Lovelace, Ada"\ns002,"Alan ""Prof"" Turing"\ns003,Grace\n', encoding="utf-8")
    assert [s.name for s in load_roster(path)] == ["Lovelace, Ada", 'Alan "Prof" Turing', "Grace"]
