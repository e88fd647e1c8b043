"""The Saved runs page's tables: each run with its settings in plain words, and how selected runs differ."""

from __future__ import annotations

import math
from typing import Callable

import pandas as pd

from textclf.data.corpus import describe
from textclf.learn.presets import PRESETS, run_form_values
from textclf.store.runs import RunInfo

SCALING_NAMES = {"count": "word counts", "binary": "present / absent", "tfidf": "tf-idf", "log": "log(1 + count)"}


def _yes_no(value: object) -> str:
    return "yes" if value else "no"


def _vocabulary(v: dict) -> str:
    parts = ["all words" if v["min_df"] <= 1 else f"words in ≥ {v['min_df']} texts"]
    if v["max_features"]:
        parts.append(f"at most {v['max_features']:,}")
    if v.get("choose_pairs"):
        parts.append(f"{'with' if v['pairs'] else 'without'} word pairs (chosen on held-back texts)")
    elif v["pairs"]:
        parts.append("with word pairs")
    return ", ".join(parts)


# (human name, value of a run's form values as a short text); the order of the Saved runs page.
SETTINGS: list[tuple[str, Callable[[dict], str]]] = [
    ("preset", lambda v: PRESETS[v["preset"]].label),
    ("optimizer", lambda v: "fast Adam (lazy)" if v["lazy_adam"] else "exact Adam"),
    ("epochs (set)", lambda v: str(v["epochs"])),
    ("hidden units", lambda v: v["hidden_text"]),
    ("learning rate", lambda v: f"{v['lr']:g}"),
    ("batch size", lambda v: str(v["batch_size"])),
    ("dropout", lambda v: f"{v['dropout']:g}"),
    ("early stopping", lambda v: f"after {v['patience']} epochs without a better "
                                 f"{'validation loss' if v['monitor'] == 'val_loss' else 'validation accuracy'}"
                                 if v["patience"] else "off"),
    ("retrain at the end", lambda v: _yes_no(v["refit"])),
    ("mixed with Naive Bayes", lambda v: _yes_no(v["nb_mixture"])),
    ("linear part from Naive Bayes", lambda v: _yes_no(v.get("wide"))),
    ("word weighting", lambda v: SCALING_NAMES.get(v["scaling"], v["scaling"])),
    ("vocabulary", _vocabulary),
    ("validation share", lambda v: f"{v['val_share']:.0%}"),
    ("seed", lambda v: str(v["seed"])),
]
# What tells runs apart comes first (name, data, test accuracy, date), so it is in view without scrolling the table
# sideways at 1280 px; settings and ids follow. RUNS_WIDTHS keeps the first four inside a 1280 px window.
TABLE_SETTINGS = ("preset", "optimizer", "hidden units", "dropout", "learning rate", "word weighting", "vocabulary")
RUNS_COLUMNS = ["name", "data", "test", "when", "validation", "epochs", *TABLE_SETTINGS, "from", "seconds", "run id"]
RUNS_WIDTHS = {"name": 340, "data": 190, "test": 105, "when": 105}  # the name ends with what tells runs apart


def run_settings(run: RunInfo) -> dict[str, str]:
    """Returns a run's settings by human name, as short texts (a run of an older version gets the defaults)."""
    values = run_form_values(run.config)
    settings = {name: show(values) for name, show in SETTINGS}
    if run.config.get("chosen"):  # what the per-file choice tried, and why it kept what it kept
        settings["why"] = run.config["chosen"]
    return settings


def runs_table(runs: list[tuple[str, RunInfo]]) -> pd.DataFrame:
    """Returns one row per (where it is listed, run): name, data, accuracies, date, epochs trained, settings, id."""
    rows = []
    for source, r in runs:
        settings = run_settings(r)
        rows.append({"from": source, "name": r.name + (" (partial)" if r.partial else ""),
                     "when": r.created.strftime("%d %b %H:%M"), "data": describe(r.data), "epochs": len(r.history),
                     "validation": r.val_accuracy, "test": r.test_accuracy, "seconds": r.train_seconds, "run id": r.id,
                     **{k: settings[k] for k in TABLE_SETTINGS}})
    return pd.DataFrame(rows, columns=RUNS_COLUMNS)


def setting_differences(runs: list[RunInfo]) -> dict[str, list[str]]:
    """Returns, in the order of SETTINGS, each setting that is not the same in all `runs`: its value per run."""
    table = [run_settings(r) for r in runs]
    return {name: [t[name] for t in table] for name, _ in SETTINGS if len({t[name] for t in table}) > 1}


def _percent(value: float | None, sign: str = "") -> str:
    return "–" if value is None or not math.isfinite(value) else f"{value:{sign}.1%}"


def _result_rows(runs: list[RunInfo]) -> dict[str, list[str]]:
    first = runs[0].test_accuracy
    f1 = [r.metrics.get("macro_f1") for r in runs]
    return {
        "test accuracy": [_percent(r.test_accuracy) for r in runs],
        "test accuracy vs first": [_percent(None if r.test_accuracy is None or first is None
                                            else r.test_accuracy - first, "+") for r in runs],
        "macro F1": [f"{v:.3f}" if isinstance(v, (int, float)) and math.isfinite(v) else "–" for v in f1],
        "validation accuracy": [_percent(r.val_accuracy) for r in runs],
        "epochs trained": [str(len(r.history)) for r in runs],
    }


def run_labels(runs: list[RunInfo]) -> list[str]:
    """Returns how each run is named in a comparison: its name and the end of its id, numbered if still alike.

    A run and its copy published to the class share name and id.
    """
    labels = [f"{r.name} ({r.id[-6:]})" for r in runs]
    return [f"{label} #{i + 1}" if labels.count(label) > 1 else label for i, label in enumerate(labels)]


def compare_table(runs: list[RunInfo]) -> pd.DataFrame:
    """Returns the selected runs side by side: the settings that differ first, then every result.

    One row per setting or result, one column per run (the first selected run first); "kind" says which.
    """
    labels = run_labels(runs)
    rows = [("setting", name, values) for name, values in setting_differences(runs).items()]
    rows += [("result", name, values) for name, values in _result_rows(runs).items()]
    return pd.DataFrame([{"kind": kind, "what": name, **dict(zip(labels, values))} for kind, name, values in rows],
                        columns=["kind", "what", *labels])
