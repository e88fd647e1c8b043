"""The bench's command-line figures: `textclf --help`, and a whole `train` on a file of short texts next to the
tuned LinearSVC script an engineer would write for the same file, each a fresh process, in the same run.

The short-text file is made at run time from the newsgroups' subject lines (the tutorial's four topics: 2,155
training and 1,435 test rows of about six words), in a temporary folder; nothing derived from the data is kept.
"""

from __future__ import annotations

import csv
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from textclf.data.corpus import Corpus

# What an experienced engineer writes for a labelled CSV: sublinear tf-idf of words or words and word pairs, a
# LinearSVC whose C (10 values) and n-gram range are chosen on a 10% validation split, refit on all training rows.
SVC_SCRIPT = r"""
import sys
import numpy as np
import pandas as pd
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.model_selection import train_test_split
from sklearn.svm import LinearSVC

rows = pd.read_csv(sys.argv[1])
train, test = rows[rows["split"] == "train"], rows[rows["split"] == "test"]
fit, val = train_test_split(train, test_size=0.1, random_state=0, stratify=train["label"])
best = None
for ngrams in ((1, 1), (1, 2)):
    vec = TfidfVectorizer(sublinear_tf=True, ngram_range=ngrams)
    x_fit, x_val = vec.fit_transform(fit["text"]), vec.transform(val["text"])
    for c in np.logspace(-2, 1.5, 10):
        score = LinearSVC(C=c).fit(x_fit, fit["label"]).score(x_val, val["label"])
        if best is None or score > best[0]:
            best = (score, ngrams, c)
vec = TfidfVectorizer(sublinear_tf=True, ngram_range=best[1])
model = LinearSVC(C=best[2]).fit(vec.fit_transform(train["text"]), train["label"])
print(model.score(vec.transform(test["text"]), test["label"]))
"""

_SUBJECT = re.compile(r"^Subject:[ \t]*(.*)$", re.MULTILINE)


def subject_line(post: str) -> str:
    """Returns a post's subject without "Re:" prefixes, or its first non-empty line when it has none."""
    found = _SUBJECT.search(post)
    line = found.group(1) if found else next((x for x in post.splitlines() if x.strip()), "")
    return re.sub(r"^(\s*re\s*:\s*)+", "", line, flags=re.IGNORECASE).strip() or "(no subject)"


def write_short_texts(corpus: Corpus, path: Path) -> Path:
    """Writes `corpus`'s subject lines to the CSV file `path` (text,label,split with train/test); returns it."""
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["text", "label", "split"])
        for part, texts, labels in (("train", corpus.train_texts, corpus.train_labels),
                                    ("test", corpus.test_texts, corpus.test_labels)):
            writer.writerows((subject_line(t), corpus.class_names[y], part) for t, y in zip(texts, labels))
    return path


def _seconds(command: list[str]) -> tuple[float, str]:
    started = time.perf_counter()
    done = subprocess.run(command, check=True, capture_output=True, text=True)
    return time.perf_counter() - started, done.stdout


def time_cli_help(repeats: int = 3) -> float:
    """Returns the median seconds of a whole `python -m textclf --help` process."""
    return statistics.median(_seconds([sys.executable, "-m", "textclf", "--help"])[0] for _ in range(repeats))


def cli_train_small_vs_svc(corpus: Corpus, repeats: int = 3) -> dict:
    """Returns the median seconds of a whole `textclf train --csv` process on the short-text file, of the tuned
    LinearSVC script on the same rows, their ratio, and both test accuracies (alternating runs, one machine)."""
    with tempfile.TemporaryDirectory(prefix="textclf-bench-") as tmp:
        rows = write_short_texts(corpus, Path(tmp) / "subjects.csv")
        cli, svc, accuracy = [], [], {}
        for _ in range(repeats):
            seconds, out = _seconds([sys.executable, "-m", "textclf", "train", "--csv", str(rows),
                                     "--split-column", "split", "--json"])
            cli.append(seconds)
            report = _last_json(out)
            accuracy["cli"], preset = report["test_accuracy"], report.get("preset", "?")
            seconds, out = _seconds([sys.executable, "-c", SVC_SCRIPT, str(rows)])
            svc.append(seconds)
            accuracy["svc"] = float(out.strip().splitlines()[-1])
    cli_s, svc_s = statistics.median(cli), statistics.median(svc)
    return {"cli_train_small_seconds": cli_s, "svc_script_small_seconds": svc_s,
            "cli_train_small_vs_svc": cli_s / svc_s, "cli_train_small_accuracy": accuracy["cli"],
            "svc_script_small_accuracy": accuracy["svc"], "cli_train_small_preset": preset}


def _last_json(out: str) -> dict:
    import json

    return json.loads(out.strip().splitlines()[-1])
