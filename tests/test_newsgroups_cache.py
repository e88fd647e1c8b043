"""Choosing newsgroups from the cache read once per process gives exactly what fetch_20newsgroups gives."""

import pickle

import numpy as np
import pytest
from sklearn.datasets import fetch_20newsgroups

from textclf.data import newsgroups_cache
from textclf.data import REMOVE_PARTS, build_cache_from_archive, load_newsgroups
from textclf.data.newsgroups import _sklearn_cache_path


@pytest.fixture
def count_readings(monkeypatch):
    """Returns a list that grows by one each time a cache file is unpickled; starts with nothing read."""
    monkeypatch.setattr(newsgroups_cache, "_PARSED", {})
    readings = []
    real_loads = pickle.loads

    def counting_loads(data):
        readings.append(len(data))
        return real_loads(data)

    monkeypatch.setattr(newsgroups_cache.pickle, "loads", counting_loads)
    return readings


@pytest.mark.parametrize("categories, remove", [
    (["sci.space", "rec.autos"], REMOVE_PARTS),
    (["talk.religion.misc", "comp.graphics", "rec.autos", "rec.sport.hockey"], ()),
    (["alt.atheism", "soc.religion.christian", "talk.religion.misc"], ("headers",)),
])
def test_a_selection_equals_scikit_learns_fetch(newsgroups_home, categories, remove):
    cache = newsgroups_cache.read(_sklearn_cache_path(newsgroups_home))
    for subset in ("train", "test"):
        texts, labels, names = newsgroups_cache.select(cache, subset, categories, remove)
        want = fetch_20newsgroups(subset=subset, categories=categories, remove=remove, data_home=newsgroups_home,
                                  download_if_missing=False, shuffle=True, random_state=42)
        assert names == want.target_names
        assert texts == want.data  # same posts, same order, same stripping
        np.testing.assert_array_equal(labels, want.target)


def test_many_data_choices_read_the_cache_file_once(newsgroups_home, count_readings):
    first = load_newsgroups(["sci.space", "rec.autos"], data_home=newsgroups_home)
    load_newsgroups(["sci.med", "sci.crypt"], True, data_home=newsgroups_home)
    again = load_newsgroups(["rec.autos", "sci.space"], data_home=newsgroups_home)
    assert len(count_readings) == 1
    assert again.train_texts == first.train_texts and again.class_names == ("rec.autos", "sci.space")


def test_a_rebuilt_cache_is_read_again(small_archive_home, count_readings):
    archive, home = small_archive_home
    assert load_newsgroups(["rec.autos", "sci.space"], data_home=home).train_texts[0].startswith("From")
    build_cache_from_archive(archive, home)  # a new file (new time and size would do; the content is the same)
    newsgroups_cache.read(_sklearn_cache_path(home))
    assert len(count_readings) == 2


def test_a_damaged_cache_is_an_os_error(tmp_path, count_readings):
    damaged = tmp_path / "20news-bydate_py3.pkz"
    damaged.write_bytes(b"not zlib at all")
    with pytest.raises(OSError, match="cannot read the 20 Newsgroups cache"):
        newsgroups_cache.read(damaged)
    with pytest.raises(OSError):
        newsgroups_cache.read(tmp_path / "missing.pkz")


@pytest.fixture
def small_archive_home(tmp_path):
    """Returns (a two-group archive, a data home with its cache built)."""
    import io
    import tarfile

    archive = tmp_path / "20news-bydate.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        for subset in ("train", "test"):
            for group in ("rec.autos", "sci.space"):
                data = f"From: someone\nSubject: {group}\n\nA post about {group}.\n".encode()
                info = tarfile.TarInfo(f"20news-bydate-{subset}/{group}/1")
                info.size = len(data)
                tar.addfile(info, io.BytesIO(data))
    home = str(tmp_path / "home")
    build_cache_from_archive(archive, home)
    return archive, home


def test_preloading_reads_the_cache_when_there_is_one(newsgroups_home, tmp_path, count_readings):
    from textclf.data import preload_newsgroups

    assert not preload_newsgroups(str(tmp_path / "empty home"))  # nothing to read: loading will say why
    assert preload_newsgroups(newsgroups_home) and len(count_readings) == 1
    load_newsgroups(["sci.space", "rec.autos"], data_home=newsgroups_home)
    assert len(count_readings) == 1
