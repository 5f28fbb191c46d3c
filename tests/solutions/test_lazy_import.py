"""Importing the engine, the catalog or the CLI must not load Numba: `cnnexam --help` stays instant."""

import subprocess
import sys

import pytest


@pytest.mark.parametrize("code", [
    "import cnnexam.solutions",
    "import cnnexam.cli as c; c.main(['--help'])",
    "from cnnexam.templates import all_templates; all_templates()",
])
def test_numba_is_not_imported(code):
    probe = f"import sys\n{code}\nprint('numba' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "False"


def test_first_engine_call_loads_numba():
    probe = "import sys\nfrom cnnexam.solutions import max_pool2d\nmax_pool2d([[1, 2], [3, 4]], 2)\nprint('numba' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "True"
