"""The Numba kernels never index outside their arrays.

Compiled kernels do not check bounds, so a stray write past a row lands silently in the next row (a
wrong key) or outside the buffer. This runs the engine's oracle tests again in a child process with
Numba's bounds checking switched on, where any such access raises IndexError and fails the run.
"""

import os
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).parent
CHECKED = ["test_conv.py", "test_pooling.py", "test_layers.py"]


def test_the_oracle_tests_pass_with_bounds_checking(tmp_path):
    env = dict(os.environ, NUMBA_BOUNDSCHECK="1", NUMBA_CACHE_DIR=str(tmp_path / "numba-cache"))
    command = [sys.executable, "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider", *(str(HERE / f) for f in CHECKED)]
    result = subprocess.run(command, capture_output=True, text=True, env=env, timeout=900)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
