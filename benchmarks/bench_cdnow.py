"""Real data: how well tagkit's ``score_risk`` predicts which CDNOW customers do not come back.

    python benchmarks/bench_cdnow.py                               # temp folder, removed at the end
    python benchmarks/bench_cdnow.py --json cdnow.json --keep /tmp/cdnow   # keep data and run, write figures
    python benchmarks/bench_cdnow.py --cdnow path/to/CDNOW_master.txt      # another copy of the file

Needs ``lifetimes`` (``pip install lifetimes``, or tagkit's bench extra: ``pip install -e '.[bench]'``):
its wheel ships the data (``lifetimes/datasets/CDNOW_master.txt``) and its ``BetaGeoFitter`` is the
BG/NBD baseline.

The data: the CDNOW master file, every transaction line to 1998-06-30 of the 23,570 customers
who first bought from the CD retailer in 1997Q1 (one line: customer id, date YYYYMMDD, number of
CDs, dollar amount; whitespace separated; some amounts are 0).

- Calibration, quarter 1997Q4 (as of 1997-12-31): a tagkit data folder with only the two required
  tables, ``customers.csv`` (every customer; one region ``CDNOW``, one rep ``R1``: the file has
  neither) and ``orders.csv`` (the lines dated <= 1997-12-31; ``order_id`` = customer and day, so a
  customer's lines of one day are one order; the 0-dollar lines are kept). ``tagkit run --data DIR
  --quarter 1997Q4 --out OUT --only validate,score`` runs in a child process (wall time, and peak RSS
  as ``wait4`` reports it: the largest single process of the run's tree); ``OUT/1997Q4/scores.parquet``
  gives ``score_risk``; the score step's own time is the run's manifest.json figure.
- Outcome: any line (0-dollar lines too) dated 1998-01-01 .. 1998-06-30. Every customer of the file
  is in the population; the positives are those who did NOT buy in 1998-H1.
- Methods, each an AUC against that outcome (higher = predicts not coming back; ties count one half;
  :func:`tagkit.backtest.metrics.auc`, checked against a second computation here):
  ``score_risk`` (a null would rank lowest; their count is reported); recency, the days since the
  customer's last line at 1997-12-31; BG/NBD, ``lifetimes.BetaGeoFitter`` fitted on the calibration
  lines (frequency, recency, T in days, checked against the same figures computed here), its expected
  purchases in the next 181 days (the length of 1998-H1), negated (fewer expected = riskier).
- Saturation check: how many customers share ``score_risk``'s most common value.

The output is markdown, ready to paste into the README. Any step that fails (the file not found or
not as expected, tagkit's exit code, a missing column, lifetimes failing) ends the script with a
message and exit status 1; no figure is printed that was not measured.
"""
from __future__ import annotations

import argparse
import datetime as dt
import importlib.metadata
import importlib.resources
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path
from typing import Any

import polars as pl

QUARTER = "1997Q4"
AS_OF = dt.date(1997, 12, 31)
OUTCOME_FROM, OUTCOME_TO = dt.date(1998, 1, 1), dt.date(1998, 6, 30)
HORIZON_DAYS = (OUTCOME_TO - AS_OF).days  # 181: the days of 1998-H1
EXPECTED_CUSTOMERS = 23_570
MARKER = "_bench_cdnow.json"  # in a --keep folder: this script made it, so it may empty it
EXIT_CODES = {1: "internal error", 2: "invalid usage or params", 3: "input blocked by validation",
              4: "some region reports failed", 75: "another run holds the quarter's lock",
              130: "interrupted (SIGINT)", 143: "interrupted (SIGTERM)"}
INSTALL_HINT = ("install lifetimes into this Python (`{python} -m pip install lifetimes`, or tagkit's bench "
                "extra: `pip install -e '.[bench]'`), or give the file with --cdnow PATH")


IMPORT_WARNINGS: list[str] = []  # what lifetimes warned about when imported (to locate its data)


def _warnings(caught: list[warnings.WarningMessage]) -> list[str]:
    return [f"{w.category.__name__}: {str(w.message).split('. ')[0][:200]}" for w in caught]


class Failed(Exception):
    """A step of the benchmark failed; the message says which and why."""


# ---------------------------------------------------------------- machine facts

