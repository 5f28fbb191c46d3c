"""Grading regenerates less than a whole variant (no prompt, no worked solution, misconceptions only on
demand): for every template of the catalog it must give exactly what ``Template.variant`` gives."""

from __future__ import annotations

import pytest

from cnnexam.autograder.context import ExamContext, Key
from cnnexam.templates import all_templates

TEMPLATES = all_templates()


@pytest.mark.parametrize("template_id", sorted(TEMPLATES))
def test_key_is_the_variant(template_id):
    template = TEMPLATES[template_id]
    for difficulty in template.difficulties:
        for seed in (0, 1, 2**62 + 7):
            variant = template.variant(seed, difficulty)
            entry = {"number": 1, "seed": seed, "difficulty": difficulty, "variant_id": variant.variant_id}
            key = Key(entry, template)
            assert key.variant.params == variant.params
            assert key.variant.slots == variant.slots
            assert key.variant.answers == variant.answers
            assert key.variant.misconceptions == ()
            assert key.full().misconceptions == variant.misconceptions


def test_a_variant_that_does_not_regenerate_is_an_error():
    template = TEMPLATES["conv2d-output"]
    with pytest.raises(RuntimeError, match=r"question 3 \(conv2d-output\) does not regenerate: no params with "
                                           r"variant id 000000000000"):
        Key({"number": 3, "seed": 1, "difficulty": "medium", "variant_id": "000000000000"}, template)


def test_manifest_problems_stop_grading_before_it_starts(classroom, tmp_path):
    import json
    import shutil

    with pytest.raises(ValueError, match="manifest.json: not found; EXAM_OUT is the folder"):
        ExamContext(tmp_path)
    out = tmp_path / "out"
    shutil.copytree(classroom.out / "instructor", out / "instructor")
    path = out / "instructor" / "manifest.json"
    manifest = json.loads(path.read_text())
    manifest["templates"]["conv2d-output"] = 99
    path.write_text(json.dumps(manifest))
    with pytest.raises(ValueError, match="template 'conv2d-output' is version 1 here but the exam was generated "
                                         "with version 99"):
        ExamContext(out)
    manifest["templates"]["conv2d-output"] = 1
    for student in manifest["students"]:
        student.pop("checksums")
    path.write_text(json.dumps(manifest))
    with pytest.raises(ValueError, match="no checksums of the notebooks' locked cells for 8 students"):
        ExamContext(out)
    path.write_text("{}")
    with pytest.raises(ValueError, match=r"not a cnnexam manifest \(KeyError: 'spec'\)"):
        ExamContext(out)
