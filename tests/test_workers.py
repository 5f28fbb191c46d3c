"""Workers of ``generate`` and ``grade`` end when their run is killed outright (``kill -9``)."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

CHILD = """
import os, sys, time
from cnnexam.workers import forked_pool

def pid(_):
    time.sleep(0.05)
    return os.getpid()

if __name__ == "__main__":
    pool = forked_pool(2)
    print(*sorted(set(pool.map(pid, range(8)))), flush=True)
    time.sleep(60)
"""


def alive(pid: int) -> bool:
    """Running or sleeping; a zombie has ended and only waits to be reaped."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state != "Z"


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="parent-death signal is Linux's")
def test_idle_workers_end_when_the_run_is_killed(tmp_path):
    script = tmp_path / "run.py"
    script.write_text(CHILD)
    with subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, text=True) as run:
        workers = [int(p) for p in run.stdout.readline().split()]
        assert workers and all(alive(p) for p in workers)
        os.kill(run.pid, signal.SIGKILL)
    deadline = time.monotonic() + 20
    while any(alive(p) for p in workers) and time.monotonic() < deadline:
        time.sleep(0.1)
    left = [p for p in workers if alive(p)]
    for p in left:
        os.kill(p, signal.SIGKILL)
    assert not left, f"workers {left} outlived their run"
