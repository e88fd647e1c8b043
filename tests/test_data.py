"""Category checks, label order, the bydate split sizes, and where the data comes from (never the network)."""

import shutil
import urllib.error

import numpy as np
import pytest

from textclf.data import ARCHIVE_ENV, TUTORIAL_CATEGORIES, BadDataChoice, DataUnavailable, build_cache_from_archive, check_categories, clear_cache, ensure_newsgroups, load_newsgroups
from textclf.data.newsgroups import _sklearn_cache_path


def test_check_categories_sorts_and_removes_duplicates():
    chosen = check_categories(["rec.autos", " comp.graphics ", "rec.autos", "", "sci.space"])
    assert chosen == ("comp.graphics", "rec.autos", "sci.space")
    assert check_categories(["sci.space", "comp.graphics", "rec.autos"]) == chosen


@pytest.mark.parametrize("categories, says", [
    (["rec.autos", "rec.cars"], "rec.cars"),
    (["comp.graphics", "not.a.group", "alt.nothing"], "alt.nothing"),
    (["rec.autos"], "at least two"),
    (["rec.autos", "rec.autos "], "at least two"),
    ([], "at least two"),
])
def test_check_categories_refuses(categories, says):
    with pytest.raises(BadDataChoice, match=says):
        check_categories(categories)


@pytest.fixture
def offline(monkeypatch):
    """Makes scikit-learn's download fail as it would offline; returns the list of attempted downloads."""
    attempts = []

    def no_network(remote, dirname=None, **kwargs):
        attempts.append(remote.url)
        raise urllib.error.URLError("no network in tests")

    monkeypatch.setattr("sklearn.datasets._twenty_newsgroups._fetch_remote", no_network)
    monkeypatch.delenv(ARCHIVE_ENV, raising=False)
    return attempts


def test_offline_without_cache_or_archive_says_how_to_fix(tmp_path, offline):
    with pytest.raises(DataUnavailable) as err:
        load_newsgroups(["rec.autos", "comp.graphics"], data_home=str(tmp_path))
    assert offline, "the download was not attempted"
    message = str(err.value)
    assert "--archive" in message and ARCHIVE_ENV in message
    with pytest.raises(DataUnavailable, match=ARCHIVE_ENV):
        ensure_newsgroups(data_home=str(tmp_path), allow_download=False)


def test_missing_or_unreadable_archive(tmp_path, offline, monkeypatch):
    with pytest.raises(DataUnavailable, match="does not exist"):
        build_cache_from_archive(tmp_path / "missing.tar.gz", str(tmp_path))
    junk = tmp_path / "junk.tar.gz"
    junk.write_bytes(b"not a tar file")
    with pytest.raises(DataUnavailable, match="not a readable"):
        build_cache_from_archive(junk, str(tmp_path))
    monkeypatch.setenv(ARCHIVE_ENV, str(tmp_path / "also-missing.tar.gz"))
    with pytest.raises(DataUnavailable):
        ensure_newsgroups(data_home=str(tmp_path))
    assert not offline and not _sklearn_cache_path(str(tmp_path)).exists()


def test_damaged_cache_is_data_unavailable(tmp_path, offline):
    cache = _sklearn_cache_path(str(tmp_path))
    cache.parent.mkdir(parents=True, exist_ok=True)
    cache.write_bytes(b"garbage")
    with pytest.raises(DataUnavailable, match=ARCHIVE_ENV):
        load_newsgroups(["rec.autos", "comp.graphics"], data_home=str(tmp_path), allow_download=False)
    assert not offline


def test_cache_built_from_archive_loads_offline(newsgroups_home, offline):
    """newsgroups_home holds the cache build_cache_from_archive wrote; it loads with no archive and no network.

    The tutorial's four categories give the bydate split's 2155 train / 1435 test posts.
    """
    assert _sklearn_cache_path(newsgroups_home).is_file()
    assert ensure_newsgroups(None, newsgroups_home, allow_download=False) == "cache"
    corpus = load_newsgroups(TUTORIAL_CATEGORIES, data_home=newsgroups_home, allow_download=False)
    assert (len(corpus.train_texts), len(corpus.test_texts)) == (2155, 1435)
    assert corpus.class_names == TUTORIAL_CATEGORIES
    assert corpus.class_counts()["rec.sport.hockey"] == (600, 399)
    assert corpus.description["loaded_from"] == "cache" and not offline