def machine() -> dict[str, Any]:
    mem_gb = None
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                mem_gb = int(line.split()[1]) / 2**20  # kB -> GB
    except OSError:
        pass
    versions = {}
    for package in ("tagkit", "polars", "lifetimes", "pandas", "numpy", "scipy", "autograd"):
        try:
            versions[package] = importlib.metadata.version(package)
        except importlib.metadata.PackageNotFoundError:
            versions[package] = None
    return {"cores": os.cpu_count(), "arch": platform.machine(), "ram_gb": mem_gb,
            "python": platform.python_version(), "versions": versions}


def rss_mb() -> float:
    """This process's current RSS (``VmRSS``), MB: a child's ``ru_maxrss`` starts from it (fork + exec)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def tool(name: str) -> str:
    """The venv's copy of a command if this Python is the venv's, else the one on PATH."""
    return str(path) if (path := Path(sys.executable).parent / name).exists() else shutil.which(name) or name


# ---------------------------------------------------------------- the CDNOW file

def find_cdnow(given: Path | None) -> Path:
    if given is not None:
        if not given.is_file():
            raise Failed(f"--cdnow {given}: no such file")
        return given
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            path = importlib.resources.files("lifetimes") / "datasets" / "CDNOW_master.txt"  # imports lifetimes
        IMPORT_WARNINGS.extend(_warnings(caught))
    except ModuleNotFoundError:
        raise Failed("the CDNOW data ships with the lifetimes package, which is not installed: "
                     + INSTALL_HINT.format(python=sys.executable)) from None
    except Exception as error:
        raise Failed(f"lifetimes is installed but cannot be imported ({type(error).__name__}: {error}); "
                     "the BG/NBD baseline needs it working") from error
    if not path.is_file():
        raise Failed(f"lifetimes is installed but has no datasets/CDNOW_master.txt ({path}): "
                     + INSTALL_HINT.format(python=sys.executable))
    return Path(str(path))


LINE = r"^\s*(\d+)\s+(\d{8})\s+(\d+)\s+(\d+(?:\.\d*)?)\s*$"


def read_cdnow(path: Path) -> pl.DataFrame:
    """The file's lines as customer_id (string, as written), order_date, quantity, amount; checked."""
    raw = pl.DataFrame({"line": path.read_text(encoding="ascii").splitlines()})
    raw = raw.with_row_index("line_no", offset=1).filter(pl.col("line").str.strip_chars() != "")
    # the wheel's copy starts with a header line (customer_id date number_of_cds dollar_value); others may not
    if raw.height and not raw["line"][0].strip()[:1].isdigit():
        raw = raw.slice(1)
    parts = raw.with_columns(pl.col("line").str.extract_groups(LINE).alias("p")).unnest("p")
    bad = parts.filter(pl.col("1").is_null())
    if bad.height:
        first = bad.row(0, named=True)
        raise Failed(f"{path}: {bad.height:,} lines are not `id YYYYMMDD quantity amount`, "
                     f"e.g. line {first['line_no']}: {first['line']!r}")
    lines = parts.select(
        customer_id=pl.col("1"),
        order_date=pl.col("2").str.strptime(pl.Date, "%Y%m%d", strict=False),
        quantity=pl.col("3").cast(pl.Int64),
        amount=pl.col("4").cast(pl.Float64),
        line_no="line_no",
    )
    if lines["order_date"].null_count():
        first = lines.filter(pl.col("order_date").is_null()).row(0, named=True)
        raise Failed(f"{path}: {lines['order_date'].null_count()} lines have an impossible date, e.g. line "
                     f"{first['line_no']}")
    return lines.drop("line_no")


def describe_file(lines: pl.DataFrame) -> dict[str, Any]:
    first = lines.group_by("customer_id").agg(pl.col("order_date").min())
    facts = {
        "lines": lines.height,
        "customers": first.height,
        "first_date": str(lines["order_date"].min()),
        "last_date": str(lines["order_date"].max()),
        "zero_amount_lines": int((lines["amount"] == 0).sum()),
        "first_purchase_in_1997q1": int((first["order_date"] <= dt.date(1997, 3, 31)).sum()),
        "lines_after_outcome": int((lines["order_date"] > OUTCOME_TO).sum()),
    }
    if facts["customers"] != EXPECTED_CUSTOMERS or facts["first_purchase_in_1997q1"] != facts["customers"]:
        raise Failed(f"not the CDNOW master file this benchmark is defined on: {facts['customers']:,} customers, "
                     f"{facts['first_purchase_in_1997q1']:,} of them first buying in 1997Q1 "
                     f"(expected {EXPECTED_CUSTOMERS:,}, all)")
    if lines["order_date"].min() > AS_OF or lines["order_date"].max() < OUTCOME_FROM:
        raise Failed(f"the file's lines ({facts['first_date']} .. {facts['last_date']}) do not span "
                     f"the calibration and the outcome period")
    return facts


