"""Peak memory of the whole score step grows with customers, not with order lines.

The order lines are the one input that grows with the business; everything after their
aggregation works on customer × quarter frames. Twice the order lines over the same customers and
quarters must not raise the peak memory of validate + scores + prescription + back-test by more
than 10 %. Each run is a child process whose peak RSS is the OS's high-water mark for it
(``ru_maxrss`` from ``wait4``), not the test process's.
"""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tagkit.sample_data import generate_sample

CUSTOMERS = 20_000
LINES = 1_000_000
CHILD = """
import sys
from tagkit.params import load_params
from tagkit.project import project_root
from tagkit.steps import score, validate
params = load_params(project_root() / "params")
data, run = sys.argv[1], sys.argv[2]
validate.run_validation(data, quarter="2026Q3", run_dir=run, params=params)
score.run_scoring(quarter="2026Q3", run_dir=run, params=params)
score.run_prescription(quarter="2026Q3", run_dir=run, params=params)
score.run_backtest_step(quarter="2026Q3", run_dir=run, params=params)
"""


def _peak_mb(data: Path, run: Path) -> float:
    """Validate and run the whole score step in a child process; its own peak RSS in MB."""
    proc = subprocess.Popen([sys.executable, "-c", CHILD, str(data), str(run)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    _out, err = proc.stdout.read(), proc.stderr.read()
    proc.stdout.close()
    proc.stderr.close()
    assert proc.returncode == 0, err.decode(errors="replace")[-2000:]
    return usage.ru_maxrss / 1024


@pytest.mark.slow
def test_twice_the_order_lines_over_the_same_customers_does_not_raise_the_peak(tmp_path):
    peaks = {}
    for factor in (1, 2):
        data = tmp_path / f"data{factor}"
        generate_sample(data, customers=CUSTOMERS, order_lines=LINES * factor, seed=3)
        peaks[factor] = _peak_mb(data, tmp_path / f"run{factor}")
    assert peaks[2] <= 1.10 * peaks[1], peaks
