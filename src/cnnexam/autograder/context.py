"""What grading knows about an exam: its manifest, read from EXAM_OUT/instructor/manifest.json.

The keys are not read from files a student could have seen: every question is regenerated from the
manifest (template, seed, difficulty) by the installed templates. Grading needs less than a whole
variant, so it regenerates less (see :class:`Key`), and checks the params it finds against the variant id
the manifest recorded. A template whose version differs from the one the exam was generated with stops
the grading before it starts, since its questions would differ.
"""

from __future__ import annotations

import dataclasses
import json
from functools import lru_cache
from pathlib import Path

from cnnexam.model.grading import grade_variant, key_as_raw
from cnnexam.model.template import MAX_TRIES, Template, Variant, variant_rng

from .identify import Roster


class Key:
    """One question of a student's paper as grading needs it: the slots and the key, and the misconceptions
    only when a wrong answer asks for them (most of a variant's cost, with the prompt and worked solution,
    which grading never needs).

    It follows :meth:`Template.variant`: the same random stream gives the same sequence of params; the
    first whose variant id is the manifest's is the variant the student got (an earlier attempt was
    rejected, and rejection depends on the params alone). Misconceptions are pruned as ``variant`` prunes
    them: each keeps only the slots where it is wrong.
    """

    def __init__(self, entry: dict, template: Template) -> None:
        self.entry = entry
        self.template = template
        rng = variant_rng(template.id, entry["seed"], entry["difficulty"])
        for _ in range(MAX_TRIES):
            params = template.generate(rng, entry["difficulty"])
            shell = Variant(template.id, template.version, template.title, template.topic, entry["seed"],
                            entry["difficulty"], params, (), (), {}, (), ())
            if shell.variant_id == entry["variant_id"]:
                break
        else:
            raise RuntimeError(f"question {entry['number']} ({template.id}) does not regenerate: no params with "
                               f"variant id {entry['variant_id']} (was the template's code changed?)")
        answers = template.solve(params)
        self.variant = dataclasses.replace(shell, slots=tuple(template.slots(params)), answers=answers)
        self._full: Variant | None = None

    def full(self) -> Variant:
        """The variant with its misconceptions, for the feedback on a wrong answer."""
        if self._full is None:
            v = self.variant
            by_id = {s.id: s for s in v.slots}
            kept = []
            for m in self.template.misconceptions(v.params, v.answers):
                wrong = {k: a for k, a in m.answers.items() if by_id[k].type.check(a, v.answers[k]).score < 1}
                if wrong:
                    kept.append(dataclasses.replace(m, answers=wrong))
            self._full = dataclasses.replace(v, misconceptions=tuple(kept))
        return self._full


class ExamContext:
    def __init__(self, exam_out: str | Path) -> None:
        from cnnexam.templates import all_templates

        path = Path(exam_out) / "instructor" / "manifest.json"
        try:
            manifest = json.loads(path.read_text(encoding="utf-8"))
            self.sha256: str = manifest["spec"]["sha256"]
            content = manifest["spec"]["content"]
            students = manifest["students"]
        except FileNotFoundError:
            raise ValueError(f"{path}: not found; EXAM_OUT is the folder `cnnexam generate --out` wrote") from None
        except (OSError, ValueError, KeyError, TypeError) as error:
            raise ValueError(f"{path}: not a cnnexam manifest ({type(error).__name__}: {error})") from None
        self.course: str = content.get("course", "")
        self.title: str = content.get("title", "")
        self.students: dict[str, dict] = {s["id"]: s for s in students}
        self.roster = Roster((s["id"], s["name"]) for s in students)
        self.templates = all_templates()
        for template_id, version in manifest.get("templates", {}).items():
            if template_id not in self.templates:
                raise ValueError(f"{path}: the exam uses template {template_id!r}, which this cnnexam does not have")
            if self.templates[template_id].version != version:
                raise ValueError(f"{path}: template {template_id!r} is version {self.templates[template_id].version} "
                                 f"here but the exam was generated with version {version}; grade it with the "
                                 "cnnexam release that generated it")
        without = [s["id"] for s in students if "checksums" not in s]
        if without:
            raise ValueError(f"{path}: no checksums of the notebooks' locked cells for {len(without)} students "
                             f"(e.g. {without[0]}); generate the exam with notebooks (--formats ipynb) to grade them")
        self.paper = lru_cache(maxsize=64)(self._paper)

    @property
    def points(self) -> float:
        first = next(iter(self.students.values()), None)
        return sum(q["points"] for q in first["questions"]) if first else 0.0

    def _paper(self, student: str) -> tuple[Key, ...]:
        """The student's questions, regenerated from the manifest."""
        return tuple(Key(q, self.templates[q["template"]]) for q in self.students[student]["questions"])

    def warm_up(self) -> None:
        """Regenerate and grade one question of every template the exam uses, so the engine's kernels and
        the answer types' imports are loaded once here rather than in every worker."""
        seen: set[str] = set()
        for student in self.students.values():
            for q in student["questions"]:
                if q["template"] not in seen:
                    seen.add(q["template"])
                    variant = self.templates[q["template"]].variant(q["seed"], q["difficulty"])
                    grade_variant(variant, key_as_raw(variant))
