"""Classroom load: 20 visitors open the start page at once, then 8 of them train at the same time.

Not a test (it measures, it does not assert timings): run it by hand on the machine the class will use,

    TEXTCLF_20NEWS_ARCHIVE=/path/20news-bydate.tar.gz .venv/bin/python scripts/load_test.py [--clients protocol]

It starts `streamlit run app.py` on a free port (fresh runs folder, and a fresh data cache unless --data-home)
and prints: every page answered, time to the start page per user, each run's wall time next to the same run
alone, whether every user got a result on their own data (class names and training-set sizes), the server's
peak memory, and the longest silence of the server towards each trainer.

The visitors are Chromium pages driven by Playwright (`--clients browser`, the default), or protocol clients
(`--clients protocol`, scripts/streamlit_client.py) that speak Streamlit's websocket protocol as its frontend
does but draw nothing: the server then gets what twenty students' browsers on their own machines would send,
without twenty browsers' drawing on the server's cores.

With `--replicas N` (protocol clients) the class goes through `deploy/run-local`: N Streamlit processes behind
HAProxy, one shared runs folder. Each visitor keeps the SERVERID cookie HAProxy gives it, as a browser does,
and the report adds each process's visitors, trainings, slowest click and peak memory. `--kill-after S` kills
one process (SIGKILL, the one with the most trainers) S seconds after the trainers press Train: its visitors
reconnect through the proxy as their tabs would, and its trainers, told that the server restarted, press Train
again.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import itertools
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from scripts.local_deployment import LocalDeployment  # noqa: E402
from textclf.data import ARCHIVE_ENV, NEWSGROUPS, load_newsgroups  # noqa: E402

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
# Eight disjoint pairs: a result showing any other pair's names belongs to someone else.
PAIRS = [("alt.atheism", "comp.graphics"), ("comp.os.ms-windows.misc", "comp.sys.ibm.pc.hardware"),
         ("comp.sys.mac.hardware", "comp.windows.x"), ("misc.forsale", "rec.autos"),
         ("rec.motorcycles", "rec.sport.baseball"), ("rec.sport.hockey", "sci.crypt"),
         ("sci.electronics", "sci.med"), ("sci.space", "soc.religion.christian")]
HOME_TITLE = "Train a text classifier and see why it decides"
RESTARTED = "The server restarted"
SERVER_COOKIE = "SERVERID"  # HAProxy's cookie naming a visitor's process (deploy/haproxy.cfg)  # the sidebar's sentence for a run its server process lost


def pairs_for(n: int) -> list[tuple[str, str]]:
    """Returns `n` different pairs of newsgroups: the eight disjoint ones first, then others."""
    more = [pair for pair in itertools.combinations(NEWSGROUPS, 2) if pair not in PAIRS]
    more = more[::7] + [pair for i, pair in enumerate(more) if i % 7]  # spread over all groups, not the first one's
    return (PAIRS + more)[:n]


def foreign_names(pair: tuple[str, str], body: str) -> list[str]:
    """Returns the newsgroups other than `pair`'s that a page's text names: someone else's data."""
    return [name for name in NEWSGROUPS if name not in pair and name in body]


def browser_executable(folder: Path, nice: int, cpus: str) -> str:
    """Returns Chromium, or a wrapper starting it on the CPU cores `cpus` (e.g. "1") at nice value `nice`.

    In a class the browsers run on the students' machines; here twenty of them share the server's two cores.
    A nice value alone does not hold them back (Chromium, run as root, raises its own processes' priority),
    so by default they are also kept to one core (CPU affinity, which every child process inherits) and the
    figures measure the server, not this machine's browsers.
    """
    if nice <= 0 and not cpus:
        return CHROMIUM
    wrapper = folder / "chromium-limited"
    pin = f"taskset -c {cpus} " if cpus else ""
    wrapper.write_text(f'#!/bin/sh\nexec {pin}nice -n {max(nice, 0)} {CHROMIUM} "$@"\n')
    wrapper.chmod(0o755)
    return str(wrapper)


def free_port() -> int:
    """Returns a TCP port nobody listens on now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def peak_rss_mb(pid: int) -> float:
    """Returns the peak resident memory of process `pid` so far (VmHWM), in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def rss_mb(pid: int) -> float:
    """Returns the resident memory of process `pid` now (VmRSS), in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def children(pid: int) -> list[int]:
    """Returns the process ids of `pid`'s living children (the server's worker processes)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                found.append(int(entry.name))
    return found


