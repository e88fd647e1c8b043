"""Bundles: a downloaded run loads back identical; hostile or damaged uploads are refused with a one-sentence reason."""

import io
import json
import stat
import struct
import warnings
import zipfile

import numpy as np
import pytest

from textclf.store import runs
from textclf.store.bundles import MEMBERS, AlreadySaved, BadBundle, NotABundle, bundle_bytes, import_bundle, read_bundle
from textclf.store.modelfiles import META_FILE, PARAMS_FILE, BadModelFile
from textclf.store.runs import RUN_FILE, RunStore

TEXTS = ["Apple banana, apple!", "the engine's brake", "puck puck goalie", "nothing known here"]


@pytest.fixture(autouse=True)
def no_user_folder(tmp_path, monkeypatch):
    """Points the default runs folder into tmp_path, so no test can write to the user's data folder."""
    monkeypatch.setenv(runs.RUNS_ENV, str(tmp_path / "default-runs"))


@pytest.fixture(scope="module")
def saved_run(tiny_classifier, tmp_path_factory):
    """Returns a RunInfo of the tiny classifier saved in a store of its own (copy it before damaging it)."""
    store = RunStore(tmp_path_factory.mktemp("runs"))
    history = tiny_classifier.info["history"]
    metrics = {"accuracy": 0.9, "macro_f1": 0.85, "confusion_matrix": [[1, 0, 0], [0, 1, 0], [0, 0, 1]],
               "class_names": list(tiny_classifier.class_names)}
    return store.save(tiny_classifier, name="shared run", data={"source": "tiny synthetic corpus"}, history=history,
                      metrics=metrics, train_seconds=2.5, reason="early_stopping")


@pytest.fixture(scope="module")
def bundle(saved_run):
    return bundle_bytes(saved_run.path)


@pytest.fixture(scope="module")
def parts(bundle):
    """Returns the bundle's members by name."""
    with zipfile.ZipFile(io.BytesIO(bundle)) as zf:
        return {name: zf.read(name) for name in zf.namelist()}


def _zip(members, compression=zipfile.ZIP_DEFLATED) -> bytes:
    """Returns a zip of (name or ZipInfo, bytes) pairs."""
    buffer = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # zipfile warns about duplicate names, which one test wants
        with zipfile.ZipFile(buffer, "w", compression) as zf:
            for name, data in members:
                zf.writestr(name, data)
    return buffer.getvalue()


def _refused(data, *fragments, max_bytes=None) -> str:
    with pytest.raises(BadBundle) as err:
        read_bundle(data) if max_bytes is None else read_bundle(data, max_bytes)
    message = str(err.value)
    assert message[0].isupper() and message.endswith(".") and "\n" not in message, message
    for fragment in fragments:
        assert fragment in message, message
    return message


def test_round_trip_of_a_run(tiny_classifier, saved_run, bundle):
    with zipfile.ZipFile(io.BytesIO(bundle)) as zf:
        assert sorted(zf.namelist()) == sorted(MEMBERS)
    classifier, run = read_bundle(bundle)
    np.testing.assert_array_equal(classifier.predict(TEXTS), tiny_classifier.predict(TEXTS))
    np.testing.assert_allclose(classifier.predict_proba(TEXTS), tiny_classifier.predict_proba(TEXTS), atol=1e-3)
    assert classifier.class_names == tiny_classifier.class_names
    assert run["id"] == saved_run.id and run["name"] == "shared run" and run["metrics"] == saved_run.metrics


def test_round_trip_of_a_model_folder(tiny_classifier, saved_run):
    data = bundle_bytes(saved_run.model_dir)
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        assert sorted(zf.namelist()) == [META_FILE, PARAMS_FILE]
    classifier, run = read_bundle(data)
    assert run is None
    np.testing.assert_array_equal(classifier.predict(TEXTS), tiny_classifier.predict(TEXTS))
    np.testing.assert_allclose(classifier.predict_proba(TEXTS), tiny_classifier.predict_proba(TEXTS), atol=1e-3)


def test_bundle_holds_nothing_else(saved_run, tmp_path):
    import shutil

    folder = shutil.copytree(saved_run.path, tmp_path / "run")
    (folder / "secret.txt").write_text("private")
    (folder / "model" / "notes.txt").write_text("private")
    (folder / "extra").mkdir()
    with zipfile.ZipFile(io.BytesIO(bundle_bytes(folder))) as zf:
        assert sorted(zf.namelist()) == sorted(MEMBERS)
    with pytest.raises(BadModelFile):
        bundle_bytes(tmp_path / "run" / "extra")


