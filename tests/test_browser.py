"""The newcomer's flow in a real browser: Playwright drives Debian's Chromium against `streamlit run app.py`.

Screenshots go to test-output/browser/; with TEXTCLF_UPDATE_DOCS=1 the four page shots also go to docs/.
"""

import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "test-output" / "browser"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def streamlit_server(env: dict, log_dir: Path, port: int | None = None, extra_args: tuple | list = ()):
    """Yields (URL, log file) of `streamlit run app.py` started with `env`; fails the test if it never answers."""
    port = port or free_port()
    log = open(log_dir / "streamlit.log", "w+")
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port),
         "--server.address", "127.0.0.1", "--server.headless", "true", *extra_args],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            urllib.request.urlopen(url + "/_stcore/health", timeout=2)
            break
        except OSError:
            time.sleep(0.5)
    else:
        proc.kill()
        pytest.fail("streamlit did not start: " + log.read())
    yield url, log
    proc.terminate()
    proc.wait(10)


@pytest.fixture(scope="module")
def server(archive_path, tmp_path_factory):
    """Returns the URL of a fresh `streamlit run app.py` reading the archive; stops it afterwards."""
    env = dict(os.environ, TEXTCLF_20NEWS_ARCHIVE=str(archive_path),
               SCIKIT_LEARN_DATA=str(tmp_path_factory.mktemp("sklearn_data")))
    for url, log in streamlit_server(env, tmp_path_factory.mktemp("log")):
        yield url
        log.seek(0)
        server_log = log.read()
        assert "Traceback" not in server_log, server_log


@pytest.fixture(scope="module")
def page(server):
    if not Path(CHROMIUM).exists():
        pytest.fail("Debian's chromium is required for the browser test: apt-get install chromium")
    from playwright.sync_api import sync_playwright

    OUT.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        pg = browser.new_page(viewport={"width": 1400, "height": 1000})
        pg.set_default_timeout(180_000)  # a first visit builds the data cache: slow on a busy machine
        yield pg
        browser.close()


def shot(page, name: str) -> None:
    page.mouse.move(5, 995)  # no tooltip in the picture
    page.wait_for_timeout(600)  # let charts finish drawing
    page.screenshot(path=str(OUT / f"{name}.png"), full_page=True)
    if os.environ.get("TEXTCLF_UPDATE_DOCS") == "1":
        page.screenshot(path=str(ROOT / "docs" / f"{name}.png"), full_page=True)


def no_traceback(page) -> None:
    assert page.locator("text=Traceback").count() == 0
    assert page.get_by_test_id("stException").count() == 0


