"""The recommended preset, with and without word pairs, against the tuned LinearSVC yardstick, per data set.

    PYTHONPATH=. .venv/bin/python scripts/compare_public.py run OUT.jsonl SET [SET ...] [--seeds 5] [--pair-seeds 5]
    PYTHONPATH=. .venv/bin/python scripts/compare_public.py table OUT.jsonl

SET is a CSV made by scripts/public_sets.py (data/public/NAME.csv: text,label,split), one of the bench's
newsgroups settings (4cat, 4cat_removed, 20cat, 20cat_removed), or 4cat_subjects: the 4 tutorial topics' subject
lines only (about six words each, the short-text file of the command line's bench, textclf/bench_cli.py). `run` appends one JSON line per trained
model and per yardstick to OUT.jsonl (a set already there is skipped, so an interrupted run resumes);
`table` prints the Markdown table of docs/performance.md from it.

Every choice is made on validation only: the yardstick's C and words or words+pairs (analysis/baselines.py,
on the preset's validation split); the preset's own choices (epochs, the mixture) on its validation split;
whether the preset should use word pairs on the mixture's validation accuracy, shown in the table next to
the test figures. McNemar's exact test pairs each variant's first seed (42) with the yardstick on the same
test posts; accuracy, macro F1 and the network alone are means over the seeds.
"""

from __future__ import annotations

import argparse
import json
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
from scipy.stats import binomtest
from sklearn.metrics import f1_score

from textclf.analysis.baselines import run_baselines
from textclf.bench import SETTINGS
from textclf.bench_cli import subject_line
from textclf.data import load_newsgroups
from textclf.data.own_files import load_csv
from textclf.learn.ensemble import network_only
from textclf.learn.model import enable_compilation_cache
from textclf.learn.presets import PRESETS
from textclf.learn.train import run_to_end, train

PRESET = PRESETS["recommended"]
VARIANTS = {"words": PRESET.features, "words+pairs": replace(PRESET.features, pairs=True)}
SEEDS = (42, 43, 44, 45, 46)
SUBJECTS = "4cat_subjects"


def load(name: str):
    """Returns the corpus of a newsgroups setting, of the 4 topics' subject lines or of a public_sets CSV."""
    if name == SUBJECTS:
        corpus = load("4cat")
        return replace(corpus, train_texts=[subject_line(t) for t in corpus.train_texts],
                       test_texts=[subject_line(t) for t in corpus.test_texts])
    if name in SETTINGS:
        categories, removed = SETTINGS[name]
        return load_newsgroups(categories, removed)
    corpus, _ = load_csv(name, "text", "label", "split", 0.2)
    return corpus


def mcnemar(truth: np.ndarray, a: np.ndarray, b: np.ndarray) -> float:
    """Returns McNemar's exact two-sided p between predictions a and b of the same test posts."""
    only_a = int(np.sum((a == truth) & (b != truth)))
    only_b = int(np.sum((b == truth) & (a != truth)))
    return 1.0 if only_a + only_b == 0 else float(binomtest(only_a, only_a + only_b, 0.5).pvalue)