class HealthProbe:
    """Asks the server's /_stcore/health every half second from a thread; remembers how long each answer took."""

    def __init__(self, url: str):
        import threading

        self.url, self.latencies, self._stop = url + "/_stcore/health", [], threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)

    def _loop(self) -> None:
        while not self._stop.is_set():
            started = time.perf_counter()
            try:
                urllib.request.urlopen(self.url, timeout=60).read()
                self.latencies.append(time.perf_counter() - started)
            except OSError:
                self.latencies.append(float("inf"))
            time.sleep(0.5)

    def __enter__(self) -> "HealthProbe":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join(70)


def start_server(port: int, env: dict) -> subprocess.Popen:
    """Returns a `streamlit run app.py` process once it answers its health check."""
    log = open(Path(env["TEXTCLF_RUNS_DIR"]).parent / "streamlit.log", "w")
    proc = subprocess.Popen([sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port),
                             "--server.address", "127.0.0.1", "--server.headless", "true"],
                            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    deadline = time.time() + 120
    while time.time() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2)
            return proc
        except OSError:
            time.sleep(0.5)
    proc.kill()
    raise SystemExit("streamlit did not start; see " + log.name)


async def open_start_page(browser, url: str) -> dict:
    """Returns one visitor's first visit: seconds to the first paint and to the start page's title."""
    context = await browser.new_context(viewport={"width": 1280, "height": 720})
    page = await context.new_page()
    page.set_default_timeout(180_000)
    frames: list[float] = []  # when each websocket message from the server arrived
    page.on("websocket", lambda ws: ws.on("framereceived", lambda _: frames.append(time.perf_counter())))
    started = time.perf_counter()
    try:
        await page.goto(url)
        await page.get_by_text(HOME_TITLE).wait_for()
        shown = time.perf_counter() - started
        fcp = await page.evaluate("() => { const e = performance.getEntriesByName('first-contentful-paint')[0];"
                                  " return e ? e.startTime / 1000 : null; }")
        failed = await page.get_by_test_id("stException").count() + await page.locator("text=Traceback").count()
        return {"context": context, "page": page, "ok": not failed, "first_paint": fcp, "title_shown": shown,
                "frames": frames}
    except Exception as err:  # noqa: BLE001 - reported in the summary
        return {"context": context, "page": page, "ok": False, "error": str(err)}


async def train_pair(page, url: str, pair: tuple[str, str], epochs: int) -> dict:
    """Returns one user's run of a teacher link on `pair`: wall time, training time, what the page showed."""
    frames: list[float] = []

    def on_websocket(ws) -> None:
        ws.on("framereceived", lambda _: frames.append(time.perf_counter()))

    page.on("websocket", on_websocket)
    await page.goto(f"{url}/train?categories={','.join(pair)}&epochs={epochs}")
    train = page.get_by_role("button", name="Train", exact=True)
    await train.wait_for(timeout=600_000)
    try:  # the page is done once the reference models are shown: the clock starts at the click, not the load
        await page.get_by_text("Linear SVM").first.wait_for(state="attached", timeout=600_000)
    except Exception:  # noqa: BLE001 - a page that computes them on demand
        pass
    clicked = time.perf_counter()
    await train.click()
    waited, training_from = False, None
    while True:  # what the user sees, once a second
        body = await page.locator("body").inner_text()
        waited = waited or "Waiting:" in body
        if training_from is None and re.search(r"Epoch \d+ of \d+", body):
            training_from = time.perf_counter() - clicked
        if "Training took" in body:
            break
        if time.perf_counter() - clicked > 1800:
            raise TimeoutError(f"{pair}: no result after 30 minutes")
        await asyncio.sleep(1.0)
    wall = time.perf_counter() - clicked
    took = re.search(r"Training took ([\d.]+) s", body)
    size = re.search(r"([\d,]+) training (?:texts|posts), (\d+) (?:classes|topics)", body)
    during = [t for t in frames if clicked <= t <= clicked + wall]
    gaps = [b - a for a, b in zip(during, during[1:])]
    return {"pair": pair, "wall": wall, "train_seconds": float(took.group(1)) if took else None,
            "shown_train_texts": int(size.group(1).replace(",", "")) if size else None,
            "shown_classes": int(size.group(2)) if size else None,
            "sidebar_pair": f"trained on {', '.join(pair)}" in body, "waited": waited,
            "training_from": training_from,
            "longest_silence": max(gaps) if gaps else None,
            "foreign": foreign_names(pair, body),
            "error": (await page.get_by_test_id("stException").count()) > 0}


