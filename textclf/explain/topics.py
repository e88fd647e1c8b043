"""What each topic looks for: per class, the words whose removal most lowers that class's probability over
a set of posts (aggregated exact leave-one-word-out), and the words that look like artefacts, not topic.

A word's score for a class is the probability that removing it takes away from that class, averaged over the
posts that contain it. Words found in fewer than `min_posts` posts (10, fewer for small test sets) are left
out: one post's oddity is not what a topic looks for.
"""

from __future__ import annotations

import re
import time
from collections import Counter
from dataclasses import dataclass
from functools import partial
from typing import Sequence

import jax
import jax.numpy as jnp
import numpy as np
import scipy.sparse as sp

from textclf.learn.classifier import Classifier
from textclf.explain.forward import normalises, probs_dropping
from textclf.data.features import is_pair, keras_tokenize
from textclf.learn.model import ModelSpec, head

ENTRY_CHUNK = 16_384  # (post, word) pairs per jitted call
HEADER_WORDS = frozenset({"writes", "wrote", "article", "organization", "organisation", "lines", "subject",
                          "nntp", "posting", "host", "distribution", "reply", "newsgroups", "keywords",
                          "summary", "sender", "re"})
# candidates for e-mail addresses and host names: words joined by dots or an @
ADDRESS = re.compile(r"[\w+-]+(?:[.@][\w+-]+)+")
DOMAINS = frozenset("edu com org net gov mil uk ca de au nl se fi no dk ch fr it jp us".split())
FROM_LINE = re.compile(r"^From:(.*)$", re.MULTILINE)
REASONS = {"address": "part of an e-mail address or host name", "header": "a header word",
           "user": "a user name", "number": "a number"}
# The same reasons in a few words, for a table half a projector's width wide.
SHORT_REASONS = {REASONS["address"]: "e-mail or host", REASONS["header"]: "header word",
                 REASONS["user"]: "user name", REASONS["number"]: "number"}


@dataclass(frozen=True)
class TopicWords:
    """Per class the words that push posts towards it, and the suspicious ones."""

    classes: dict[str, list[tuple[str, float]]]  # class -> (word, mean push over posts with it), largest first
    posts: dict[str, int]  # word -> number of posts it appears in
    suspicious: list[tuple[str, str, str]]  # (word, class, reason)
    n_posts: int
    seconds: float

    def to_json(self) -> dict:
        """Returns the object of `words --json`."""
        return {"classes": {c: [[w, s] for w, s in rows] for c, rows in self.classes.items()},
                "posts": self.posts, "suspicious": [list(row) for row in self.suspicious],
                "n_posts": self.n_posts, "seconds": self.seconds,
                "method": "leave-one-word-out (exact), mean probability drop over the posts containing the word"}


def _unnormalised(classifier: Classifier, counts: sp.csr_matrix) -> sp.csr_matrix:
    x = sp.csr_matrix(counts, dtype=np.float32, copy=True)
    mode = classifier.featurizer.config.scaling
    if mode == "binary":
        x.data[:] = 1.0
    elif mode == "log":
        x.data = np.log1p(x.data)
    elif mode == "tfidf":
        x.data = (1.0 + np.log(x.data)) * classifier.featurizer.idf[x.indices]
    return x


