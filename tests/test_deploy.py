"""Two Streamlit processes behind HAProxy (deploy/run-local): stickiness, one shared run store, clean stops.

Needs HAProxy (apt-get install haproxy; tests/run.sh installs it) and, like the other browser tests, Debian's
Chromium and the 20 Newsgroups archive. Logs of each deployment go to the test's temporary folder; the
browser's screenshots to test-output/browser/.
"""

import asyncio
import io
import json
import os
import queue
import re
import secrets
import shutil
import signal
import subprocess
import sys
import threading
import time
import urllib.request
import zipfile
from pathlib import Path

import pytest

from tests.test_browser import CHROMIUM, CHROMIUM_ARGS, OUT, free_port

ROOT = Path(__file__).resolve().parent.parent
RUN_LOCAL = ROOT / "deploy" / "run-local"
HAPROXY = shutil.which("haproxy") or shutil.which("haproxy", path="/usr/sbin:/usr/local/sbin")
# One HAProxy access-log line (option httplog): client, date, frontend, backend/server, timers, status, bytes,
# the SERVERID cookie the request carried ("-" if none), the one the server set, the termination and cookie
# flags (4 characters: the 3rd says what the request's cookie did, V = valid and followed), ... "request".
LOG_LINE = re.compile(r'^\S+ \[[^]]+\] \S+ streamlit/(?P<server>\S+) \S+ (?P<status>-?\d+) \S+ '
                      r'(?P<sent>\S+) \S+ (?P<flags>\S{4}) .*"(?P<request>[^"]*)"$')


class Deployment:
    """A running `deploy/run-local`: its process, what it printed, the proxy's URL and each replica's PID."""

    def __init__(self, tmp: Path, replicas: int, env: dict, runs_dir: Path):
        self.log_dir = tmp / "logs"
        self.runs_dir = runs_dir
        self.port = free_port()
        self.lines: list[str] = []
        self._new: queue.Queue[str] = queue.Queue()
        # Its own session, as a program started from a terminal leads its own process group: the Ctrl-C test
        # sends SIGINT to that whole group, as the terminal does.
        self.proc = subprocess.Popen(
            [sys.executable, str(RUN_LOCAL), "--replicas", str(replicas), "--port", str(self.port),
             "--runs-dir", str(runs_dir), "--log-dir", str(self.log_dir)],
            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
            start_new_session=True)
        threading.Thread(target=self._read, daemon=True).start()
        self.url = self.wait_for(r"ready at (\S+)/ ", 180).group(1)
        found = [re.search(r"^run-local: (st\d+) pid (\d+) port (\d+)$", line) for line in self.lines]
        self.replicas = {m.group(1): (int(m.group(2)), int(m.group(3))) for m in found if m}
        self.haproxy_pid = int(self.wait_for(r"haproxy pid (\d+)", 1).group(1))
        assert len(self.replicas) == replicas, self.output()

    def _read(self) -> None:
        for line in self.proc.stdout:
            self.lines.append(line.rstrip("\n"))
            self._new.put(line)

    def output(self) -> str:
        return "\n".join(self.lines)

    def wait_for(self, pattern: str, timeout: float) -> re.Match:
        """Returns the first printed line matching `pattern`, waiting up to `timeout` seconds for it."""
        deadline = time.monotonic() + timeout
        seen = 0
        while True:
            for line in self.lines[seen:]:
                if m := re.search(pattern, line):
                    return m
            seen = len(self.lines)
            if self.proc.poll() is not None and self._new.empty() and seen == len(self.lines):
                pytest.fail(f"run-local exited ({self.proc.returncode}) before printing {pattern!r}:\n"
                            + self.output() + self.streamlit_logs())
            if time.monotonic() > deadline:
                pytest.fail(f"run-local did not print {pattern!r} within {timeout} s:\n" + self.output())
            try:
                self._new.get(timeout=0.2)
            except queue.Empty:
                pass

    def streamlit_logs(self) -> str:
        return "".join(f"\n--- {p.name}:\n{p.read_text(errors='replace')[-3000:]}"
                       for p in sorted(self.log_dir.glob("streamlit-*.log")))

    def access_log(self) -> list[re.Match]:
        """Returns HAProxy's access-log lines so far, parsed (see LOG_LINE)."""
        path = self.log_dir / "haproxy.log"
        lines = path.read_text().splitlines() if path.exists() else []
        return [m for m in map(LOG_LINE.match, lines) if m]

    def processes(self) -> set[int]:
        """Returns every live process run-local started, with their own children (training workers)."""
        leaders = {self.haproxy_pid, *(pid for pid, _port in self.replicas.values())}
        return {pid for pid in all_processes() if session_of(pid) in leaders or pid in leaders}

    def stop(self, signum: int = signal.SIGTERM, whole_group: bool = False) -> int:
        """Sends `signum` to run-local (or, like a terminal's Ctrl-C, to its whole process group); returns its
        exit code."""
        if self.proc.poll() is None:
            if whole_group:
                os.killpg(self.proc.pid, signum)
            else:
                self.proc.send_signal(signum)
        try:
            return self.proc.wait(60)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            for pid in self.processes():
                os.kill(pid, signal.SIGKILL)
            pytest.fail("run-local did not stop within 60 s:\n" + self.output())


