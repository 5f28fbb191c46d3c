"""``cnnexam init`` + ``cnnexam generate`` end to end, the output layout, and determinism: the same spec and
roster give byte-identical notebooks, key.json and manifest.json, whatever the number of workers."""

import errno
import hashlib
import json
import os
import re
import tomllib
from fractions import Fraction
from pathlib import Path

from generated_files import read_notebook

from cnnexam.cli import main
from cnnexam.generator.exam import generate_exam, slot_key
from cnnexam.generator.spec import load_roster, load_spec
from cnnexam.model.numbers import exact as exact_value
from cnnexam.templates import all_templates


def files(out: Path) -> dict[str, bytes]:
    return {str(p.relative_to(out)): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}


def test_init_then_generate_through_the_cli(tmp_path, capsys, example, exam_out):
    folder = tmp_path / "demo"
    assert main(["init", str(folder)]) == 0
    assert capsys.readouterr().out == (f"wrote {folder / 'exam.toml'} and {folder / 'roster.csv'}\n"
                                       f"next: cnnexam generate {folder / 'exam.toml'} --roster {folder / 'roster.csv'} "
                                       f"--out {folder / 'out'}\n")
    out = folder / "out"
    code = main(["generate", str(folder / "exam.toml"), "--roster", str(folder / "roster.csv"), "--out", str(out),
                 "--formats", "ipynb"])
    captured = capsys.readouterr()
    assert code == 0 and captured.err == ""  # no progress bar when the output is not a terminal
    assert re.fullmatch(rf"30 students x 12 questions: 62 files in {re.escape(str(out))} in \d+\.\d s \(\d+ workers?; "
                        r"CPU time: sampling \d+\.\d s, solving \d+\.\d s, notebooks \d+\.\d s, PDFs 0\.0 s, keys \d+\.\d s\)\n",
                        captured.out)
    ids = [line.split(",")[0] for line in (folder / "roster.csv").read_text(encoding="utf-8").splitlines()[1:]]
    assert len(ids) == 30
    assert sorted(files(out)) == sorted(
        [f"students/{i}.ipynb" for i in ids] + [f"instructor/solutions/{i}.ipynb" for i in ids]
        + ["instructor/key.json", "instructor/manifest.json"])
    # init picked its own seed; with the session's spec (other folder, other worker count): the same bytes
    again = tmp_path / "again"
    assert main(["generate", str(example / "exam.toml"), "--roster", str(folder / "roster.csv"), "--out", str(again),
                 "--formats", "ipynb", "--workers", "1"]) == 0
    assert files(again) == files(exam_out)


def test_init_does_not_overwrite(tmp_path, capsys):
    assert main(["init", str(tmp_path)]) == 0
    (tmp_path / "exam.toml").write_text("mine", encoding="utf-8")
    capsys.readouterr()
    assert main(["init", str(tmp_path)]) == 2
    assert capsys.readouterr().err == f"cnnexam: error: {tmp_path / 'exam.toml'} already exists (use --force to overwrite)\n"
    assert (tmp_path / "exam.toml").read_text(encoding="utf-8") == "mine"
    assert main(["init", str(tmp_path), "--force"]) == 0
    assert (tmp_path / "exam.toml").read_text(encoding="utf-8").startswith("# An example exam spec")


def test_generate_reports_bad_input(example, tmp_path, capsys):
    spec, roster = str(example / "exam.toml"), str(example / "roster.csv")
    broken = tmp_path / "roster.csv"
    broken.write_text("id,name\ns1,Ada\ns1,Alan\n", encoding="utf-8")
    cases = [
        (["--roster", str(broken)], f"{broken}: line 3: id 's1' already appears on line 2"),
        (["--roster", roster, "--formats", "ipynb,docx"], "--formats: unknown format 'docx'; expected some of ipynb, pdf"),
        (["--roster", roster, "--workers", "0"], "--workers must be at least 1"),
    ]
    for extra, message in cases:
        assert main(["generate", spec, "--out", str(tmp_path / "out"), *extra]) == 2
        assert capsys.readouterr().err == f"cnnexam: error: {message}\n"