def _run_json(info) -> dict:
    return json.loads((info.path / RUN_FILE).read_text())


def test_download_upload_keeps_everything_in_run_json(tiny_classifier, saved_run, bundle, tmp_path):
    store = RunStore(tmp_path / "runs")
    imported = import_bundle(store, bundle)
    assert imported.path.parent == store.root
    assert _run_json(imported) == _run_json(saved_run)  # every field: id, name, date, data, config, metrics, ...
    assert imported.id == saved_run.id and imported.name == "shared run" and imported.created == saved_run.created
    assert imported.metrics == saved_run.metrics and imported.history == saved_run.history
    assert imported.test_accuracy == 0.9 and imported.val_accuracy == saved_run.val_accuracy
    assert imported.data == saved_run.data and imported.config == saved_run.config
    assert imported.reason == "early_stopping" and imported.train_seconds == 2.5 and not imported.partial
    loaded = store.load_classifier(imported.id)
    np.testing.assert_array_equal(loaded.predict(TEXTS), tiny_classifier.predict(TEXTS))
    # Downloaded again from its new home, it is the same bundle content.
    again = RunStore(tmp_path / "elsewhere")
    assert _run_json(import_bundle(again, bundle_bytes(imported.path))) == _run_json(saved_run)


def test_a_run_uploaded_into_its_own_store_is_recognised_not_copied(saved_run, bundle):
    store = RunStore(saved_run.path.parent)
    before = [r.id for r in store.list()]
    with pytest.raises(AlreadySaved) as caught:
        import_bundle(store, bundle)
    assert caught.value.run.id == saved_run.id and "already in your saved runs" in str(caught.value)
    assert [r.id for r in store.list()] == before


def test_uploading_twice_into_one_store_keeps_one_run(saved_run, bundle, tmp_path):
    store = RunStore(tmp_path / "runs")
    first = import_bundle(store, bundle)
    store.rename(first.id, "renamed since")  # still the same run
    with pytest.raises(AlreadySaved) as caught:
        import_bundle(store, bundle)
    assert caught.value.run.id == first.id
    # The same model under another id (a bundle downloaded from the copy) or without run.json is the same run too.
    with pytest.raises(AlreadySaved):
        import_bundle(store, bundle_bytes(first.path))
    with pytest.raises(AlreadySaved):
        import_bundle(store, bundle_bytes(saved_run.model_dir))
    assert [r.id for r in store.list()] == [first.id]


def test_a_different_model_under_a_taken_id_is_added_under_a_new_one(saved_run, parts, tmp_path):
    arrays = dict(np.load(io.BytesIO(parts[PARAMS_FILE])))
    key = next(k for k in arrays if k != "embed")
    arrays[key] = arrays[key] + np.ones_like(arrays[key])  # another model, the same run.json (id included)
    npz = io.BytesIO()
    np.savez_compressed(npz, **arrays)
    store = RunStore(saved_run.path.parent.parent / "taken")
    store.add(read_bundle(_zip(parts.items()))[0], json.loads(parts[RUN_FILE]))
    other = import_bundle(store, _zip([(PARAMS_FILE, npz.getvalue()), (META_FILE, parts[META_FILE]),
                                       (RUN_FILE, parts[RUN_FILE])]))
    assert other.id != saved_run.id and other.id[:15] == saved_run.id[:15]  # same date, new suffix
    assert {k: v for k, v in _run_json(other).items() if k != "id"} == \
        {k: v for k, v in _run_json(saved_run).items() if k != "id"}
    assert len(store.list()) == 2


def test_import_of_a_bare_model(saved_run, tmp_path):
    store = RunStore(tmp_path / "runs")
    imported = import_bundle(store, bundle_bytes(saved_run.model_dir), name="from a file")
    assert imported.reason == "imported" and imported.name == "from a file"
    assert imported.history == saved_run.history  # model.json keeps the history too
    unnamed = import_bundle(RunStore(tmp_path / "other"), bundle_bytes(saved_run.model_dir))
    assert unnamed.name.startswith("Run of ")