def all_processes() -> list[int]:
    """Returns the PIDs of the live (not zombie) processes of this machine."""
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                state = (entry / "stat").read_text().rsplit(")", 1)[1].split()[0]
            except (OSError, IndexError):
                continue  # ended meanwhile
            if state not in ("Z", "X"):
                pids.append(int(entry.name))
    return pids


def session_of(pid: int) -> int | None:
    try:
        return os.getsid(pid)
    except OSError:
        return None


def still_running(pids: set[int]) -> set[int]:
    return set(all_processes()) & pids


def get(url: str, cookie: str | None = None):
    """Returns (status, body, the SERVERID value HAProxy set or None) of a GET through the proxy."""
    request = urllib.request.Request(url, headers={"Cookie": f"SERVERID={cookie}"} if cookie else {})
    with urllib.request.urlopen(request, timeout=10) as answer:
        set_cookies = answer.headers.get_all("Set-Cookie") or []
        pinned = [c for c in set_cookies if c.startswith("SERVERID=")]
        assert all("HttpOnly" in c for c in pinned), pinned
        value = pinned[0].split(";")[0].split("=", 1)[1] if pinned else None
        return answer.status, answer.read(), value


def wait_until(condition, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while not (result := condition()):
        if time.monotonic() > deadline:
            pytest.fail(f"{what} within {timeout} s")
        time.sleep(0.2)
    return result


@pytest.fixture(scope="module")
def app_env(newsgroups_home):
    """Returns the environment of the app's processes; skips the test where HAProxy is not installed."""
    if HAPROXY is None:
        pytest.skip("needs HAProxy for the load-balancer tests: apt-get install haproxy (tests/run.sh installs it)")
    # The data cache exists already (conftest's newsgroups_home): no process builds it during the test.
    return dict(os.environ, SCIKIT_LEARN_DATA=newsgroups_home)


@pytest.fixture(scope="module")
def deployment(app_env, tmp_path_factory):
    """Returns a `deploy/run-local --replicas 2` on free ports, sharing one runs folder; stops it afterwards."""
    runs = tmp_path_factory.mktemp("runs")
    deployed = Deployment(tmp_path_factory.mktemp("deploy"), 2, app_env, runs)
    yield deployed
    deployed.stop()
    log = deployed.streamlit_logs()
    assert "Traceback" not in log, log


def test_haproxy_missing_says_what_to_install(tmp_path):
    done = subprocess.run([sys.executable, str(RUN_LOCAL), "--port", str(free_port()),
                           "--haproxy", str(tmp_path / "no-haproxy")], capture_output=True, text=True, timeout=30)
    assert done.returncode != 0
    assert "apt-get install haproxy" in done.stderr, done.stderr


def test_proxy_answers_and_pins_by_cookie_not_address(deployment):
    status, body, first = get(deployment.url + "/_stcore/health")
    assert (status, body) == (200, b"ok")
    assert first in deployment.replicas, first
    # Without the cookie, requests from this one address are shared out: there is no source-IP stickiness.
    assigned = {get(f"{deployment.url}/_stcore/health?probe=new{i}")[2] for i in range(8)}
    assert assigned == set(deployment.replicas), assigned
    # With it, each request goes to the process it names, and HAProxy sets nothing new.
    for name in deployment.replicas:
        for i in range(5):
            assert get(f"{deployment.url}/_stcore/health?probe={name}-{i}", cookie=name)[2] is None

    def pinned_requests():
        logged = [m for m in deployment.access_log() if "probe=st" in m["request"]]
        return logged if len(logged) == 10 else None

    for m in wait_until(pinned_requests, 10, "HAProxy did not log the 10 pinned requests"):
        assert m["request"].split("probe=")[1].startswith(m["server"] + "-"), m.group(0)


def test_a_protocol_client_keeps_its_process_as_a_browser_does(deployment):
    """scripts/streamlit_client.py through HAProxy (scripts/load_test.py --replicas relies on it): the SERVERID
    cookie of its first answer goes with every later request, the websocket's included, and a reopened client
    (a reconnecting tab) keeps it."""
    from scripts.streamlit_client import StreamlitClient

    async def visit() -> tuple[str | None, str | None]:
        async with StreamlitClient(deployment.url) as page:
            await page.wait_for(lambda: "Where you are" in page.text(), 120)
            first = page.cookies.get("SERVERID")
            again = page.reopened()
        async with again:
            await again.wait_for(lambda: "Where you are" in again.text(), 120)
        return first, again.cookies.get("SERVERID")

    first, second = asyncio.run(visit())
    assert first in deployment.replicas and second == first

    def websockets_of_the_cookie():
        found = [m for m in deployment.access_log() if "/_stcore/stream" in m["request"]
                 and m["sent"] == f"SERVERID={first}"]
        return found if len(found) >= 2 else None

    for m in wait_until(websockets_of_the_cookie, 20, "HAProxy did not log both websockets with the cookie"):
        assert m["server"] == first and m["flags"][2] == "V", m.group(0)


def tickets_csv(folder: Path) -> Path:
    """Returns a 75-row CSV of three helpdesk teams, each with its own words (trains in a few seconds)."""
    rows = ["id,text,team"]
    words = {"billing": "invoice refund charge payment", "network": "router wifi outage vpn",
             "accounts": "password login locked reset"}
    for team, vocab in words.items():
        w = vocab.split()
        for i in range(25):
            rows.append(f'{len(rows)},"Hi, my {w[i % 4]} and {w[(i + 1) % 4]} issue is back",{team}')
    path = folder / "tickets.csv"
    path.write_text("\n".join(rows) + "\n")
    return path


def no_error_on_page(page) -> None:
    body = page.locator("body").inner_text()
    assert "Invalid session" not in body and "Traceback" not in body, body[:3000]
    assert page.get_by_test_id("stException").count() == 0


def server_of(context) -> str | None:
    return next((c["value"] for c in context.cookies() if c["name"] == "SERVERID"), None)


def download_first_bundle(page) -> zipfile.ZipFile:
    """Ticks the first row of the Saved runs table and returns its downloaded bundle."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    button = page.get_by_role("button", name="Download bundle (.zip)")
    # A rerun that lands while the box is being ticked redraws the table unticked (after a reconnection the
    # page is redrawn more than once), so the box is ticked again until the button appears.
    for _attempt in range(5):
        table = page.get_by_test_id("stDataFrame").first
        table.wait_for()
        box = table.bounding_box()
        page.mouse.click(box["x"] + 18, box["y"] + 52)  # the first row's selection box
        try:
            button.wait_for(timeout=15_000)
            break
        except PlaywrightTimeout:
            continue
    button.wait_for()
    with page.expect_download() as download:
        button.click()
    return zipfile.ZipFile(io.BytesIO(Path(download.value.path()).read_bytes()))


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail("Debian's chromium is required for the browser test: apt-get install chromium")
    from playwright.sync_api import sync_playwright

    OUT.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        launched = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture(scope="module")
def visit():
    """What the browser test leaves open for the next one: the trainer's page and its workspace."""
    return {}


# Opened on a page's own address (/data), Streamlit's frontend first looks for its server one level up
# (/data/_stcore/health), gets 404 and then uses the root: the same with or without HAProxy.
BASE_PATH_PROBE = re.compile(r"^404 GET https?://[^/]+/[^/]+/_stcore/(health|host-config)$")


def watch_errors(page, errors: list) -> None:
    """Notes every answer of 400 or more and every page error (a failed upload shows up here)."""
    def on_response(answer) -> None:
        line = f"{answer.status} {answer.request.method} {answer.url}"
        if answer.status >= 400 and not BASE_PATH_PROBE.match(line):
            errors.append(line)

    page.on("response", on_response)
    page.on("pageerror", lambda e: errors.append(f"page error: {e}"))


def test_a_run_saved_through_one_process_is_listed_through_the_other(deployment, browser, visit, tmp_path):
    token = secrets.token_urlsafe(24)  # a workspace id, as the app makes them
    errors: list[str] = []

    # A: upload a file and train through the proxy; every request of this browser goes to one process.
    a = browser.new_context(viewport={"width": 1400, "height": 1000})
    page_a = a.new_page()
    page_a.set_default_timeout(120_000)
    watch_errors(page_a, errors)
    page_a.goto(f"{deployment.url}/data?ws={token}")
    page_a.get_by_text("Your own file").click()
    first = server_of(a)
    assert first in deployment.replicas, a.cookies()
    page_a.locator("input[type=file]").set_input_files(str(tickets_csv(tmp_path)))  # PUT /_stcore/upload_file
    page_a.get_by_text("Using 75 rows in 3 classes").wait_for()
    page_a.get_by_role("button", name="Use this data").click()
    page_a.get_by_text("Using your own data").wait_for()
    page_a.get_by_role("link", name="2. Train").first.click()
    page_a.get_by_role("spinbutton", name="Learning rate").fill("0.01")
    page_a.get_by_role("spinbutton", name="Epochs").fill("3")
    page_a.get_by_role("button", name="Train", exact=True).click()
    page_a.get_by_text("Saved under Saved runs").wait_for()
    no_error_on_page(page_a)
    assert server_of(a) == first, "the cookie moved: some answer came from the other process"
    saved = list((deployment.runs_dir / "workspaces" / token).glob("*/run.json"))
    assert len(saved) == 1, saved

    # C, a new browser while A's tab is open: leastconn sends it to the process without a websocket.
    c = browser.new_context()
    page_c = c.new_page()
    page_c.set_default_timeout(120_000)
    watch_errors(page_c, errors)
    page_c.goto(deployment.url + "/")
    page_c.locator("h1").first.wait_for()
    other = server_of(c)
    assert other in deployment.replicas and other != first, (first, other)
    c.close()

    # B, pinned to the other process by its cookie, opens the same workspace: A's run is there, loadable.
    b = browser.new_context(viewport={"width": 1400, "height": 1000})
    b.add_cookies([{"name": "SERVERID", "value": other, "url": deployment.url}])
    page_b = b.new_page()
    page_b.set_default_timeout(120_000)
    watch_errors(page_b, errors)
    page_b.goto(f"{deployment.url}/runs?ws={token}")
    page_b.get_by_text("Saved runs", exact=True).first.wait_for()
    with download_first_bundle(page_b) as bundle:  # a /media/ download from the other process
        assert bundle.read("run.json") == saved[0].read_bytes()
    no_error_on_page(page_b)
    page_b.screenshot(path=str(OUT / "deploy_runs_other_process.png"), full_page=True)
    assert server_of(b) == other
    b.close()

    # The access log agrees: every request that carried a cookie went to the process it names (flag V), and
    # the websockets, the upload and the download all went through.
    log = deployment.access_log()
    strays = [m.group(0) for m in log if m["sent"].startswith("SERVERID=")
              and (m["sent"] != f"SERVERID={m['server']}" or m["flags"][2] != "V")]
    assert not strays, strays
    for part in ("/_stcore/stream", "/_stcore/upload_file/", "/media/"):
        assert any(part in m["request"] for m in log), part
    assert not errors, errors
    visit.update(context=a, page=page_a, token=token, server=first, other=other, run=saved[0], errors=errors)


def test_a_tab_whose_process_dies_carries_on_with_the_other(deployment, visit):
    """A Streamlit process killed mid-lecture: its tab reconnects through HAProxy to the other process."""
    if not visit:
        pytest.skip("needs the open tab of the previous test")
    page, dead = visit["page"], visit["server"]
    page.get_by_role("link", name="Saved runs").first.click()
    page.get_by_test_id("stDataFrame").first.wait_for()
    pid = deployment.replicas[dead][0]
    workers = {p for p in deployment.processes() if session_of(p) == pid and p != pid}
    os.kill(pid, signal.SIGKILL)  # the Streamlit process only, as the kernel's out-of-memory killer would
    deployment.wait_for(rf"{dead} \(pid {pid}\) exited", 30)
    # Its training workers notice that their server is gone and end by themselves.
    wait_until(lambda: not still_running(workers), 30, f"the dead process's workers {workers} did not end")

    # The tab reconnects by itself (no reload): the page comes back, drawn by the other process, which also
    # lists the workspace's run (the workspace is in the page's address; the runs folder is shared).
    wait_until(lambda: server_of(visit["context"]) == visit["other"], 60,
               "the tab's cookie was not moved to the live process")
    # The tab starts over on the other process (its model was in the dead one's memory); the sidebar points
    # to the saved run. Waiting for it first means the table below is the live process's, not the old one's.
    page.get_by_test_id("stSidebar").get_by_text("This workspace has 1 saved run").wait_for()
    page.get_by_text("Saved runs", exact=True).first.wait_for()
    with download_first_bundle(page) as bundle:
        assert bundle.read("run.json") == visit["run"].read_bytes()
    no_error_on_page(page)
    page.screenshot(path=str(OUT / "deploy_after_failover.png"), full_page=True)
    # Requests of the cookie of the dead process went to the live one (flag D: "its server was down").
    moved = [m for m in deployment.access_log() if m["sent"] == f"SERVERID={dead}"
             and m["server"] == visit["other"]]
    assert moved and all(m["flags"][2] == "D" for m in moved), [m.group(0) for m in moved]
    visit["context"].close()


def test_sigterm_stops_every_process(deployment):
    started = deployment.processes()
    assert len(started) >= 2, "expected HAProxy and a live Streamlit process (with its workers)"
    assert deployment.stop(signal.SIGTERM) == 0, deployment.output()
    assert "run-local: stopped" in deployment.output()
    assert not still_running(started), still_running(started)
    assert not deployment.processes()


def test_ctrl_c_stops_every_process(app_env, tmp_path):
    deployed = Deployment(tmp_path, 2, app_env, tmp_path / "runs")
    status, _body, _server = get(deployed.url + "/_stcore/health")
    assert status == 200
    started = deployed.processes()
    assert len(started) >= 3, started  # HAProxy and two Streamlit processes
    # Ctrl-C in a terminal sends SIGINT to the foreground process group: run-local's, not its children's.
    assert deployed.stop(signal.SIGINT, whole_group=True) == 0, deployed.output()
    assert not still_running(started), still_running(started)
    with pytest.raises(OSError):
        get(deployed.url + "/_stcore/health")