def min_posts(n_posts: int) -> int:
    """Returns how many posts a word must appear in to be listed."""
    return max(2, min(10, n_posts // 50))


def push_per_word(classifier: Classifier, counts: sp.csr_matrix) -> tuple[np.ndarray, np.ndarray]:
    """Returns (sum over posts of p(class) - p(class without the word) [vocab, classes], posts per word [vocab])
    for word counts [n_posts, vocab]."""
    values = _unnormalised(classifier, counts)  # [n, vocab] CSR
    embed = np.asarray(classifier.params["embed"])  # [vocab, hidden0]
    u = np.asarray(values @ embed, dtype=np.float32)  # [n, hidden0]: each post's first layer before its bias
    sq = np.asarray(values.multiply(values).sum(axis=1), dtype=np.float32).ravel()  # [n]
    spec, normalise = classifier.spec, normalises(classifier)
    full = probs_dropping(classifier.params, spec, u, sq, np.zeros(len(u), np.float32),
                          np.zeros(len(u), np.int32), normalise)  # [n, classes]: removing nothing
    rows = np.repeat(np.arange(values.shape[0], dtype=np.int32), np.diff(values.indptr))
    cols, vals = values.indices.astype(np.int32), values.data.astype(np.float32)
    total = jnp.zeros((spec.vocab_size, spec.n_classes), jnp.float32)
    for start in range(0, len(rows), ENTRY_CHUNK):
        chunk = slice(start, start + ENTRY_CHUNK)
        n = len(rows[chunk])
        pad = lambda a: np.pad(a[chunk], (0, ENTRY_CHUNK - n))  # padding entries have value 0: masked out
        total = _accumulate(total, classifier.params, spec, u, sq, full, pad(rows), pad(vals), pad(cols), normalise)
    return np.asarray(total, dtype=np.float64), np.bincount(cols, minlength=spec.vocab_size)


@partial(jax.jit, static_argnames=("spec", "normalise"))
def _accumulate(total: jax.Array, params: dict, spec: ModelSpec, u: jax.Array, sq: jax.Array, full: jax.Array,
                rows: jax.Array, values: jax.Array, cols: jax.Array, normalise: bool) -> jax.Array:
    """Returns total [vocab, classes] plus, per (post, word) entry, p(post) - p(post without the word)."""
    h0 = u[rows] - values[:, None] * params["embed"][cols]  # [entries, hidden0]
    if normalise:
        norm = jnp.sqrt(jnp.maximum(sq[rows] - values * values, 0.0))[:, None]
        h0 = jnp.where(norm > 1e-6, h0 / jnp.where(norm > 1e-6, norm, 1.0), 0.0)
    probs = jax.nn.softmax(head.apply(params["head"], None, h0, spec, False))
    delta = (full[rows] - probs) * (values > 0)[:, None]
    return total.at[cols].add(delta)


def _is_address(candidate: str) -> bool:
    return "@" in candidate or candidate.rsplit(".", 1)[-1].lower() in DOMAINS


def artefact_words(texts: Sequence[str], everywhere: dict[str, int]) -> dict[str, str]:
    """Returns word -> reason for words that mostly (half their occurrences `everywhere` or more) occur in
    e-mail addresses, host names or From: lines."""
    inside: Counter = Counter()
    users: Counter = Counter()
    for text in texts:
        # addresses live in the header block and in lines with an @ (signatures, quotes): scan only those
        head, _, body = text.partition("\n\n")
        text = head + "\n" + "\n".join(line for line in body.splitlines() if "@" in line)
        inside.update(t for match in ADDRESS.findall(text) if _is_address(match) for t in keras_tokenize(match))
        users.update(t for line in FROM_LINE.findall(text) for t in keras_tokenize(ADDRESS.sub(" ", line)))
    found = {w: "address" for w, n in inside.items() if n >= everywhere.get(w, 0) / 2}
    found.update({w: "user" for w, n in users.items() if w not in found and n >= everywhere.get(w, 0) / 2})
    return found


def why_suspicious(word: str, artefacts: dict[str, str]) -> str | None:
    """Returns why `word` (or a word pair, through either of its words) looks like an artefact, or None."""
    if is_pair(word):
        return next(filter(None, (why_suspicious(w, artefacts) for w in word.split(" "))), None)
    if word in HEADER_WORDS:
        return REASONS["header"]
    if sum(ch.isdigit() for ch in word) * 2 > len(word):
        return REASONS["number"]
    if word in artefacts:
        return REASONS[artefacts[word]]
    return None


def topic_words(classifier: Classifier, texts: Sequence[str], top: int = 15) -> TopicWords:
    """Returns per class the `top` words that push `texts` towards it most, and the suspicious ones among them."""
    started = time.perf_counter()
    counts = classifier.featurizer.counts(texts)  # [n, vocab] CSR
    total, posts = push_per_word(classifier, counts)
    score = total / np.maximum(posts, 1)[:, None]
    score[posts < min_posts(len(texts))] = -np.inf
    vocabulary = classifier.featurizer.vocabulary
    occurrences = np.asarray(counts.sum(axis=0)).ravel()
    artefacts = artefact_words(texts, {vocabulary[i]: int(occurrences[i]) for i in np.flatnonzero(occurrences)})
    classes, counted, suspicious = {}, {}, []
    for c, name in enumerate(classifier.class_names):
        best = [int(i) for i in np.argsort(-score[:, c], kind="stable")[:top] if score[i, c] > 0]
        classes[name] = [(vocabulary[i], float(score[i, c])) for i in best]
        for i in best:
            counted[vocabulary[i]] = int(posts[i])
            reason = why_suspicious(vocabulary[i], artefacts)
            if reason:
                suspicious.append((vocabulary[i], name, reason))
    return TopicWords(classes, counted, suspicious, len(texts), time.perf_counter() - started)