async def click_around(visit: dict, until: asyncio.Event) -> tuple[list[float], list[float]]:
    """Returns, for a visitor who switches pages until `until` is set, the seconds from each click to the
    server's first answer (a websocket message) and to the new page's title on screen.

    This is what "unresponsive" means to a person: a click whose answer takes more than 2 s to appear. The
    first figure is the server's part; the second adds this machine's browser drawing the page.
    """
    page, frames = visit["page"], visit["frames"]
    stops = [("1. Data", "1. Data: which topics"), ("Start here", HOME_TITLE)]
    answered, shown = [], []
    while not until.is_set():
        for link, title in stops:
            started = time.perf_counter()
            try:
                await page.get_by_test_id("stSidebarNav").get_by_role("link", name=link).click(timeout=60_000)
                await page.get_by_text(title).first.wait_for(timeout=60_000)
                shown.append(time.perf_counter() - started)
                answered.append(min((t for t in frames if t >= started), default=float("inf")) - started)
            except Exception:  # noqa: BLE001 - no answer within a minute: counted as such
                answered.append(float("inf"))
                shown.append(float("inf"))
            await asyncio.sleep(2.0)
    return answered, shown


def spread(values: list[float]) -> str:
    """Returns "median x s, 95th percentile y s, slowest z s" of `values`."""
    ordered = sorted(values)
    return (f"median {statistics.median(ordered):.2f} s, 95th percentile "
            f"{ordered[int(0.95 * (len(ordered) - 1))]:.2f} s, slowest {ordered[-1]:.2f} s")


async def protocol_visit(url: str) -> dict:
    """Returns one protocol visitor's first visit (HTML and the files it names, then the websocket): seconds from
    opening the websocket to the server's first message, the start page's title and its script_finished."""
    from scripts.streamlit_client import StreamlitClient

    client = StreamlitClient(url, fetch_assets=True)
    started = time.perf_counter()
    try:
        request = await client.finished(await client.open(), 180)
        title = request.heading_at(HOME_TITLE)
        failed = client.exceptions() + client.errors + ([] if title else ["no title"])
        return {"client": client, "ok": not failed, "error": "; ".join(failed), "page_load": request.finished - started,
                "server": client.cookies.get(SERVER_COOKIE),
                "first_answer": request.first_answer - client.connected_at,
                "title_received": title - client.connected_at if title else None,
                "script_finished": request.finished - client.connected_at}
    except Exception as err:  # noqa: BLE001 - reported in the summary
        return {"client": client, "ok": False, "error": f"{type(err).__name__}: {err}"}


async def protocol_train_page(url: str, pair: tuple[str, str], epochs: int, previous=None):
    """Returns a protocol client on the teacher link to `pair` once Train and the reference models are shown
    (closing `previous`, the start page's client: a browser tab going to a new address)."""
    from scripts.streamlit_client import StreamlitClient

    cookies = previous.cookies if previous is not None else None  # the same browser: its cookies stay
    if previous is not None:
        await previous.close()
    client = StreamlitClient(url, "train", f"categories={','.join(pair)}&epochs={epochs}", cookies=cookies)
    opened = time.perf_counter()
    await client.open()
    await client.wait_for(lambda: _has_button(client, "Train"), 600)
    client.train_button_after = time.perf_counter() - opened  # the page itself, before the reference models
    try:  # the clock starts at the click, not the load
        await client.wait_for(lambda: "Linear SVM" in client.text(), 600)
    except TimeoutError:
        pass
    return client


def _has_button(client, label: str) -> bool:
    """Returns True when `client`'s page shows an enabled button labelled `label`."""
    try:
        return not client.button(label).proto.disabled
    except LookupError:
        return False


async def protocol_train(client, pair: tuple[str, str]) -> dict:
    """Returns one protocol user's run: presses Train on `client` (a teacher link's Train page) and follows the
    page, checked after every message, until it shows the result; the same figures as `train_pair`."""
    seen = {"waited": False, "training_from": None}
    clicked = time.perf_counter()

    def done() -> bool:
        text = client.text()
        seen["waited"] = seen["waited"] or "Waiting:" in text
        if seen["training_from"] is None and re.search(r"Epoch \d+ of \d+", text):
            seen["training_from"] = time.perf_counter() - clicked
        return "Training took" in text

    server = client.cookies.get(SERVER_COOKIE)
    await client.click("Train")
    await client.wait_for(done, 1800)
    wall = time.perf_counter() - clicked
    body = client.text()
    took = re.search(r"Training took ([\d.]+) s", body)
    size = re.search(r"([\d,]+) training (?:texts|posts), (\d+) (?:classes|topics)", body)
    during = [t for t in client.message_times if clicked <= t <= clicked + wall]
    gaps = [b - a for a, b in itertools.pairwise(during)]
    return {"pair": pair, "wall": wall, "train_seconds": float(took.group(1)) if took else None,
            "shown_train_texts": int(size.group(1).replace(",", "")) if size else None,
            "shown_classes": int(size.group(2)) if size else None,
            "sidebar_pair": f"trained on {', '.join(pair)}" in body, "waited": seen["waited"],
            "training_from": seen["training_from"], "longest_silence": max(gaps) if gaps else None,
            "foreign": foreign_names(pair, body),
            "error": bool(client.exceptions() or client.errors), "auto_reruns": client.auto_rerun_requests,
            "server": server, "client": client}