def test_workers_do_not_change_a_byte(example, exam_out, generate, tmp_path):
    again = generate(example / "exam.toml", example / "roster.csv", tmp_path / "one-worker", 1)
    assert files(again) == files(exam_out)


def test_a_worker_that_dies_stops_the_run_with_a_clear_error(example, tmp_path, capsys, monkeypatch):
    """A killed worker (the out-of-memory killer) must not leave the command waiting forever."""
    from cnnexam.generator import exam

    run = exam._Job.run

    def dies_on_s005(self, students, *args):
        if any(s.id == "s005" for s in students):
            os._exit(9)
        return run(self, students, *args)

    monkeypatch.setattr(exam._Job, "run", dies_on_s005)  # inherited by the forked workers
    out = tmp_path / "out"
    code = main(["generate", str(example / "exam.toml"), "--roster", str(example / "roster.csv"), "--out", str(out),
                 "--formats", "ipynb", "--workers", "2"])
    err = capsys.readouterr().err
    assert code == 1
    assert re.fullmatch(rf"\ncnnexam: error: a worker process died while writing papers \(out of memory\?\): the "
                        rf"files of \d+ of 30 students are complete in {re.escape(str(out))}\. Run the command again "
                        r"\(it writes identical files\); --workers 1 takes the least memory\n", err), err


def test_a_student_regenerated_alone_gets_the_same_paper(example, practice_spec, practice_out, generate, tmp_path):
    # years later, with a roster of one: the variant does not depend on the other students
    roster = tmp_path / "one.csv"
    lines = (example / "roster.csv").read_text(encoding="utf-8").splitlines()
    roster.write_text("\n".join([lines[0], lines[17]]) + "\n", encoding="utf-8")
    sid = lines[17].split(",")[0]
    alone = generate(practice_spec, roster, tmp_path / "alone", 1)
    for name in (f"students/{sid}.ipynb", f"instructor/solutions/{sid}.ipynb"):
        assert (alone / name).read_bytes() == (practice_out / name).read_bytes()
    key = json.loads((alone / "instructor" / "key.json").read_text(encoding="utf-8"))
    assert key == {sid: json.loads((practice_out / "instructor" / "key.json").read_text(encoding="utf-8"))[sid]}


def test_manifest_is_enough_to_regenerate(exam_out, example):
    manifest = json.loads((exam_out / "instructor" / "manifest.json").read_text(encoding="utf-8"))
    key = json.loads((exam_out / "instructor" / "key.json").read_text(encoding="utf-8"))
    spec_bytes = (example / "exam.toml").read_bytes()
    assert manifest["spec"]["sha256"] == hashlib.sha256(spec_bytes).hexdigest()
    seed = tomllib.loads(spec_bytes.decode("utf-8"))["seed"]
    assert manifest["spec"]["content"]["seed"] == seed and manifest["spec"]["content"]["mode"] == "exam"
    templates = all_templates()
    assert manifest["templates"] == {t: templates[t].version for t in manifest["templates"]}
    assert [s["id"] for s in manifest["students"]] == list(key) == sorted(key)
    for entry in manifest["students"]:
        assert len(entry["questions"]) == 12
        assert list(key[entry["id"]]) == [str(n) for n in range(1, 13)]  # in the paper's order, not as text
        for q in entry["questions"]:
            variant = templates[q["template"]].variant(q["seed"], q["difficulty"])
            assert variant.variant_id == q["variant_id"] and variant.version == q["template_version"]
            assert {s.id: slot_key(s.type, variant.answers[s.id]) for s in variant.slots} == key[entry["id"]][str(q["number"])]
            assert sum(slot["points"] for slot in q["slots"].values()) == q["points"]


ROUNDED = """course = "Deep Learning"
title = "Rounded answers"
date = 2026-11-30
instructions = "Round as asked."
seed = 7
mode = "exam"
[[sections]]
title = "Numbers"
[[sections.questions]]
template = "softmax-ce-gradient"
difficulty = "hard"
points = 4
[[sections.questions]]
template = "sobel-gradient"
difficulty = "hard"
points = 4
[[sections.questions]]
template = "inception-reduction"
difficulty = "medium"
points = 2
[[sections.questions]]
template = "dense-vs-conv-params"
difficulty = "hard"
points = 2
"""