def test_newcomer_flow(server, page):
    # A deep link first: the app must still run through its navigation.
    page.goto(server + "/data")
    page.get_by_text("Posts per topic").wait_for()
    # Choose data: drop one of the tutorial's topics, then add it back.
    page.get_by_role("button", name="Remove talk.religion.misc").first.click()
    page.get_by_text("Loaded").wait_for()
    search = page.get_by_test_id("stMultiSelect").first.locator("input")
    search.click()
    search.fill("talk.religion")
    page.keyboard.press("Enter")
    page.keyboard.press("Escape")
    page.get_by_text("Loaded 2,155 training posts").wait_for()
    no_traceback(page)
    shot(page, "data")

    page.get_by_role("link", name="2. Train").first.click()
    page.get_by_text("2. Train: teach the network").wait_for()
    epochs = page.get_by_role("spinbutton", name="Epochs")
    epochs.fill("3")
    page.get_by_role("button", name="Train", exact=True).click()
    page.get_by_text("Training loss (lower is better)").wait_for()  # the live chart
    page.get_by_text("Training took").wait_for(timeout=120_000)
    no_traceback(page)
    assert page.get_by_text("Test accuracy:").count() >= 1
    shot(page, "train")

    page.get_by_role("link", name="3. Evaluate").first.click()
    page.get_by_text("Confusion matrix").wait_for()
    page.locator(".js-plotly-plot").first.wait_for()
    page.get_by_text("% of true topic").click()
    page.get_by_text("mistaken test post").first.wait_for()  # it opens on the largest mistake
    page.wait_for_timeout(1500)  # the chart is redrawn after the switch to percentages
    heatmap = page.locator(".js-plotly-plot .nsewdrag").first
    heatmap.scroll_into_view_if_needed()
    plot = heatmap.bounding_box()
    page.mouse.click(plot["x"] + plot["width"] / 8, plot["y"] + plot["height"] / 8)  # the top-left cell
    page.get_by_text("correctly classified test posts").wait_for()  # clicking a cell lists its posts
    no_traceback(page)
    shot(page, "evaluate")

    page.get_by_role("link", name="4. Explain").first.click()
    page.get_by_role("textbox", name="Text to explain").fill(
        "The Penguins beat the Bruins 4-2: the goalie stopped 40 shots and Lemieux scored twice on the "
        "power play. <script>alert('x')</script>")
    page.get_by_role("button", name="Explain", exact=True).click()
    page.get_by_text("Predicted topic: rec.sport.hockey").wait_for()
    page.get_by_text("Words that mattered").wait_for()
    page.locator("mark").nth(2).wait_for()  # at least three highlighted words in the text
    assert page.locator(".js-plotly-plot").count() >= 2  # probabilities and word weights
    # The pasted markup is shown as text, never run as a script.
    assert page.locator("script", has_text="alert('x')").count() == 0
    assert page.get_by_text("alert('x')").count() >= 1
    no_traceback(page)
    shot(page, "explain")

    # The trust panel is on by default: its verdict is shown, in plain words.
    page.get_by_text("Should you believe this explanation?").wait_for()
    verdict = page.get_by_text(re.compile(r"^(Stable and faithful|Faithful but unstable|Stable but not faithful|"
                                          r"Neither stable nor faithful|Nothing to check)")).first
    verdict.wait_for()
    assert "%" in verdict.inner_text()
    page.get_by_text("What flips it?").wait_for()
    page.get_by_text("Leave one word out", exact=True).click()  # colour the text by another method
    page.locator("mark").first.wait_for()
    no_traceback(page)
    page.set_viewport_size({"width": 1280, "height": 720})  # a projector
    page.get_by_text("Should you believe this explanation?").scroll_into_view_if_needed()
    page.mouse.wheel(0, -60)
    page.mouse.move(5, 715)
    page.wait_for_timeout(1200)
    page.screenshot(path=str(OUT / "trust.png"))
    page.set_viewport_size({"width": 1400, "height": 1000})

    page.get_by_role("link", name="What each topic looks for").first.click()
    page.get_by_role("button", name="Find what each topic looks for").click()
    page.get_by_text("Words that look like artefacts, not topic").wait_for(timeout=120_000)
    page.get_by_test_id("stDataFrame").first.wait_for()
    no_traceback(page)
    shot(page, "topic_words")


def test_analyst_flow_with_own_csv(server, page, tmp_path):
    rows = ["id,text,team"]
    words = {"billing": "invoice refund charge payment", "network": "router wifi outage vpn",
             "accounts": "password login locked reset"}
    for team, vocab in words.items():
        w = vocab.split()
        for i in range(25):
            rows.append(f'{len(rows)},"Hi, my {w[i % 4]} and {w[(i + 1) % 4]} issue is back",{team}')
    csv_file = tmp_path / "tickets.csv"
    csv_file.write_text("\n".join(rows) + "\n")

    page.goto(server + "/data")
    page.get_by_text("Your own file").click()
    page.locator("input[type=file]").set_input_files(str(csv_file))
    page.get_by_text("Using 75 rows in 3 classes").wait_for()
    shot(page, "upload")
    page.get_by_role("button", name="Use this data").click()
    page.get_by_text("Using your own data").wait_for()
    no_traceback(page)

    page.get_by_role("link", name="2. Train").first.click()
    page.get_by_role("spinbutton", name="Learning rate").fill("0.01")
    page.get_by_role("spinbutton", name="Epochs").fill("3")
    page.get_by_role("button", name="Train", exact=True).click()
    page.get_by_text("Saved under Saved runs").wait_for(timeout=120_000)
    no_traceback(page)

    page.get_by_role("link", name="Saved runs").first.click()
    page.get_by_text("Saved runs", exact=True).first.wait_for()
    page.get_by_test_id("stDataFrame").first.wait_for()
    grid = page.get_by_test_id("stDataFrame").first
    box = grid.bounding_box()
    page.mouse.click(box["x"] + 18, box["y"] + 52)  # the first row's selection box
    download_button = page.get_by_role("button", name="Download bundle (.zip)")
    download_button.wait_for()
    with page.expect_download() as download:
        download_button.click()
    path = download.value.path()
    import zipfile
    with zipfile.ZipFile(path) as bundle:
        assert set(bundle.namelist()) == {"model.npz", "model.json", "run.json"}
    no_traceback(page)
    shot(page, "runs")