async def reopen(client, timeout: float = 180):
    """Returns a new client for `client`'s page once it has drawn it, as a tab does that reconnects after its
    server went away (HAProxy sends it to a live process; a refused first try is retried)."""
    deadline = time.perf_counter() + timeout
    while True:
        again = client.reopened()
        try:
            await again.finished(await again.open(), max(1.0, deadline - time.perf_counter()))
            return again
        except Exception:  # noqa: BLE001 - the proxy had not yet taken the dead process out
            await again.close()
            if time.perf_counter() > deadline:
                raise
            await asyncio.sleep(1.0)


async def protocol_train_surviving(client, pair: tuple[str, str], killed: asyncio.Event) -> dict:
    """Returns `protocol_train`'s figures; when the trainer's process is killed meanwhile, its tab reconnects,
    is expected to say that the server restarted, and presses Train again (the figures are the second run's,
    with when the page came back and whether it said so)."""
    try:
        return await protocol_train(client, pair)
    except Exception:  # noqa: BLE001 - a lost connection, reported as such unless a process was killed
        if not killed.is_set() or not client.gone:
            raise
    lost_at, lost_on = time.perf_counter(), client.cookies.get(SERVER_COOKIE)
    again = await reopen(client)
    await again.wait_for(lambda: _has_button(again, "Train"), 600)
    back = time.perf_counter() - lost_at
    told = RESTARTED in again.text()
    await client.close()
    run = await protocol_train(again, pair)
    return {**run, "restarted": True, "told": told, "back_after": back, "lost_on": lost_on}


async def protocol_click_around(client, until: asyncio.Event) -> dict[str, list[float]]:
    """Returns, for a protocol visitor who switches pages until `until` is set, the seconds from each click to
    the server's first answer, to the new page's title and to its script_finished (all the server's part)."""
    stops = [("1. Data", "1. Data: which topics"), ("Start here", HOME_TITLE)]
    times: dict[str, list[float]] = {"answered": [], "title": [], "finished": [], "reconnected": [],
                                     "server": client.cookies.get(SERVER_COOKIE), "client": client}
    while not until.is_set():
        for link, title in stops:
            if client.gone:  # its process died: the tab reconnects through the proxy
                lost_at = time.perf_counter()
                try:
                    client = times["client"] = await reopen(client)
                    times["reconnected"].append(time.perf_counter() - lost_at)
                except Exception:  # noqa: BLE001 - counted as a click without an answer
                    pass
            try:
                request = await client.finished(await client.switch_page(link), 60)
                shown = request.heading_at(title)
                times["answered"].append(request.first_answer - request.sent)
                times["title"].append(shown - request.sent if shown else float("inf"))
                times["finished"].append(request.finished - request.sent)
            except Exception:  # noqa: BLE001 - no answer within a minute: counted as such
                for key in ("answered", "title", "finished"):
                    times[key].append(float("inf"))
            await asyncio.sleep(2.0)
    return times


def report_visits(users: int, visits: list[dict], seconds: float, memory: Callable[[], str],
                  figures: list[tuple]) -> None:
    """Prints how the first visits went: pages answered, then each (label, key) of `figures` per user."""
    answered = [v for v in visits if v["ok"]]
    print(f"\n{users} visitors at once: {len(answered)} start pages answered without an error "
          f"in {seconds:.1f} s; memory now {memory()}")
    for label, key in figures:
        values = sorted(v[key] for v in answered if v.get(key) is not None)
        print(f"{label} per user (s): " + " ".join(f"{x:.1f}" for x in values))
        if values and key != "first_paint":
            print(f"  median {statistics.median(values):.1f} s, slowest {max(values):.1f} s")
    for v in visits:
        if not v["ok"]:
            print("  failed:", (v.get("error") or "an exception on the page").splitlines()[0])


