"""Benchmark: the example exam for a class of 1,000 students, all default formats.

Target (2 cores): at most 30 s wall and 1 GiB peak memory. Prints the wall time, the CPU seconds of
each stage (sampling, solving, notebooks, PDFs, keys) so the slow one is visible, the peak resident
memory of the main process and of the largest worker, and the peak of all processes together.

    python bench/generate.py [--students 1000] [--formats ipynb,pdf] [--workers N]
"""

from __future__ import annotations

import argparse
import os
import resource
import tempfile
import threading
import time
from importlib.resources import files
from pathlib import Path

from cnnexam.generator.exam import STAGES, generate_exam
from cnnexam.generator.spec import Student, load_spec


class TotalMemory:
    """Samples the proportional set size (shared pages split between the processes sharing them) of this
    process and all its descendants every 0.1 s: the memory the whole run takes at once. Linux only."""

    def __init__(self) -> None:
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        while not self._stop.wait(0.1):
            self.peak = max(self.peak, sum(_pss(pid) for pid in _tree(os.getpid())))

    @staticmethod
    def available() -> bool:
        return os.path.exists(f"/proc/{os.getpid()}/smaps_rollup")


def _tree(pid: int) -> list[int]:
    pids, todo = [], [pid]
    while todo:
        p = todo.pop()
        pids.append(p)
        try:
            for task in os.listdir(f"/proc/{p}/task"):
                with open(f"/proc/{p}/task/{task}/children") as f:
                    todo.extend(int(c) for c in f.read().split())
        except OSError:
            pass  # the process ended meanwhile
    return pids


def _pss(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/smaps_rollup") as f:
            for line in f:
                if line.startswith("Pss:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--students", type=int, default=1000)
    parser.add_argument("--formats", default="ipynb,pdf")
    parser.add_argument("--workers", type=int, default=None)
    args = parser.parse_args()
    spec = load_spec(Path(str(files("cnnexam.generator") / "examples" / "exam.toml")))
    students = [Student(f"b{i:05d}", f"Student {i}", f"student{i}@example.edu") for i in range(args.students)]
    formats = [f for f in args.formats.split(",") if f]
    with tempfile.TemporaryDirectory() as out, TotalMemory() as memory:
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
    print(f"  peak RSS         {own:8.0f} MiB main, {child:.0f} MiB largest worker")
    if TotalMemory.available():
        total = memory.peak / 2**20
        print(f"  peak memory      {total:8.0f} MiB, all processes together (PSS, sampled every 0.1 s; "
              f"target <= 1024 MiB)  {'OK' if total <= 1024 else 'MISSED'}")


if __name__ == "__main__":
    main()
