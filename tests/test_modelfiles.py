"""Model folders: a saved model loads back identical; missing, damaged, pickled or inconsistent files are refused."""

import io
import json
import zipfile
import os
import shutil

import numpy as np
import pytest

from textclf.store.modelfiles import META_FILE, PARAMS_FILE, BadModelFile, load_model, save_model

TEXTS = ["Apple banana, apple!", "the engine's brake", "puck puck goalie", "nothing known here"]


@pytest.fixture(scope="module")
def saved(tiny_classifier, tmp_path_factory):
    """Returns a folder holding the saved tiny classifier (copy it before damaging it)."""
    return save_model(tiny_classifier, tmp_path_factory.mktemp("model") / "tiny")


@pytest.fixture
def model_copy(saved, tmp_path):
    return shutil.copytree(saved, tmp_path / "model")


def _edit_meta(folder, change):
    meta = json.loads((folder / META_FILE).read_text())
    change(meta)
    (folder / META_FILE).write_text(json.dumps(meta))


def test_round_trip_gives_the_same_predictions(tiny_classifier, saved):
    assert sorted(os.listdir(saved)) == [META_FILE, PARAMS_FILE]
    loaded = load_model(saved)
    np.testing.assert_array_equal(loaded.predict(TEXTS), tiny_classifier.predict(TEXTS))
    np.testing.assert_allclose(loaded.predict_proba(TEXTS), tiny_classifier.predict_proba(TEXTS), atol=1e-3)
    assert loaded.class_names == tiny_classifier.class_names
    assert loaded.spec == tiny_classifier.spec
    assert loaded.featurizer.vocabulary == tiny_classifier.featurizer.vocabulary
    assert loaded.info["history"] == tiny_classifier.info["history"]


def test_first_layer_is_stored_at_half_precision_and_compressed(tiny_classifier, saved):
    with zipfile.ZipFile(saved / PARAMS_FILE) as zf:
        assert {i.compress_type for i in zf.infolist()} == {zipfile.ZIP_DEFLATED}
    with np.load(saved / PARAMS_FILE) as npz:
        assert npz["embed"].dtype == np.float16 and npz["embed"].shape == tiny_classifier.params["embed"].shape
        assert all(npz[k].dtype == np.float32 for k in npz.files if k != "embed")
    loaded = load_model(saved)
    assert loaded.params["embed"].dtype == np.float32  # computed in float32 again
    np.testing.assert_allclose(loaded.params["embed"], tiny_classifier.params["embed"], rtol=1e-3, atol=1e-4)


def test_a_float32_model_of_earlier_versions_still_loads(tiny_classifier, model_copy):
    from textclf.store.modelfiles import _flatten

    np.savez(model_copy / PARAMS_FILE, **_flatten(tiny_classifier.params))  # uncompressed float32, as before
    loaded = load_model(model_copy)
    np.testing.assert_array_equal(loaded.predict_proba(TEXTS), tiny_classifier.predict_proba(TEXTS))


def test_weights_beyond_half_precision_are_clipped_not_infinite(tiny_classifier, tmp_path):
    import copy

    big = copy.copy(tiny_classifier)
    big.params = {**tiny_classifier.params, "embed": np.asarray(tiny_classifier.params["embed"]) * 0 + 1e6}
    loaded = load_model(save_model(big, tmp_path / "big"))
    assert np.isfinite(loaded.params["embed"]).all() and loaded.params["embed"].max() == 65504.0


def test_round_trip_with_tfidf_weights(tiny_corpus, tmp_path):
    from textclf.data.features import FeatureConfig
    from textclf.learn.train import TrainConfig, run_to_end, train

    clf = run_to_end(train(tiny_corpus, FeatureConfig(scaling="tfidf"), TrainConfig(hidden=(16,), epochs=1))).classifier
    loaded = load_model(save_model(clf, tmp_path / "tfidf"))
    np.testing.assert_array_equal(loaded.featurizer.idf, clf.featurizer.idf)
    np.testing.assert_array_equal(loaded.predict(TEXTS), clf.predict(TEXTS))
    np.testing.assert_allclose(loaded.predict_proba(TEXTS), clf.predict_proba(TEXTS), atol=1e-3)


def _refused(folder, *fragments):
    with pytest.raises(BadModelFile) as err:
        load_model(folder)
    message = str(err.value)
    for fragment in fragments:
        assert fragment in message
    return message


def test_missing_folder(tmp_path):
    _refused(tmp_path / "nowhere", "not a folder")


def test_folder_without_model_files(tmp_path):
    _refused(tmp_path, META_FILE)
    (tmp_path / META_FILE).write_text("{}")
    _refused(tmp_path, PARAMS_FILE)