async def browser_class(args: argparse.Namespace, url: str, pairs: list, memory: Callable[[], str]) -> dict:
    """Runs the class with a Chromium context per user; returns the runs, clicks and health checks."""
    from playwright.async_api import async_playwright

    async with async_playwright() as p:
        executable = browser_executable(Path(args.work), args.browser_nice, args.browser_cpus)
        browser = await p.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        started = time.perf_counter()
        visits = await asyncio.gather(*(open_start_page(browser, url) for _ in range(args.users)))
        report_visits(args.users, visits, time.perf_counter() - started, memory,
                      [("first contentful paint", "first_paint"), ("start page's title shown", "title_shown")])
        answered = [v for v in visits if v["ok"]]

        trainers = [v["page"] for v in answered[:len(pairs)]]
        print(f"\n{len(trainers)} users open a teacher link to Train and press Train at the same time:")
        bystanders = answered[len(pairs):]
        started = time.perf_counter()
        training_over = asyncio.Event()
        clicking = [asyncio.create_task(click_around(visit, training_over)) for visit in bystanders]
        with HealthProbe(url) as probe:
            runs = await asyncio.gather(*(train_pair(page, url, pair, args.epochs)
                                          for page, pair in zip(trainers, pairs)), return_exceptions=True)
        total = time.perf_counter() - started
        training_over.set()
        clicked = await asyncio.gather(*clicking)
        await browser.close()
    return {"runs": runs, "total": total, "bystanders": len(bystanders), "health": probe.latencies,
            "clicks": [("click to the server's answer", [x for answers, _ in clicked for x in answers]),
                       ("click to the page's title on screen", [x for _, shown in clicked for x in shown])]}


async def protocol_class(args: argparse.Namespace, url: str, pairs: list, memory: Callable[[], str],
                         deployment: LocalDeployment | None = None) -> dict:
    """Runs the class with a protocol client per user (scripts/streamlit_client.py); returns the runs, clicks and
    health checks. The trainers press Train together once all their pages show Train. With `deployment` and
    `args.kill_after`, one Streamlit process is killed that many seconds later."""
    started = time.perf_counter()
    visits = await asyncio.gather(*(protocol_visit(url) for _ in range(args.users)))
    report_visits(args.users, visits, time.perf_counter() - started, memory,
                  [("websocket to the server's first message", "first_answer"),
                   ("websocket to the start page's title", "title_received"),
                   ("websocket to the start page's script_finished", "script_finished"),
                   ("page load (HTML, the files it names, websocket) to script_finished", "page_load")])
    answered = [v for v in visits if v["ok"]]
    trainers, bystanders = answered[:len(pairs)], answered[len(pairs):]
    print(f"\n{len(trainers)} users open a teacher link to Train and press Train at the same time:")
    started = time.perf_counter()
    training_over, killed = asyncio.Event(), asyncio.Event()
    clicking = [asyncio.create_task(protocol_click_around(v["client"], training_over)) for v in bystanders]
    with HealthProbe(url) as probe:
        pages = await asyncio.gather(*(protocol_train_page(url, pair, args.epochs, v["client"])
                                       for v, pair in zip(trainers, pairs)), return_exceptions=True)
        ready = [c for c in pages if not isinstance(c, BaseException)]
        print(f"  teacher link to an enabled Train button per user (s): "
              f"{spread([c.train_button_after for c in ready])}")
        print(f"  {len(ready)} Train pages ready, reference models shown, after "
              f"{time.perf_counter() - started:.1f} s (computed one data choice after another in a worker); "
              f"all press Train now")
        started = time.perf_counter()
        victim = None
        if deployment is not None and args.kill_after is not None:
            on = collections.Counter(c.cookies.get(SERVER_COOKIE) for c in ready)
            victim = on.most_common(1)[0][0]
            asyncio.create_task(kill_later(deployment, victim, args.kill_after, killed))
        runs = await asyncio.gather(*(protocol_train_surviving(client, pair, killed)
                                      if not isinstance(client, BaseException)
                                      else _raise(client) for client, pair in zip(pages, pairs)),
                                    return_exceptions=True)
    total = time.perf_counter() - started
    training_over.set()
    clicked = await asyncio.gather(*clicking)
    open_clients = [*(r["client"] for r in runs if isinstance(r, dict)), *(c["client"] for c in clicked),
                    *(c for c in pages if not isinstance(c, BaseException)), *(v["client"] for v in visits)]
    for client in open_clients:
        await client.close()
    auto = [r["auto_reruns"] for r in runs if isinstance(r, dict)]
    if auto:
        print(f"  auto-rerun requests sent per trainer (st.fragment(run_every=...)): {min(auto)}-{max(auto)}")
    return {"runs": runs, "total": total, "bystanders": len(bystanders), "health": probe.latencies,
            "visits": answered, "clicked": clicked, "victim": victim,
            "clicks": [("click to the server's first answer", [x for c in clicked for x in c["answered"]]),
                       ("click to the new page's title received", [x for c in clicked for x in c["title"]]),
                       ("click to the new page's script_finished", [x for c in clicked for x in c["finished"]])]}


