"""A real, public transaction log: tagkit's at-risk score on CDNOW beats days-since-last-order and BG/NBD.

The whole of ``benchmarks/bench_cdnow.py`` (its README figures come from there), run as a test so a
change that makes ``score_risk`` rank real customers worse fails ``make test``: calibration to
1997-12-31 from the two required tables only, outcome any purchase in 1998-H1. The data ships in
the ``lifetimes`` wheel (a dev dependency); outside CI the test skips when it is not installed.
"""
from __future__ import annotations

import argparse
import importlib.util
import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
TARGET = 0.80  # the floor; published results on this split top out around 0.80-0.81


def _bench():
    spec = importlib.util.spec_from_file_location("bench_cdnow", ROOT / "benchmarks" / "bench_cdnow.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.slow
def test_score_risk_ranks_who_does_not_come_back_at_least_as_well_as_the_baselines(tmp_path):
    bench = _bench()
    if importlib.util.find_spec("lifetimes") is None:
        if os.environ.get("CI"):
            pytest.fail("lifetimes is not installed: the CDNOW data ships in its wheel (pip install -e '.[dev]')")
        pytest.skip("lifetimes is not installed (pip install -e '.[dev]'): the CDNOW data ships in its wheel")
    figures = bench.measure(argparse.Namespace(cdnow=None), tmp_path)
    assert figures["population"]["customers"] == 23_570
    risk, recency, bgnbd = figures["score_risk"]["auc"], figures["recency"]["auc"], figures["bgnbd"]["auc"]
    assert risk >= TARGET
    assert risk >= recency and risk >= bgnbd
    # no saturation: the old score gave 69 % of the customers one value
    assert figures["score_risk"]["most_common_count"] < 0.05 * figures["population"]["customers"]
