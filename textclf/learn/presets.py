"""Named settings: "tutorial" (the tutorial's model, with fast lazy Adam) and "recommended" (chosen on validation)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping

from textclf import limits
from textclf.data.features import FeatureConfig
from textclf.learn.train import TrainConfig, parse_hidden_sizes


@dataclass(frozen=True)
class Preset:
    """A named pair of feature and training settings, with a sentence for the user."""

    name: str
    label: str
    description: str
    features: FeatureConfig
    train_config: TrainConfig


PRESETS: dict[str, Preset] = {
    "tutorial": Preset(
        "tutorial", "Tutorial",
        "The tutorial's model: word counts, 128 → 64 units, Adam 0.001, batch 32, 5 epochs. One change for "
        "speed: fast updates (lazy Adam, only the words in each batch move; about as accurate, 3-5 times faster). "
        "Exact Adam, as in the tutorial: switch off Fast updates under Advanced.",
        FeatureConfig(), TrainConfig()),
    "recommended": Preset(
        "recommended", "Recommended",
        "Chosen on held-back texts, better on harder data: words weighted by how telling they are (tf-idf; rare "
        "words too, which short texts need), one wider layer (256 units) that switches off units at random so it "
        "cannot memorise, fast updates (lazy Adam), up to 15 passes that stop once the held-back texts stop "
        "improving, then a retrain on every training text. On short texts the network also gets a linear part that "
        "starts from a simple word-count model's scores and learns with it, and it tries word pairs, keeping them "
        "only if they do better on the held-back texts. Its answer mixes the network with a simple word-count model (Naive Bayes), the "
        "share of each chosen on the held-back texts; it can still be explained word by word.",
        FeatureConfig(scaling="tfidf", min_df=1, choose_pairs=True),
        TrainConfig(hidden=(256,), learning_rate=2e-3, optimizer="lazy_adam", dropout=0.6, epochs=15,
                    early_stopping=3, monitor="val_loss", refit=True, nb_mixture=True, wide=True)),
}


def form_values(name: str) -> dict:
    """Returns the Train page's form values (and the Data page's word options) of preset `name`."""
    preset = PRESETS[name]
    c, f = preset.train_config, preset.features
    return dict(preset=name, hidden_text=",".join(map(str, c.hidden)), epochs=c.epochs, batch_size=c.batch_size,
                lr=c.learning_rate, seed=c.seed, val_share=c.val_fraction, lazy_adam=c.optimizer == "lazy_adam",
                dropout=c.dropout, patience=c.early_stopping, monitor=c.monitor, refit=c.refit,
                nb_mixture=c.nb_mixture, wide=c.wide,
                scaling=f.scaling, min_df=f.min_df, max_features=f.max_features or 0, pairs=f.pairs,
                choose_pairs=f.choose_pairs)


# The form values that are the Data page's word options (a teacher's link locks them with the data, not the
# hyperparameters).
WORD_KEYS = ("scaling", "min_df", "max_features", "pairs", "choose_pairs")
# Each number field's widget range: a run from an older version or a bundle may hold a value outside it.
_RANGES = {"epochs": limits.EPOCHS, "batch_size": limits.BATCH_SIZE, "lr": limits.LEARNING_RATE, "seed": limits.SEED,
           "val_share": limits.VAL_SHARE, "dropout": limits.DROPOUT, "patience": limits.PATIENCE,
           "min_df": limits.MIN_DF, "max_features": limits.MAX_FEATURES}


def closest_preset(values: Mapping) -> str:
    """Returns the preset whose form values share the most settings with `values` (the tutorial on a tie)."""
    return max(PRESETS, key=lambda name: sum(values.get(k) == v for k, v in form_values(name).items() if k != "preset"))


def run_form_values(config: Mapping) -> dict:
    """Returns the Train page's form values (and the Data page's word options) of a saved run's settings.

    `config` is a run's config ({"train": ..., "features": ..., "preset": ...}); a setting it lacks (a run of an
    older version) keeps the tutorial's value, a number outside its widget's range is clamped into it, and a
    run saved without its preset gets the closest one.
    """
    train, features = dict(config.get("train") or {}), dict(config.get("features") or {})
    values = form_values("tutorial")
    mapped = {"hidden_text": ",".join(map(str, train["hidden"])) if train.get("hidden") else None,
              "epochs": train.get("epochs"), "batch_size": train.get("batch_size"), "lr": train.get("learning_rate"),
              "seed": train.get("seed"), "val_share": train.get("val_fraction"),
              "lazy_adam": train["optimizer"] == "lazy_adam" if "optimizer" in train else None,
              "dropout": train.get("dropout"), "patience": train.get("early_stopping"), "monitor": train.get("monitor"),
              "refit": train.get("refit"), "nb_mixture": train.get("nb_mixture"), "wide": train.get("wide"),
              "scaling": features.get("scaling"), "min_df": features.get("min_df"),
              "max_features": (features["max_features"] or 0) if "max_features" in features else None,
              "pairs": features.get("pairs"), "choose_pairs": features.get("choose_pairs")}
    values.update({k: v for k, v in mapped.items() if v is not None})
    for key, (low, high) in _RANGES.items():
        values[key] = type(low)(min(max(values[key], low), high))
    preset = config.get("preset")
    values["preset"] = preset if preset in PRESETS else closest_preset(values)
    return values


# The preset a new choice of data starts from: the tutorial's for the newsgroups lesson, the best measured one
# (docs/performance.md) for a file of your own.
DATA_DEFAULTS = {"newsgroups": "tutorial", "own_file": "recommended"}


def default_preset(own_file: bool) -> str:
    """Returns the preset that data of this kind starts from."""
    return DATA_DEFAULTS["own_file" if own_file else "newsgroups"]


def preset_for_new_data(values: Mapping, own_file: bool) -> dict | None:
    """Returns the form values to switch to when the data changes, or None to keep the form as it is.

    Only a form that still holds a preset's own settings, unchanged, moves to the new data's default preset:
    a user's own changes are never overwritten.
    """
    name = values.get("preset")
    target = default_preset(own_file)
    if name == target or name not in PRESETS:
        return None
    current = form_values(name)
    if any(values.get(k) != v for k, v in current.items()):
        return None
    return form_values(target)


def config_from_form(values: Mapping) -> TrainConfig:
    """Returns the training settings in form values (see form_values), or raises ValueError saying what is wrong."""
    return TrainConfig(hidden=parse_hidden_sizes(values["hidden_text"]), epochs=int(values["epochs"]),
                       batch_size=int(values["batch_size"]), learning_rate=float(values["lr"]),
                       seed=int(values["seed"]), val_fraction=float(values["val_share"]),
                       dropout=float(values["dropout"]), optimizer="lazy_adam" if values["lazy_adam"] else "adam",
                       early_stopping=int(values["patience"]), monitor=values["monitor"], refit=bool(values["refit"]),
                       nb_mixture=bool(values.get("nb_mixture", False)), wide=bool(values.get("wide", False)))


def features_from_form(values: Mapping) -> FeatureConfig:
    """Returns the word options in form values."""
    return FeatureConfig(values["scaling"], int(values["min_df"]), int(values["max_features"]) or None,
                         bool(values.get("pairs", False)), bool(values.get("choose_pairs", False)))