async def kill_later(deployment: LocalDeployment, name: str, after: float, killed: asyncio.Event) -> None:
    """Kills Streamlit process `name` `after` seconds from now and sets `killed`."""
    await asyncio.sleep(after)
    killed.set()  # first: a trainer whose connection drops must know why
    deployment.kill(name)
    print(f"  killed {name} (pid {deployment.replicas[name]}) with SIGKILL, {after:.0f} s after Train was pressed")


async def _raise(err: BaseException) -> None:
    """Raises `err` (a trainer whose Train page never came: its run is reported as failed)."""
    raise err


async def solo_runs(args: argparse.Namespace, pairs: list, work: Path, data_home: str) -> dict:
    """Returns {pair: wall seconds} of each pair trained alone, one after the other, on a server of its own."""
    env = server_env(args, work / "solo", data_home)
    port = free_port()
    server = start_server(port, env)
    url = f"http://127.0.0.1:{port}"
    alone = {}
    print("\neach pair alone, one after the other (a server of its own):")
    try:
        if args.clients == "protocol":
            for pair in pairs:
                client = await protocol_train_page(url, pair, args.epochs)
                run = await protocol_train(client, pair)
                await client.close()
                alone[pair] = run["wall"]
                print(f"  {'+'.join(pair):52s} {run['wall']:5.1f} s (training {run['train_seconds']} s)")
        else:
            from playwright.async_api import async_playwright

            async with async_playwright() as p:
                browser = await p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
                page = await (await browser.new_context(viewport={"width": 1280, "height": 720})).new_page()
                page.set_default_timeout(600_000)
                for pair in pairs:
                    run = await train_pair(page, url, pair, args.epochs)
                    alone[pair] = run["wall"]
                    print(f"  {'+'.join(pair):52s} {run['wall']:5.1f} s (training {run['train_seconds']} s)")
                await browser.close()
    finally:
        server.terminate()
        server.wait(20)
    return alone


def server_env(args: argparse.Namespace, folder: Path, data_home: str) -> dict:
    """Returns the environment of a server writing runs and compiled steps under `folder`."""
    folder.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ, TEXTCLF_RUNS_DIR=str(folder / "runs"), SCIKIT_LEARN_DATA=data_home,
               TEXTCLF_CACHE=str(folder / "jax_cache"))
    if args.max_trainings:
        env["TEXTCLF_MAX_TRAININGS"] = str(args.max_trainings)
    return env


async def teacher_visit(url: str) -> None:
    """The teacher opens the start page, then Train (where "Copy link to this setup" is), before the class arrives:
    a class always comes after the teacher has made its link. Prints how long each page took on the new server."""
    from scripts.streamlit_client import StreamlitClient

    client = StreamlitClient(url, fetch_assets=True)
    started = time.perf_counter()
    await client.finished(await client.open(), 300)
    home = time.perf_counter() - started
    started = time.perf_counter()
    await client.close()
    client = StreamlitClient(url, "train")
    await client.open()
    await client.wait_for(lambda: _has_button(client, "Train"), 300)
    print(f"the teacher's visit first (a new server; --cold skips it): start page {home:.1f} s, then Train "
          f"{time.perf_counter() - started:.1f} s")
    await client.close()


