"""Chooses the recommended preset on validation posts only, then reports its test accuracy over 5 seeds.

    PYTHONPATH=. .venv/bin/python scripts/search_recommended.py search   # validation accuracy of a few candidates, 4 settings
    PYTHONPATH=. .venv/bin/python scripts/search_recommended.py seeds    # the preset in textclf/presets.py: test, seeds 42..46

Prints one JSON line per run (CPU is scarce: a handful of candidates, each a small step from the last preset).
"""

from __future__ import annotations

import json
import sys
import time
from dataclasses import asdict, replace

import numpy as np

from textclf.bench import SETTINGS
from textclf.data import load_newsgroups
from textclf.features import FeatureConfig
from textclf.model import enable_compilation_cache
from textclf.presets import PRESETS
from textclf.train import run_to_end, train

BASE = PRESETS["recommended"]
CANDIDATES = {
    "current": (BASE.features, BASE.train_config),
    "wider_512": (BASE.features, replace(BASE.train_config, hidden=(512,))),
    "all_words": (replace(BASE.features, min_df=1), BASE.train_config),
    "log_counts": (FeatureConfig(scaling="log", min_df=2), BASE.train_config),
    "dropout_0.4": (BASE.features, replace(BASE.train_config, dropout=0.4)),
}


def main(stage: str) -> None:
    """Prints one JSON line per (setting, candidate or seed)."""
    enable_compilation_cache()
    for setting, (categories, removed) in SETTINGS.items():
        corpus = load_newsgroups(categories, removed)
        if stage == "search":
            for name, (features, config) in CANDIDATES.items():
                # Validation accuracy of the model kept on the validation split (no refit, no test posts).
                finished = run_to_end(train(corpus, features, replace(config, refit=False)))
                best = finished.best_epoch or len(finished.history)
                val = finished.history[best - 1]["val_accuracy"]
                print(json.dumps({"setting": setting, "candidate": name, "val_accuracy": val, "epoch": best,
                                  "seconds": finished.train_seconds}), flush=True)
        else:
            for seed in range(42, 47):
                started = time.perf_counter()
                finished = run_to_end(train(corpus, BASE.features, replace(BASE.train_config, seed=seed)))
                accuracy = float(np.mean(finished.classifier.predict(corpus.test_texts) == corpus.test_labels))
                print(json.dumps({"setting": setting, "seed": seed, "test_accuracy": accuracy,
                                  "seconds": time.perf_counter() - started,
                                  "config": asdict(BASE.train_config) if seed == 42 else None}), flush=True)


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "search")