def test_bundle_explained_in_a_fresh_workspace(server, page, tiny_corpus, tmp_path):
    """A bundle uploaded into a new workspace explains a pasted text without the file it was trained on."""
    from textclf.learn.train import TrainConfig, run_to_end, train
    from textclf.store.bundles import bundle_bytes
    from textclf.store.runs import RunStore

    finished = run_to_end(train(tiny_corpus, config=TrainConfig(hidden=(16,), epochs=3, batch_size=8,
                                                                learning_rate=1e-2)))
    run = RunStore(tmp_path / "elsewhere").save(
        finished.classifier, name="tickets model", data={"source": "csv", "name": "tickets.csv"},
        history=finished.history, metrics={"accuracy": 0.9}, train_seconds=1.0, reason="completed")
    bundle = tmp_path / "textclf-run.zip"
    bundle.write_bytes(bundle_bytes(run.path))

    # Another browser (a new context): the one that trained before remembers its workspace, on purpose.
    page = page.context.browser.new_context(viewport={"width": 1400, "height": 1000}).new_page()
    page.set_default_timeout(180_000)
    page.goto(server + "/runs")  # no ?ws=: a workspace of its own, with nothing in it
    page.get_by_text("No saved runs yet").wait_for()
    page.locator("input[type=file]").set_input_files(str(bundle))
    page.get_by_text('Added the run "tickets model"').wait_for()
    grid = page.get_by_test_id("stDataFrame").first
    box = grid.bounding_box()
    page.mouse.click(box["x"] + 18, box["y"] + 52)  # the first row's selection box
    page.get_by_role("button", name="Load into Evaluate and Explain").click()
    page.get_by_text('Loaded "tickets model" without its data').wait_for()
    no_traceback(page)

    page.get_by_role("link", name="4. Explain").first.click()
    page.get_by_text("is loaded without its data: paste any text below").wait_for()
    page.get_by_role("textbox", name="Text to explain").fill("The goalie stopped the puck on the rink today")
    page.get_by_role("button", name="Explain", exact=True).click()
    page.get_by_text("Predicted class: hockey").wait_for()
    page.get_by_text("Words that mattered").wait_for()
    page.get_by_text("Should you believe this explanation?").wait_for()
    no_traceback(page)
    shot(page, "bundle-explained")

    page.get_by_role("link", name="3. Evaluate").first.click()
    page.get_by_text("Evaluate needs test texts with their right classes").wait_for()
    no_traceback(page)