async def main(args: argparse.Namespace) -> None:
    work = Path(tempfile.mkdtemp(prefix="textclf-load-"))
    args.work = str(work)
    data_home = args.data_home or str(work / "scikit_learn_data")
    pairs = pairs_for(args.trainers)
    clients = (f"{args.users} protocol clients in this process (pid {os.getpid()})" if args.clients == "protocol"
               else f"browsers on core(s) {args.browser_cpus or 'all'} at nice {args.browser_nice}")
    print(f"{os.cpu_count()} cores; {clients}; load average before: {os.getloadavg()[0]:.1f}; training slots: "
          f"{args.max_trainings or os.environ.get('TEXTCLF_MAX_TRAININGS') or 'as the app chooses'}"
          f"{' per process' if args.replicas else ''}; data cache: "
          f"{'given' if args.data_home else 'empty at start'}")
    env = server_env(args, work / "class", data_home)
    deployment = server = None
    if args.replicas:
        deployment = LocalDeployment(args.replicas, free_port(), work / "class" / "runs", work / "class" / "logs", env)
        url = deployment.url
        print(f"deploy/run-local: {args.replicas} Streamlit processes "
              f"({', '.join(f'{n} pid {pid}' for n, pid in deployment.replicas.items())}) behind HAProxy at {url}")

        def memory() -> str:
            return ", ".join(f"{n} {mb:.0f} MB" for n, mb in deployment.memory_now_mb().items())
    else:
        port = free_port()
        server = start_server(port, env)
        url = f"http://127.0.0.1:{port}"

        def memory() -> str:
            return f"server {rss_mb(server.pid):.0f} MB"
    cpu_before = time.process_time()
    try:
        if not args.cold:
            await teacher_visit(url)
        if args.clients == "protocol":
            outcome = await protocol_class(args, url, pairs, memory, deployment)
        else:
            outcome = await browser_class(args, url, pairs, memory)
        if server is not None:
            peaks = {"server": (peak_rss_mb(server.pid), [peak_rss_mb(child) for child in children(server.pid)])}
        else:
            peaks = {name: deployment.peak_mb(name) for name in deployment.replicas}
    finally:
        if server is not None:
            server.terminate()
            server.wait(20)
        else:
            deployment.stop()
    client_cpu = time.process_time() - cpu_before
    tracebacks = (deployment.tracebacks() if deployment is not None else
                  {"server": (work / "class" / "streamlit.log").read_text().count("Traceback")})
    saved = len(list((work / "class" / "runs").rglob("run.json")))
    alone = {} if args.skip_solo else await solo_runs(args, pairs, work, data_home)
    report(pairs, outcome, alone, data_home, saved)
    if deployment is not None:
        report_processes(outcome, peaks)
    for name, (peak, workers_peak) in peaks.items():
        killed = " (when it was killed)" if deployment is not None and name in deployment.peaks_at_kill else ""
        print(f"{name} peak memory (VmHWM){killed}: {peak:.0f} MB"
              + (f"; its {len(workers_peak)} worker processes' peaks: "
                 f"{' + '.join(f'{x:.0f}' for x in workers_peak)} MB; all together at most "
                 f"{peak + sum(workers_peak):.0f} MB" if workers_peak else ""))
    if args.clients == "protocol":
        print(f"CPU used by this process (the {args.users} clients and the health check): {client_cpu:.1f} s")
    print(f"tracebacks in the server logs: {tracebacks}; load average after: {os.getloadavg()[0]:.1f}")


def report_processes(outcome: dict, peaks: dict) -> None:
    """Prints the balance over the processes behind the proxy: visitors, trainings, slowest click, peak memory."""
    runs = [r for r in outcome["runs"] if isinstance(r, dict)]
    visitors = collections.Counter(v.get("server") for v in outcome["visits"])
    trainings = collections.Counter(r["server"] for r in runs)
    lost = collections.Counter(r["lost_on"] for r in runs if r.get("restarted"))
    print("\nper process (visitors by their first page, trainings by the process that ran them):")
    for name in sorted(peaks):
        clicks = [x for c in outcome["clicked"] if c["server"] == name for x in c["answered"]]
        slowest = f"{max(clicks):.2f} s" if clicks else "n/a"
        peak, workers = peaks[name]
        print(f"  {name}{' (killed)' if name == outcome.get('victim') else ''}: {visitors.get(name, 0)} visitors, "
              f"{trainings.get(name, 0)} trainings"
              + (f" ({lost[name]} more lost when it was killed)" if lost.get(name) else "")
              + f", slowest click {slowest}, peak memory "
              f"{peak + sum(workers):.0f} MB with its workers")
    restarted = [r for r in runs if r.get("restarted")]
    if outcome.get("victim"):
        reconnects = [x for c in outcome["clicked"] for x in c["reconnected"]]
        print(f"after the kill: {len(restarted)} trainers' pages came back on another process "
              f"({spread([r['back_after'] for r in restarted]) if restarted else 'none'}), "
              f"{sum(1 for r in restarted if r['told'])} of them said that the server restarted, "
              f"{sum(1 for r in restarted if r['train_seconds'] is not None)} trained again to the end; "
              f"{len(reconnects)} other visitors reconnected"
              + (f" ({spread(reconnects)})" if reconnects else ""))
    others = [r["longest_silence"] for r in runs if not r.get("restarted") and r["longest_silence"] is not None]
    if others and restarted:
        print(f"longest server silence towards a trainer whose process lived: {max(others):.1f} s")