def test_key_json_gives_rounded_answers_as_asked_and_the_exact_key(example, tmp_path):
    """A number to round reads in key.json as the slot asks for it ("29.745", not "1487244064847111/
    50000000000000"), beside the exact key, from which it regrades exactly as the grader does."""
    spec = tmp_path / "rounded.toml"
    spec.write_text(ROUNDED, encoding="utf-8")
    out = tmp_path / "out"
    generate_exam(load_spec(spec), load_roster(example / "roster.csv")[:3], out, ("ipynb",), workers=1)
    key = json.loads((out / "instructor" / "key.json").read_text(encoding="utf-8"))
    manifest = json.loads((out / "instructor" / "manifest.json").read_text(encoding="utf-8"))
    templates = all_templates()
    checked = 0
    for entry in manifest["students"]:
        for q in entry["questions"]:
            variant = templates[q["template"]].variant(q["seed"], q["difficulty"])
            for slot in variant.slots:
                written, value = key[entry["id"]][str(q["number"])][slot.id], variant.answers[slot.id]
                decimals = _decimals(slot.type)
                if decimals is None:
                    assert written == slot.type.to_json(value)
                    continue
                assert set(written) == {"answer", "exact"}
                # the answer as the slot asks for it, as the key PDF prints it
                assert all(re.fullmatch(rf"-?\d+\.\d{{{decimals}}}", a) for a in _flat(written["answer"]))
                assert written["answer"] == _strings(slot.type.format(value))
                # the exact key, not a rounding: what the grader's tolerance is measured from
                exact = _nested_fractions(written["exact"])
                assert _flat(exact) == [Fraction(exact_value(v)) for v in _flat(value)]
                assert slot.type.check(slot.type.parse(slot.type.format(value)), exact).score == 1
                checked += 1
    assert checked >= 3 * 5
    text = (out / "instructor" / "key.json").read_text(encoding="utf-8")
    assert not re.search(r'"-?\d+/\d{8,}"', text)  # no fraction of a float anywhere


def _decimals(answer_type) -> int | None:
    if answer_type.kind == "number":
        return answer_type.decimals
    return answer_type.decimals if answer_type.kind == "array" and answer_type.element == "number" else None


def _strings(formatted: str):
    """The answer type's printed form ("[[1.00, 2.50], ...]" or "1.25") as nested lists of strings."""
    if formatted.startswith("["):
        return json.loads(re.sub(r"(-?\d+\.\d+)", r'"\1"', formatted))
    return formatted


def _nested_fractions(value):
    return [_nested_fractions(v) for v in value] if isinstance(value, list) else Fraction(value)


def _flat(value) -> list:
    return [x for v in value for x in _flat(v)] if isinstance(value, (list, tuple)) else [value]


def test_students_get_different_variants(exam_out):
    manifest = json.loads((exam_out / "instructor" / "manifest.json").read_text(encoding="utf-8"))
    students = manifest["students"]
    assert len({s["version_code"] for s in students}) == len(students) == 30
    for number in range(1, 13):
        variants = [s["questions"][number - 1]["variant_id"] for s in students]
        assert len(set(variants)) >= 25, (number, len(set(variants)))
    # a pool's templates are both drawn
    for number in (3, 8):
        assert len({s["questions"][number - 1]["template"] for s in students}) == 2
    # and the notebooks show it: no two students see the same first question
    prompts = {read_notebook(exam_out / "students" / f"{s['id']}.ipynb")["cells"][1]["source"] for s in students}
    assert len(prompts) == 30


def test_init_picks_a_fresh_secret_seed(tmp_path):
    # A date-like seed could be found by a student comparing regenerated variants with their own paper.
    seeds = []
    for name in ("a", "b"):
        assert main(["init", str(tmp_path / name)]) == 0
        seeds.append(tomllib.loads((tmp_path / name / "exam.toml").read_text(encoding="utf-8"))["seed"])
    assert seeds[0] != seeds[1] and min(seeds) > 2**40


