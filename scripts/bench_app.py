"""What a click on Train costs, end to end, through the server: from the click to the result on the page.

    TEXTCLF_20NEWS_ARCHIVE=/path/20news-bydate.tar.gz .venv/bin/python scripts/bench_app.py [--into bench.json]

Starts `streamlit run app.py` (fresh runs folder), and for the 4 tutorial topics and for all 20 opens Train as
a visitor (scripts/streamlit_client.py, Streamlit's own protocol, nothing drawn), waits for the page and its
reference models, presses Train and follows the page to "Training took". Prints, per setting, the median over
`--repeats` clicks of: click to the first epoch shown, to the last epoch shown, to the result, and the training
time the page itself reports (the loop). With `--into`, adds `app_click_to_result_4cat_seconds` and
`app_click_to_result_20cat_seconds` (and the rest) to a `textclf bench --json` file. Not a test: timings on a
shared machine are noisy; run it on a quiet one.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from scripts.streamlit_client import StreamlitClient  # noqa: E402
from textclf.data import ARCHIVE_ENV, NEWSGROUPS, TUTORIAL_CATEGORIES  # noqa: E402

SETTINGS = {"4cat": TUTORIAL_CATEGORIES, "20cat": NEWSGROUPS}


def start_app(folder: Path) -> tuple[subprocess.Popen, str]:
    """Returns a `streamlit run app.py` process on a free port, once it answers, and its address."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = dict(os.environ, TEXTCLF_RUNS_DIR=str(folder / "runs"))
    log = open(folder / "streamlit.log", "w")  # noqa: SIM115 - the server's, for as long as it runs
    proc = subprocess.Popen([sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port),
                             "--server.address", "127.0.0.1", "--server.headless", "true"],
                            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url + "/_stcore/health", timeout=2)
            return proc, url
        except OSError:
            time.sleep(0.5)
    proc.kill()
    raise SystemExit(f"the app did not start; see {folder / 'streamlit.log'}")


def _train_enabled(client: StreamlitClient) -> bool:
    try:
        return not client.button("Train").proto.disabled
    except LookupError:
        return False


async def click_to_result(url: str, categories: tuple[str, ...]) -> dict:
    """Returns one click's figures: seconds from pressing Train to the first and last epoch and to the result
    on the page, and the training time the page reports."""
    client = StreamlitClient(url, "train", f"categories={','.join(categories)}")
    await client.open()
    await client.wait_for(lambda: _train_enabled(client), 600)
    try:  # the page has settled once the reference models are shown: the clock starts at the click
        await client.wait_for(lambda: "Linear SVM" in client.text(), 600)
    except TimeoutError:
        pass
    seen: dict[str, float] = {}
    clicked = time.perf_counter()

    def follow() -> bool:
        text = client.text()
        for label, pattern in (("first_epoch", r"Epoch 1 of \d+"), ("last_epoch", r"Epoch (\d+) of \1\b"),
                               ("result", r"Training took")):
            if label not in seen and re.search(pattern, text):
                seen[label] = time.perf_counter() - clicked
        return "result" in seen

    await client.click("Train")
    await client.wait_for(follow, 1800)
    took = re.search(r"Training took ([\d.]+) s", client.text())
    await client.close()
    return {**seen, "loop": float(took.group(1)) if took else None}


async def measure(repeats: int) -> dict:
    """Returns the median figures per setting, after a first click per setting that is not counted (the
    server's first data load and compiling, once per server)."""
    results: dict = {}
    with tempfile.TemporaryDirectory(prefix="textclf-bench-app-") as tmp:
        proc, url = start_app(Path(tmp))
        try:
            for name, categories in SETTINGS.items():
                await click_to_result(url, categories)
                clicks = [await click_to_result(url, categories) for _ in range(repeats)]
                for key in ("first_epoch", "last_epoch", "result", "loop"):
                    values = [c[key] for c in clicks if c.get(key) is not None]
                    if values:
                        results[f"app_{name}_{key}_seconds"] = statistics.median(values)
                results[f"app_click_to_result_{name}_seconds"] = results.pop(f"app_{name}_result_seconds")
                print(f"{name}: click to first epoch {results.get(f'app_{name}_first_epoch_seconds', 0):.2f} s, "
                      f"to last epoch {results.get(f'app_{name}_last_epoch_seconds', 0):.2f} s, to the result "
                      f"{results[f'app_click_to_result_{name}_seconds']:.2f} s; the page's training time "
                      f"{results.get(f'app_{name}_loop_seconds', 0):.2f} s (medians of {repeats})",
                      file=sys.stderr, flush=True)
        finally:
            proc.terminate()
            proc.wait(30)
    return results


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--into", metavar="FILE", help="a `textclf bench --json` file to add the figures to")
    args = parser.parse_args()
    if not os.environ.get(ARCHIVE_ENV):
        print(f"note: {ARCHIVE_ENV} is not set; the app uses scikit-learn's cache or downloads", file=sys.stderr)
    figures = asyncio.run(measure(args.repeats))
    if args.into:
        bench = json.loads(Path(args.into).read_text())
        bench.update(figures)
        Path(args.into).write_text(json.dumps(bench, indent=2))
    print(json.dumps(figures))