def test_label_fix_loop_from_a_planted_error_to_a_retrained_model(server, page, tmp_path):
    rows = ["ticket,text,team"]
    words = {"billing": "invoice refund charge payment", "network": "router wifi outage vpn",
             "accounts": "password login locked reset"}
    for team, vocab in words.items():
        w = vocab.split()
        for i in range(25):
            rows.append(f"T-{len(rows)},my {w[i % 4]} and {w[(i + 1) % 4]} and {w[(i + 2) % 4]},{team}")
    rows[5] = rows[5].rsplit(",", 1)[0] + ",network"  # a billing ticket labelled network: file row 6
    csv_file = tmp_path / "planted.csv"
    csv_file.write_text("\n".join(rows) + "\n")

    page.goto(server + "/data")
    page.get_by_text("Where do the texts come from?").wait_for()
    if page.get_by_role("button", name="Use another file or other columns").count():
        page.get_by_role("button", name="Use another file or other columns").click()
    page.get_by_text("Your own file").click()
    page.locator("input[type=file]").set_input_files(str(csv_file))
    page.get_by_text("Using 75 rows in 3 classes").wait_for()
    page.get_by_role("button", name="Use this data").click()
    page.get_by_text("Using your own data").wait_for()
    page.get_by_role("link", name="2. Train").first.click()
    page.get_by_role("spinbutton", name="Learning rate").fill("0.01")
    page.get_by_role("spinbutton", name="Epochs").fill("3")
    page.get_by_role("button", name="Train", exact=True).click()
    page.get_by_text("Test accuracy:").first.wait_for(timeout=120_000)
    no_traceback(page)

    page.get_by_role("link", name="1. Data").first.click()
    page.get_by_text("Likely label errors in your file").click()
    page.get_by_role("button", name="Find likely label errors").click()
    page.get_by_text("Correct the file.").wait_for(timeout=120_000)
    page.get_by_role("button", name="Use every suggested label").click()
    page.get_by_text(re.compile(r"\d+ rows? relabelled")).wait_for(timeout=30_000)
    shot(page, "label-fixes")
    with page.expect_download() as download:
        page.get_by_role("button", name="Download the corrected file (CSV)").click()
    fixed = Path(download.value.path()).read_text(encoding="utf-8-sig").splitlines()
    assert fixed[0] == '"ticket","text","team"' and len(fixed) == 76
    assert fixed[5].startswith('"T-5",') and fixed[5].endswith(',"billing"')  # the planted error, corrected
    page.get_by_role("button", name="Retrain on the corrected file").click()
    page.get_by_text("Before the fixes:").wait_for(timeout=120_000)
    assert page.get_by_text("Using your own data: corrected planted.csv").count() == 1
    no_traceback(page)


def serious_violations(page) -> list[str]:
    """Returns axe-core's serious and critical findings on the page as "rule: selector" lines."""
    from axe_playwright_python.sync_playwright import Axe  # ships axe.min.js: no network needed

    found = []
    for violation in Axe().run(page).response["violations"]:
        if violation["impact"] not in ("serious", "critical"):
            continue
        for node in violation["nodes"]:
            found.append(f"{violation['id']}: {' '.join(map(str, node['target']))} ({violation['help']})")
    return found


def tab_to(page, name: str, limit: int = 150) -> None:
    """Presses Tab until the focused element is called `name` (its text or aria-label)."""
    seen = []
    for _ in range(limit):
        page.keyboard.press("Tab")
        # Only the page's own controls count: Streamlit's toolbar has a "Stop" of its own (for the script run).
        label = page.evaluate("() => { const e = document.activeElement;"
                              " if (!e || !e.closest('[data-testid=\"stMain\"]')) return '';"
                              " return (e.getAttribute('aria-label') || e.innerText || '').trim(); }")
        if label.splitlines()[-1:] == [name]:  # an icon's ligature may come first
            return
        seen.append(label)
    pytest.fail(f"{name!r} cannot be reached with the Tab key; focus went to {seen}")


def test_keyboard_only_and_accessibility(server, page):
    """Train, Stop and Explain from the keyboard alone; then no serious axe-core finding on any page."""
    kb = page.context.browser.new_page(viewport={"width": 1280, "height": 720})
    kb.set_default_timeout(120_000)
    kb.goto(server + "/train?categories=rec.autos,sci.space&epochs=200")
    kb.get_by_role("button", name="Train", exact=True).wait_for()
    tab_to(kb, "Train")
    kb.keyboard.press("Space")
    kb.get_by_role("button", name="Stop").wait_for()
    tab_to(kb, "Stop")
    kb.keyboard.press("Enter")
    kb.get_by_text("Stopped by request").wait_for()
    no_traceback(kb)

    kb.get_by_role("link", name="4. Explain").first.click()  # a new address would start a new session
    kb.get_by_text("4. Explain: which words made the decision?").wait_for()
    tab_to(kb, "Text to explain")
    kb.keyboard.type("The shuttle reached orbit and the astronauts repaired the telescope.")
    tab_to(kb, "Explain")
    kb.keyboard.press("Enter")
    kb.get_by_text("Words that mattered").wait_for()
    no_traceback(kb)

    findings = {}
    for link in ["Start here", "1. Data", "2. Train", "3. Evaluate", "4. Explain", "Saved runs", "Lesson: leakage"]:
        kb.get_by_role("link", name=link).first.click()
        kb.wait_for_load_state("networkidle")
        kb.wait_for_timeout(2500)  # let Streamlit finish drawing the page
        no_traceback(kb)
        findings[link] = serious_violations(kb)
    assert not any(findings.values()), findings
    kb.close()