def small_roster(tmp_path: Path) -> Path:
    roster = tmp_path / "two.csv"
    roster.write_text("id,name\ns001,Ada\ns002,Alan\n", encoding="utf-8")
    return roster


def test_an_out_folder_that_cannot_be_made_is_named_with_the_reason(example, tmp_path, capsys):
    spec, roster = str(example / "exam.toml"), str(small_roster(tmp_path))
    (tmp_path / "file").write_text("x", encoding="utf-8")
    (tmp_path / "old" / "students").mkdir(parents=True)
    (tmp_path / "old" / "instructor").write_text("x", encoding="utf-8")
    cases = {
        tmp_path / "file": "is a file; expected a folder",
        tmp_path / "file" / "out": f"{tmp_path / 'file'} is a file; expected a folder there",
        tmp_path / "old": f"{tmp_path / 'old' / 'instructor'} is a file; expected a folder there",
    }
    for out, message in cases.items():
        assert main(["generate", spec, "--roster", roster, "--out", str(out), "--formats", "ipynb"]) == 2
        assert capsys.readouterr().err == f"cnnexam: error: --out {out}: {message}\n"


def test_an_unwritable_out_folder_is_named_with_the_reason(example, tmp_path, capsys, monkeypatch):
    def refused(self, *args, **kwargs):  # what a folder without write permission does (tests may run as root)
        raise PermissionError(errno.EACCES, "Permission denied", str(self))

    monkeypatch.setattr(Path, "mkdir", refused)
    out = tmp_path / "out"
    assert main(["generate", str(example / "exam.toml"), "--roster", str(small_roster(tmp_path)), "--out", str(out),
                 "--formats", "ipynb"]) == 2
    assert capsys.readouterr().err == f"cnnexam: error: --out {out}: cannot create the folder {out} (Permission denied)\n"
    assert main(["init", str(out)]) == 2
    assert capsys.readouterr().err == f"cnnexam: error: {out}: cannot create the folder {out} (Permission denied)\n"


def test_a_write_that_fails_midway_is_one_line_not_a_traceback(example, tmp_path, capsys, monkeypatch):
    from cnnexam.generator import exam

    def full(path, text):
        raise OSError(errno.ENOSPC, "No space left on device", str(path))

    monkeypatch.setattr(exam, "_write", full)
    out = tmp_path / "out"
    assert main(["generate", str(example / "exam.toml"), "--roster", str(small_roster(tmp_path)), "--out", str(out),
                 "--formats", "ipynb", "--workers", "1"]) == 1
    assert capsys.readouterr().err == f"cnnexam: error: {out / 'students' / 's001.ipynb'}: the disk is full\n"


def test_init_into_a_file(tmp_path, capsys):
    (tmp_path / "file").write_text("x", encoding="utf-8")
    assert main(["init", str(tmp_path / "file")]) == 2
    assert capsys.readouterr().err == f"cnnexam: error: {tmp_path / 'file'}: is a file; expected a folder\n"
    assert main(["init", str(tmp_path / "file" / "exam")]) == 2
    assert capsys.readouterr().err == (f"cnnexam: error: {tmp_path / 'file' / 'exam'}: {tmp_path / 'file'} is a file; "
                                       "expected a folder there\n")


def test_files_left_from_an_earlier_run_are_named(example, tmp_path, capsys):
    spec, out = str(example / "exam.toml"), tmp_path / "out"
    roster = small_roster(tmp_path)
    assert main(["generate", spec, "--roster", str(roster), "--out", str(out), "--formats", "ipynb"]) == 0
    assert capsys.readouterr().err == ""
    roster.write_text("id,name\ns001,Ada\n", encoding="utf-8")  # s002 left the class
    assert main(["generate", spec, "--roster", str(roster), "--out", str(out), "--formats", "ipynb"]) == 0
    assert capsys.readouterr().err == (
        f"cnnexam: warning: 2 files in {out} not written by this run, left from an earlier one (a student no longer "
        "on the roster, or another spec): instructor/solutions/s002.ipynb, students/s002.ipynb; delete them before "
        "handing out the folder\n")
    # the PDFs of the same spec next to its notebooks: the notebooks are current, not left over
    assert main(["generate", spec, "--roster", str(roster), "--out", str(out), "--formats", "pdf"]) == 0
    assert "s001" not in capsys.readouterr().err


