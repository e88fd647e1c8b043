"""Saved training runs: one folder per run holding the model and a run.json of its name, data, config and metrics."""

from __future__ import annotations

import errno
import json
import math
import os
import re
import secrets
import shutil
import sys
import tempfile
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterable

import numpy as np

from textclf.store import modelfiles
from textclf.store import schemas
from textclf.learn.classifier import Classifier

RUNS_ENV = "TEXTCLF_RUNS_DIR"
RUN_FILE = "run.json"
MODEL_DIR = "model"
FORMAT = "textclf-run"
FORMAT_VERSION = 1
MAX_NAME = 100
RUN_ID = re.compile(r"[0-9]{8}-[0-9]{6}-[0-9a-f]{6}")
# Bidirectional overrides and isolates can make a name display as something else; they are dropped with controls.
_BIDI = set("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


class RunNotFound(KeyError):
    """No saved run has this id (or the id is malformed, or its folder is damaged); the message says which."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else "run not found"


@dataclass(frozen=True)
class RunInfo:
    """One saved run as described by its run.json."""

    id: str
    name: str
    created: datetime  # UTC
    data: dict  # what it was trained on (corpus description, split sizes)
    config: dict  # {"train": TrainConfig fields, "features": FeatureConfig fields, "preset": the form's base preset}
    history: list  # one dict per epoch
    metrics: dict  # test_accuracy, macro_f1, confusion_matrix, class_names, report, val_accuracy
    train_seconds: float
    reason: str  # how training ended: "completed", "stopped", "early_stopping", "diverged"
    path: Path  # the run's folder
    partial: bool = False  # stopped by the user before the planned end

    @property
    def test_accuracy(self) -> float | None:
        """Returns the accuracy on the test set, or None when unknown."""
        return _number(self.metrics.get("test_accuracy"))

    @property
    def val_accuracy(self) -> float | None:
        """Returns the best validation accuracy of any epoch, or None without a validation set."""
        return _number(self.metrics.get("val_accuracy"))

    @property
    def model_dir(self) -> Path:
        """Returns the folder holding model.npz and model.json."""
        return self.path / MODEL_DIR


def runs_dir() -> Path:
    """Returns the folder of saved runs ($TEXTCLF_RUNS_DIR or the user's data folder), created if possible."""
    if os.environ.get(RUNS_ENV):
        path = Path(os.environ[RUNS_ENV]).expanduser()
    elif sys.platform == "win32":
        path = Path(os.environ.get("LOCALAPPDATA") or Path.home() / "AppData" / "Local") / "textclf" / "runs"
    elif sys.platform == "darwin":
        path = Path.home() / "Library" / "Application Support" / "textclf" / "runs"
    else:
        xdg = os.environ.get("XDG_DATA_HOME", "")
        # The XDG spec says a relative XDG_DATA_HOME is invalid and must be ignored.
        base = Path(xdg) if xdg and os.path.isabs(xdg) else Path.home() / ".local" / "share"
        path = base / "textclf" / "runs"
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError:
        pass  # RunStore.problem() says why; training still works, only saving fails
    return path


def check_run_id(run_id: object) -> str:
    """Returns `run_id` if it is a well-formed run id, or raises RunNotFound without touching the disk."""
    if not isinstance(run_id, str) or not RUN_ID.fullmatch(run_id):
        shown = repr(run_id) if len(repr(run_id)) <= 60 else repr(run_id)[:57] + "..."
        raise RunNotFound(f"{shown} is not a run id (expected the form 20261128-153012-a1b2c3)")
    return run_id


def clean_name(name: str | None, created: datetime) -> str:
    """Returns `name` without control characters, stripped and cut to 100 characters, or a dated default."""
    kept = []
    for ch in str(name or ""):
        if ch.isspace():
            kept.append(" ")  # a tab or line break between words still separates them
        elif unicodedata.category(ch) not in ("Cc", "Cs") and ch not in _BIDI:
            kept.append(ch)
    text = " ".join("".join(kept).split())[:MAX_NAME].strip()
    return text or f"Run of {created.day} {created:%b %H:%M}"


def unique_name(name: str, taken: Iterable[str]) -> str:
    """Returns `name`, or `name (2)`, `name (3)` ... when runs already carry it, so two runs never look alike."""
    taken = set(taken)
    number = 2
    candidate = name
    while candidate in taken:
        suffix = f" ({number})"
        candidate = name[:MAX_NAME - len(suffix)] + suffix
        number += 1
    return candidate


def best_val_accuracy(history: list) -> float | None:
    """Returns the highest validation accuracy in a training history, or None when there is none."""
    values = [_number(h.get("val_accuracy")) for h in history if isinstance(h, dict)]
    values = [v for v in values if v is not None]
    return max(values) if values else None


def _number(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.number)):
        return None
    value = float(value)
    return value if math.isfinite(value) else None


def _json_default(value: object) -> object:
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, Path):
        return str(value)
    raise TypeError(f"{type(value).__name__} cannot be written to {RUN_FILE}")


