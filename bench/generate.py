"""Benchmark: the example exam for a class of 1,000 students, all default formats.

Target (2 cores): at most 30 s wall and 1 GiB peak memory. Prints the wall time, the CPU seconds of
each stage (sampling and solving, notebooks, PDFs, keys) so the slow one is visible, and the peak
resident memory of the main process and of the largest worker.

    python bench/generate.py [--students 1000] [--formats ipynb,pdf] [--workers N]
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import time
from importlib.resources import files
from pathlib import Path

from cnnexam.generator.exam import STAGES, generate_exam
from cnnexam.generator.spec import Student, load_spec


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--students", type=int, default=1000)
    parser.add_argument("--formats", default="ipynb,pdf")
    parser.add_argument("--workers", type=int, default=None)
    args = parser.parse_args()
    spec = load_spec(Path(str(files("cnnexam.generator") / "examples" / "exam.toml")))
    students = [Student(f"b{i:05d}", f"Student {i}", f"student{i}@example.edu") for i in range(args.students)]
    formats = [f for f in args.formats.split(",") if f]
    with tempfile.TemporaryDirectory() as out:
        t = time.perf_counter()
        summary = generate_exam(spec, students, out, formats, args.workers)
        wall = time.perf_counter() - t
        size = sum(p.stat().st_size for p in Path(out).rglob("*") if p.is_file())
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    child = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"{args.students} students x {summary['questions']} questions, formats {','.join(formats)}, "
          f"{summary['workers']} workers")
    print(f"  wall time        {wall:8.2f} s   (target <= 30 s)  {'OK' if wall <= 30 else 'MISSED'}")
    for stage in STAGES:
        cpu = summary["stage_seconds"].get(stage, 0.0)
        print(f"  {stage:<16} {cpu:8.2f} s CPU  ({1000 * cpu / args.students:6.2f} ms per student)")
    print(f"  files            {summary['files']:8d}     ({size / 2**20:.1f} MiB)")
    peak = max(own, child)
    print(f"  peak memory      {own:8.0f} MiB main, {child:.0f} MiB largest worker "
          f"(target <= 1024 MiB)  {'OK' if peak <= 1024 else 'MISSED'}")


if __name__ == "__main__":
    main()
