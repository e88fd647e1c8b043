"""Chooses the recommended preset on validation posts only, then reports its test accuracy over 5 seeds.

    PYTHONPATH=. .venv/bin/python scripts/search_recommended.py search [SETTING ...]  # validation accuracy of candidates
    PYTHONPATH=. .venv/bin/python scripts/search_recommended.py seeds PRESET [SETTING ...]  # test accuracy, seeds 42..46

SETTING is one of 4cat, 4cat_removed, 20cat, 20cat_removed (default: all four).

Prints one JSON line per run (CPU is scarce: a handful of candidates, each a small step from the last preset).
"""

from __future__ import annotations

import json
import sys
import time
from dataclasses import replace

import numpy as np

from textclf.bench import SETTINGS
from textclf.data import load_newsgroups
from textclf.learn.ensemble import network_only
from textclf.learn.model import enable_compilation_cache
from textclf.learn.presets import PRESETS
from textclf.learn.train import run_to_end, train

BASE = PRESETS["recommended"]
CANDIDATES = {
    "current": (BASE.features, BASE.train_config),
    "network_alone": (BASE.features, replace(BASE.train_config, nb_mixture=False)),
    "wider_512": (BASE.features, replace(BASE.train_config, hidden=(512,))),
}


def main(stage: str, preset: str, settings: list[str]) -> None:
    """Prints one JSON line per (setting, candidate or seed), and a summary line per setting for `seeds`."""
    enable_compilation_cache()
    for setting in settings:
        categories, removed = SETTINGS[setting]
        corpus = load_newsgroups(categories, removed)
        if stage == "search":
            for name, (features, config) in CANDIDATES.items():
                # Validation accuracy of the model kept on the validation split (no refit, no test posts).
                finished = run_to_end(train(corpus, features, replace(config, refit=False)))
                best = finished.best_epoch or len(finished.history)
                val = finished.history[best - 1]["val_accuracy"]
                # A mixture's own figure is on the posts its weights were chosen on: compare log losses too.
                mixture = finished.classifier.info.get("mixture")
                print(json.dumps({"setting": setting, "candidate": name, "val_accuracy": val, "epoch": best,
                                  "mixture": mixture, "seconds": finished.train_seconds}), flush=True)
            continue
        chosen, accuracies = PRESETS[preset], []
        for seed in range(42, 47):
            started = time.perf_counter()
            finished = run_to_end(train(corpus, chosen.features, replace(chosen.train_config, seed=seed)))
            classifier = finished.classifier
            accuracies.append(float(np.mean(classifier.predict(corpus.test_texts) == corpus.test_labels)))
            alone = float(np.mean(network_only(classifier).predict(corpus.test_texts) == corpus.test_labels))
            print(json.dumps({"setting": setting, "preset": preset, "seed": seed, "test_accuracy": accuracies[-1],
                              "network_alone_test_accuracy": alone, "mixture": classifier.info.get("mixture"),
                              "epochs": finished.best_epoch, "seconds": time.perf_counter() - started}), flush=True)
        print(json.dumps({"summary": [preset, setting], "spread": [min(accuracies), max(accuracies), len(accuracies)],
                          "mean": float(np.mean(accuracies)), "std": float(np.std(accuracies, ddof=1))}), flush=True)


if __name__ == "__main__":
    args = sys.argv[1:] or ["search"]
    stage, rest = args[0], args[1:]
    preset = rest.pop(0) if stage == "seeds" else "recommended"
    main(stage, preset, rest or list(SETTINGS))
