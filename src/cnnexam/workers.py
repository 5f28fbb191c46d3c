"""Pools of forked worker processes that end with the run that started them.

``generate`` and ``grade`` fork their workers (the exam context is inherited, not pickled). Killed with
``kill -9``, a run cannot shut its pool down, and idle workers would wait for work forever; on Linux each
worker asks the kernel for SIGTERM when its parent dies.
"""

from __future__ import annotations

import ctypes
import multiprocessing
import os
import signal
import sys
from concurrent.futures import ProcessPoolExecutor

_PR_SET_PDEATHSIG = 1


def forked_pool(workers: int) -> ProcessPoolExecutor:
    return ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork"),
                               initializer=die_with_parent, initargs=(os.getpid(),))


def kill_workers(pool: ProcessPoolExecutor) -> None:
    """Kill the pool's worker processes (the executor has no public way); their futures then fail with
    BrokenProcessPool."""
    for process in list((getattr(pool, "_processes", None) or {}).values()):
        process.kill()


def die_with_parent(parent: int) -> None:
    """Pool initializer: SIGTERM this worker when ``parent`` dies (Linux; elsewhere nothing is asked)."""
    if sys.platform.startswith("linux"):
        try:
            ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)
        except (OSError, AttributeError):  # no prctl in this C library: keep the old behaviour
            return
    if os.getppid() != parent:  # the parent died before the request was made
        os._exit(1)