@pytest.mark.parametrize("damage", ["random", "truncated", "empty"])
def test_damaged_npz(model_copy, damage):
    path = model_copy / PARAMS_FILE
    if damage == "random":
        path.write_bytes(np.random.default_rng(0).bytes(4096))
    elif damage == "truncated":
        path.write_bytes(path.read_bytes()[:300])
    else:
        path.write_bytes(b"")
    _refused(model_copy, PARAMS_FILE, "damaged")


def test_npy_instead_of_npz(model_copy):
    np.save(model_copy / PARAMS_FILE, np.zeros(3, np.float32))
    os.replace(model_copy / (PARAMS_FILE + ".npy"), model_copy / PARAMS_FILE)
    _refused(model_copy, PARAMS_FILE)


def test_pickled_object_array_is_refused_unopened(model_copy):
    class Boom:
        def __reduce__(self):
            return (pytest.fail, ("the model file was unpickled",))

    arrays = dict(np.load(model_copy / PARAMS_FILE))
    arrays["embed"] = np.array([Boom()], dtype=object)
    np.savez(model_copy / PARAMS_FILE, **arrays)
    _refused(model_copy, "pickled")


@pytest.mark.parametrize("change, says", [
    (lambda m: m["spec"].update(vocab_size=m["spec"]["vocab_size"] + 1), "vocabulary"),
    (lambda m: m["spec"].update(n_classes=2), "class names"),
    (lambda m: m["spec"].update(hidden=[32]), "embed"),
    (lambda m: m["spec"].update(hidden=[16, 8]), "expected"),
    (lambda m: (m["spec"].update(vocab_size=5), m["featurizer"].update(vocabulary=m["featurizer"]["vocabulary"][:5])),
     "embed"),
    (lambda m: m["featurizer"]["config"].update(scaling="tfidf"), "tf-idf"),
    (lambda m: m["featurizer"]["config"].update(scaling="bm25"), "scaling"),
    (lambda m: m.pop("spec"), "'spec' is a required property"),
    (lambda m: m.update(info="a string"), "info: 'a string' is not of type 'object'"),
    (lambda m: m["info"].update(train_config=[1, 2]), "info/train_config"),
    (lambda m: m["info"]["data"].update(categories=7), "info/data/categories"),
    (lambda m: m["info"]["history"][0].pop("epoch"), "'epoch' is a required property"),
    (lambda m: m["info"].update(test_metrics={"macro_f1": "high"}), "info/test_metrics/macro_f1"),
    (lambda m: m["featurizer"]["vocabulary"].__setitem__(0, 7), "vocabulary word that is not text"),
    (lambda m: m.update(format_version=99), "version"),
])
def test_json_inconsistent_with_arrays(model_copy, change, says):
    _edit_meta(model_copy, change)
    _refused(model_copy, says)


@pytest.mark.parametrize("nested", ['{"info": ' * 100_000 + "1" + "}" * 100_000, "[" * 1_000_000])
def test_deeply_nested_json_is_refused_before_parsing(model_copy, nested, monkeypatch):
    (model_copy / META_FILE).write_text(nested)
    monkeypatch.setattr(json, "loads", lambda *a, **k: pytest.fail("parsed although too deep"))
    _refused(model_copy, "levels deep")


def test_oversized_json_is_refused_unread(model_copy, monkeypatch):
    from textclf.store import schemas

    monkeypatch.setattr(schemas, "MAX_MODEL_JSON_BYTES", 1000)
    _refused(model_copy, "over its limit")


@pytest.mark.parametrize("hidden", [[], [-3], [0]])
def test_json_with_impossible_hidden_sizes(model_copy, hidden):
    _edit_meta(model_copy, lambda m: m["spec"].update(hidden=hidden))
    _refused(model_copy, META_FILE)


@pytest.mark.parametrize("text", ['{"name": "bert-base", "layers": 12}', "[1, 2, 3]", "not json at all", "\udcff"])
def test_foreign_json(model_copy, text):
    (model_copy / META_FILE).write_bytes(text.encode("utf-8", "surrogateescape"))
    _refused(model_copy, META_FILE)


def test_non_finite_weights_are_refused(model_copy):
    arrays = dict(np.load(model_copy / PARAMS_FILE))
    arrays["embed"][0, 0] = np.nan
    np.savez(model_copy / PARAMS_FILE, **arrays)
    _refused(model_copy, "NaN")


def test_array_header_claiming_more_than_its_data_is_refused_before_allocating(model_copy):
    header = io.BytesIO()
    np.lib.format.write_array_header_1_0(header, {"descr": "<f4", "fortran_order": False, "shape": (10**12,)})
    with zipfile.ZipFile(model_copy / PARAMS_FILE, "w") as npz:
        npz.writestr("embed.npy", header.getvalue() + b"\0" * 64)
    _refused(model_copy, "larger than the data it holds")