@pytest.mark.parametrize("change, says", [
    (lambda r: r.update(name="../../evil\x00", history="not a list"), "history"),
    (lambda r: r.update(metrics=[1]), "metrics"),
    (lambda r: r.update(train_seconds="NaN"), "train_seconds"),
    (lambda r: r.update(id="../../etc"), "id"),
    (lambda r: r["config"].update(train=[1, 2]), "config/train"),
    (lambda r: r["data"].update(categories=3), "data/categories"),
    (lambda r: r["history"][0].pop("epoch"), "'epoch' is a required property"),
    (lambda r: r["metrics"].update(macro_f1="0.9"), "metrics/macro_f1"),
    (lambda r: r.update(created="yesterday"), "malformed creation time"),
    (lambda r: r.update(created="2026-11-28T10:00:00"), "no time zone"),
    (lambda r: r.update(extra={"a": 1}), "extra"),
])
def test_import_with_hostile_run_json_is_refused(parts, tmp_path, change, says):
    run = json.loads(parts[RUN_FILE])
    change(run)
    data = _zip([(PARAMS_FILE, parts[PARAMS_FILE]), (META_FILE, parts[META_FILE]), (RUN_FILE, json.dumps(run))])
    store = RunStore(tmp_path / "runs")
    with pytest.raises(BadBundle, match=says):
        import_bundle(store, data)
    assert store.list() == [] and store.skipped == []
    _refused(data, "run.json")


def test_import_with_hostile_model_json_is_refused(parts, tmp_path):
    meta = json.loads(parts[META_FILE])
    for change in (lambda m: m.update(info="text"), lambda m: m["info"].update(train_config=[1]),
                   lambda m: m["info"]["data"].update(categories=5)):
        edited = json.loads(json.dumps(meta))
        change(edited)
        _refused(_zip([(PARAMS_FILE, parts[PARAMS_FILE]), (META_FILE, json.dumps(edited))]), "model.json", "info")
    nested = b'{"a":' * 200_000 + b"1" + b"}" * 200_000
    _refused(_zip([(PARAMS_FILE, parts[PARAMS_FILE]), (META_FILE, nested)]), "levels deep")


def test_refused_import_leaves_no_run(tmp_path):
    store = RunStore(tmp_path / "runs")
    with pytest.raises(BadBundle):
        import_bundle(store, b"not a zip at all")
    assert store.list() == [] and not store.root.exists()


@pytest.mark.parametrize("data", [np.random.default_rng(0).bytes(5000), b"", b"PK\x03\x04 truncated"])
def test_not_a_zip(data):
    _refused(data, "not a zip")


@pytest.mark.parametrize("members", [
    [("[Content_Types].xml", b"<Types/>"), ("_rels/.rels", b"<Relationships/>"), ("xl/workbook.xml", b"<workbook/>"),
     ("xl/worksheets/sheet1.xml", b"<worksheet/>")],  # what an .xlsx holds
    [("holiday/IMG_0001.jpg", np.random.default_rng(1).bytes(3000)), ("notes.txt", b"hello")],
    [("../../escape.py", b"import os")],
    [],
])
def test_a_zip_that_is_no_bundle_is_named_so_before_any_path_is_judged(members, tmp_path):
    store = RunStore(tmp_path / "runs")
    with pytest.raises(NotABundle) as caught:
        import_bundle(store, _zip(members))
    message = str(caught.value)
    assert message.startswith("This file is not a textclf run bundle (it has no run.json or model.json")
    assert "download a bundle from Saved runs" in message and "plain file names" not in message
    assert store.list() == []


def test_a_bundle_with_a_path_is_still_refused_for_it(parts):
    with pytest.raises(BadBundle, match="only plain file names") as caught:
        read_bundle(_zip([(META_FILE, parts[META_FILE]), ("../../escape.py", b"import os")]))
    assert not isinstance(caught.value, NotABundle)


def test_too_big(bundle):
    _refused(bundle, "over the limit of 1,000 bytes", max_bytes=1000)
    _refused(bundle + b"\0" * (3 * 2**20), "over the limit of 2.0 MB", max_bytes=2 * 2**20)


def test_extra_member(parts):
    _refused(_zip([*parts.items(), ("notes.txt", b"hello")]), "'notes.txt'", "only model.npz")
    _refused(_zip([*parts.items(), ("run.py", b"import os")]), "'run.py'")


@pytest.mark.parametrize("name", ["../model.npz", "/model.npz", "sub/model.json", "..", "model/", "C:model.npz",
                                  "..\\model.npz"])
def test_paths_are_refused(parts, name):
    _refused(_zip([*parts.items(), (zipfile.ZipInfo(name), b"x")]), "path")


def test_name_with_a_null_byte_is_refused(parts):
    # zipfile cuts names at a null byte when writing, so the byte is put in afterwards.
    data = _zip([*parts.items(), ("model.jsonX.txt", b"x")]).replace(b"model.jsonX.txt", b"model.json\0.txt")
    _refused(data, "path")