def test_an_out_folder_holding_another_exam_is_not_overwritten(example, tmp_path, capsys):
    """Another master seed gives every student another paper: the old papers, keys and manifest (which any
    grading of that exam needs) are replaced only when asked."""
    out, roster = tmp_path / "out", str(small_roster(tmp_path))
    other = tmp_path / "other.toml"
    other.write_text((example / "exam.toml").read_text(encoding="utf-8").replace("\nseed = ", "\nseed = 1"),
                     encoding="utf-8")
    assert main(["generate", str(example / "exam.toml"), "--roster", roster, "--out", str(out), "--formats", "ipynb"]) == 0
    before = (out / "instructor" / "manifest.json").read_bytes()
    capsys.readouterr()
    assert main(["generate", str(other), "--roster", roster, "--out", str(out), "--formats", "ipynb"]) == 2
    assert capsys.readouterr().err == (
        f"cnnexam: error: --out {out} holds the papers of another exam (its manifest.json has another master seed): "
        "generating would replace every paper and key, and submissions to that exam could no longer be graded; use "
        "another --out, or --replace to overwrite it\n")
    assert (out / "instructor" / "manifest.json").read_bytes() == before
    assert main(["generate", str(other), "--roster", roster, "--out", str(out), "--formats", "ipynb", "--replace"]) == 0
    assert (out / "instructor" / "manifest.json").read_bytes() != before


def test_formats_must_name_one(example, tmp_path, capsys):
    assert main(["generate", str(example / "exam.toml"), "--roster", str(small_roster(tmp_path)), "--out",
                 str(tmp_path / "out"), "--formats", " , "]) == 2
    assert capsys.readouterr().err == "cnnexam: error: --formats: none given; expected some of ipynb, pdf, separated by commas\n"
    assert not (tmp_path / "out").exists()


def test_names_the_pdf_fonts_cannot_print_are_named_once(example, tmp_path, capsys):
    roster = tmp_path / "class.csv"
    roster.write_text("id,name\ns001,王小明\ns002,Zoë Dvořák\ns003,สมชาย 😀\n", encoding="utf-8")
    out = tmp_path / "out"
    assert main(["generate", str(example / "exam.toml"), "--roster", str(roster), "--out", str(out),
                 "--formats", "pdf", "--workers", "1"]) == 0
    assert capsys.readouterr().err == ("cnnexam: warning: the PDF fonts have no glyphs for 王, 小, 明, ส, ม, ช, า, ย, 😀, "
                                       "which print as empty boxes in the names or ids of 2 students (s001, s003); the "
                                       "notebooks show them\n")


def test_demo_with_pdfs_only(tmp_path, capsys):
    assert main(["init", str(tmp_path)]) == 0
    (tmp_path / "roster.csv").write_text("id,name\ns001,Ada\n", encoding="utf-8")  # the demo reuses what is there
    capsys.readouterr()
    assert main(["demo", str(tmp_path), "--formats", "pdf"]) == 0
    out = capsys.readouterr().out
    assert f"the same paper as PDF    {tmp_path / 'out' / 'students' / 's001.pdf'}" in out


def test_demo_runs_its_next_step_itself_and_starts_over_after_a_new_seed(tmp_path, capsys):
    folder = tmp_path / "demo"
    assert main(["demo", str(folder), "--formats", "ipynb"]) == 0
    assert "next:" not in capsys.readouterr().out  # it generates right away
    spec = folder / "exam.toml"
    spec.write_text(re.sub(r"\nseed = \d+", "\nseed = 7", spec.read_text(encoding="utf-8")), encoding="utf-8")
    assert main(["demo", str(folder), "--formats", "ipynb"]) == 0  # its own folder: replaced, not refused
    manifest = json.loads((folder / "out" / "instructor" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["spec"]["content"]["seed"] == 7
