"""The seed report in headless Chromium, the network off: no console error, the charts drew
(non-empty boxes, one bar per stage), and the interactive report's plotly charts rendered.
A screenshot is kept in ``$PLANNER_ARTIFACTS`` (default ``build/artifacts``).

Skips when Chromium or Playwright is missing, unless ``PLANNER_REQUIRE_BROWSER=1`` (CI), when
it fails instead. Playwright drives the system Chromium (``/usr/bin/chromium``, or
``$PLANNER_CHROMIUM``); it never downloads a browser.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from planner.cli import main
from planner.io import load_plan, load_scenario
from planner.report.html import plan_html

ROOT = Path(__file__).resolve().parent.parent
FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip


def _missing(why: str) -> None:
    if os.environ.get("PLANNER_REQUIRE_BROWSER") == "1":
        pytest.fail(f"PLANNER_REQUIRE_BROWSER=1 but {why}")
    pytest.skip(why)


def _chromium() -> str:
    path = os.environ.get("PLANNER_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
    if not Path(path).exists():
        _missing("no chromium (apt-get install chromium)")
    return path


def artifacts() -> Path:
    out = Path(os.environ.get("PLANNER_ARTIFACTS") or ROOT / "build" / "artifacts")
    out.mkdir(parents=True, exist_ok=True)
    return out


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _missing("no playwright (pip install playwright)")
    executable = _chromium()
    profile = tmp_path_factory.mktemp("chromium-profile")
    with sync_playwright() as p:
        # a persistent context: Playwright passes --user-data-dir (the new empty profile)
        context = p.chromium.launch_persistent_context(
            str(profile), executable_path=executable, args=FLAGS, headless=True,
            viewport={"width": 1150, "height": 900}, offline=True,
        )  # fmt: skip
        try:
            yield context
        finally:
            context.close()


@pytest.fixture(scope="module")
def seed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Any, Any]:
    path = tmp_path_factory.mktemp("browser") / "plan.json"
    assert main(["solve", "-o", str(path)]) == 0
    return load_plan(path), load_scenario()


def open_page(browser: Any, page_file: Path) -> tuple[Any, list[str], list[str]]:
    """The page loaded with every non-file request refused; console errors and refused
    requests are collected."""
    page = browser.new_page()
    errors: list[str] = []
    refused: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))

    def route(r: Any) -> None:
        if r.request.url.startswith("file:"):
            r.continue_()
        else:
            refused.append(r.request.url)
            r.abort()

    page.route("**/*", route)
    page.goto(page_file.as_uri(), wait_until="load")
    return page, errors, refused


def box(page: Any, selector: str) -> dict[str, float]:
    got = page.evaluate(
        "s => { const e = document.querySelector(s); if (!e) return null;"
        " const r = e.getBoundingClientRect(); return {w: r.width, h: r.height}; }",
        selector,
    )
    assert got is not None, selector
    return got


def test_the_seed_report_draws(browser: Any, seed: tuple[Any, Any], tmp_path: Path) -> None:
    plan, sc = seed
    page_file = tmp_path / "report.html"
    page_file.write_text(plan_html(plan, sc), encoding="utf-8")
    page, errors, refused = open_page(browser, page_file)
    assert errors == [] and refused == []
    for selector in ("#timeline-p1", "#cumulative-p1", "#timeline-p1 rect.bar.stage",
                     "#cumulative-p1 polyline.step.hostages", "#cumulative-p1 .ratio-band polygon",
                     "#detail-1"):  # fmt: skip
        b = box(page, selector)
        assert b["w"] > 0 and b["h"] > 0, (selector, b)
    bars = page.eval_on_selector_all(
        "#timeline-p1 rect.bar.stage", "es => es.map(e => e.getBoundingClientRect().width)"
    )
    assert len(bars) == len(plan.stages) and min(bars) >= 12
    notes = page.eval_on_selector_all("#timeline-p1 text.note", "es => es.map(e => e.textContent)")
    assert any("20 hostages" in n for n in notes)
    charts = page.locator("#charts-p1").bounding_box()
    clip = {"x": 0, "y": 0, "width": 1150, "height": charts["y"] + charts["height"] + 16}
    page.screenshot(path=str(artifacts() / "report-seed.png"), full_page=True, clip=clip)
    page.screenshot(path=str(artifacts() / "report-seed-full.png"), full_page=True)
    page.locator("#timeline-p1").screenshot(path=str(artifacts() / "report-seed-timeline.png"))
    page.locator("#cumulative-p1").screenshot(path=str(artifacts() / "report-seed-cumulative.png"))
    page.close()


def test_the_interactive_report_renders_plotly(
    browser: Any, seed: tuple[Any, Any], tmp_path: Path
) -> None:
    pytest.importorskip("plotly")
    plan, sc = seed
    page_file = tmp_path / "interactive.html"
    page_file.write_text(plan_html(plan, sc, interactive=True), encoding="utf-8")
    page, errors, refused = open_page(browser, page_file)
    page.wait_for_selector("#plotly-timeline svg.main-svg", timeout=20_000)
    page.wait_for_selector("#plotly-cumulative svg.main-svg", timeout=20_000)
    assert errors == [] and refused == []
    for selector in ("#plotly-timeline svg.main-svg", "#plotly-cumulative svg.main-svg"):
        b = box(page, selector)
        assert b["w"] > 0 and b["h"] > 0, (selector, b)
    bars = page.eval_on_selector_all("#plotly-timeline g.trace.bars path", "es => es.length")
    assert bars == len(plan.withdrawals) + len(plan.stages)
    page.locator("#plotly-timeline").screenshot(path=str(artifacts() / "report-interactive.png"))
    page.close()
