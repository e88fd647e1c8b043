"""Model folders: parameters in model.npz (no pickles), everything else in model.json."""

from __future__ import annotations

import io
import json
import math
import os
import tempfile
import zipfile
from pathlib import Path

import jax
import numpy as np

from textclf.store import schemas
from textclf.learn.classifier import Classifier
from textclf.data.features import Featurizer
from textclf.learn.model import ModelSpec, init_params

FORMAT = "textclf-model"
FORMAT_VERSION = 1
PARAMS_FILE = "model.npz"
META_FILE = "model.json"
EMBED = "embed"  # the first-layer matrix [vocab, embed_width]
F16_MAX = float(np.finfo(np.float16).max)
MAX_MODEL_BYTES = 2 * 2**30  # far above any model this app trains; stops files that would fill the memory


class BadModelFile(ValueError):
    """A model folder or bundle that is missing, damaged, foreign or inconsistent; the message says why."""


def _key(path: tuple) -> str:
    return "/".join(str(getattr(k, "key", k)) for k in path)


def _flatten(params: dict) -> dict[str, np.ndarray]:
    return {_key(path): np.asarray(leaf) for path, leaf in jax.tree_util.tree_flatten_with_path(params)[0]}


def save_model(classifier: Classifier, folder: str | os.PathLike) -> Path:
    """Returns the folder after writing `classifier` into it (created if needed)."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    arrays = _flatten(classifier.params)
    # float16 halves the largest array; its rounding changes no test prediction (docs/performance.md, "Bundle size").
    arrays[EMBED] = np.clip(arrays[EMBED], -F16_MAX, F16_MAX).astype(np.float16)
    if classifier.featurizer.idf is not None:
        arrays["featurizer/idf"] = classifier.featurizer.idf
    meta = {
        "format": FORMAT, "format_version": FORMAT_VERSION,
        "spec": {"vocab_size": classifier.spec.vocab_size, "hidden": list(classifier.spec.hidden),
                 "n_classes": classifier.spec.n_classes, "dropout": classifier.spec.dropout,
                 # Written only when set, so a plain network's file stays readable by versions before mixtures.
                 **({"mixture": True} if classifier.spec.mixture else {}),
                 **({"wide": True} if classifier.spec.wide else {})},
        "class_names": list(classifier.class_names),
        "featurizer": classifier.featurizer.to_json(),
        "info": classifier.info,
    }
    # Write to temporary names first so a crash never leaves half a model under the real names.
    with tempfile.NamedTemporaryFile(dir=folder, suffix=".npz", delete=False) as tmp:
        np.savez_compressed(tmp, **arrays)
    os.replace(tmp.name, folder / PARAMS_FILE)
    (folder / (META_FILE + ".tmp")).write_text(json.dumps(meta, separators=(",", ":")), encoding="utf-8")
    os.replace(folder / (META_FILE + ".tmp"), folder / META_FILE)
    return folder


def _read_meta(raw: bytes) -> dict:
    try:
        meta = schemas.parse(raw, META_FILE, schemas.MAX_MODEL_JSON_BYTES)
    except schemas.BadJson as err:
        raise BadModelFile(str(err)) from err
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        raise BadModelFile(f"{META_FILE} is not a textclf model description")
    if meta.get("format_version") != FORMAT_VERSION:
        raise BadModelFile(f"model format version {meta.get('format_version')!r:.20} is not supported "
                           f"(this textclf reads version {FORMAT_VERSION})")
    try:
        schemas.check(meta, schemas.MODEL, META_FILE)
    except schemas.BadJson as err:
        raise BadModelFile(str(err)) from err
    return meta


def check_npz(raw: bytes, max_bytes: int = MAX_MODEL_BYTES) -> None:
    """Refuses an npz whose arrays would expand past the limit or hold objects, before numpy allocates them."""
    try:
        npz = zipfile.ZipFile(io.BytesIO(raw))
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        return  # not a zip: modelfiles reports it as damaged, without unpickling
    with npz:
        infos = npz.infolist()
        expanded = sum(info.file_size for info in infos)
        if expanded > max_bytes:
            raise BadModelFile(f"{PARAMS_FILE} would expand to {expanded / 2**20:.1f} MB, "
                               f"over the limit of {max_bytes / 2**20:.0f} MB.")
        for info in infos:
            try:
                with npz.open(info) as f:
                    version = np.lib.format.read_magic(f)
                    if version == (1, 0):
                        shape, _, dtype = np.lib.format.read_array_header_1_0(f)
                    elif version == (2, 0):
                        shape, _, dtype = np.lib.format.read_array_header_2_0(f)
                    else:
                        raise ValueError(f"array format version {version} is not supported")
            except Exception as err:  # noqa: BLE001 - a header numpy cannot parse is damage, whatever the error
                raise BadModelFile(f"{PARAMS_FILE} is damaged ({info.orig_filename!r}: {err}).") from err
            if dtype.hasobject:
                raise BadModelFile(f"{PARAMS_FILE} holds pickled objects, which are refused.")
            if any(n < 0 for n in shape) or math.prod(shape) * dtype.itemsize > info.file_size:
                raise BadModelFile(f"{PARAMS_FILE} declares an array larger than the data it holds.")


def _read_arrays(source) -> dict[str, np.ndarray]:
    try:
        npz = np.load(source, allow_pickle=False)  # never unpickle: a model file is data
    except (ValueError, OSError, EOFError, zipfile.BadZipFile) as err:
        raise BadModelFile(f"{PARAMS_FILE} is damaged or not an npz file ({err})") from err
    if not isinstance(npz, np.lib.npyio.NpzFile):
        raise BadModelFile(f"{PARAMS_FILE} is a single array, not an npz archive of parameters")
    with npz:
        try:
            return {k: npz[k] for k in npz.files}
        except ValueError as err:
            raise BadModelFile(f"{PARAMS_FILE} holds pickled objects, which are refused ({err})") from err
        except (OSError, EOFError, zipfile.BadZipFile) as err:
            raise BadModelFile(f"{PARAMS_FILE} is damaged ({err})") from err


def classifier_from_parts(meta: dict, arrays: dict[str, np.ndarray]) -> Classifier:
    """Returns the classifier described by model.json contents and model.npz arrays, checking every shape."""
    try:
        s = meta["spec"]
        spec = ModelSpec(int(s["vocab_size"]), tuple(int(h) for h in s["hidden"]), int(s["n_classes"]),
                         float(s["dropout"]), bool(s.get("mixture", False)), bool(s.get("wide", False)))
        class_names = tuple(str(c) for c in meta["class_names"])
        idf = arrays.pop("featurizer/idf", None)
        featurizer = Featurizer.from_json(meta["featurizer"], idf)
    except (KeyError, TypeError, ValueError) as err:
        raise BadModelFile(f"{META_FILE} is incomplete or inconsistent ({err!r})") from err
    if not spec.hidden or any(not 1 <= h <= 65536 for h in spec.hidden) or spec.vocab_size < 1 \
            or spec.n_classes < 2 or not 0 <= spec.dropout < 1:
        raise BadModelFile(f"{META_FILE} describes an impossible network ({spec})")
    if len(set(featurizer.vocabulary)) != featurizer.vocab_size:
        raise BadModelFile(f"{META_FILE} lists a word of the vocabulary twice")
    if len(class_names) != spec.n_classes or featurizer.vocab_size != spec.vocab_size:
        raise BadModelFile("the class names or the vocabulary do not match the network's size")
    if featurizer.config.scaling == "tfidf" and (idf is None or idf.shape != (spec.vocab_size,)):
        raise BadModelFile("the tf-idf weights are missing or have the wrong size")
    shapes = jax.eval_shape(lambda: init_params(jax.random.PRNGKey(0), spec))  # no memory allocated
    expected = {_key(path): leaf for path, leaf in jax.tree_util.tree_flatten_with_path(shapes)[0]}
    if set(expected) != set(arrays):
        raise BadModelFile(f"{PARAMS_FILE} has arrays {sorted(arrays)}, expected {sorted(expected)}")
    for key, want in expected.items():
        got = arrays[key]
        if key == EMBED and got.dtype == np.float16:  # stored at half precision, computed in float32
            got = arrays[key] = got.astype(np.float32)
        if got.shape != want.shape or got.dtype != want.dtype:
            raise BadModelFile(f"array {key} has shape {got.shape} {got.dtype}, expected {want.shape} {want.dtype}")
        if not np.all(np.isfinite(got)):
            raise BadModelFile(f"array {key} holds NaN or infinite values")
    params = jax.tree_util.tree_unflatten(jax.tree_util.tree_structure(shapes), [arrays[k] for k in expected])
    return Classifier(featurizer, spec, params, class_names, dict(meta.get("info") or {}))


def classifier_from_bytes(meta: bytes, params: bytes) -> Classifier:
    """Returns the classifier held in the contents of a model.json and a model.npz, or raises BadModelFile."""
    return classifier_from_parts(_read_meta(meta), _read_arrays(io.BytesIO(params)))


def load_model(folder: str | os.PathLike) -> Classifier:
    """Returns the classifier saved in `folder`, or raises BadModelFile saying what is wrong."""
    folder = Path(folder)
    if not folder.is_dir():
        raise BadModelFile(f"{folder} is not a folder")
    for name in (META_FILE, PARAMS_FILE):
        if not (folder / name).is_file():
            raise BadModelFile(f"{folder} has no {name}: it is not a saved textclf model")
    with open(folder / META_FILE, "rb") as f:
        meta = _read_meta(f.read(schemas.MAX_MODEL_JSON_BYTES + 1))
    if (folder / PARAMS_FILE).stat().st_size > MAX_MODEL_BYTES:
        raise BadModelFile(f"{PARAMS_FILE} is larger than {MAX_MODEL_BYTES / 2**30:.0f} GB")
    raw = (folder / PARAMS_FILE).read_bytes()
    check_npz(raw)
    return classifier_from_parts(meta, _read_arrays(io.BytesIO(raw)))