def test_symlink_is_refused(parts):
    link = zipfile.ZipInfo(RUN_FILE)
    link.external_attr = (stat.S_IFLNK | 0o777) << 16
    _refused(_zip([(PARAMS_FILE, parts[PARAMS_FILE]), (META_FILE, parts[META_FILE]), (link, b"/etc/passwd")]),
             "symbolic link")


def test_duplicate_member(parts):
    _refused(_zip([*parts.items(), (META_FILE, b"{}")]), "twice")


def test_zip_bomb_that_expands(parts):
    bomb = b" " * (20 * 2**20)  # 20 MB of spaces compress to about 20 KB
    data = _zip([(PARAMS_FILE, parts[PARAMS_FILE]), (META_FILE, parts[META_FILE]), (RUN_FILE, bomb)])
    assert len(data) < 2**20
    _refused(data, "expand to", "over the limit of 2.0 MB", max_bytes=2 * 2**20)


def test_zip_member_that_claims_a_huge_size(bundle):
    data = bytearray(bundle)
    central = data.index(b"PK\x01\x02")
    data[central + 24:central + 28] = struct.pack("<I", 0x7FFFFFFF)  # uncompressed size in the central directory
    _refused(bytes(data), "expand to", "over the limit of 200.0 MB")


def test_npz_that_expands_past_the_limit(parts):
    inner = io.BytesIO()
    np.savez_compressed(inner, embed=np.zeros(2**20, np.float32))  # 4 MB that compress to a few KB
    data = _zip([(PARAMS_FILE, inner.getvalue()), (META_FILE, parts[META_FILE])])
    _refused(data, PARAMS_FILE, "expand to", max_bytes=2**20)


def test_npz_array_header_larger_than_its_data(parts):
    npy = io.BytesIO()
    np.lib.format.write_array_header_1_0(npy, {"descr": "<f4", "fortran_order": False, "shape": (10**12,)})
    npy.write(b"\0" * 64)
    data = _zip([(PARAMS_FILE, _zip([("embed.npy", npy.getvalue())])), (META_FILE, parts[META_FILE])])
    _refused(data, "larger than the data")


@pytest.mark.parametrize("missing", [META_FILE, PARAMS_FILE])
def test_missing_model_file(parts, missing):
    _refused(_zip([(n, d) for n, d in parts.items() if n != missing]), f"no {missing}")


def test_damaged_member(parts):
    data = bytearray(_zip(parts.items(), zipfile.ZIP_STORED))
    at = data.index(parts[META_FILE][:40]) + 20
    data[at] ^= 0xFF  # the CRC no longer matches
    _refused(bytes(data), META_FILE, "damaged")


def test_npz_that_is_not_an_npz(parts):
    _refused(_zip([(PARAMS_FILE, np.random.default_rng(1).bytes(3000)), (META_FILE, parts[META_FILE])]),
             PARAMS_FILE, "damaged")


def test_pickled_object_array_is_refused_unopened(parts):
    class Boom:
        def __reduce__(self):
            return (pytest.fail, ("the bundle was unpickled",))

    arrays = dict(np.load(io.BytesIO(parts[PARAMS_FILE])))
    arrays["embed"] = np.array([Boom()], dtype=object)
    npz = io.BytesIO()
    np.savez(npz, **arrays)
    _refused(_zip([(PARAMS_FILE, npz.getvalue()), (META_FILE, parts[META_FILE])]), "pickled")


@pytest.mark.parametrize("change, says", [
    (lambda m: m["spec"].update(vocab_size=m["spec"]["vocab_size"] + 1), "vocabulary"),
    (lambda m: m["spec"].update(hidden=[32]), "embed"),
    (lambda m: m["spec"].update(hidden=[16, 8]), "expected"),
    (lambda m: m["spec"].update(n_classes=2), "class names"),
    (lambda m: m.update(format="something-else"), "not a textclf model"),
])
def test_edited_model_json(parts, change, says):
    meta = json.loads(parts[META_FILE])
    change(meta)
    message = _refused(_zip([(PARAMS_FILE, parts[PARAMS_FILE]), (META_FILE, json.dumps(meta))]), says)
    assert message.startswith("The bundle's model is refused: ")


@pytest.mark.parametrize("text, says", [("{broken", "not valid JSON"), ("[1, 2]", "does not describe"),
                                        ("[" * 100_000, "levels deep"), ("\udcff", "not valid JSON")])
def test_bad_run_json(parts, text, says):
    raw = text.encode("utf-8", "surrogateescape")
    _refused(_zip([(PARAMS_FILE, parts[PARAMS_FILE]), (META_FILE, parts[META_FILE]), (RUN_FILE, raw)]), says)
