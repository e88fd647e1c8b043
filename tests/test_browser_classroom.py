"""A classroom's first minute in Chromium: simultaneous first visits, offline tab icon, Train at 1280x720."""

import asyncio
import os
from pathlib import Path
from urllib.parse import urlparse

import pytest

from tests.test_browser import CHROMIUM, CHROMIUM_ARGS, OUT, streamlit_server

DEEP_LINKS = ["/", "/train", "/data", "/evaluate", "/explain", "/lesson", "/runs", "/train"]
ERRORS = ("ImportError", "KeyError", "Traceback", "cannot import name", "has no key")


@pytest.fixture(scope="module")
def fresh_server(newsgroups_home, tmp_path_factory):
    """Returns (URL, log file) of a `streamlit run app.py` that no browser has visited yet."""
    env = dict(os.environ, SCIKIT_LEARN_DATA=newsgroups_home,  # the cache exists: only the pages race here
               TEXTCLF_RUNS_DIR=str(tmp_path_factory.mktemp("runs")))
    yield from streamlit_server(env, tmp_path_factory.mktemp("log"))


def test_simultaneous_first_visits_and_a_run_at_projector_size(fresh_server):
    if not Path(CHROMIUM).exists():
        pytest.fail("Debian's chromium is required for the browser test: apt-get install chromium")
    url, log = fresh_server
    OUT.mkdir(parents=True, exist_ok=True)
    outside = asyncio.run(_classroom(url))
    assert not outside, f"requests left the machine: {outside}"
    log.seek(0)
    server_log = log.read()
    assert "Traceback" not in server_log, server_log


async def _classroom(url: str) -> list[str]:
    from playwright.async_api import async_playwright

    outside: list[str] = []
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)

        async def first_visit(path: str) -> str:
            context = await browser.new_context(viewport={"width": 1280, "height": 720})
            page = await context.new_page()
            page.on("request", lambda r: outside.append(r.url) if urlparse(r.url).hostname not in
                    ("127.0.0.1", None) and not r.url.startswith("data:") else None)
            await page.goto(url + path)
            await page.locator("h1, [data-testid='stException']").first.wait_for(timeout=120_000)
            await page.wait_for_timeout(1500)
            body = await page.locator("body").inner_text()
            await context.close()
            return body

        # All at once, on a server nobody has visited: Streamlit's one-time page-mode guess used to race here.
        bodies = await asyncio.gather(*(first_visit(path) for path in DEEP_LINKS))
        for path, body in zip(DEEP_LINKS, bodies):
            assert not any(e in body for e in ERRORS), (path, body[:2000])
            assert "views/" not in body and ".py" not in body, (path, "raw file names in the navigation")

        context = await browser.new_context(viewport={"width": 1280, "height": 720},
                                            permissions=["clipboard-read", "clipboard-write"])
        page = await context.new_page()
        page.on("request", lambda r: outside.append(r.url) if urlparse(r.url).hostname not in
                ("127.0.0.1", None) and not r.url.startswith("data:") else None)
        page.set_default_timeout(120_000)
        await page.goto(url + "/train")
        await page.get_by_role("button", name="Train", exact=True).wait_for()
        epochs = page.get_by_role("spinbutton", name="Epochs")
        await epochs.fill("60")
        await epochs.press("Enter")
        await page.wait_for_timeout(1000)
        await page.get_by_role("button", name="Copy link to this setup").click()
        link = await page.locator('[data-testid="stCode"]').first.inner_text()
        assert "epochs=60" in link, ("the link carries the settings as typed, not the last trained ones", link)
        await page.get_by_text("This address works only on this computer").wait_for()  # opened as 127.0.0.1
        copy = page.frame_locator("iframe[srcdoc*='Copy link']").get_by_role("button", name="Copy link")
        await copy.click()
        await page.frame_locator("iframe[srcdoc*='Copy link']").get_by_text("Copied").wait_for()
        assert await page.evaluate("navigator.clipboard.readText()") == link.strip()
        await page.screenshot(path=str(OUT / "copy_link_1280x720.png"))
        await page.keyboard.press("Escape")
        await page.get_by_role("button", name="Train", exact=True).click()
        bar = page.locator('[data-testid="stProgress"]')
        await bar.get_by_text("Epoch").wait_for()  # past "Preparing the vocabulary"
        chart = page.locator('[data-testid="stPlotlyChart"]').first
        await chart.locator(".main-svg").first.wait_for()
        await page.wait_for_function("() => /step [1-9]/.test(document.querySelector("
                                     "'[data-testid=\"stProgress\"]').innerText)", timeout=120_000)
        await page.wait_for_timeout(1000)
        await page.screenshot(path=str(OUT / "train_running_1280x720.png"))
        for name, element in (("progress bar", bar), ("live chart", chart)):
            box = None
            for _ in range(10):  # the fragment redraws twice a second: measure between two redraws
                box = await element.bounding_box()
                if box:
                    break
                await page.wait_for_timeout(200)
            assert box and box["y"] >= 0 and box["y"] + box["height"] <= 720, (name, box, "not in view")
        assert await page.get_by_role("button", name="Train", exact=True).is_disabled()
        sidebar = page.locator('[data-testid="stSidebar"]')
        first = later = await sidebar.inner_text()
        for _ in range(60):  # nothing is clicked meanwhile
            await page.wait_for_timeout(500)
            later = await sidebar.inner_text()
            if later != first:
                break
        assert "Training:" in first and first != later, "the sidebar's progress moves by itself"
        await page.get_by_role("button", name="Stop").click()
        await page.get_by_text("Training took").wait_for()
        await page.wait_for_timeout(1000)
        await page.screenshot(path=str(OUT / "train_done_1280x720.png"))
        result = page.get_by_text("Training took")
        charts = page.locator('[data-testid="stPlotlyChart"]')
        for name, element in (("result", result), ("loss chart", charts.first), ("accuracy chart", charts.last)):
            box = await element.bounding_box()
            assert box and box["y"] >= 0 and box["y"] + box["height"] <= 720, (name, box, "not in view after training")
        await browser.close()
    return outside
