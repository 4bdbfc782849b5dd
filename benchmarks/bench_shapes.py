"""Benchmark data in shapes ``tagkit sample-data`` does not make by default, and the score step timed on each.

    python benchmarks/bench_shapes.py                                              # make the six shapes (200k / 10M)
    python benchmarks/bench_shapes.py --customers 20000 --order-lines 1000000 --out /work/bigdata/shapes-1m --measure
    python benchmarks/bench_shapes.py --customers 1000000 --order-lines 100000000 --out /work/bigdata/shapes-100m \\
        --shapes default,one_city_benchmarks --measure --json shapes.json

Run it with the project's interpreter and ``PYTHONPATH=<checkout>/src`` (the children inherit the
environment). Each shape is written to ``--out DIR/<shape>/`` (default ``/work/bigdata/shapes``, outside
git), built in ``DIR/.<shape>.partial`` and renamed when complete, with ``_shape.json`` saying how it was
made. A folder whose ``_shape.json`` matches the request (shape, customers, order lines, seed, options,
this script's ``VERSION``) is reused; one made otherwise by this script is made again; a folder without
``_shape.json`` is never touched (the run stops). The shapes (all from the same seed, ``--customers C``
and ``--order-lines N``):

``default``
    ``tagkit sample-data --customers C --order-lines N --regions 30``: all six tables, 30 province-based
    regions, 8 quarters ending 2026Q3.
``two_tables``
    ``default`` with reps, visits, feedback and competitor_signals left out: ``customers.csv`` and
    ``orders/`` hard-linked from ``default`` (copied where links cannot be made); no ``_truth/``.
``seven_regions``
    ``tagkit sample-data --customers C --order-lines N``: the seven big regions, so each region (and its
    k-d trees, its per-region frames) is four to five times larger.
``five_years``
    ``--quarters 20 --regions 30`` at the same N order lines, ending 2026Q3. The generator cannot spread
    fewer than about 57 order lines per customer over 20 quarters (at 200k customers and 10M lines there
    are 50): then the customers are lowered, not the lines, to the most the generator accepts for N
    lines (rounded down to a thousand; ``_shape.json`` and the table say how many). At 1M / 100M
    nothing changes.
``one_big_region``
    ``default``'s customers table post-processed so that its largest region (by customers) holds half of
    all customers (``--big-region-share``). The customers moved in are drawn at random (seeded) from
    every other region in proportion to its size, so each other region keeps the same share of its
    customers (about 57% when the largest starts at 13%). A moved customer gets the big region as
    ``region`` and a new ``rep_id``: the big region's reps (role ``rep`` in reps.csv, sorted by id)
    round-robin over the moved customers sorted by id. Everything else about it is kept: its name,
    province, city, lat/lon (so the big region now spans the whole country) and all its orders,
    visits, feedback and signals (visits still name the rep who made them). ``_truth/planted.parquet``
    gets the new region too (``in_dip_region`` is kept: the orders are unchanged). All other files
    are hard links to ``default``'s.
``one_city_benchmarks``
    ``default`` post-processed so that many benchmarks sit in one city: the largest region's city with
    the most customers. Every planted benchmark (``_truth/planted.parquet``, archetype ``benchmark``)
    of that region is moved there; if that is fewer than ``--city-benchmark-share`` (default a quarter)
    of all planted benchmarks, the rest are moved in from the other regions, drawn at random (seeded)
    from each in proportion to its planted benchmarks (``_shape.json`` lists how many came from which
    region). A moved benchmark gets the city's ``province`` and ``city`` and a ``lat``/``lon`` drawn
    uniformly within ``--city-radius-km`` (10 km) of the city's centre (the generator's reference
    coordinates; the median of the city's customers if it has none); one from another region also
    gets the region and a rep of the region (round-robin as above). Names, orders and everything
    else are kept. The radiation step (a k-d tree per region, each benchmark's neighbours within
    ``radiation.radius_km``, 50 km) then finds thousands of benchmarks, each with the whole city in
    reach and many ties among its nearest. ``_truth/planted.parquet`` gets the new regions.

``--measure``: for each shape in turn (never two at once), ``benchmarks/bench_validation.py --data-dir
DIR/<shape> --score scores,prescription,backtest`` as a child: validation and the whole score step in
one grandchild, each part timed. Collected: the grandchild's wall time as bench_validation measures it
(interpreter start and imports included: ``total s``), the parts it prints (``validate s`` is
``run_validation``), the peak RSS of the largest process of the tree (``ru_maxrss`` from ``wait4`` on
bench_validation, which covers its waited children), rows read from its table counts, and the share of
the machine's CPU that other processes used meanwhile (if large, the timings are not clean). This
script's own process stays small (the shapes are made in children), so it inflates no child's
``ru_maxrss``. A blocked validation or a failed child is reported in the table and makes the exit status
non-zero. The results go to a markdown table on stdout, and with ``--json`` to a file.
"""
from __future__ import annotations

