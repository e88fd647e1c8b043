"""Two server processes sharing one runs folder: every run saved at once is complete and loadable, none lost."""

import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np

from textclf.store.runs import RunStore

CHILD = textwrap.dedent("""
    import random, sys, time
    from pathlib import Path
    from textclf.store import runs
    from textclf.store.modelfiles import load_model

    root, model, go, tag, n, shared = sys.argv[1:7]
    classifier = load_model(model)
    # Few distinct ids, so the two processes really do pick the same id at the same second.
    runs.secrets.token_hex = lambda k: "%06x" % random.randrange(32) if k == 3 else "%08x" % random.getrandbits(32)
    store = runs.RunStore(root)
    while not Path(go).exists():
        time.sleep(0.01)
    for i in range(int(n)):
        store.save(classifier, name=f"{tag} {i}", data={"source": tag}, history=[], metrics={},
                   train_seconds=float(i), reason="completed")
        store.rename(shared, f"renamed by {tag} {i}")
    print("ok", flush=True)
""")


def test_two_processes_saving_at_once_lose_and_tear_nothing(tmp_path, tiny_classifier):
    from textclf.store.modelfiles import save_model

    model = save_model(tiny_classifier, tmp_path / "model")
    root = tmp_path / "shared-runs"
    store = RunStore(root)
    shared = store.save(tiny_classifier, name="shared", data={}, history=[], metrics={}, train_seconds=0.0,
                        reason="completed")
    go, n = tmp_path / "go", 12
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    children = [subprocess.Popen([sys.executable, "-c", CHILD, str(root), str(model), str(go), tag, str(n), shared.id],
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
                for tag in ("first", "second")]
    time.sleep(0.5)
    go.touch()  # both start saving at the same moment
    for child in children:
        out, err = child.communicate(timeout=600)
        assert child.returncode == 0 and out.strip() == "ok", err[-2000:]
    listed = RunStore(root).list()
    names = sorted(r.name for r in listed if r.id != shared.id)
    assert names == sorted(f"{tag} {i}" for tag in ("first", "second") for i in range(n))
    assert len({r.id for r in listed}) == 2 * n + 1
    assert RunStore(root).skipped == [] and not [p for p in root.iterdir() if p.name.startswith(".")]
    texts = ["apple banana", "puck goalie"]
    for run in listed:
        loaded = store.load_classifier(run.id)
        np.testing.assert_array_equal(loaded.predict(texts), tiny_classifier.predict(texts))
    assert store.get(shared.id).name.startswith("renamed by ")
