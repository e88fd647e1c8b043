"""The recommended preset (word pairs chosen per file) against the tuned LinearSVC yardstick, per data set.

    PYTHONPATH=. .venv/bin/python scripts/compare_public.py run OUT.jsonl SET [SET ...] [--seeds 5]
    PYTHONPATH=. .venv/bin/python scripts/compare_public.py table OUT.jsonl

SET is a CSV made by scripts/public_sets.py (data/public/NAME.csv: text,label,split), one of the bench's
newsgroups settings (4cat, 4cat_removed, 20cat, 20cat_removed), or 4cat_subjects: the 4 tutorial topics' subject
lines only (about six words each, the short-text file of the command line's bench, textclf/bench_cli.py). `run` appends one JSON line per trained
model and per yardstick to OUT.jsonl (a set already there is skipped, so an interrupted run resumes);
`table` prints the Markdown table of docs/performance.md from it.

Every choice is made on validation only: the yardstick's C and words or words+pairs (analysis/baselines.py,
on the preset's validation split); the preset's own choices (word pairs on short texts, epochs, the mixture) on
its validation split (learn.choice). McNemar's exact test pairs seed 42 with the yardstick on the same test
posts.
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
# The preset as shipped (word pairs chosen per file on validation, on short texts); scripts/choice_time.py times
# the choice against the same run on words alone.
VARIANTS = {"chosen": PRESET.features}
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


def run(out: Path, names: list[str], n_seeds: int) -> None:
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
            for seed in SEEDS[:n_seeds]:
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
                                "chosen": (classifier.info.get("chosen") or {}).get("chosen"),
                                "candidates": (classifier.info.get("chosen") or {}).get("candidates"),
                                "predictions": predicted.tolist(), "seconds": time.perf_counter() - started})
                print(json.dumps({k: v for k, v in records[-1].items() if k != "predictions"}), flush=True)
        with open(out, "a") as f:  # a set's lines land together, so a half-measured set is never read
            f.writelines(json.dumps(r) + "\n" for r in records)


def table(out: Path) -> str:
    """Returns the Markdown table: the preset as shipped (word pairs chosen per file) against the yardstick, with
    what was chosen."""
    by_set: dict[str, list[dict]] = {}
    for line in out.read_text().splitlines():
        record = json.loads(line)
        by_set.setdefault(record["set"], []).append(record)
    lines = ["| set | train/test rows | classes | recommended: accuracy, seed 42 (mean of 5) | macro F1 (SVC's) "
             "| network alone, seed 42 (mean) | seed spread | chosen (seeds 42-46) | tuned LinearSVC (chosen on validation) | difference, points: seed 42 (mean) "
             "| McNemar p, seed 42 |",
             "|---|---|---|---|---|---|---|---|---|---|---|"]
    for name, records in by_set.items():
        svc = next(r for r in records if r["model"] == "linear_svc")
        truth = np.asarray(svc["truth"])
        chosen = sorted((r for r in records if r.get("variant") == "chosen"), key=lambda r: r["seed"])
        if not chosen:
            continue
        acc = [r["accuracy"] for r in chosen]
        alone = [r["network_alone_accuracy"] for r in chosen]
        picks = [r.get("chosen") or "words alone" for r in chosen]
        picked = ", ".join(f"{p} ×{picks.count(p)}" for p in dict.fromkeys(picks))
        p = mcnemar(truth, np.asarray(chosen[0]["predictions"]), np.asarray(svc["predictions"]))
        first = records[0]
        lines.append(
            f"| {name} | {first['rows'][0]:,}/{first['rows'][1]:,} | {first['classes']} | {acc[0]:.3f} "
            f"({np.mean(acc):.3f}) | {np.mean([r['macro_f1'] for r in chosen]):.3f} ({svc['macro_f1']:.3f}) | "
            f"{alone[0]:.3f} ({np.mean(alone):.3f}) | {min(acc):.3f}–{max(acc):.3f} | {picked} | "
            f"{svc['accuracy']:.3f} ({svc['setting']}) | {100 * (acc[0] - svc['accuracy']):+.2f} "
            f"({100 * (np.mean(acc) - svc['accuracy']):+.2f}) | {p:.2g} |")
    return "\n".join(lines)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("stage", choices=("run", "table"))
    parser.add_argument("out", type=Path)
    parser.add_argument("sets", nargs="*")
    parser.add_argument("--seeds", type=int, default=5)
    args = parser.parse_args()
    if args.stage == "run":
        run(args.out, args.sets, args.seeds)
    else:
        print(table(args.out))