@pytest.fixture
def built(newsgroups_home, monkeypatch):
    """Makes build_cache_from_archive copy the session's cache (not extract again); returns the archives asked for."""
    archives = []

    def copy_session_cache(archive, data_home=None, if_missing=False):
        archives.append(str(archive))
        target = _sklearn_cache_path(data_home)
        shutil.copyfile(_sklearn_cache_path(newsgroups_home), target)
        return target

    monkeypatch.setattr("textclf.data.newsgroups.build_cache_from_archive", copy_session_cache)
    return archives


def test_archive_is_used_when_there_is_no_cache(archive_path, built, tmp_path, offline, monkeypatch):
    home = str(tmp_path)
    monkeypatch.setenv(ARCHIVE_ENV, str(archive_path))
    assert ensure_newsgroups("given.tar.gz", home, allow_download=False) == "archive"
    assert built == ["given.tar.gz"]  # the argument comes before the environment variable
    assert ensure_newsgroups(None, home, allow_download=False) == "cache" and len(built) == 1
    clear_cache(home)
    assert ensure_newsgroups(None, home, allow_download=False) == "archive"
    assert built == ["given.tar.gz", str(archive_path)]
    corpus = load_newsgroups(["rec.autos", "comp.graphics"], data_home=home, allow_download=False)
    assert corpus.description["loaded_from"] == "cache"
    clear_cache(home)
    monkeypatch.delenv(ARCHIVE_ENV)
    with pytest.raises(DataUnavailable):
        load_newsgroups(TUTORIAL_CATEGORIES, data_home=home, allow_download=False)
    assert not offline


def test_damaged_cache_is_rebuilt_from_the_archive(archive_path, built, tmp_path, offline):
    cache = _sklearn_cache_path(str(tmp_path))
    cache.parent.mkdir(parents=True, exist_ok=True)
    cache.write_bytes(b"garbage")
    corpus = load_newsgroups(["rec.autos", "comp.graphics"], archive=archive_path, data_home=str(tmp_path),
                             allow_download=False)
    assert built == [str(archive_path)] and not offline
    assert corpus.class_counts() == {"rec.autos": (594, 396), "comp.graphics": (584, 389)}


def test_labels_are_sorted_whatever_the_order_chosen(newsgroups_home):
    from sklearn.datasets import fetch_20newsgroups

    corpus = load_newsgroups(["rec.autos", "comp.graphics"], data_home=newsgroups_home, allow_download=False)
    assert corpus.class_names == ("comp.graphics", "rec.autos")
    assert corpus.class_counts() == {"rec.autos": (594, 396), "comp.graphics": (584, 389)}
    reference = fetch_20newsgroups(data_home=newsgroups_home, subset="test", categories=["rec.autos", "comp.graphics"],
                                   shuffle=True, random_state=42, download_if_missing=False)
    assert reference.data == corpus.test_texts
    names = np.array(corpus.class_names)[corpus.test_labels]
    np.testing.assert_array_equal(names, np.array(reference.target_names)[reference.target])
    # and the content agrees: posts labelled rec.autos talk about cars far more often
    mentions_car = np.array([" car" in t.lower() for t in corpus.test_texts])
    assert mentions_car[corpus.test_labels == 1].mean() > 3 * mentions_car[corpus.test_labels == 0].mean()


def test_remove_metadata_strips_headers(newsgroups_home):
    plain = load_newsgroups(["rec.autos", "comp.graphics"], data_home=newsgroups_home, allow_download=False)
    stripped = load_newsgroups(["rec.autos", "comp.graphics"], remove_metadata=True, data_home=newsgroups_home,
                               allow_download=False)
    assert sum("Subject:" in t for t in plain.train_texts) > 0.9 * len(plain.train_texts)
    assert sum("Subject:" in t for t in stripped.train_texts) < 0.05 * len(stripped.train_texts)
    np.testing.assert_array_equal(plain.train_labels, stripped.train_labels)


def test_the_same_categories_in_another_order_give_the_same_run(newsgroups_home):
    from textclf.learn.train import TrainConfig, run_to_end, train

    a = load_newsgroups(["sci.space", "rec.autos"], data_home=newsgroups_home, allow_download=False)
    b = load_newsgroups(["rec.autos", "sci.space"], data_home=newsgroups_home, allow_download=False)
    assert a.class_names == b.class_names == ("rec.autos", "sci.space")
    assert a.train_texts == b.train_texts
    np.testing.assert_array_equal(a.train_labels, b.train_labels)
    config = TrainConfig(hidden=(16,), epochs=1, optimizer="lazy_adam")
    runs = [run_to_end(train(c, config=config)) for c in (a, b)]
    assert runs[0].history == runs[1].history
    np.testing.assert_array_equal(runs[0].classifier.predict(a.test_texts), runs[1].classifier.predict(b.test_texts))
