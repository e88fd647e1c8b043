"""Model bundles: a .zip of model.npz, model.json and run.json to download, and the checks an upload must pass."""

from __future__ import annotations

import io
import os
import stat
import zipfile
from pathlib import Path

from textclf import modelfiles, schemas
from textclf.classifier import Classifier
from textclf.modelfiles import META_FILE, PARAMS_FILE, BadModelFile, classifier_from_bytes
from textclf.runs import MODEL_DIR, RUN_FILE, RunInfo, RunStore, new_run_json, parse_created

MEMBERS = (PARAMS_FILE, META_FILE, RUN_FILE)
MAX_BUNDLE_BYTES = 200 * 2**20


class BadBundle(ValueError):
    """An uploaded bundle that is refused; the message says why in one sentence."""


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


def read_bundle(data: bytes, max_bytes: int = MAX_BUNDLE_BYTES) -> tuple[Classifier, dict | None]:
    """Returns (classifier, run.json contents or None) from an uploaded bundle, or raises BadBundle saying why.

    Everything is read in memory and checked; nothing is extracted, unpickled or executed.
    """
    if len(data) > max_bytes:
        raise BadBundle(f"The file is {_size(len(data))}, over the limit of {_size(max_bytes)}.")
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as err:
        raise BadBundle("The file is not a zip archive, so it is not a textclf model bundle.") from err
    with zf:
        members = _check_members(zf.infolist(), max_bytes)
        contents = {name: _read_member(zf, info) for name, info in members.items()}
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


def import_bundle(store: RunStore, data: bytes, name: str | None = None) -> RunInfo:
    """Returns the run added to `store` from a bundle: everything in its run.json is kept (the id too, when
    free in `store`); a bare model gets a description from its model.json, named `name`.

    Raises BadBundle saying why an upload is refused.
    """
    classifier, run = read_bundle(data)
    if run is None:
        info = classifier.info
        run = new_run_json(classifier, name=name, data=info.get("data") or {}, history=info.get("history") or [],
                           metrics=info.get("test_metrics") or {}, train_seconds=0.0, reason="imported")
    return store.add(classifier, run)