def run(out: Path, names: list[str], n_seeds: int, n_pair_seeds: int) -> None:
    enable_compilation_cache()
    done = {json.loads(line)["set"] for line in out.read_text().splitlines()} if out.exists() else set()
    for name in names:
        label = name if name in SETTINGS or name == SUBJECTS else Path(name).stem
        if label in done:
            continue
        corpus = load(name)
        truth = np.asarray(corpus.test_labels)
        base = {"set": label, "rows": [len(corpus.train_texts), len(corpus.test_texts)], "classes": corpus.n_classes}
        started = time.perf_counter()
        svc = run_baselines(corpus, keep_predictions=True)["linear_svc"]
        records = [{**base, "model": "linear_svc", "setting": svc["setting"], "accuracy": svc["accuracy"],
                    "macro_f1": svc["macro_f1"], "val_accuracy": svc["val_accuracy"],
                    "predictions": svc["predictions"], "truth": truth.tolist(),
                    "seconds": time.perf_counter() - started}]
        for variant, features in VARIANTS.items():
            for seed in SEEDS[:n_seeds if variant == "words" else n_pair_seeds]:
                started = time.perf_counter()
                finished = run_to_end(train(corpus, features, replace(PRESET.train_config, seed=seed)))
                classifier = finished.classifier
                predicted = classifier.predict(corpus.test_texts)
                alone = network_only(classifier).predict(corpus.test_texts)
                mixture = classifier.info.get("mixture") or {}
                records.append({**base, "model": "recommended", "variant": variant, "seed": seed,
                                "accuracy": float(np.mean(predicted == truth)),
                                "macro_f1": float(f1_score(truth, predicted, average="macro")),
                                "network_alone_accuracy": float(np.mean(alone == truth)),
                                "val_accuracy": mixture.get("val_accuracy"), "net_weight": mixture.get("net_weight"),
                                "epochs": finished.best_epoch, "vocab_size": classifier.featurizer.vocab_size,
                                "predictions": predicted.tolist(), "seconds": time.perf_counter() - started})
                print(json.dumps({k: v for k, v in records[-1].items() if k != "predictions"}), flush=True)
        with open(out, "a") as f:  # a set's lines land together, so a half-measured set is never read
            f.writelines(json.dumps(r) + "\n" for r in records)


def table(out: Path) -> str:
    """Returns the Markdown table: the preset as shipped (words) and with word pairs, against the yardstick."""
    by_set: dict[str, list[dict]] = {}
    for line in out.read_text().splitlines():
        record = json.loads(line)
        by_set.setdefault(record["set"], []).append(record)
    lines = ["| set | train/test rows | classes | recommended: accuracy (mean) | macro F1 | network alone "
             "| seed spread | with word pairs: accuracy | seed spread | validation accuracy, words / pairs "
             "| tuned LinearSVC (chosen on validation) | McNemar p, words / pairs |",
             "|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for name, records in by_set.items():
        svc = next(r for r in records if r["model"] == "linear_svc")
        truth = np.asarray(svc["truth"])
        cells = {}
        for variant in VARIANTS:
            rs = [r for r in records if r.get("variant") == variant]
            if not rs:
                cells[variant] = None
                continue
            acc = [r["accuracy"] for r in rs]
            cells[variant] = dict(
                acc=np.mean(acc), spread=f"{min(acc):.3f}–{max(acc):.3f} ({len(acc)})",
                f1=np.mean([r["macro_f1"] for r in rs]), alone=np.mean([r["network_alone_accuracy"] for r in rs]),
                val=np.mean([r["val_accuracy"] for r in rs]),
                p=mcnemar(truth, np.asarray(rs[0]["predictions"]), np.asarray(svc["predictions"])))
        w, p2 = cells["words"], cells["words+pairs"]
        if w is None:
            continue
        pairs = ("–", "–", "–", "–") if p2 is None else (f"{p2['acc']:.3f}", p2["spread"], f"{p2['val']:.3f}",
                                                          f"{p2['p']:.2g}")
        first = records[0]
        lines.append(
            f"| {name} | {first['rows'][0]:,}/{first['rows'][1]:,} | {first['classes']} | {w['acc']:.3f} | "
            f"{w['f1']:.3f} | {w['alone']:.3f} | {w['spread']} | {pairs[0]} | {pairs[1]} | {w['val']:.3f} / {pairs[2]} | "
            f"{svc['accuracy']:.3f} ({svc['setting']}) | {w['p']:.2g} / {pairs[3]} |")
    return "\n".join(lines)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("stage", choices=("run", "table"))
    parser.add_argument("out", type=Path)
    parser.add_argument("sets", nargs="*")
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--pair-seeds", type=int, default=5, help="seeds of the word-pairs variant")
    args = parser.parse_args()
    if args.stage == "run":
        run(args.out, args.sets, args.seeds, args.pair_seeds)
    else:
        print(table(args.out))
