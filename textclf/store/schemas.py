"""The door for saved JSON: size and nesting limits checked before parsing, then a JSON Schema per file kind."""

from __future__ import annotations

import json
import re

import numpy as np
from jsonschema import Draft202012Validator
from jsonschema.exceptions import best_match

from textclf import limits

MAX_DEPTH = 12  # run.json and model.json nest 5 levels deep; more is never ours
MAX_RUN_JSON_BYTES = 4 * 2**20
MAX_MODEL_JSON_BYTES = limits.MAX_MODEL_BYTES + 4 * 2**20  # the vocabulary is most of it
RUN_ID_PATTERN = r"^[0-9]{8}-[0-9]{6}-[0-9a-f]{6}$"
_STRINGS = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"', re.S)  # a JSON string, escapes included


class BadJson(ValueError):
    """A JSON file that is refused; the message says why in one sentence (without a final full stop)."""


def nesting_depth(raw: bytes) -> int:
    """Returns how deeply brackets nest in JSON text, outside strings, without parsing it."""
    skeleton = np.frombuffer(_STRINGS.sub(b'""', raw), dtype=np.uint8)
    steps = (np.isin(skeleton, (ord("["), ord("{"))).astype(np.int64)
             - np.isin(skeleton, (ord("]"), ord("}"))).astype(np.int64))
    return int(np.cumsum(steps).max(initial=0))


def parse(raw: bytes, what: str, max_bytes: int) -> object:
    """Returns the parsed JSON of `raw` once its size and nesting depth are within bounds, or raises BadJson."""
    if len(raw) > max_bytes:
        raise BadJson(f"{what} is {len(raw) / 2**20:.1f} MB, over its limit of {max_bytes / 2**20:.0f} MB")
    depth = nesting_depth(raw)
    if depth > MAX_DEPTH:
        raise BadJson(f"{what} nests {depth} levels deep, more than the {MAX_DEPTH} allowed")
    try:
        return json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as err:
        raise BadJson(f"{what} is not valid JSON") from err


_NUMBER = {"type": ["number", "null"]}
_SCALAR = {"anyOf": [{"type": ["number", "boolean", "null"]}, {"type": "string", "maxLength": 1000}]}
_OPEN_FIELD = {"anyOf": [_SCALAR, {"type": "array", "maxItems": 100, "items": _SCALAR}]}
_NAMES = {"type": "array", "maxItems": limits.MAX_MODEL_CLASSES, "items": {"type": "string", "maxLength": 1000}}
_INT = {"type": "integer", "minimum": 0}

