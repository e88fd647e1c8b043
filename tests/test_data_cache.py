"""Many sessions (threads) or server processes loading at once on an empty data cache build it once, without errors."""

import io
import subprocess
import sys
import tarfile
import threading
import time
from pathlib import Path

import pytest

from textclf.data import ensure_newsgroups, load_newsgroups
from textclf.data.newsgroups import _sklearn_cache_path

ROOT = Path(__file__).resolve().parents[1]
POSTS = {"rec.autos": "My engine stalls at idle.", "sci.space": "The shuttle reached orbit today."}


@pytest.fixture
def small_archive(tmp_path) -> Path:
    """Returns a 20news-bydate.tar.gz with one post per group in train and test (fast to extract)."""
    path = tmp_path / "20news-bydate.tar.gz"
    with tarfile.open(path, "w:gz") as tar:
        for subset in ("train", "test"):
            for group, text in POSTS.items():
                data = f"From: someone\nSubject: {group}\n\n{text}\n".encode()
                info = tarfile.TarInfo(f"20news-bydate-{subset}/{group}/1")
                info.size = len(data)
                tar.addfile(info, io.BytesIO(data))
    return path


def test_threads_build_the_cache_once(small_archive, tmp_path, monkeypatch):
    home = str(tmp_path / "home")
    opened = []
    real_open = tarfile.open

    def slow_counting_open(*args, **kwargs):
        opened.append(args[0])
        time.sleep(0.3)  # an extraction takes seconds: let the others arrive meanwhile
        return real_open(*args, **kwargs)

    monkeypatch.setattr(tarfile, "open", slow_counting_open)
    start = threading.Barrier(6)
    errors, sources = [], []

    def visitor():
        start.wait()
        try:
            sources.append(ensure_newsgroups(small_archive, home, allow_download=False))
        except Exception as err:  # noqa: BLE001 - collected for the assertion
            errors.append(err)

    threads = [threading.Thread(target=visitor) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors
    assert len(opened) == 1, f"the archive was extracted {len(opened)} times"
    assert sorted(sources) == ["archive"] * 6
    cache = _sklearn_cache_path(home)
    assert not list(cache.parent.glob("*.partial"))
    corpus = load_newsgroups(list(POSTS), data_home=home, allow_download=False)
    assert corpus.class_counts() == {"rec.autos": (1, 1), "sci.space": (1, 1)}


PROCESS = """
import sys, tarfile, time
from pathlib import Path
real_open = tarfile.open
def counting_open(*args, **kwargs):
    with open(sys.argv[3], "a") as log:
        log.write("extract\\n")
    time.sleep(0.5)
    return real_open(*args, **kwargs)
tarfile.open = counting_open
while time.time() < float(sys.argv[4]):
    time.sleep(0.01)
from textclf.data import load_newsgroups
corpus = load_newsgroups(["rec.autos", "sci.space"], archive=sys.argv[1], data_home=sys.argv[2], allow_download=False)
print(len(corpus.train_texts))
"""


def test_server_processes_build_the_cache_once(small_archive, tmp_path):
    home, log = tmp_path / "home", tmp_path / "extractions.log"
    start_at = time.time() + 8  # after every process has imported its libraries
    procs = [subprocess.Popen([sys.executable, "-c", PROCESS, str(small_archive), str(home), str(log), str(start_at)],
                              cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for _ in range(3)]
    outputs = [p.communicate(timeout=120) for p in procs]
    assert [p.returncode for p in procs] == [0, 0, 0], [err for _, err in outputs]
    assert [out.strip() for out, _ in outputs] == ["2", "2", "2"]
    assert log.read_text().count("extract") == 1