def test_the_browser_remembers_its_workspace(server, page, tiny_classifier):
    from urllib.parse import parse_qs, urlparse

    from textclf.store.workspaces import workspace_store

    context = page.context.browser.new_context(viewport={"width": 1400, "height": 1000})  # a browser of its own
    first = context.new_page()
    first.set_default_timeout(120_000)
    first.goto(server + "/runs")
    first.get_by_text("No saved runs yet").wait_for()
    first.wait_for_function("() => new URLSearchParams(location.search).has('ws')")  # no click: the first page
    ws = parse_qs(urlparse(first.url).query)["ws"][0]
    workspace_store(ws).save(tiny_classifier, name="remembered run", data={"source": "tiny synthetic corpus"},
                             history=[], metrics={"accuracy": 0.5}, train_seconds=1.0, reason="completed")
    first.close()

    again = context.new_page()  # the plain address, in the same browser
    again.set_default_timeout(120_000)
    again.goto(server + "/")
    again.get_by_text("1 saved run").wait_for()
    assert parse_qs(urlparse(again.url).query)["ws"] == [ws]
    again.get_by_role("link", name="Open Saved runs").first.click()
    again.locator("[role=gridcell]", has_text="remembered run").first.wait_for(state="attached")  # the table
    no_traceback(again)

    again.get_by_role("button", name="Forget me on this browser").click()  # a shared computer
    again.get_by_text("no longer remembers").wait_for()
    again.wait_for_function(f"() => !new URLSearchParams(location.search).get('ws').startsWith({ws!r})")
    assert not [c for c in context.cookies() if c["name"] == "textclf_ws"]
    fresh = context.new_page()
    fresh.goto(server + "/runs")
    fresh.get_by_text("No saved runs yet").wait_for(timeout=120_000)
    no_traceback(fresh)
    context.close()


def test_a_reload_and_a_second_tab_keep_the_forms_settings(server, page):
    from playwright.sync_api import expect

    context = page.context.browser.new_context(viewport={"width": 1280, "height": 720})  # a browser of its own
    tab = context.new_page()
    tab.set_default_timeout(120_000)
    tab.goto(server + "/train")
    tab.get_by_role("textbox", name="Hidden layer sizes").fill("16")
    tab.get_by_role("spinbutton", name="Epochs").fill("3")
    tab.get_by_role("spinbutton", name="Batch size").fill("64")
    tab.get_by_role("spinbutton", name="Epochs").press("Tab")  # the last change reaches the server
    tab.get_by_role("button", name="Train", exact=True).click()
    tab.get_by_text("Test accuracy:").first.wait_for()
    tab.wait_for_function("() => new URLSearchParams(location.search).has('ws')")

    def shows_the_run(p) -> None:
        """Waits until `p` shows the run just trained and its settings (the form may still be drawing)."""
        p.get_by_text("Loaded your latest run: 4 newsgroups, 16 units, 3 epochs").wait_for()
        p.get_by_text("The model in use is a saved run, 3 epochs long").wait_for()
        expect(p.get_by_role("textbox", name="Hidden layer sizes")).to_have_value("16")
        expect(p.get_by_role("spinbutton", name="Epochs")).to_have_value("3")
        expect(p.get_by_role("spinbutton", name="Batch size")).to_have_value("64")

    tab.reload()
    shows_the_run(tab)
    shot(tab, "train-reloaded")
    second = context.new_page()  # the plain address in another tab of the same browser
    second.set_default_timeout(120_000)
    second.goto(server + "/train")
    shows_the_run(second)
    no_traceback(second)
    context.close()