import argparse
import json
import math
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
VERSION = 1  # bump when a shape's data changes, so that kept folders are made again
SHAPES = ("default", "two_tables", "seven_regions", "five_years", "one_big_region", "one_city_benchmarks")
DERIVED = {"two_tables", "one_big_region", "one_city_benchmarks"}  # made from ``default``
FIVE_YEARS_QUARTERS = 20
REGIONS = 30
MARKER = "_shape.json"
SCORE = "scores,prescription,backtest"


# ---------------------------------------------------------------- making the shapes (in a child)

def _options(args: argparse.Namespace, shape: str) -> dict[str, Any]:
    """What a shape folder is made with: a kept folder is reused only if its marker says the same."""
    want: dict[str, Any] = {"shape": shape, "customers": args.customers, "order_lines": args.order_lines,
                            "seed": args.seed, "version": VERSION}
    if shape == "one_big_region":
        want["big_region_share"] = args.big_region_share
    if shape == "one_city_benchmarks":
        want |= {"city_benchmark_share": args.city_benchmark_share, "city_radius_km": args.city_radius_km}
    return want


def _marker(folder: Path) -> dict[str, Any] | None:
    try:
        return json.loads((folder / MARKER).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _is_complete(folder: Path, want: dict[str, Any]) -> bool:
    made = _marker(folder)
    return made is not None and made.get("complete") is True and {k: made.get(k) for k in want} == want


def _link(src: Path, dst: Path) -> None:
    dst.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.link(src, dst)
    except OSError:
        shutil.copy2(src, dst)


def _link_tree(src: Path, dst: Path, keep: Any) -> None:
    """Hard-link every file of ``src`` whose path (relative, posix) ``keep`` accepts into ``dst``."""
    for path in sorted(src.rglob("*")):
        rel = path.relative_to(src).as_posix()
        if path.is_file() and rel != MARKER and keep(rel):
            _link(path, dst / rel)


def _generator_command(folder: Path, customers: int, order_lines: int, seed: int, regions: int | None,
                       quarters: int | None) -> list[str]:
    command = [sys.executable, "-m", "tagkit.cli", "-q", "sample-data", "--out", str(folder), "--seed", str(seed),
               "--customers", str(customers), "--order-lines", str(order_lines)]
    if regions:
        command += ["--regions", str(regions)]
    if quarters:
        command += ["--quarters", str(quarters)]
    return command


def _five_years_customers(customers: int, order_lines: int, seed: int) -> int:
    """The most customers (up to ``customers``) among whom the generator can spread ``order_lines`` lines over
    20 quarters: its lower bound is about 57 lines per customer over that many quarters."""
    from tagkit.sample.density import line_range
    from tagkit.sample.population import plan_population
    from tagkit.sample.regions import geography
    from tagkit.sample.timeline import Calendar

    cal, geo = Calendar.ending("2026Q3", FIVE_YEARS_QUARTERS), geography(REGIONS)
    n = customers
    for _ in range(20):
        plan = plan_population(seed, n, cal, geo)[0]
        lo, _hi = line_range(plan, cal)
        if lo <= order_lines:
            return n
        n = max(1000, int(order_lines / (lo / n) * 0.99) // 1000 * 1000)
    raise SystemExit(f"five_years: found no number of customers that takes {order_lines:,} order lines")


def _largest(frame: Any, column: str) -> str:
    """The value of ``column`` with the most rows (ties: the smallest value)."""
    return frame.group_by(column).len().sort(["len", column], descending=[True, False])[column][0]


def _draw(pool: Any, need: int, by: str, seed: int) -> Any:
    """``need`` rows of ``pool`` drawn at random, each ``by`` group giving its share (largest remainders)."""
    import numpy as np
    import polars as pl

    if need > pool.height:
        raise SystemExit(f"asked to move {need:,} customers, only {pool.height:,} to draw from")
    if need == 0:
        return pool.clear()
    sizes = pool.group_by(by).len().sort(by)
    exact = sizes["len"].to_numpy() * need / pool.height
    quota = np.floor(exact).astype(np.int64)
    quota[np.argsort(-(exact - quota), kind="stable")[: need - int(quota.sum())]] += 1
    quotas = sizes.select(by, quota=pl.Series(quota))
    rng = np.random.default_rng(seed)
    return (pool.sort("customer_id").with_columns(_u=pl.Series(rng.random(pool.height)))
            .with_columns(_rank=pl.col("_u").rank("ordinal").over(by)).join(quotas, on=by)
            .filter(pl.col("_rank") <= pl.col("quota")).drop("_u", "_rank", "quota"))


def _round_robin_reps(reps: Any, region: str, count: int) -> list[str]:
    """``count`` rep ids of ``region`` (role rep, sorted by id), round-robin."""
    import polars as pl

    ids = reps.filter((pl.col("region") == region) & (pl.col("role") == "rep"))["rep_id"].sort().to_list()
    if not ids:
        raise SystemExit(f"reps.csv has no rep of region {region}")
    return [ids[i % len(ids)] for i in range(count)]


def _reassign(customers: Any, moved: Any, columns: dict[str, Any]) -> Any:
    """``customers`` with the rows of ``moved`` (customer_id plus new values) updated, row order kept."""
    import polars as pl

    new = moved.select("customer_id", *(pl.col(c).alias(f"_new_{c}") for c in columns))
    out = customers.join(new, on="customer_id", how="left", maintain_order="left")
    return out.with_columns(pl.coalesce(f"_new_{c}", c).alias(c) for c in columns).select(customers.columns)


def _write_truth(base: Path, folder: Path, regions: Any, note: str) -> None:
    """``_truth/planted.parquet`` with the moved customers' new region; README with a closing note."""
    import polars as pl

    truth = pl.read_parquet(base / "_truth" / "planted.parquet")
    new = regions.select("customer_id", _new=pl.col("region"))
    truth = (truth.join(new, on="customer_id", how="left", maintain_order="left")
             .with_columns(region=pl.coalesce("_new", "region")).drop("_new"))
    truth.write_parquet(folder / "_truth" / "planted.parquet")
    readme = (base / "_truth" / "README.md").read_text(encoding="utf-8")
    (folder / "_truth" / "README.md").write_text(readme + "\n## Benchmark shape\n\n" + note + "\n", encoding="utf-8")


def _read_customers(base: Path) -> Any:
    import polars as pl

    return pl.read_csv(base / "customers.csv", infer_schema=False)  # all strings: untouched values stay as written


def _one_big_region(base: Path, folder: Path, share: float, seed: int) -> dict[str, Any]:
    import polars as pl

    customers = _read_customers(base)
    reps = pl.read_csv(base / "reps.csv", infer_schema=False)
    target = _largest(customers, "region")
    before = customers.filter(pl.col("region") == target).height
    need = max(0, math.ceil(share * customers.height) - before)
    moved = _draw(customers.filter(pl.col("region") != target).select("customer_id", "region"), need, "region", seed)
    came_from = dict(sorted(moved.group_by("region").len().iter_rows()))
    moved = moved.sort("customer_id").with_columns(
        region=pl.lit(target), rep_id=pl.Series(_round_robin_reps(reps, target, moved.height), dtype=pl.String))
    _link_tree(base, folder, lambda rel: rel not in ("customers.csv", "_truth/planted.parquet", "_truth/README.md"))
    _reassign(customers, moved, {"region": None, "rep_id": None}).write_csv(folder / "customers.csv")
    note = (f"Post-processed by benchmarks/bench_shapes.py (one_big_region): {moved.height:,} customers moved from "
            f"every other region, in proportion to its size, into {target} (now {before + moved.height:,} of "
            f"{customers.height:,}); each got {target} as region and one of its reps; nothing else changed.")
    _write_truth(base, folder, moved, note)
    return {"target_region": target, "customers_before": before, "customers_after": before + moved.height,
            "moved": moved.height, "moved_from": came_from}


def _city_centre(city: str, located: Any) -> tuple[float, float, str]:
    """The city's centre: the generator's reference coordinates, else the median of its customers."""
    import polars as pl

    try:
        from tagkit.sample.reference import CITIES

        for known in CITIES:
            if known.city == city:
                return known.lat, known.lon, "the generator's reference city centre"
    except ImportError:
        pass
    mid = located.select(pl.col("lat", "lon").cast(pl.Float64).median())
    return mid["lat"][0], mid["lon"][0], "the median of the city's customers"


def _one_city_benchmarks(base: Path, folder: Path, share: float, radius_km: float, seed: int) -> dict[str, Any]:
    import numpy as np
    import polars as pl

    customers = _read_customers(base)
    reps = pl.read_csv(base / "reps.csv", infer_schema=False)
    truth = pl.read_parquet(base / "_truth" / "planted.parquet", columns=["customer_id", "archetype"])
    benchmarks = customers.join(truth.filter(pl.col("archetype") == "benchmark"), on="customer_id", how="semi")
    region = _largest(customers, "region")
    in_region = customers.filter(pl.col("region") == region)
    city = _largest(in_region, "city")
    in_city = in_region.filter(pl.col("city") == city)
    province = _largest(in_city, "province")
    lat0, lon0, centre_from = _city_centre(city, in_city)

    own = benchmarks.filter(pl.col("region") == region).select("customer_id", "rep_id")
    want = max(own.height, math.ceil(share * benchmarks.height))
    extra = _draw(benchmarks.filter(pl.col("region") != region).select("customer_id", "region"),
                  want - own.height, "region", seed)
    came_from = dict(sorted(extra.group_by("region").len().iter_rows()))
    extra = extra.sort("customer_id").with_columns(
        rep_id=pl.Series(_round_robin_reps(reps, region, extra.height), dtype=pl.String))
    moved = pl.concat([own, extra.select("customer_id", "rep_id")]).sort("customer_id")
    rng = np.random.default_rng(seed + 1)
    r = radius_km * np.sqrt(rng.random(moved.height))  # uniform over the disc
    angle = rng.uniform(0, 2 * np.pi, moved.height)
    km_per_degree = 111.195
    lat = np.round(lat0 + r * np.cos(angle) / km_per_degree, 5)
    lon = np.round(lon0 + r * np.sin(angle) / (km_per_degree * np.cos(np.radians(lat0))), 5)
    moved = moved.with_columns(region=pl.lit(region), province=pl.lit(province), city=pl.lit(city),
                               lat=pl.Series(lat).cast(pl.String), lon=pl.Series(lon).cast(pl.String))
    _link_tree(base, folder, lambda rel: rel not in ("customers.csv", "_truth/planted.parquet", "_truth/README.md"))
    columns = {"region": None, "rep_id": None, "province": None, "city": None, "lat": None, "lon": None}
    _reassign(customers, moved, columns).write_csv(folder / "customers.csv")
    note = (f"Post-processed by benchmarks/bench_shapes.py (one_city_benchmarks): {moved.height:,} planted benchmarks "
            f"placed within {radius_km:g} km of {city} ({province}, region {region}): its region's {own.height:,} and "
            f"{extra.height:,} moved in from other regions ({', '.join(f'{k} {v}' for k, v in came_from.items())}), "
            "which got the region and one of its reps. Names, orders and the rest unchanged.")
    _write_truth(base, folder, extra.select("customer_id", region=pl.lit(region)), note)
    return {"region": region, "province": province, "city": city, "centre": [lat0, lon0], "centre_from": centre_from,
            "radius_km": radius_km, "planted_benchmarks": benchmarks.height, "in_city": moved.height,
            "own_region": own.height, "moved_in": extra.height, "moved_in_from": came_from,
            "city_customers_before": in_city.height}


def make_shape(args: argparse.Namespace, shape: str, folder: Path) -> dict[str, Any]:
    """Write ``shape`` into ``folder`` (empty); returns what ``_shape.json`` records besides the options."""
    base = args.out / "default"
    made: dict[str, Any] = {}
    if shape in ("default", "seven_regions", "five_years"):
        customers = args.customers
        if shape == "five_years":
            customers = _five_years_customers(args.customers, args.order_lines, args.seed)
            if customers != args.customers:
                made["customers_used"] = customers
                made["note"] = (f"{args.order_lines:,} order lines do not fit {args.customers:,} customers over "
                                f"{FIVE_YEARS_QUARTERS} quarters; {customers:,} customers instead")
        command = _generator_command(folder, customers, args.order_lines, args.seed,
                                     None if shape == "seven_regions" else REGIONS,
                                     FIVE_YEARS_QUARTERS if shape == "five_years" else None)
        made["command"] = " ".join(["tagkit", *command[3:]]).replace(str(folder), "OUT")
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
    elif shape == "two_tables":
        _link_tree(base, folder, lambda rel: rel == "customers.csv" or rel.startswith("orders/"))
        made["from"] = "default: customers.csv and orders/ only"
    elif shape == "one_big_region":
        made |= _one_big_region(base, folder, args.big_region_share, args.seed)
    elif shape == "one_city_benchmarks":
        made |= _one_city_benchmarks(base, folder, args.city_benchmark_share, args.city_radius_km, args.seed)
    return made


def ensure_shape(args: argparse.Namespace, shape: str) -> str:
    """Make ``DIR/<shape>`` unless a complete one made the same way is there; says which."""
    folder, want = args.out / shape, _options(args, shape)
    if _is_complete(folder, want):
        return "reused"
    if folder.exists():
        if _marker(folder) is None and any(folder.iterdir()):
            raise SystemExit(f"{folder} exists and was not made by this script (no {MARKER}); remove it or use --out")
        shutil.rmtree(folder)
    partial = args.out / f".{shape}.partial"
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir(parents=True)
    t0 = time.perf_counter()
    # in a child: this process stays small, so it inflates no measured child's ru_maxrss
    result = subprocess.run([sys.executable, __file__, "--child-make", shape, "--child-dir", str(partial),
                             *_passed(args)], check=False, stdout=subprocess.PIPE, text=True)
    if result.returncode != 0:
        raise SystemExit(f"making {shape} failed (exit {result.returncode}); the partial folder is {partial}")
    made = json.loads(result.stdout.strip().splitlines()[-1])
    (partial / MARKER).write_text(json.dumps({**want, **made, "complete": True,
                                              "seconds": round(time.perf_counter() - t0, 1)},
                                             ensure_ascii=False, indent=2), encoding="utf-8")
    partial.rename(folder)
    return f"made in {time.perf_counter() - t0:.0f} s"


def _passed(args: argparse.Namespace) -> list[str]:
    return ["--out", str(args.out), "--customers", str(args.customers), "--order-lines", str(args.order_lines),
            "--seed", str(args.seed), "--big-region-share", str(args.big_region_share),
            "--city-benchmark-share", str(args.city_benchmark_share), "--city-radius-km", str(args.city_radius_km)]


# ---------------------------------------------------------------- measuring (bench_validation as a child)

def _number(text: str) -> float:
    return float(text.replace(",", ""))


def parse_bench_validation(text: str) -> dict[str, Any]:
    """The figures bench_validation.py prints for one validate + score run."""
    out: dict[str, Any] = {"tables": {}, "parts": {}}
    if m := re.search(r"wall ([\d.]+) s: run_validation ([\d.]+) s, importing tagkit\.pipeline\.steps ([\d.]+) s"
                      r".*?CPU ([\d.]+) s, peak RSS ([\d,]+) MB( — BLOCKED)?", text):
        out |= {"wall_s": _number(m[1]), "validate_s": _number(m[2]), "imports_s": _number(m[3]),
                "cpu_s": _number(m[4]), "child_peak_rss_mb": _number(m[5]), "blocked": bool(m[6])}
    if m := re.search(r"load before ([\d. ]+), after ([\d. ]+); other processes used (\d+)%", text):
        out |= {"load_before": m[1], "load_after": m[2], "others_cpu_share": int(m[3]) / 100}
    for m in re.finditer(r"^\s+(\w+): read\s+([\d,]+) = used\s+([\d,]+) \+ set aside\s+([\d,]+)", text, re.M):
        out["tables"][m[1]] = {"read": int(_number(m[2])), "used": int(_number(m[3])), "set_aside": int(_number(m[4]))}
    for m in re.finditer(r"then (\w+): ([\d.]+) s .*?peak RSS so far ([\d,]+) MB", text):
        out["parts"][m[1]] = {"s": _number(m[2]), "peak_rss_self_mb": _number(m[3])}
    return out


def measure(data_dir: Path) -> dict[str, Any]:
    """bench_validation.py on one folder; its output is shown as it comes and parsed."""
    command = [sys.executable, str(ROOT / "benchmarks" / "bench_validation.py"), "--data-dir", str(data_dir),
               "--score", SCORE]
    t0 = time.perf_counter()
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    lines = []
    assert proc.stdout is not None
    for line in proc.stdout:
        print("    " + line, end="", flush=True)
        lines.append(line)
    _, status, usage = os.wait4(proc.pid, 0)
    result = parse_bench_validation("".join(lines))
    result |= {"exit_code": os.waitstatus_to_exitcode(status), "tree_wall_s": time.perf_counter() - t0,
               "peak_rss_mb": usage.ru_maxrss / 1024}
    return result


def _quarters(folder: Path) -> int:
    return len(list((folder / "orders").glob("quarter=*")))


def _cell(value: float | None, digits: int = 1) -> str:
    return "—" if value is None else f"{value:,.{digits}f}"


def table(rows: list[dict[str, Any]]) -> str:
    head = ("| shape | lines | customers | quarters | tables | validate s | scores s | prescription s | back-test s "
            "| total s | peak RSS | others' CPU |")
    out = [head, "|" + "---|" * (head.count("|") - 1)]
    for r in rows:
        t, p = r.get("tables", {}), r.get("parts", {})
        status = "" if r.get("exit_code") == 0 and not r.get("blocked") else (
            " BLOCKED" if r.get("blocked") else f" FAILED (exit {r.get('exit_code')})")
        rss = r.get("peak_rss_mb")
        out.append(
            f"| {r['shape']}{status} | {t.get('orders', {}).get('read', 0):,} "
            f"| {t.get('customers', {}).get('read', 0):,} "
            f"| {r['quarters']} | {len(t)} | {_cell(r.get('validate_s'))} "
            f"| {_cell(p.get('scores', {}).get('s'))} | {_cell(p.get('prescription', {}).get('s'))} "
            f"| {_cell(p.get('backtest', {}).get('s'))} | {_cell(r.get('wall_s'))} "
            f"| {'—' if rss is None else f'{rss / 1024:.2f} GiB'} | {r.get('others_cpu_share', 0):.0%} |")
    return "\n".join(out)


# ---------------------------------------------------------------- main

def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=Path("/work/bigdata/shapes"), help="folder of the shape folders")
    parser.add_argument("--customers", type=int, default=200_000)
    parser.add_argument("--order-lines", type=int, default=10_000_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--shapes", default=",".join(SHAPES), help=f"comma-separated, of: {', '.join(SHAPES)}")
    parser.add_argument("--measure", action="store_true", help="run validate + the score step on each shape")
    parser.add_argument("--json", type=Path, help="also write the measurements here")
    parser.add_argument("--big-region-share", type=float, default=0.5, help="one_big_region: its share of customers")
    parser.add_argument("--city-benchmark-share", type=float, default=0.25,
                        help="one_city_benchmarks: share of all planted benchmarks put in the city "
                             "(at least its region's)")
    parser.add_argument("--city-radius-km", type=float, default=10.0,
                        help="one_city_benchmarks: within this of the centre")
    parser.add_argument("--child-make", choices=SHAPES, help=argparse.SUPPRESS)
    parser.add_argument("--child-dir", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    args.out = args.out.resolve()

    if args.child_make:
        print(json.dumps(make_shape(args, args.child_make, args.child_dir), ensure_ascii=False))
        return 0

    shapes = [s.strip() for s in args.shapes.split(",") if s.strip()]
    if unknown := sorted(set(shapes) - set(SHAPES)):
        parser.error(f"unknown shapes {', '.join(unknown)}; known: {', '.join(SHAPES)}")
    args.out.mkdir(parents=True, exist_ok=True)
    needed = (["default"] if DERIVED & set(shapes) else []) + shapes
    for shape in dict.fromkeys(needed):  # default first when something is made from it
        print(f"{shape}: {ensure_shape(args, shape)} ({args.out / shape})", flush=True)
    if not args.measure:
        return 0

    rows = []
    for shape in shapes:
        folder = args.out / shape
        print(f"measuring {shape}: bench_validation.py --data-dir {folder} --score {SCORE}", flush=True)
        result = {"shape": shape, "data_dir": str(folder), "quarters": _quarters(folder),
                  "made": _marker(folder), **measure(folder)}
        rows.append(result)
    print()
    print(f"{os.cpu_count()} CPUs; {args.customers:,} customers, {args.order_lines:,} order lines asked "
          "(total s: the child's wall, interpreter start and imports included; peak RSS: the largest process)")
    print(table(rows))
    if args.json:
        args.json.write_text(json.dumps({"customers": args.customers, "order_lines": args.order_lines,
                                         "seed": args.seed, "out": str(args.out), "rows": rows},
                                        ensure_ascii=False, indent=2), encoding="utf-8")
    bad = [r["shape"] for r in rows if r.get("exit_code") != 0 or r.get("blocked") or "wall_s" not in r]
    if bad:
        print(f"not clean: {', '.join(bad)} (blocked or failed)", file=sys.stderr)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