TRAIN_CONFIG = {
    "type": "object", "maxProperties": 64, "additionalProperties": _OPEN_FIELD,  # fields of newer versions
    "properties": {
        "hidden": {"type": "array", "minItems": 1, "maxItems": 8,
                   "items": {"type": "integer", "minimum": 1, "maximum": 65536}},
        "epochs": {"type": "integer", "minimum": 1}, "batch_size": {"type": "integer", "minimum": 1},
        "learning_rate": {"type": "number", "exclusiveMinimum": 0}, "seed": _INT,
        "val_fraction": {"type": "number", "minimum": 0, "exclusiveMaximum": 0.9},
        "dropout": {"type": "number", "minimum": 0, "exclusiveMaximum": 1},
        "weight_decay": {"type": "number", "minimum": 0}, "optimizer": {"type": "string", "maxLength": 40},
        "early_stopping": _INT, "monitor": {"enum": ["val_accuracy", "val_loss"]}, "refit": {"type": "boolean"},
        "log_every": {"type": "integer", "minimum": 1},
    },
}
FEATURE_CONFIG = {
    "type": "object", "additionalProperties": False,
    "properties": {"scaling": {"enum": ["count", "binary", "tfidf", "log"]},
                   "min_df": {"type": "integer", "minimum": 1},
                   "max_features": {"type": ["integer", "null"], "minimum": 1},
                   "pairs": {"type": "boolean"}, "choose_pairs": {"type": "boolean"}},
}
DATA = {
    "type": "object", "maxProperties": 64, "additionalProperties": _OPEN_FIELD,
    "properties": {"source": {"type": "string", "maxLength": 1000}, "categories": _NAMES,
                   "remove_metadata": {"type": "boolean"}, "name": {"type": ["string", "null"], "maxLength": 1000},
                   "fingerprint": {"type": "string", "maxLength": 200},
                   "n_train": {"type": ["integer", "null"]}, "n_val": {"type": ["integer", "null"]},
                   "n_test": {"type": ["integer", "null"]}},
}
_SHORT_TEXT = {"type": "string", "maxLength": 200}
CHOSEN = {  # learn.choice.Choice.to_json: the word options tried on the validation texts
    "type": "object", "maxProperties": 16, "additionalProperties": _OPEN_FIELD,
    "properties": {"setting": _SHORT_TEXT, "chosen": _SHORT_TEXT, "why": {"type": "string", "maxLength": 1000},
                   "median_words": _NUMBER, "n_val": _NUMBER,
                   "candidates": {"type": "array", "maxItems": 8,
                                  "items": {"type": "object", "maxProperties": 8,
                                            "additionalProperties": {"anyOf": [_NUMBER, _SHORT_TEXT]}}}},
}
HISTORY = {
    "type": "array", "maxItems": 100_000,
    "items": {"type": "object", "required": ["epoch"], "maxProperties": 32,
              "properties": {"epoch": {"type": "integer", "minimum": 0}},
              "additionalProperties": {"anyOf": [_NUMBER, {"type": ["string", "boolean"], "maxLength": 200}]}},
}
_REPORT_ROW = {"anyOf": [_NUMBER, {"type": "object", "maxProperties": 16, "additionalProperties": _NUMBER}]}
METRICS = {
    "type": "object", "maxProperties": 64,
    "properties": {
        "test_accuracy": _NUMBER, "accuracy": _NUMBER, "macro_f1": _NUMBER, "val_accuracy": _NUMBER,
        "class_names": _NAMES,
        "confusion_matrix": {"type": "array", "maxItems": limits.MAX_MODEL_CLASSES, "items": {"type": "array",
                                                                         "maxItems": limits.MAX_MODEL_CLASSES,
                                                                         "items": _INT}},
        "report": {"type": "object", "maxProperties": limits.MAX_MODEL_CLASSES + 10, "additionalProperties": _REPORT_ROW},
    },
    "additionalProperties": _OPEN_FIELD,
}
RUN = {
    "type": "object",
    "required": ["format", "format_version", "id", "name", "created", "data", "config", "history", "metrics",
                 "train_seconds", "reason"],
    "additionalProperties": False,
    "properties": {
        "format": {"const": "textclf-run"}, "format_version": {"const": 1},
        "id": {"type": "string", "pattern": RUN_ID_PATTERN}, "name": {"type": "string", "maxLength": 100},
        "created": {"type": "string", "maxLength": 40}, "data": DATA,
        "config": {"type": "object", "additionalProperties": False,
                   "properties": {"train": TRAIN_CONFIG, "features": FEATURE_CONFIG,
                                  "preset": {"type": "string", "maxLength": 40},
                                  "chosen": {"type": "string", "maxLength": 1000}}},
        "history": HISTORY, "metrics": METRICS, "train_seconds": {"type": "number", "minimum": 0},
        "reason": {"type": "string", "maxLength": 40}, "partial": {"type": "boolean"},
    },
}
MODEL = {
    "type": "object", "required": ["format", "format_version", "spec", "class_names", "featurizer"],
    "additionalProperties": False,
    "properties": {
        "format": {"const": "textclf-model"}, "format_version": {"const": 1},
        "spec": {"type": "object", "required": ["vocab_size", "hidden", "n_classes", "dropout"],
                 "additionalProperties": False,
                 "properties": {"vocab_size": {"type": "integer", "minimum": 1},
                                "hidden": TRAIN_CONFIG["properties"]["hidden"],
                                "n_classes": {"type": "integer", "minimum": 2, "maximum": limits.MAX_MODEL_CLASSES},
                                "dropout": {"type": "number", "minimum": 0, "exclusiveMaximum": 1},
                                "mixture": {"type": "boolean"}, "wide": {"type": "boolean"}}},
        "class_names": _NAMES,
        # Its words are checked by check(): running the schema over 100k words is slow.
        "featurizer": {"type": "object", "required": ["config", "vocabulary"], "additionalProperties": False,
                       "properties": {"config": FEATURE_CONFIG, "vocabulary": {"type": "array"}}},
        "info": {"type": "object", "maxProperties": 64, "additionalProperties": _OPEN_FIELD,
                 "properties": {"train_config": TRAIN_CONFIG, "feature_config": FEATURE_CONFIG, "data": DATA,
                                "history": HISTORY, "test_metrics": METRICS,
                                "mixture": {"type": "object", "maxProperties": 16, "additionalProperties": _NUMBER},
                                "chosen": CHOSEN}},
    },
}
_VALIDATORS = {id(schema): Draft202012Validator(schema) for schema in (RUN, MODEL)}


def _where(path) -> str:
    return "/".join(map(str, path)) or "the top level"


def check(document: object, schema: dict, what: str) -> None:
    """Raises BadJson naming the first place where `document` breaks `schema`."""
    error = best_match(_VALIDATORS[id(schema)].iter_errors(document))
    if error is not None:
        detail = error.message if len(error.message) <= 120 else error.message[:117] + "..."
        raise BadJson(f"{what} does not describe a textclf {'run' if schema is RUN else 'model'} "
                      f"({_where(error.absolute_path)}: {detail})")
    if schema is MODEL and not all(isinstance(w, str) for w in document["featurizer"]["vocabulary"]):
        raise BadJson(f"{what} has a vocabulary word that is not text")


def load(raw: bytes, schema: dict, what: str) -> dict:
    """Returns the checked contents of a run.json or model.json, or raises BadJson saying why it is refused."""
    document = parse(raw, what, MAX_RUN_JSON_BYTES if schema is RUN else MAX_MODEL_JSON_BYTES)
    check(document, schema, what)
    return document
