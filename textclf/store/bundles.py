"""Model bundles: a .zip of model.npz, model.json and run.json to download, and the checks an upload must pass."""

from __future__ import annotations

import io
import json
import os
import stat
import zipfile
from pathlib import Path

from textclf.store import modelfiles
from textclf.store import schemas
from textclf.learn.classifier import Classifier
from textclf.store.modelfiles import META_FILE, PARAMS_FILE, BadModelFile, classifier_from_bytes
from textclf.store.runs import MODEL_DIR, RUN_FILE, RunInfo, RunStore, new_run_json, parse_created

MEMBERS = (PARAMS_FILE, META_FILE, RUN_FILE)
MAX_BUNDLE_BYTES = 200 * 2**20


class BadBundle(ValueError):
    """An uploaded bundle that is refused; the message says why in one sentence."""


class NotABundle(BadBundle):
    """An upload that is not a textclf bundle at all (another kind of file, or a zip of other things)."""


class AlreadySaved(BadBundle):
    """A bundle whose run is already in the store; `run` is that saved run."""

    def __init__(self, run: RunInfo):
        super().__init__(f"This run is already in your saved runs as \"{run.name}\" ({run.created:%d %b %H:%M}), "
                         "so it was not added again.")
        self.run = run


def _size(n: int) -> str:
    return f"{n / 2**20:,.1f} MB" if n >= 2**20 else f"{n:,} bytes"


def _shown(name: str) -> str:
    text = repr(name)
    return text if len(text) <= 60 else text[:57] + "..."


def bundle_bytes(folder: str | os.PathLike) -> bytes:
    """Returns a .zip of a run folder's (or a model folder's) model.npz, model.json and run.json, nothing else."""
    folder = Path(folder)
    model = folder / MODEL_DIR if (folder / MODEL_DIR).is_dir() else folder
    for name in (META_FILE, PARAMS_FILE):
        if not (model / name).is_file():
            raise BadModelFile(f"{folder} holds no saved textclf model ({name} is missing)")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.write(model / PARAMS_FILE, PARAMS_FILE)
        zf.write(model / META_FILE, META_FILE)
        if (folder / RUN_FILE).is_file():
            zf.write(folder / RUN_FILE, RUN_FILE)
    return buffer.getvalue()


def _check_members(infos: list[zipfile.ZipInfo], max_bytes: int) -> dict[str, zipfile.ZipInfo]:
    """Returns the members by name after refusing paths, links, strangers, duplicates and oversized contents."""
    names = [info.orig_filename for info in infos]
    if not set(names) & set(MEMBERS):
        # Another kind of file in a zip (an .xlsx, a folder of photos): say what it is before judging its paths.
        others = len(names) - 1
        held = "nothing" if not names else _shown(names[0]) + (
            f" and {others:,} other file{'s' if others > 1 else ''}" if others else "")
        raise NotABundle(f"This file is not a textclf run bundle (it has no {RUN_FILE} or {META_FILE}; it holds "
                         f"{held}): download a bundle from Saved runs (tick a run, then Download bundle) and upload "
                         "that.")
    members: dict[str, zipfile.ZipInfo] = {}
    for info in infos:
        name = info.orig_filename
        if any(sep in name for sep in ("/", "\\", ":", "\x00")) or ".." in name or info.is_dir():
            raise BadBundle(f"The bundle holds the path {_shown(name)}, but only plain file names are allowed.")
        if stat.S_ISLNK(info.external_attr >> 16):
            raise BadBundle(f"The bundle holds {_shown(name)} as a symbolic link, which is refused.")
        if name not in MEMBERS:
            raise BadBundle(f"The bundle holds {_shown(name)}, but only {', '.join(MEMBERS)} may be in it.")
        if name in members:
            raise BadBundle(f"The bundle holds {name} twice.")
        if info.flag_bits & 0x1:
            raise BadBundle(f"The bundle's {name} is encrypted, which is not supported.")
        members[name] = info
    # Declared sizes bound what zipfile will ever decompress, so this is checked before reading anything.
    expanded = sum(info.file_size for info in members.values())
    if expanded > max_bytes:
        raise BadBundle(f"The bundle would expand to {_size(expanded)}, over the limit of {_size(max_bytes)}.")
    for name in (PARAMS_FILE, META_FILE):
        if name not in members:
            raise BadBundle(f"The bundle has no {name}, so it holds no textclf model.")
    return members


def _read_member(zf: zipfile.ZipFile, info: zipfile.ZipInfo) -> bytes:
    """Returns the contents of one member, read in memory and never more than its declared size."""
    try:
        with zf.open(info) as f:
            raw = f.read(info.file_size + 1)
    except Exception as err:  # noqa: BLE001 - decoders raise many kinds of errors; all mean a damaged member
        raise BadBundle(f"The bundle's {info.orig_filename} is damaged ({type(err).__name__}: {err}).") from err
    if len(raw) != info.file_size:
        raise BadBundle(f"The bundle's {info.orig_filename} is damaged (its size differs from the one declared).")
    return raw


