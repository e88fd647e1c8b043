"""Where the texts come from: 20 Newsgroups (cache, local archive or download) as a generic Corpus."""

from __future__ import annotations

import codecs
import os
import pickle
import shutil
import tarfile
import tempfile
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator, Sequence

try:
    import fcntl
except ImportError:  # Windows: one server process, the thread lock alone
    fcntl = None

import numpy as np


from textclf.data import newsgroups_cache
from textclf.data.corpus import BadDataChoice, Corpus

NEWSGROUPS: tuple[str, ...] = (
    "alt.atheism", "comp.graphics", "comp.os.ms-windows.misc", "comp.sys.ibm.pc.hardware",
    "comp.sys.mac.hardware", "comp.windows.x", "misc.forsale", "rec.autos", "rec.motorcycles",
    "rec.sport.baseball", "rec.sport.hockey", "sci.crypt", "sci.electronics", "sci.med", "sci.space",
    "soc.religion.christian", "talk.politics.guns", "talk.politics.mideast", "talk.politics.misc",
    "talk.religion.misc",
)
TUTORIAL_CATEGORIES: tuple[str, ...] = (
    "comp.graphics", "rec.autos", "rec.sport.hockey", "talk.religion.misc",
)
ARCHIVE_ENV = "TEXTCLF_20NEWS_ARCHIVE"
REMOVE_PARTS: tuple[str, ...] = ("headers", "footers", "quotes")
# Sessions of one server process building the cache wait for each other here; processes, on the lock file.
_CACHE_BUILD = threading.Lock()


class DataUnavailable(RuntimeError):
    """The 20 Newsgroups data is neither cached, nor given as an archive, nor downloadable."""



HEADER_EXAMPLE = ("From", "Subject", "Organization", "Lines")


def header_example(texts: Sequence[str], names: Sequence[str] = HEADER_EXAMPLE, limit: int = 200) -> list[str]:
    """Returns the header lines `names` of the first of `texts` (up to `limit`) that has them all, else []."""
    for text in texts[:limit]:
        head = text.split("\n\n", 1)[0].splitlines()
        found = {}
        for line in head:
            name, sep, _ = line.partition(":")
            if sep and name in names and name not in found:
                found[name] = line.strip()
        if len(found) == len(names):
            return [found[name] for name in names]
    return []


def check_categories(categories: Sequence[str]) -> tuple[str, ...]:
    """Returns the categories de-duplicated and sorted, or raises BadDataChoice.

    Sorted so that the same set, in whatever order it was picked, gives the same labels, run and tables.
    """
    chosen = tuple(sorted(dict.fromkeys(c.strip() for c in categories if c.strip())))
    unknown = [c for c in chosen if c not in NEWSGROUPS]
    if unknown:
        raise BadDataChoice(
            f"unknown categor{'y' if len(unknown) == 1 else 'ies'}: {', '.join(unknown)} "
            f"(choose from {', '.join(NEWSGROUPS)})"
        )
    if len(chosen) < 2:
        raise BadDataChoice("choose at least two categories: a classifier needs two classes to tell apart")
    return chosen


def _sklearn_cache_path(data_home: str | None) -> Path:
    from sklearn.datasets import get_data_home
    from sklearn.datasets._base import _pkl_filepath
    from sklearn.datasets._twenty_newsgroups import CACHE_NAME

    return Path(_pkl_filepath(get_data_home(data_home), CACHE_NAME))


@contextmanager
def _cache_lock(cache_path: Path) -> Iterator[None]:
    """Holds the lock on building `cache_path`, across threads and server processes."""
    with _CACHE_BUILD, open(cache_path.with_name(cache_path.name + ".lock"), "a+b") as handle:
        if fcntl is not None:
            fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            if fcntl is not None:
                fcntl.flock(handle, fcntl.LOCK_UN)


def build_cache_from_archive(archive: str | os.PathLike, data_home: str | None = None,
                             if_missing: bool = False) -> Path:
    """Returns the path of scikit-learn's 20news cache, written from a local bydate archive.

    Writes the same zlib-compressed pickle scikit-learn writes after its own download, so
    ``fetch_20newsgroups`` loads it later without the network. Thirty sessions asking at once build it
    once: the build holds a lock, and with `if_missing` a cache built meanwhile by another is kept.
    """
    from sklearn.datasets import load_files

    archive = Path(archive)
    if not archive.is_file():
        raise DataUnavailable(f"the 20 Newsgroups archive {archive} does not exist")
    cache_path = _sklearn_cache_path(data_home)
    cache_path.parent.mkdir(parents=True, exist_ok=True)
    with _cache_lock(cache_path):
        if if_missing and cache_path.is_file():
            return cache_path
        with tempfile.TemporaryDirectory(dir=cache_path.parent) as tmp:
            try:
                with tarfile.open(archive, "r:gz") as tar:
                    tar.extractall(tmp, filter="data")
            except (tarfile.TarError, OSError, EOFError) as err:
                raise DataUnavailable(f"{archive} is not a readable 20news-bydate.tar.gz ({err})") from err
            folders = {p.name: p for p in Path(tmp).rglob("20news-bydate-*") if p.is_dir()}
            if not {"20news-bydate-train", "20news-bydate-test"} <= folders.keys():
                raise DataUnavailable(f"{archive} does not hold 20news-bydate-train/ and 20news-bydate-test/")
            cache = {
                "train": load_files(str(folders["20news-bydate-train"]), encoding="latin1"),
                "test": load_files(str(folders["20news-bydate-test"]), encoding="latin1"),
            }
            with tempfile.NamedTemporaryFile(dir=cache_path.parent, prefix=cache_path.name + ".",
                                             suffix=".partial", delete=False) as partial:
                try:
                    partial.write(codecs.encode(pickle.dumps(cache), "zlib_codec"))
                except BaseException:
                    Path(partial.name).unlink(missing_ok=True)
                    raise
            os.replace(partial.name, cache_path)  # atomic: a concurrent reader never sees half a file
    return cache_path


