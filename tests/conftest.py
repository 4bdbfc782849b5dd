"""Shared fixtures: the tiny committed dataset and one full pipeline run over it, Part K's actions round trip,
and the browser tests' headless Chromium (``browser``, ``visit``)."""
from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
TINY = ROOT / "tests" / "fixtures" / "tiny"
TINY_QUARTER = "2026Q3"


def pytest_configure(config) -> None:
    # the Vega bundle cache (tagkit.report.assets) goes to a folder of this session, not ~/.cache;
    # an environment variable, so the runner's worker processes and kernels see it too
    os.environ.setdefault("TAGKIT_CACHE_DIR", tempfile.mkdtemp(prefix="tagkit-test-cache-"))


@pytest.fixture(scope="session")
def tiny_data() -> Path:
    """A 7-region, ~70-customer dataset made by `tagkit sample-data` (see tests/fixtures/README.md)."""
    return TINY


@pytest.fixture()
def tiny_copy(tmp_path) -> Path:
    """A writable copy of the tiny dataset, for tests that break it on purpose."""
    dest = tmp_path / "data"
    shutil.copytree(TINY, dest)
    return dest


@pytest.fixture(scope="session")
def tiny_run(tmp_path_factory) -> Path:
    """One full `tagkit run` over the tiny dataset; returns OUT/QUARTER."""
    from tagkit.cli import main

    out = tmp_path_factory.mktemp("run")
    code = main(["--quiet", "run", "--data", str(TINY), "--quarter", TINY_QUARTER, "--out", str(out)])
    assert code == 0
    return out / TINY_QUARTER


ROUND_TRIP_STATUSES = ("done", "in_progress", "not_started", "declined")


@pytest.fixture(scope="session")
def actions_round_trip(tmp_path_factory) -> dict[str, Path]:
    """Part K's round trip, as docs/running.md shows it: a sample, 2026Q2 run with a holdout of a third of the
    at-risk customers, its action lists filled in programmatically (a mix of statuses; 华东 and 华北 in the
    workbooks, the others in the CSVs; a few rows not returned, one pasted twice, one typed over, one status
    in words), then 2026Q3 run with ``--actions``. Returns the folders: data, filled, q2, q3."""
    import polars as pl

    from tagkit.cli import main
    from tagkit.sample_data import generate_sample

    tmp = tmp_path_factory.mktemp("round-trip")
    data, out, filled = tmp / "data", tmp / "out", tmp / "filled"
    generate_sample(data, seed=5, customers=800)
    params = tmp / "holdout.yaml"
    params.write_text("playbook:\n  holdout_share: 0.3\n", encoding="utf-8")
    common = ["--quiet", "run", "--data", str(data), "--out", str(out), "--params", str(params)]
    assert main([*common, "--quarter", "2026Q2"]) == 0
    filled.mkdir()
    for i, csv in enumerate(sorted((out / "2026Q2" / "actions").glob("*.csv"))):
        sheet = pl.read_csv(csv, infer_schema_length=0)
        sheet = sheet.with_columns(
            status=pl.Series([ROUND_TRIP_STATUSES[(j + i) % 4] for j in range(sheet.height)]),
            note=pl.lit("回访记录见系统"))
        if i == 0:  # three rows never sent back, the first pasted twice, one status written in words
            sheet = pl.concat([sheet.head(sheet.height - 3), sheet.head(1)]).with_columns(
                status=pl.when(pl.int_range(pl.len()) == 2).then(pl.lit("已完成")).otherwise("status"))
        if i == 1:  # an id typed over
            sheet = sheet.with_columns(action_id=pl.when(pl.int_range(pl.len()) == 0).then(pl.lit("C9999:win_back"))
                                       .otherwise("action_id"))
        if csv.stem in ("华东", "华北"):
            sheet.write_excel(filled / f"{csv.stem}.xlsx")
        else:
            sheet.write_csv(filled / csv.name)
    assert main([*common, "--quarter", "2026Q3", "--actions", str(filled)]) == 0
    return {"data": data, "filled": filled, "q2": out / "2026Q2", "q3": out / "2026Q3"}


# --- the browser tests' headless Chromium, shared by tests/test_browser_*.py -----------------------------------
CHROMIUM = os.environ.get("TAGKIT_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
LOCAL = ("file:", "data:", "blob:", "about:")


def _require_browser() -> None:
    """Skip with the reason on a developer machine; fail in CI, where a missing browser is a broken setup."""
    problems = []
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        problems.append("the playwright package is missing (pip install -e '.[dev]')")
    if not Path(CHROMIUM).exists():
        problems.append(f"no Chromium at {CHROMIUM} (make browser-deps: apt-get install chromium fonts-noto-cjk)")
    if not problems:
        return
    reason = "; ".join(problems)
    if os.environ.get("CI") == "true":
        pytest.fail(f"browser tests cannot run in CI: {reason}", pytrace=False)
    pytest.skip(f"browser tests skipped outside CI: {reason}")


@dataclass
class Visit:
    """What one page did: requests that tried to leave file://, console errors, uncaught errors, dialogs."""

    page: object
    requests: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)


@pytest.fixture(scope="session")
def browser_available() -> None:
    """A browser module's first fixture (``pytest.mark.usefixtures("browser_available")`` in its pytestmark: a
    session fixture named there comes before the others), so a machine without Chromium skips without running
    the pipeline for nothing."""
    _require_browser()


@pytest.fixture(scope="module")
def browser(browser_available: None) -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture()
def visit(browser) -> Iterator:
    contexts = []

    def open_page(path: Path, *, width: int = 1280) -> Visit:
        context = browser.new_context(viewport={"width": width, "height": 900}, service_workers="block")
        contexts.append(context)
        page = context.new_page()
        seen = Visit(page)

        def guard(route) -> None:
            url = route.request.url
            if url.startswith(LOCAL):
                route.continue_()
            else:
                seen.requests.append(url)
                route.abort()

        context.route("**/*", guard)
        page.on("request", lambda r: None if r.url.startswith(LOCAL) else seen.requests.append(r.url))
        page.on("console", lambda m: seen.errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: seen.errors.append(str(e)))
        page.on("dialog", lambda d: (seen.dialogs.append(d.message), d.dismiss()))
        page.goto(path.as_uri())
        page.wait_for_function(
            "() => [...document.querySelectorAll('.vis')].every(v => v.dataset.rendered === 'true')",
            timeout=20_000,
        )
        return seen

    yield open_page
    for context in contexts:
        context.close()