def _read_contents(data: bytes, max_bytes: int) -> dict[str, bytes]:
    """Returns the bundle's members by name, read in memory after every check on the zip itself."""
    if len(data) > max_bytes:
        raise BadBundle(f"The file is {_size(len(data))}, over the limit of {_size(max_bytes)}.")
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as err:
        raise NotABundle("This file is not a zip archive, so it is not a textclf run bundle: download a bundle from "
                         "Saved runs (tick a run, then Download bundle) and upload that.") from err
    with zf:
        members = _check_members(zf.infolist(), max_bytes)
        return {name: _read_member(zf, info) for name, info in members.items()}


def _parse(contents: dict[str, bytes], max_bytes: int) -> tuple[Classifier, dict | None]:
    """Returns (classifier, run.json contents or None) of checked bundle members, or raises BadBundle."""
    try:
        modelfiles.check_npz(contents[PARAMS_FILE], max_bytes)
    except BadModelFile as err:
        raise BadBundle(f"The bundle's {err}") from err
    try:
        classifier = classifier_from_bytes(contents[META_FILE], contents[PARAMS_FILE])
    except BadModelFile as err:
        reason = str(err).rstrip(".")
        raise BadBundle(f"The bundle's model is refused: {reason}.") from err
    run = None
    if RUN_FILE in contents:
        try:
            run = schemas.load(contents[RUN_FILE], schemas.RUN, RUN_FILE)
            parse_created(run["created"])
        except ValueError as err:  # BadJson, or a malformed date
            raise BadBundle(f"The bundle's {str(err).rstrip('.')}.") from err
    return classifier, run


def read_bundle(data: bytes, max_bytes: int = MAX_BUNDLE_BYTES) -> tuple[Classifier, dict | None]:
    """Returns (classifier, run.json contents or None) from an uploaded bundle, or raises BadBundle saying why.

    Everything is read in memory and checked; nothing is extracted, unpickled or executed.
    """
    return _parse(_read_contents(data, max_bytes), max_bytes)


def _npz_members(zf: zipfile.ZipFile) -> dict[str, tuple[int, int]]:
    return {info.orig_filename: (info.CRC, info.file_size) for info in zf.infolist()}


def _same_model(folder: Path, meta: dict, params: bytes) -> bool:
    """Returns True when the model folder holds this very model: the same model.json and the same arrays."""
    try:
        with zipfile.ZipFile(io.BytesIO(params)) as new, zipfile.ZipFile(folder / PARAMS_FILE) as old:
            # The central directories' checksums rule out almost every other run without decompressing anything.
            if _npz_members(new) != _npz_members(old):
                return False
            if json.loads((folder / META_FILE).read_text(encoding="utf-8")) != meta:
                return False
            return all(new.read(name) == old.read(name) for name in new.namelist())
    except (OSError, ValueError, zipfile.BadZipFile, EOFError):  # a damaged saved run is no copy of anything
        return False


def find_copy(store: RunStore, contents: dict[str, bytes], run: dict | None) -> RunInfo | None:
    """Returns the run of `store` that a checked bundle already holds, or None: a run of the same model saved at
    the same moment (whatever its id or name now), or for a bare model, any run of the same model."""
    meta = json.loads(contents[META_FILE])
    created = parse_created(run["created"]) if run is not None else None
    # Retraining with the same seed and settings can give the very same weights: such a run, saved at another
    # moment, is another run, so the moment is compared first.
    candidates = [r for r in store.list() if created is None or r.created == created]
    for info in sorted(candidates, key=lambda r: run is None or r.id != run["id"]):  # its own id first
        if _same_model(info.model_dir, meta, contents[PARAMS_FILE]):
            return info
    return None


def import_bundle(store: RunStore, data: bytes, name: str | None = None) -> RunInfo:
    """Returns the run added to `store` from a bundle: everything in its run.json is kept (the id too, when
    free in `store`); a bare model gets a description from its model.json, named `name`.

    Raises BadBundle saying why an upload is refused: AlreadySaved when `store` already holds its model,
    NotABundle when it is another kind of file.
    """
    contents = _read_contents(data, MAX_BUNDLE_BYTES)
    classifier, run = _parse(contents, MAX_BUNDLE_BYTES)
    if store.root.is_dir() and (copy := find_copy(store, contents, run)) is not None:
        raise AlreadySaved(copy)
    if run is None:
        info = classifier.info
        run = new_run_json(classifier, name=name, data=info.get("data") or {}, history=info.get("history") or [],
                           metrics=info.get("test_metrics") or {}, train_seconds=0.0, reason="imported")
    return store.add(classifier, run)