def _fetch(subset: str, categories: Sequence[str], remove: tuple[str, ...], data_home: str | None,
           download: bool):
    from sklearn.datasets import fetch_20newsgroups

    return fetch_20newsgroups(
        subset=subset, categories=list(categories), remove=remove, data_home=data_home,
        download_if_missing=download, shuffle=True, random_state=newsgroups_cache.SHUFFLE_SEED,
    )


def ensure_newsgroups(archive: str | os.PathLike | None = None, data_home: str | None = None,
                      allow_download: bool = True) -> str:
    """Returns where the data came from ("cache", "archive" or "download"), making it loadable.

    Order: scikit-learn's cache; a local archive (argument, then $TEXTCLF_20NEWS_ARCHIVE);
    scikit-learn's own download.
    """
    if _sklearn_cache_path(data_home).is_file():
        return "cache"
    archive = archive or os.environ.get(ARCHIVE_ENV)
    if archive:
        build_cache_from_archive(archive, data_home, if_missing=True)
        return "archive"
    if allow_download:
        try:
            _fetch("train", TUTORIAL_CATEGORIES, (), data_home, download=True)
            return "download"
        except OSError as err:  # URLError and socket errors are OSErrors
            raise DataUnavailable(_offline_message(str(err))) from err
    raise DataUnavailable(_offline_message("downloading is switched off"))


def _offline_message(reason: str) -> str:
    return (
        f"The 20 Newsgroups data is not on this machine and could not be downloaded ({reason}). "
        f"Either connect to the internet once (scikit-learn downloads and caches it, 14 MB), or give a "
        f"local copy of 20news-bydate.tar.gz with --archive PATH or the {ARCHIVE_ENV} environment variable."
    )


def preload_newsgroups(data_home: str | None = None) -> bool:
    """Reads the 20news cache into memory when it is there (a server does so at start: its first visitors then
    do not wait for it); returns False when there is none yet or it cannot be read (loading will say why)."""
    try:
        newsgroups_cache.read(_sklearn_cache_path(data_home))
    except OSError:
        return False
    return True


def load_newsgroups(categories: Sequence[str] = TUTORIAL_CATEGORIES, remove_metadata: bool = False,
                    archive: str | os.PathLike | None = None, data_home: str | None = None,
                    allow_download: bool = True) -> Corpus:
    """Returns the bydate train/test split of the chosen newsgroups, labels in alphabetical order."""
    chosen = check_categories(categories)
    source = ensure_newsgroups(archive, data_home, allow_download)
    remove = REMOVE_PARTS if remove_metadata else ()
    parts = {}
    for subset in ("train", "test"):
        try:
            texts, labels, names = newsgroups_cache.select(
                newsgroups_cache.read(_sklearn_cache_path(data_home)), subset, chosen, remove)
        except OSError as err:  # the cache file is missing or damaged
            archive = archive or os.environ.get(ARCHIVE_ENV)
            if not archive:
                raise DataUnavailable(
                    f"The cached copy of 20 Newsgroups ({_sklearn_cache_path(data_home)}) is damaged. Delete it "
                    f"and start again with internet, or give the archive with --archive PATH or "
                    f"{ARCHIVE_ENV}.") from err
            build_cache_from_archive(archive, data_home)  # rebuild once from the archive, then read it
            source = "archive"
            texts, labels, names = newsgroups_cache.select(
                newsgroups_cache.read(_sklearn_cache_path(data_home)), subset, chosen, remove)
        # scikit-learn numbers the categories alphabetically too; the renumbering guards that agreement.
        to_ours = np.array([chosen.index(name) for name in names])
        parts[subset] = (texts, to_ours[labels].astype(np.int32))
    return Corpus(
        train_texts=parts["train"][0], train_labels=parts["train"][1],
        test_texts=parts["test"][0], test_labels=parts["test"][1], class_names=chosen,
        description={"source": "20newsgroups", "categories": list(chosen),
                     "remove_metadata": remove_metadata, "loaded_from": source},
    )


def clear_cache(data_home: str | None = None) -> None:
    """Removes scikit-learn's 20news cache (used by tests of the archive path)."""
    path = _sklearn_cache_path(data_home)
    path.unlink(missing_ok=True)
    shutil.rmtree(path.parent / "20news_home", ignore_errors=True)
