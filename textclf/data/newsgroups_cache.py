"""Chooses newsgroups from scikit-learn's 20news cache as `fetch_20newsgroups` does, reading the file once per process.

`fetch_20newsgroups` decompresses and unpickles the whole cache (all 20 groups, train and test) on every call:
2.5 s per data choice here, holding Python's lock. Eight students opening teacher links to eight pairs kept the
web server busy for 20 s. The parsed cache (about 60 MB) is kept, and a choice is a selection from it, giving
the same texts in the same order (tests compare with scikit-learn's function).
"""

from __future__ import annotations

import codecs
import pickle
import threading
from pathlib import Path
from typing import Sequence

import numpy as np

_LOCK = threading.Lock()
_PARSED: dict[tuple, dict] = {}  # (path, inode, mtime, size) -> the cache's {"train": Bunch, "test": Bunch}; one entry
SHUFFLE_SEED = 42  # what textclf has always passed to fetch_20newsgroups (random_state)


def read(path: Path) -> dict:
    """Returns the parsed cache file at `path`, read once per process and again only when the file changes.

    Raises OSError when the file is missing or damaged (as fetch_20newsgroups does), so callers can rebuild it.
    """
    stat = path.stat()
    key = (str(path), stat.st_ino, stat.st_mtime_ns, stat.st_size)
    with _LOCK:  # sessions arriving together wait for one reading instead of each doing their own
        if key not in _PARSED:
            try:
                parsed = pickle.loads(codecs.decode(path.read_bytes(), "zlib_codec"))
            except Exception as err:  # zlib, pickle or end-of-file errors: a damaged file
                raise OSError(f"cannot read the 20 Newsgroups cache {path}: {err}") from err
            _PARSED.clear()  # only the latest file: a rebuilt or another cache replaces it
            _PARSED[key] = parsed
        return _PARSED[key]


def select(cache: dict, subset: str, categories: Sequence[str], remove: Sequence[str]
           ) -> tuple[list[str], np.ndarray, list[str]]:
    """Returns (texts, labels numbered in alphabetical order of names, names) of `categories` in `subset`.

    The same as fetch_20newsgroups(subset, categories, remove, shuffle=True, random_state=42): it strips the
    parts before choosing the posts, which gives the same texts since each post is stripped on its own.
    """
    from sklearn.datasets._twenty_newsgroups import (strip_newsgroup_footer, strip_newsgroup_header,
                                                      strip_newsgroup_quoting)

    data = cache[subset]
    ids, names = zip(*sorted((data.target_names.index(name), name) for name in categories))
    mask = np.isin(data.target, ids)
    texts = np.array(data.data, dtype=object)[mask].tolist()
    labels = np.searchsorted(ids, data.target[mask])
    for part, strip in (("headers", strip_newsgroup_header), ("footers", strip_newsgroup_footer),
                        ("quotes", strip_newsgroup_quoting)):
        if part in remove:
            texts = [strip(text) for text in texts]
    order = np.arange(len(labels))
    np.random.RandomState(SHUFFLE_SEED).shuffle(order)
    return np.array(texts, dtype=object)[order].tolist(), labels[order], list(names)