def _write_json(path: Path, content: dict) -> None:
    # A temporary name first, so a crash leaves the old file or the new one, never half of one.
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    try:
        tmp.write_text(json.dumps(content, indent=1, default=_json_default), encoding="utf-8")
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def _run_metrics(metrics: dict, history: list) -> dict:
    """Returns the metrics as stored: Evaluation.to_json()'s "accuracy" becomes "test_accuracy"."""
    out = dict(metrics or {})
    if "accuracy" in out and "test_accuracy" not in out:
        out["test_accuracy"] = out.pop("accuracy")
    best = best_val_accuracy(history)
    out["val_accuracy"] = best if best is not None else _number(out.get("val_accuracy"))
    return out


def parse_created(text: str) -> datetime:
    """Returns a run.json creation time in UTC, or raises ValueError when it is malformed or has no time zone."""
    try:
        created = datetime.fromisoformat(text)
    except ValueError as err:
        raise ValueError(f"{RUN_FILE} has a malformed creation time ({text!r:.40})") from err
    if created.tzinfo is None:
        raise ValueError(f"{RUN_FILE}'s creation time has no time zone")
    return created.astimezone(timezone.utc)


def _info_from_json(folder: Path, run: dict) -> RunInfo:
    """Returns the RunInfo of schema-checked run.json contents, or raises ValueError saying what is wrong."""
    if run["id"] != folder.name:
        raise ValueError(f"{RUN_FILE} names run {run['id']!r}, not its folder {folder.name}")
    return RunInfo(run["id"], run["name"], parse_created(run["created"]), run["data"], run["config"],
                   run["history"], run["metrics"], float(run["train_seconds"]), run["reason"], folder,
                   bool(run.get("partial", False)))


def new_run_json(classifier: Classifier, *, name: str | None, data: dict, history: list[dict], metrics: dict,
                 train_seconds: float, reason: str, preset: str | None = None) -> dict:
    """Returns the run.json contents of a new run (its id is filled in when saved); `preset`: the form's base."""
    created = datetime.now(timezone.utc)
    info = dict(classifier.info or {})
    config = {"train": info.get("train_config", {}), "features": info.get("feature_config", {})}
    if preset:
        config["preset"] = str(preset)
    if isinstance(info.get("chosen"), dict) and info["chosen"].get("why"):
        config["chosen"] = str(info["chosen"]["why"])[:1000]
    return {
        "format": FORMAT, "format_version": FORMAT_VERSION, "id": "", "name": clean_name(name, created),
        "created": created.isoformat(), "data": dict(data or {}),
        "config": config,
        "history": list(history or []), "metrics": _run_metrics(metrics, list(history or [])),
        "train_seconds": float(train_seconds), "reason": str(reason), "partial": reason == "stopped",
    }


class CannotWrite(OSError):
    """The runs folder refused a change (read-only, full disk); the message is one plain sentence."""


def refused(action: str, err: OSError) -> CannotWrite:
    """Returns the CannotWrite that says, in plain words, why the run could not be `action` (e.g. "renamed")."""
    if isinstance(err, CannotWrite):
        return err
    if isinstance(err, PermissionError) or err.errno == errno.EROFS:
        why = "the runs folder is read-only here"
    elif err.errno == errno.ENOSPC:
        why = "the disk is full"
    else:
        why = f"the runs folder cannot be changed ({err.strerror or err})"
    return CannotWrite(f"The run could not be {action}: {why}. Nothing was changed.")