# ---------------------------------------------------------------- tagkit

def write_data_folder(lines: pl.DataFrame, data_dir: Path) -> dict[str, int]:
    """customers.csv and orders.csv (lines to the as-of date only): the two required tables."""
    data_dir.mkdir(parents=True)
    customers = lines.select(pl.col("customer_id").unique().sort()).with_columns(
        customer_name=pl.format("CDNOW customer {}", pl.col("customer_id")),
        region=pl.lit("CDNOW"),
        rep_id=pl.lit("R1"),
    )
    orders = lines.filter(pl.col("order_date") <= AS_OF).select(
        order_id=pl.format("{}-{}", pl.col("customer_id"), pl.col("order_date").dt.strftime("%Y%m%d")),
        customer_id="customer_id",
        order_date="order_date",
        amount="amount",
    )
    customers.write_csv(data_dir / "customers.csv")
    orders.write_csv(data_dir / "orders.csv")
    return {"customers": customers.height, "order_lines": orders.height}


def run_tagkit(data_dir: Path, out_dir: Path, log: Path) -> dict[str, Any]:
    """``tagkit run ... --only validate,score`` in a child: wall, CPU, peak RSS (``wait4``), the manifest."""
    cmd = [tool("tagkit"), "run", "--data", str(data_dir), "--quarter", QUARTER, "--out", str(out_dir),
           "--only", "validate,score"]
    floor = rss_mb()
    t0 = time.perf_counter()
    try:
        with log.open("wb") as out:
            proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT)
            # wait4, not proc.wait(): its rusage is the OS's account of the child (ru_maxrss, KiB on Linux)
            _, status, usage = os.wait4(proc.pid, 0)
            proc.returncode = os.waitstatus_to_exitcode(status)  # reaped here: Popen must not wait again
    except OSError as error:
        raise Failed(f"could not start `{' '.join(cmd)}`: {error}") from error
    wall = time.perf_counter() - t0
    code = os.waitstatus_to_exitcode(status)
    if code != 0:
        tail = "\n".join(log.read_text(errors="replace").splitlines()[-25:])
        meaning = EXIT_CODES.get(code, "signal" if code < 0 else "unknown")
        raise Failed(f"`{' '.join(cmd)}` exited with {code} ({meaning}); last lines of its log ({log}):\n{tail}")
    run_dir = out_dir / QUARTER
    try:
        manifest = json.loads((run_dir / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise Failed(f"tagkit run exited 0 but {run_dir}/manifest.json is unreadable: {error}") from error
    steps = {s.get("step"): s for s in manifest.get("steps", [])}
    for name in ("validate", "score"):
        step = steps.get(name)
        if step is None or step.get("outcome") != "ok" or not isinstance(step.get("seconds"), (int, float)):
            raise Failed(f"tagkit run's manifest has no measured '{name}' step that ran ok: {step!r} (a skipped "
                         "step would time nothing)")
    accounting = manifest.get("validation", {}).get("accounting", {})
    return {
        "command": cmd, "wall_s": wall, "cpu_s": usage.ru_utime + usage.ru_stime,
        "peak_rss_mb": usage.ru_maxrss / 1024, "parent_rss_at_start_mb": floor,
        "validate_step_s": steps["validate"]["seconds"], "score_step_s": steps["score"]["seconds"],
        "workers": manifest.get("workers"), "git_commit": manifest.get("git_commit"),
        "code_sha256": manifest.get("code_sha256"), "tagkit_version": manifest.get("versions", {}).get("tagkit"),
        "rows": {name: {k: acc.get(k) for k in ("rows_read", "rows_used", "rows_quarantined")}
                 for name, acc in accounting.items()},
        "run_dir": str(run_dir),
    }


def read_scores(run_dir: Path) -> pl.DataFrame:
    path = run_dir / "scores.parquet"
    try:
        scores = pl.read_parquet(path)
    except Exception as error:
        raise Failed(f"cannot read {path}: {error}") from error
    missing = {"customer_id", "quarter", "score_risk"} - set(scores.columns)
    if missing:
        raise Failed(f"{path} lacks {sorted(missing)}")
    quarters = scores["quarter"].unique().to_list()
    if quarters != [QUARTER]:
        raise Failed(f"{path} holds quarter(s) {quarters}, not {QUARTER}")
    if scores["customer_id"].n_unique() != scores.height:
        raise Failed(f"{path}: customer_id is not unique")
    return scores.select("customer_id", pl.col("score_risk").cast(pl.Float64))


# ---------------------------------------------------------------- baselines

def customer_table(lines: pl.DataFrame) -> pl.DataFrame:
    """One row per customer: the outcome, the recency baseline and BG/NBD's inputs (days), from the file."""
    cal = lines.filter(pl.col("order_date") <= AS_OF)
    days = cal.group_by("customer_id").agg(
        first=pl.col("order_date").min(), last=pl.col("order_date").max(), days=pl.col("order_date").n_unique())
    came_back = lines.filter(pl.col("order_date").is_between(OUTCOME_FROM, OUTCOME_TO)).select(
        pl.col("customer_id").unique(), came_back=pl.lit(True))
    table = (
        lines.select(pl.col("customer_id").unique())
        .join(days, on="customer_id", how="left")
        .join(came_back, on="customer_id", how="left")
        .select(
            "customer_id",
            went_bad=pl.col("came_back").is_null(),  # the positives: no purchase in 1998-H1
            days_since_last=(pl.lit(AS_OF) - pl.col("last")).dt.total_days(),
            frequency=(pl.col("days") - 1).cast(pl.Float64),  # repeat purchase days
            recency=(pl.col("last") - pl.col("first")).dt.total_days().cast(pl.Float64),
            T=(pl.lit(AS_OF) - pl.col("first")).dt.total_days().cast(pl.Float64),
        )
        .sort("customer_id")
    )
    if table["days_since_last"].null_count():
        raise Failed(f"{table['days_since_last'].null_count()} customers have no line up to {AS_OF}")
    return table


def bgnbd(lines: pl.DataFrame, table: pl.DataFrame) -> dict[str, Any]:
    """lifetimes' BetaGeoFitter on the calibration lines; expected purchases in the next HORIZON_DAYS days."""
    t0 = time.perf_counter()
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            import pandas as pd
            from lifetimes import BetaGeoFitter
            from lifetimes.utils import summary_data_from_transaction_data

            cal = lines.filter(pl.col("order_date") <= AS_OF).select("customer_id", "order_date").to_pandas()
            cal["order_date"] = pd.to_datetime(cal["order_date"])
            summary = summary_data_from_transaction_data(cal, "customer_id", "order_date",
                                                         observation_period_end=pd.Timestamp(AS_OF), freq="D")
            fitter = BetaGeoFitter(penalizer_coef=0.0)
            fitter.fit(summary["frequency"], summary["recency"], summary["T"])
            expected = fitter.conditional_expected_number_of_purchases_up_to_time(
                HORIZON_DAYS, summary["frequency"], summary["recency"], summary["T"])
            params = {k: float(v) for k, v in fitter.params_.items()}
    except ModuleNotFoundError as error:
        raise Failed(f"the BG/NBD baseline needs {error.name}: "
                     + INSTALL_HINT.format(python=sys.executable).split(", or give")[0]) from error
    except Exception as error:
        raise Failed(f"lifetimes' BG/NBD failed ({type(error).__name__}: {error}); no BG/NBD figure") from error
    seconds = time.perf_counter() - t0
    ours = pl.DataFrame({
        "customer_id": [str(i) for i in summary.index],
        "lt_frequency": summary["frequency"].to_numpy(), "lt_recency": summary["recency"].to_numpy(),
        "lt_T": summary["T"].to_numpy(), "expected": pl.Series(expected.reindex(summary.index).to_numpy()),
    })
    both = table.join(ours, on="customer_id", how="left")
    differ = both.filter(
        pl.col("lt_T").is_null()
        | ((pl.col("frequency") - pl.col("lt_frequency")).abs() > 1e-9)
        | ((pl.col("recency") - pl.col("lt_recency")).abs() > 1e-9)
        | ((pl.col("T") - pl.col("lt_T")).abs() > 1e-9)
    )
    if differ.height:
        raise Failed(f"lifetimes' summary (frequency, recency, T) differs from this script's for {differ.height:,} "
                     f"customers, e.g. {differ.row(0, named=True)}: not trusting its BG/NBD")
    bad = both["expected"].is_null().sum() + both["expected"].is_nan().sum()
    if bad or not all(v == v and v > 0 for v in params.values()):
        raise Failed(f"BG/NBD gave {bad} missing predictions or unusable parameters {params}")
    notes = sorted(set(IMPORT_WARNINGS + _warnings(caught)))
    return {"expected": both["expected"], "params": params, "fit_s": seconds, "warnings": notes}


# ---------------------------------------------------------------- AUC

def check_auc(scores: pl.Series, went_bad: pl.Series) -> float:
    """AUC = P(score of a positive > score of a negative) + P(tie) / 2, nulls lowest: tagkit's, checked."""
    from tagkit.backtest.metrics import auc

    value = auc(scores, went_bad)
    if value is None:
        raise Failed("AUC undefined: the outcome has only one class")
    ranks = scores.fill_null(float("-inf")).rank("average")
    n_pos = int(went_bad.sum())
    n_neg = went_bad.len() - n_pos
    own = (ranks.filter(went_bad).sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg)
    if abs(own - value) > 1e-9:
        raise Failed(f"tagkit.backtest.metrics.auc gives {value!r}, the rank-sum here {own!r}")
    return float(value)


# ---------------------------------------------------------------- main

def prepare_work(keep: Path | None) -> Path:
    if keep is None:
        return Path(tempfile.mkdtemp(prefix="bench_cdnow_"))
    if keep.exists() and any(keep.iterdir()):
        if not (keep / MARKER).exists():
            raise Failed(f"--keep {keep}: the folder is not empty and was not made by this script; give an "
                         "empty or new folder")
        for name in ("data", "out", "tagkit-run.log"):  # what a previous run of this script left: start afresh
            path = keep / name
            shutil.rmtree(path) if path.is_dir() else path.unlink(missing_ok=True)
    keep.mkdir(parents=True, exist_ok=True)
    (keep / MARKER).write_text(json.dumps({"made_by": "benchmarks/bench_cdnow.py"}))
    return keep


def measure(args: argparse.Namespace, work: Path) -> dict[str, Any]:
    path = find_cdnow(args.cdnow)
    lines = read_cdnow(path)
    facts = describe_file(lines)
    written = write_data_folder(lines, work / "data")
    table = customer_table(lines)
    # tagkit before pandas and lifetimes are imported here: the child's ru_maxrss starts at this process's RSS
    run = run_tagkit(work / "data", work / "out", work / "tagkit-run.log")
    scores = read_scores(Path(run["run_dir"]))
    joined = table.join(scores, on="customer_id", how="left", coalesce=True)
    no_row = table.join(scores, on="customer_id", how="anti").height
    if no_row:
        raise Failed(f"{no_row:,} customers of customers.csv have no row in scores.parquet (the contract: one "
                     "row per customer)")
    extra = scores.join(table, on="customer_id", how="anti").height
    if extra:
        raise Failed(f"scores.parquet has {extra:,} customers that are not in the file")
    if joined["score_risk"].null_count() == joined.height:
        raise Failed("score_risk is null for every customer")
    model = bgnbd(lines, table)
    went_bad = joined["went_bad"]
    risk = joined["score_risk"]
    top = risk.drop_nulls().value_counts(sort=True).row(0)
    return {
        "measured": dt.date.today().isoformat(),
        "machine": machine(),
        "command": " ".join(["python", "benchmarks/bench_cdnow.py", *sys.argv[1:]]),
        "file": {"path": str(path), **facts},
        "data_folder": written,
        "population": {"customers": joined.height, "did_not_come_back": int(went_bad.sum()),
                       "came_back": int((~went_bad).sum()), "base_rate": float(went_bad.mean())},
        "tagkit_run": run,
        "score_risk": {
            "auc": check_auc(risk, went_bad),
            "null": int(risk.null_count()),
            "most_common_value": float(top[0]), "most_common_count": int(top[1]),
            "distinct_values": int(risk.drop_nulls().n_unique()),
        },
        "recency": {"auc": check_auc(joined["days_since_last"].cast(pl.Float64), went_bad)},
        "bgnbd": {"auc": check_auc(-model["expected"], went_bad), "horizon_days": HORIZON_DAYS,
                  "params": model["params"], "fit_s": model["fit_s"], "warnings": model["warnings"]},
    }


def report(r: dict[str, Any]) -> str:
    m, f, pop, run, risk, bg = (r["machine"], r["file"], r["population"], r["tagkit_run"], r["score_risk"],
                                r["bgnbd"])
    v = m["versions"]
    ram = f"{m['ram_gb']:.0f} GB" if m["ram_gb"] else "RAM unknown"
    commit = (run["git_commit"] or "unknown")[:10]
    p = bg["params"]
    share = risk["most_common_count"] / pop["customers"]
    nulls = f"; {risk['null']:,} null (ranked lowest)" if risk["null"] else ""
    rows = run["rows"].get("orders") or {}
    used = (f"; tagkit used {rows['rows_used']:,}, set aside {rows['rows_quarantined']:,}"
            if isinstance(rows.get("rows_used"), int) and isinstance(rows.get("rows_quarantined"), int) else "")
    out = [
        f"### Real data: CDNOW, who does not come back — measured {r['measured']}",
        "",
        f"`{r['command']}` — {m['cores']} cores ({m['arch']}), {ram}; Python {m['python']}, tagkit "
        f"{v['tagkit']} (commit {commit}), polars {v['polars']}, lifetimes {v['lifetimes']}, pandas {v['pandas']}, "
        f"numpy {v['numpy']}.",
        "",
        f"CDNOW master file (from the lifetimes wheel): {f['lines']:,} lines, {f['customers']:,} customers, all "
        f"first buying in 1997Q1, {f['first_date']} .. {f['last_date']} ({f['zero_amount_lines']} lines of $0, kept). "
        f"Scored as of {AS_OF} (`--quarter {QUARTER} --only validate,score`) from customers.csv (one region, one "
        f"rep) and orders.csv ({r['data_folder']['order_lines']:,} lines to {AS_OF}{used}). Outcome: any purchase "
        f"{OUTCOME_FROM} .. {OUTCOME_TO}; **{pop['did_not_come_back']:,} of {pop['customers']:,} customers "
        f"({pop['base_rate']:.1%}) did not come back** — the positives (higher score = predicts not coming back).",
        "",
        "| method | AUC | notes |",
        "|---|---:|---|",
        f"| tagkit `score_risk` | **{risk['auc']:.3f}** | {risk['distinct_values']:,} distinct values; the most "
        f"common, {risk['most_common_value']:.2f}, is shared by {risk['most_common_count']:,} customers "
        f"({share:.1%}){nulls} |",
        f"| recency: days since the last order at {AS_OF} | {r['recency']['auc']:.3f} | no model |",
        f"| BG/NBD (`lifetimes.BetaGeoFitter`), expected purchases in the next {bg['horizon_days']} days, "
        f"lower = riskier | {bg['auc']:.3f} | fitted on the lines to {AS_OF} in days: r {p['r']:.3f}, "
        f"alpha {p['alpha']:.2f}, a {p['a']:.3f}, b {p['b']:.3f}; fit + prediction {bg['fit_s']:.1f} s |",
        "",
        f"`tagkit run` (validate + score, {run['workers']} workers): {run['wall_s']:.1f} s wall for the whole "
        f"command, peak RSS {run['peak_rss_mb']:,.0f} MB (largest process, `wait4`); the score step "
        f"{run['score_step_s']:.1f} s, validate {run['validate_step_s']:.1f} s (manifest.json). AUC: ties count "
        "one half (`tagkit.backtest.metrics.auc`).",
    ]
    if run["peak_rss_mb"] <= 1.1 * run["parent_rss_at_start_mb"]:
        out.append(f"\n**Note:** the peak RSS is within 10% of this script's own RSS when it started the run "
                   f"({run['parent_rss_at_start_mb']:,.0f} MB), which `ru_maxrss` carries over: it may be "
                   "this script's, not tagkit's.")
    if bg["warnings"]:
        out.append("\nlifetimes warned: " + "; ".join(bg["warnings"]))
    return "\n".join(out)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cdnow", type=Path, help="the CDNOW master file (default: the one in the installed "
                        "lifetimes package)")
    parser.add_argument("--keep", type=Path, help="keep the data folder, the run folder and tagkit's log here "
                        "(a new or empty folder, or one this script made); default: a temporary folder, removed")
    parser.add_argument("--json", type=Path, help="also write every figure here")
    args = parser.parse_args()
    try:
        work = prepare_work(args.keep)
    except Failed as error:
        print(f"bench_cdnow: FAILED: {error}", file=sys.stderr)
        return 1
    try:
        result = measure(args, work)
    except Failed as error:
        kept = "" if args.keep else f"\n(the work folder is kept for a look: {work})"
        print(f"bench_cdnow: FAILED: {error}{kept}", file=sys.stderr)
        return 1
    except BaseException:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)
        raise
    if args.keep is None:
        shutil.rmtree(work, ignore_errors=True)
    print(report(result))
    if args.keep is not None:
        print(f"\n(data, run folder and tagkit's log kept in {args.keep})")
    if args.json:
        args.json.write_text(json.dumps(result, indent=1, ensure_ascii=False), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
