"""scripts/streamlit_client.py against `streamlit run app.py`: pages, page changes, cached messages, a click."""

import asyncio
import os
import re

import pytest

from scripts.streamlit_client import StreamlitClient
from tests.test_browser import streamlit_server
from textclf.data import TUTORIAL_CATEGORIES

HOME_TITLE = "Train a text classifier and see why it decides"
DATA_TITLE = "1. Data: which topics should the model tell apart?"


@pytest.fixture(scope="module")
def server(newsgroups_home, tmp_path_factory):
    """Returns the URL of a fresh server that sends every element as cacheable, so references are exercised."""
    env = dict(os.environ, SCIKIT_LEARN_DATA=newsgroups_home, TEXTCLF_RUNS_DIR=str(tmp_path_factory.mktemp("runs")),
               STREAMLIT_GLOBAL_MIN_CACHED_MESSAGE_SIZE="1")
    servers = streamlit_server(env, tmp_path_factory.mktemp("log"))
    url, log = next(servers)
    yield url
    log.seek(0)
    server_log = log.read()
    next(servers, None)  # stops the server first: a failed check below must not leave it running
    assert "Traceback" not in server_log, server_log


def test_start_page_then_data_page_and_back(server):
    asyncio.run(_pages(server))


async def _pages(url: str) -> None:
    """Opens the start page, switches to 1. Data and back, checking what arrived each time."""
    async with StreamlitClient(url, fetch_assets=True) as page:
        start = await page.finished(page.requests[0], 60)
        assert start.heading_at(HOME_TITLE) is not None
        assert HOME_TITLE in page.text() and "Where you are" in page.text()
        assert re.fullmatch(r"ws=[\w-]+", page.query), ("the app's ?ws= reached the client", page.query)
        assert {p.page_name for p in page.pages} >= {"Start here", "1. Data", "2. Train"}

        data = await page.finished(await page.switch_page("1. Data"), 60)
        assert data.heading_at(DATA_TITLE) is not None and data.first_answer <= data.finished
        text = page.text()
        assert DATA_TITLE in text and HOME_TITLE not in text, "the start page's elements were replaced"
        assert "Where you are" in text, "the sidebar (the app script's own elements) stays"
        categories = next(w for k, w in page.widgets.items() if k.endswith("-categories"))
        assert list(categories.string_array_value.data) == list(TUTORIAL_CATEGORIES), "the server's value, not []"

        hits = page.cache_hits
        back = await page.finished(await page.switch_page("Start here"), 60)
        assert page.cache_hits > hits, "elements seen two runs ago come back as references to the cache"
        assert back.heading_at(HOME_TITLE) is not None and DATA_TITLE not in page.text()
        assert not page.exceptions() and not page.errors


def test_train_click_follows_the_live_view_to_the_result(server):
    asyncio.run(_train(server))


async def _train(url: str) -> None:
    """Opens a one-epoch teacher link, presses Train and follows the page until it shows the result."""
    async with StreamlitClient(url, "train", "categories=rec.autos,sci.space&epochs=1") as page:
        await page.wait_for(lambda: _enabled(page, "Train"), 60)
        await page.click("Train")
        # Only the live view's fragment, rerun by the client's timers, notices the end of the run.
        await page.wait_for(lambda: "Training took" in page.text(), 120)
        text = page.text()
        assert page.auto_rerun_requests > 0
        assert re.search(r"Finished 1 epochs?\.", text), ("the teacher link's 1 epoch was kept", text)
        assert "1,187 training posts, 2 topics" in text and "trained on rec.autos, sci.space" in text
        assert not page.exceptions() and not page.errors


def _enabled(page: StreamlitClient, label: str) -> bool:
    """Returns True when the page shows an enabled button labelled `label`."""
    try:
        return not page.button(label).proto.disabled
    except LookupError:
        return False
