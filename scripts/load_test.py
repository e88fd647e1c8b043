"""Classroom load: 20 browsers open the start page at once, then 8 of them train at the same time.

Not a test (it measures, it does not assert timings): run it by hand on the machine the class will use,

    TEXTCLF_20NEWS_ARCHIVE=/path/20news-bydate.tar.gz .venv/bin/python scripts/load_test.py

It starts `streamlit run app.py` on a free port (fresh runs folder, and a fresh data cache unless --data-home),
drives Debian's Chromium with Playwright and prints: every page answered, time to first paint per user, each
run's wall time next to the same run alone, whether every user got a result on their own data (class names
and training-set sizes), the server's peak memory, and the longest silence of the server towards each trainer.
"""

from __future__ import annotations

import argparse
import asyncio
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
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from textclf.data import ARCHIVE_ENV, load_newsgroups  # noqa: E402

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
# Eight disjoint pairs: a result showing any other pair's names belongs to someone else.
PAIRS = [("alt.atheism", "comp.graphics"), ("comp.os.ms-windows.misc", "comp.sys.ibm.pc.hardware"),
         ("comp.sys.mac.hardware", "comp.windows.x"), ("misc.forsale", "rec.autos"),
         ("rec.motorcycles", "rec.sport.baseball"), ("rec.sport.hockey", "sci.crypt"),
         ("sci.electronics", "sci.med"), ("sci.space", "soc.religion.christian")]
HOME_TITLE = "Train a text classifier and see why it decides"


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
            "foreign": [p for p in PAIRS if p != pair and any(name in body for name in p)],
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


async def solo_runs(args: argparse.Namespace, pairs: list, work: Path, data_home: str) -> dict:
    """Returns {pair: wall seconds} of each pair trained alone, one after the other, on a server of its own."""
    from playwright.async_api import async_playwright

    env = server_env(args, work / "solo", data_home)
    port = free_port()
    server = start_server(port, env)
    alone = {}
    try:
        async with async_playwright() as p:
            browser = await p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            page = await (await browser.new_context(viewport={"width": 1280, "height": 720})).new_page()
            page.set_default_timeout(600_000)
            print("\neach pair alone, one after the other (a server of its own):")
            for pair in pairs:
                run = await train_pair(page, f"http://127.0.0.1:{port}", pair, args.epochs)
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


async def main(args: argparse.Namespace) -> None:
    from playwright.async_api import async_playwright

    work = Path(tempfile.mkdtemp(prefix="textclf-load-"))
    data_home = args.data_home or str(work / "scikit_learn_data")
    pairs = PAIRS[:args.trainers]
    print(f"{os.cpu_count()} cores; browsers on core(s) {args.browser_cpus or 'all'} at nice {args.browser_nice}; "
          f"load average before: {os.getloadavg()[0]:.1f}; training slots: "
          f"{args.max_trainings or os.environ.get('TEXTCLF_MAX_TRAININGS') or os.cpu_count()}; data cache: "
          f"{'given' if args.data_home else 'empty at start'}")
    env = server_env(args, work / "class", data_home)
    port = free_port()
    server = start_server(port, env)
    url = f"http://127.0.0.1:{port}"
    try:
        async with async_playwright() as p:
            executable = browser_executable(work, args.browser_nice, args.browser_cpus)
            browser = await p.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
            started = time.perf_counter()
            visits = await asyncio.gather(*(open_start_page(browser, url) for _ in range(args.users)))
            answered = [v for v in visits if v["ok"]]
            print(f"\n{args.users} visitors at once: {len(answered)} start pages answered without an error "
                  f"in {time.perf_counter() - started:.1f} s; server memory now {rss_mb(server.pid):.0f} MB")
            paints = [v["first_paint"] for v in answered if v.get("first_paint") is not None]
            shown = [v["title_shown"] for v in answered]
            print("first contentful paint per user (s): " + " ".join(f"{x:.1f}" for x in sorted(paints)))
            print("start page's title shown per user (s): " + " ".join(f"{x:.1f}" for x in sorted(shown)))
            if shown:
                print(f"  median {statistics.median(shown):.1f} s, slowest {max(shown):.1f} s")
            for v in visits:
                if not v["ok"]:
                    print("  failed:", v.get("error", "an exception on the page").splitlines()[0])

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
            click_answers = [x for answers, _ in clicked for x in answers]
            click_shown = [x for _, shown in clicked for x in shown]
            await browser.close()
        peak = peak_rss_mb(server.pid)
        workers_peak = [peak_rss_mb(child) for child in children(server.pid)]
    finally:
        server.terminate()
        server.wait(20)
    tracebacks = (work / "class" / "streamlit.log").read_text().count("Traceback")
    saved = len(list((work / "class" / "runs").rglob("run.json")))
    alone = {} if args.skip_solo else await solo_runs(args, pairs, work, data_home)

    print(f"\nthe {len(pairs)} runs side by side:")
    expected = {pair: len(load_newsgroups(pair, data_home=data_home, allow_download=False).train_texts)
                for pair in pairs}
    finished = [r for r in runs if isinstance(r, dict)]
    for r in runs:
        if not isinstance(r, dict):
            print("  run failed:", str(r).splitlines()[0])
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
    if click_answers:
        print(f"{len(bystanders)} other users switching pages meanwhile, {len(click_answers)} clicks:\n"
              f"  click to the server's answer: {spread(click_answers)}; over 2 s: "
              f"{sum(1 for x in click_answers if x > 2)}\n"
              f"  click to the page's title on screen: {spread(click_shown)}; over 2 s: "
              f"{sum(1 for x in click_shown if x > 2)}")
    if probe.latencies:
        print(f"server health check while the {len(pairs)} trained ({len(probe.latencies)} asks): "
              f"{spread(probe.latencies)}")
    print(f"server peak memory (VmHWM): {peak:.0f} MB; its {len(workers_peak)} worker processes' peaks: "
          f"{' + '.join(f'{x:.0f}' for x in workers_peak)} MB; all together at most "
          f"{peak + sum(workers_peak):.0f} MB")
    print(f"tracebacks in the server log: {tracebacks}; "
          f"load average after: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--trainers", type=int, default=len(PAIRS), help=f"users who train (at most {len(PAIRS)})")
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--data-home", help="a scikit-learn data folder that already holds the 20news cache")
    parser.add_argument("--max-trainings", type=int, help="TEXTCLF_MAX_TRAININGS for the server")
    parser.add_argument("--browser-nice", type=int, default=19,
                        help="nice value of the 20 browsers (0: same priority as the server)")
    parser.add_argument("--browser-cpus", default=str((os.cpu_count() or 1) - 1) if (os.cpu_count() or 1) > 1 else "",
                        help="CPU cores the browsers may use (taskset list; default: the last core; '' for all)")
    parser.add_argument("--skip-solo", action="store_true", help="skip the runs alone (faster)")
    arguments = parser.parse_args()
    if not os.environ.get(ARCHIVE_ENV) and not arguments.data_home:
        raise SystemExit(f"set {ARCHIVE_ENV} to 20news-bydate.tar.gz (or give --data-home)")
    asyncio.run(main(arguments))