def report(pairs: list, outcome: dict, alone: dict, data_home: str, saved: int) -> None:
    """Prints the runs side by side (own data or not), the silences towards trainers, the clicks and the health
    checks, the same for both kinds of clients."""
    runs, total = outcome["runs"], outcome["total"]
    print(f"\nthe {len(pairs)} runs side by side:")
    expected = {pair: len(load_newsgroups(pair, data_home=data_home, allow_download=False).train_texts)
                for pair in pairs}
    finished = [r for r in runs if isinstance(r, dict)]
    for r in runs:
        if not isinstance(r, dict):
            print("  run failed:", (str(r) or type(r).__name__).splitlines()[0])
            continue
        n_train = expected[r["pair"]]
        own = (r["sidebar_pair"] and r["shown_classes"] == 2 and r["shown_train_texts"] == n_train
               and not r["foreign"] and not r["error"])
        r["own"] = own
        if not own:
            print(f"  {r['pair']}: sidebar {r['sidebar_pair']}, classes {r['shown_classes']}, texts "
                  f"{r['shown_train_texts']}, others' names {r['foreign']}, exception {r['error']}")
        solo = alone.get(r["pair"])
        silence = f"{r['longest_silence']:.1f} s" if r["longest_silence"] is not None else "n/a"
        print(f"  {'+'.join(r['pair']):52s} wall {r['wall']:5.1f} s"
              + (f" (alone {solo:4.1f} s, x{r['wall'] / solo:.1f})" if solo else "")
              + f", training {r['train_seconds']} s, queued: {'yes' if r['waited'] else 'no'}"
              + (f" (started after {r['training_from']:.0f} s)" if r["training_from"] is not None else "")
              + f", own data: {'yes' if own else 'NO'} ({r['shown_train_texts']} of {n_train} texts)"
              + f", longest server silence {silence}")
    print(f"\nall {len(pairs)} runs: {len(finished)} finished, {sum(1 for r in finished if r['own'])} showed "
          f"their own data, in {total:.1f} s; runs saved on disk: {saved}")
    silences = [r["longest_silence"] for r in finished if r["longest_silence"] is not None]
    if silences:
        print(f"longest server silence towards a trainer (no websocket message): {max(silences):.1f} s")
    clicks = outcome["clicks"]
    if clicks[0][1]:
        print(f"{outcome['bystanders']} other users switching pages meanwhile, {len(clicks[0][1])} clicks:")
        for label, values in clicks:
            print(f"  {label}: {spread(values)}; over 2 s: {sum(1 for x in values if x > 2)}")
    if outcome["health"]:
        failed = sum(1 for x in outcome["health"] if x == float("inf"))
        print(f"server health check while the {len(pairs)} trained ({len(outcome['health'])} asks): "
              f"{spread(outcome['health'])}" + (f"; {failed} without an answer" if failed else ""))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--trainers", type=int, default=len(PAIRS),
                        help="users who train, each on a pair of newsgroups of their own (at most 190)")
    parser.add_argument("--replicas", type=int, default=0,
                        help="serve through deploy/run-local: this many Streamlit processes behind HAProxy "
                             "(protocol clients only)")
    parser.add_argument("--kill-after", type=float,
                        help="with --replicas: kill the process with the most trainers this many seconds after "
                             "Train is pressed")
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--data-home", help="a scikit-learn data folder that already holds the 20news cache")
    parser.add_argument("--max-trainings", type=int, help="TEXTCLF_MAX_TRAININGS for the server")
    parser.add_argument("--browser-nice", type=int, default=19,
                        help="nice value of the 20 browsers (0: same priority as the server)")
    parser.add_argument("--browser-cpus", default=str((os.cpu_count() or 1) - 1) if (os.cpu_count() or 1) > 1 else "",
                        help="CPU cores the browsers may use (taskset list; default: the last core; '' for all)")
    parser.add_argument("--cold", action="store_true",
                        help="the class arrives at a server nobody has visited (default: the teacher visits first)")
    parser.add_argument("--skip-solo", action="store_true", help="skip the runs alone (faster)")
    parser.add_argument("--clients", choices=["browser", "protocol"], default="browser",
                        help="browser: a Chromium page per user; protocol: Streamlit's websocket protocol spoken "
                             "by this process, nothing drawn (scripts/streamlit_client.py)")
    arguments = parser.parse_args()
    if arguments.replicas and arguments.clients != "protocol":
        parser.error("--replicas needs --clients protocol (each visitor keeps its SERVERID cookie itself)")
    if arguments.kill_after is not None and not arguments.replicas:
        parser.error("--kill-after needs --replicas")
    if not os.environ.get(ARCHIVE_ENV) and not arguments.data_home:
        raise SystemExit(f"set {ARCHIVE_ENV} to 20news-bydate.tar.gz (or give --data-home)")
    asyncio.run(main(arguments))
