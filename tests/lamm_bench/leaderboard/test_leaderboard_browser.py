"""The report page in a real headless Chromium (Debian's ``chromium``, driven by Playwright for Python).

Skipped when Playwright or Chromium is missing, unless ``LAMM_REQUIRE_BROWSER=1`` (CI), which turns the
skip into a failure. ``LAMM_CHROMIUM`` overrides the browser path (default ``/usr/bin/chromium``). The
browser never downloads anything: it is the system's, started with a fresh profile and with every
network feature that phones home switched off; the page may not request anything but itself.
The screenshots are written to the test's tmp dir and copied to ``LAMM_ARTIFACTS`` (default:
``<system temp>/lamm-artifacts``); their paths are printed.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest
from leaderboard_helpers import RUNNER, Scored
from PIL import Image

from lamm_bench.cli import app

pytestmark = [pytest.mark.browser, pytest.mark.integration]

ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def chromium_or_skip() -> str:
    """Path of the Chromium binary; skip (or fail under LAMM_REQUIRE_BROWSER=1) when the browser stack is absent."""
    path = os.environ.get("LAMM_CHROMIUM", "/usr/bin/chromium")
    problems = []
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        problems.append("Playwright for Python is not installed (pip install playwright; never `playwright install`)")
    if not os.access(path, os.X_OK):
        problems.append(f"no Chromium at {path} (apt-get install chromium, or set LAMM_CHROMIUM)")
    if problems:
        reason = "; ".join(problems)
        if os.environ.get("LAMM_REQUIRE_BROWSER") == "1":
            pytest.fail(f"LAMM_REQUIRE_BROWSER=1 but {reason}")
        pytest.skip(reason)
    return path


def artifact(path: Path) -> Path:
    folder = Path(os.environ.get("LAMM_ARTIFACTS", Path(tempfile.gettempdir()) / "lamm-artifacts"))
    folder.mkdir(parents=True, exist_ok=True)
    return Path(shutil.copy(path, folder / path.name))


_THUMBNAILS_DECODED = """() => Promise.all([...document.querySelectorAll('svg.thumb image')].map(el =>
    new Promise(done => { const im = new Image(); im.onload = () => done(im.naturalWidth);
                          im.onerror = () => done(0); im.src = el.getAttribute('href'); })))"""
_VISIBLE = """sel => [...document.querySelectorAll(sel)].map(el => {
    const r = el.getBoundingClientRect(); return [r.width, r.height]; })"""


def test_report_page_in_chromium(scored: Scored, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    chromium = chromium_or_skip()
    from playwright.sync_api import sync_playwright

    site = tmp_path / "site"
    result = RUNNER.invoke(app, ["report", str(scored.baseline), str(scored.degraded), "--out", str(site),
                                 "--reference", "paper-v1", "--max-samples", "2", "--title", "Sample leaderboard"])
    assert result.exit_code == 0, result.output
    url = (site / "index.html").resolve().as_uri()
    problems: list[str] = []
    with sync_playwright() as p:
        context = p.chromium.launch_persistent_context(
            str(tmp_path / "profile"), executable_path=chromium, headless=True, args=ARGS,
            viewport={"width": 1400, "height": 1000})
        try:
            page = context.new_page()
            page.on("console", lambda m: problems.append(f"console {m.type}: {m.text}")
                    if m.type in ("error", "warning") else None)
            page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
            page.on("request", lambda r: problems.append(f"request: {r.url[:100]}") if r.url != url else None)
            page.goto(url, wait_until="load")
            assert page.title() == "Sample leaderboard"
            models = page.locator("#leaderboard tbody th.model").all_inner_texts()
            assert models == ["baseline", "degraded", "LAMM · paper-v1 (reported)"]
            assert page.locator("#leaderboard td.best").count() > 10
            charts = page.evaluate(_VISIBLE, "svg.chart")
            assert len(charts) >= 18 and all(w > 100 and h > 50 for w, h in charts)
            bars = page.evaluate(_VISIBLE, "svg.chart rect.bar")
            assert sum(w > 1 and h > 1 for w, h in bars) > 100
            page.evaluate("() => document.querySelectorAll('details').forEach(d => d.open = true)")
            widths = page.evaluate(_THUMBNAILS_DECODED)
            assert len(widths) > 20 and all(w > 0 for w in widths)
            thumbs = page.evaluate(_VISIBLE, "svg.thumb")
            assert all(w >= 100 and h >= 60 for w, h in thumbs)
            full, top = tmp_path / "report-page.png", tmp_path / "report-top.png"
            page.screenshot(path=str(full), full_page=True)
            page.screenshot(path=str(top))
        finally:
            context.close()
    assert problems == []
    with Image.open(full) as image:
        assert image.width >= 1400 and image.height > 5000
        assert len(image.convert("RGB").resize((200, 400)).getcolors(maxcolors=1 << 16) or ()) > 100
    with capsys.disabled():
        print(f"\nscreenshots: {artifact(full)} {artifact(top)}")