class RunStore:
    """The saved runs under one root folder; every method takes a run id checked before any file is touched."""

    def __init__(self, root: str | os.PathLike | None = None):
        self.root = Path(root) if root is not None else runs_dir()
        self.skipped: list[tuple[str, str]] = []  # (folder name, why) of damaged runs seen by the last list()

    def problem(self) -> str | None:
        """Returns why runs cannot be saved or listed here (one sentence), or None when the folder is usable.

        Nothing is created: a store's folder is made by its first saved run, not by a look at the page.
        """
        existing = self.root
        while not existing.exists() and existing.parent != existing:
            existing = existing.parent  # the folder that would hold the new ones
        if not existing.is_dir():
            return f"The runs folder {self.root} cannot be used (a file stands where a folder should be)."
        if not os.access(existing, os.W_OK | os.X_OK):
            return f"The runs folder {self.root} is read-only, so new runs cannot be saved."
        return None

    def _folder(self, run_id: str) -> Path:
        return self.root / check_run_id(run_id)

    def save(self, classifier: Classifier, *, name: str | None, data: dict, history: list[dict], metrics: dict,
             train_seconds: float, reason: str, preset: str | None = None) -> RunInfo:
        """Returns the new run after writing the classifier and its description under a fresh id.

        `metrics` is Evaluation.to_json() of the test set (or the metrics of an earlier run.json). A run
        stopped by the user (reason "stopped") is marked partial.
        """
        run = new_run_json(classifier, name=name, data=data, history=history, metrics=metrics,
                           train_seconds=train_seconds, reason=reason, preset=preset)
        return self.add(classifier, run, keep_id=False)

    def add(self, classifier: Classifier, run: dict, keep_id: bool = True) -> RunInfo:
        """Returns the run after writing `classifier` with the description `run` (schema-checked run.json
        contents), under its own id when `keep_id` and the id is free here, else under a fresh one."""
        run = json.loads(json.dumps(run, default=_json_default))  # what will be on disk: numpy values become numbers
        created = parse_created(run["created"])
        schemas.check({**run, "id": "00000000-000000-000000"}, schemas.RUN, RUN_FILE)  # never write what list() refuses
        try:
            return self._write_new(classifier, run, created, keep_id)
        except OSError as err:
            raise refused("saved", err) from err

    def _write_new(self, classifier: Classifier, run: dict, created: datetime, keep_id: bool) -> RunInfo:
        self.root.mkdir(parents=True, exist_ok=True)
        ids = [run["id"]] if keep_id and RUN_ID.fullmatch(str(run.get("id"))) else []
        ids += [f"{created:%Y%m%d-%H%M%S}-{secrets.token_hex(3)}" for _ in range(20)]
        # Built in a hidden folder and renamed into place, so list() never sees half a run, and two
        # processes saving at once never write into the same folder.
        tmp = Path(tempfile.mkdtemp(prefix=".saving-", dir=self.root))
        try:
            modelfiles.save_model(classifier, tmp / MODEL_DIR)
            for run_id in ids:
                run["id"] = run_id
                _write_json(tmp / RUN_FILE, run)
                try:
                    os.rename(tmp, self.root / run_id)
                except FileExistsError:  # Windows; POSIX raises OSError(ENOTEMPTY) for a taken name
                    continue
                except OSError:
                    if (self.root / run_id).exists():
                        continue
                    raise
                break
            else:
                raise RuntimeError("could not find a free run id")
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        return self.get(run["id"])

    def copy_to(self, run_id: str, target: "RunStore") -> RunInfo:
        """Returns the copy of a run made in another store (same id when free there), written atomically."""
        info = self.get(run_id)
        run = json.loads((info.path / RUN_FILE).read_text(encoding="utf-8"))
        return target.add(modelfiles.load_model(info.model_dir), run)

    def _read(self, folder: Path) -> RunInfo:
        if not (folder / MODEL_DIR / modelfiles.PARAMS_FILE).is_file() \
                or not (folder / MODEL_DIR / modelfiles.META_FILE).is_file():
            raise ValueError("the model files are missing")
        try:
            with open(folder / RUN_FILE, "rb") as f:
                raw = f.read(schemas.MAX_RUN_JSON_BYTES + 1)  # never more than the limit, whatever the file
        except FileNotFoundError as err:
            raise ValueError(f"it has no {RUN_FILE}") from err
        except OSError as err:
            raise ValueError(f"{RUN_FILE} cannot be read ({err.strerror or err})") from err
        return _info_from_json(folder, schemas.load(raw, schemas.RUN, RUN_FILE))

    def list(self) -> list[RunInfo]:
        """Returns every readable run, newest first; damaged run folders are left out and noted in `skipped`."""
        runs, skipped = [], []
        if self.root.is_dir():
            for entry in sorted(self.root.iterdir()):
                # Hidden folders are saves in progress; other names were never runs.
                if not RUN_ID.fullmatch(entry.name) or not entry.is_dir() or entry.is_symlink():
                    continue
                try:
                    runs.append(self._read(entry))
                except ValueError as err:
                    skipped.append((entry.name, str(err)))
        self.skipped = skipped
        return sorted(runs, key=lambda r: (r.created, r.id), reverse=True)

    def get(self, run_id: str) -> RunInfo:
        """Returns the run with this id, or raises RunNotFound."""
        folder = self._folder(run_id)
        if not folder.is_dir() or folder.is_symlink():
            raise RunNotFound(f"there is no saved run {run_id}")
        try:
            return self._read(folder)
        except ValueError as err:
            raise RunNotFound(f"run {run_id} is damaged: {err}") from err

    def load_classifier(self, run_id: str) -> Classifier:
        """Returns the classifier of a run; raises RunNotFound, or BadModelFile if its model files are damaged."""
        return modelfiles.load_model(self.get(run_id).model_dir)

    def rename(self, run_id: str, new_name: str) -> RunInfo:
        """Returns the run after giving it `new_name` (cleaned like names given to save)."""
        info = self.get(run_id)
        run = json.loads((info.path / RUN_FILE).read_text(encoding="utf-8"))
        run["name"] = clean_name(new_name, info.created)
        try:
            _write_json(info.path / RUN_FILE, run)
        except OSError as err:
            raise refused("renamed", err) from err
        return self.get(run_id)

    def delete(self, run_id: str) -> None:
        """Removes a run and its files; raises RunNotFound if there is none."""
        folder = self._folder(run_id)
        if not folder.is_dir() or folder.is_symlink():
            raise RunNotFound(f"there is no saved run {run_id}")
        # Hidden first, so an interrupted removal never leaves a half run that list() would show.
        doomed = self.root / f".deleting-{run_id}-{secrets.token_hex(3)}"
        try:
            os.rename(folder, doomed)
        except OSError as err:
            raise refused("deleted", err) from err
        shutil.rmtree(doomed, ignore_errors=True)  # hidden already: what a refusal leaves is never listed
