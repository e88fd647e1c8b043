"""Compares rules for choosing the recommended preset's mixture with Naive Bayes, on validation posts only.

    PYTHONPATH=. .venv/bin/python scripts/mixture_selection.py dump FOLDER [SETTING ...]   # trains seeds 42..46
    PYTHONPATH=. .venv/bin/python scripts/mixture_selection.py study FOLDER [SETTING ...]  # seconds, numpy only

`dump` trains the recommended network (no mixture, no refit) for seeds 42..46 and keeps its validation
probabilities and the feature rows; `study` then chooses the mixture on one half of each validation split
and scores it on the other half (20 random halvings per seed), printing accuracy and log loss per rule.
No test post is read.
"""

from __future__ import annotations

import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
import scipy.sparse as sp
from scipy.special import log_softmax

from textclf.learn import ensemble
from textclf.bench import SETTINGS
from textclf.data import load_newsgroups
from textclf.learn.model import enable_compilation_cache
from textclf.learn.presets import PRESETS
from textclf.learn.train import run_to_end, split_validation, train

SEEDS = range(42, 47)


def dump(folder: Path, setting: str) -> None:
    """Writes FOLDER/SETTING_SEED.npz: the network's validation probabilities, labels and feature rows."""
    preset = PRESETS["recommended"]
    corpus = load_newsgroups(*SETTINGS[setting])
    labels = np.asarray(corpus.train_labels)
    for seed in SEEDS:
        config = replace(preset.train_config, seed=seed, refit=False, nb_mixture=False)
        classifier = run_to_end(train(corpus, preset.features, config)).classifier
        fit_idx, val_idx = split_validation(len(labels), labels, config.val_fraction, seed)
        x_fit = classifier.featurizer.transform([corpus.train_texts[i] for i in fit_idx])
        texts = [corpus.train_texts[i] for i in val_idx]
        x_val = classifier.featurizer.transform(texts)
        np.savez(folder / f"{setting}_{seed}.npz", p=classifier.predict_proba(texts), y_fit=labels[fit_idx],
                 y_val=labels[val_idx], **_csr("x_fit", x_fit), **_csr("x_val", x_val))
        print(setting, seed, flush=True)


def _csr(name: str, x: sp.csr_matrix) -> dict:
    return {f"{name}_{k}": getattr(x, k) for k in ("data", "indices", "indptr", "shape")}


def _load_csr(z, name: str) -> sp.csr_matrix:
    return sp.csr_matrix((z[f"{name}_data"], z[f"{name}_indices"], z[f"{name}_indptr"]),
                         shape=tuple(z[f"{name}_shape"]))


def _log_loss(log_p: np.ndarray, y: np.ndarray) -> float:
    return float(-np.mean(log_p[np.arange(len(y)), y]))


def rules(log_net: np.ndarray, scores: dict[float, np.ndarray], y: np.ndarray, idx: np.ndarray) -> dict:
    """Returns {rule: log-probabilities of every validation post}, each rule choosing on rows `idx` only."""
    def mix(w: float, log_nb: np.ndarray) -> np.ndarray:
        return np.logaddexp(np.log(w) + log_net, np.log1p(-w) + log_nb)

    calibrated = {}
    for alpha, s in scores.items():
        scale = min(ensemble.SCALES, key=lambda t: _log_loss(log_softmax(t * s[idx], 1), y[idx]))
        calibrated[alpha] = log_softmax(scale * s, 1)
    by_accuracy = max(ensemble.ALPHAS, key=lambda a: (np.mean(scores[a][idx].argmax(1) == y[idx]), -a))
    _, alpha, w = min((_log_loss(mix(w, calibrated[a])[idx], y[idx]), a, w)
                      for a in ensemble.ALPHAS for w in ensemble.NET_WEIGHTS)
    w_acc = min(ensemble.NET_WEIGHTS, key=lambda w: _log_loss(mix(w, calibrated[by_accuracy])[idx], y[idx]))
    lam = min((0.25, 0.5, 1, 2, 4),
              key=lambda v: _log_loss(log_softmax(log_net[idx] + v * calibrated[by_accuracy][idx], 1), y[idx]))
    return {"network": log_net, "nb (alpha by accuracy)": calibrated[by_accuracy],
            "mixture, all by log loss (the preset)": mix(w, calibrated[alpha]),
            "mixture, alpha by NB accuracy": mix(w_acc, calibrated[by_accuracy]),
            "mixture, w = 0.5": mix(0.5, calibrated[by_accuracy]),
            "product of the two": log_softmax(log_net + lam * calibrated[by_accuracy], 1)}


def study(folder: Path, setting: str) -> None:
    """Prints each rule's mean held-out accuracy and log loss over seeds and halvings."""
    results: dict[str, list[tuple[float, float]]] = {}
    for seed in SEEDS:
        z = np.load(folder / f"{setting}_{seed}.npz")
        log_net = np.log(np.clip(z["p"].astype(np.float64), 1e-12, None))
        x_fit, y_fit, x_val, y_val = _load_csr(z, "x_fit"), z["y_fit"], _load_csr(z, "x_val"), z["y_val"]
        scores = {a: np.asarray(x_val @ ensemble.complement_nb(x_fit, y_fit, log_net.shape[1], a), np.float64)
                  for a in ensemble.ALPHAS}
        rng = np.random.default_rng(0)
        for _ in range(20):
            order, half = rng.permutation(len(y_val)), len(y_val) // 2
            for chosen_on, scored_on in ((order[:half], order[half:]), (order[half:], order[:half])):
                for name, log_p in rules(log_net, scores, y_val, chosen_on).items():
                    results.setdefault(name, []).append((np.mean(log_p[scored_on].argmax(1) == y_val[scored_on]),
                                                         _log_loss(log_p[scored_on], y_val[scored_on])))
    for name, pairs in results.items():
        accuracy, loss = np.mean(pairs, axis=0)
        print(f"{setting:14s} {name:40s} accuracy {accuracy:.4f}  log loss {loss:.4f}")


if __name__ == "__main__":
    stage, folder, *settings = sys.argv[1:]
    Path(folder).mkdir(parents=True, exist_ok=True)
    enable_compilation_cache()
    for name in settings or list(SETTINGS):
        (dump if stage == "dump" else study)(Path(folder), name)
