"""Ceilings shared by the app's widgets and the command line: training settings, model and bundle sizes, the
server's training queue."""

from __future__ import annotations

import json
import os
import re
from typing import Sequence

# Training settings: (lowest, highest) accepted by the Train page's widgets and by `train` on the command line.
EPOCHS = (1, 200)
BATCH_SIZE = (1, 2048)
LEARNING_RATE = (1e-6, 1.0)
SEED = (0, 2**31 - 1)
VAL_SHARE = (0.0, 0.5)
DROPOUT = (0.0, 0.8)
PATIENCE = (0, 50)
HIDDEN_UNITS = (1, 4096)  # units in one hidden layer
HIDDEN_LAYERS = 8
# Vocabulary options on the Data page.
MIN_DF = (1, 100)
MAX_FEATURES = (0, 200_000)  # 0: every word

# Names in your own file: a class name or a chosen column's name longer than this is refused when the file is read
# (a saved run's description allows 1,000 characters; a name this long is usually a text in the wrong column).
MAX_NAME_CHARS = 200

# Every explanation a user can trigger stays under these ceilings (shared by the app and the CLI).
MAX_EXPLAIN_CHARS = 100_000  # longer texts are refused
MAX_SAMPLES = 10_000  # LIME neighbourhood size; more only steadies the weights a little
MAX_LIME_WORDS = 500  # LIME removes at most this many distinct words; the others stay in every variant
# The command line's JSON lists at most this many predicted rows; --out writes them all.
MAX_JSON_ROWS = 1000

# The server's training queue.
MAX_TRAININGS_ENV = "TEXTCLF_MAX_TRAININGS"
# A run whose browser tab has been gone this long is stopped: a network blip reconnects within seconds.
SESSION_GONE_SECONDS = 30.0
# Streamlit keeps a closed tab's session 120 s for a reconnect, then forgets it without deleting its uploaded
# files; the app deletes them once the session has been gone longer than that.
UPLOADS_KEPT_SECONDS = 150.0


def max_trainings() -> int:
    """Returns how many trainings may run at once on this server ($TEXTCLF_MAX_TRAININGS, else the cores)."""
    text = os.environ.get(MAX_TRAININGS_ENV, "").strip()
    if text:
        try:
            value = int(text)
        except ValueError:
            raise ValueError(f"{MAX_TRAININGS_ENV} must be a whole number of at least 1, not {text!r}") from None
        if value < 1:
            raise ValueError(f"{MAX_TRAININGS_ENV} must be a whole number of at least 1, not {text!r}")
        return value
    return os.cpu_count() or 1


# A live view (progress, waiting line, sidebar) redraws at least this often, however busy the server: the
# classroom goal is no page without news for more than 2 s.
LIVE_VIEW_MAX_SECONDS = 1.5

WORKER_NICE_ENV = "TEXTCLF_WORKER_NICE"
# How much lower the training processes' CPU priority is than the web server's (Unix nice, 0-19): with 10 the
# server gets about nine tenths of a core whenever a page needs it, and training gets the rest.
WORKER_NICE = 10


def worker_nice() -> int:
    """Returns the training processes' nice value ($TEXTCLF_WORKER_NICE, else 10), clipped to 0-19."""
    try:
        return min(19, max(0, int(os.environ.get(WORKER_NICE_ENV, WORKER_NICE))))
    except ValueError:
        return WORKER_NICE


# .streamlit/config.toml's maxUploadSize (Streamlit counts megabytes of 2**20 bytes); a bundle must fit it.
UPLOAD_LIMIT_BYTES = 50 * 2**20
# A saved model (weights as stored plus its vocabulary's text) stays under this, so its bundle fits the
# upload limit with room for run.json, the class names and the zip's own bookkeeping.
MAX_MODEL_BYTES = 40 * 2**20
# The hidden-to-hidden and output weights alone (float32); larger heads are refused before training.
MAX_HEAD_BYTES = 16 * 2**20
EMBED_BYTES = 2  # the first-layer matrix is stored as float16 (computed in float32)
PARAM_BYTES = 4  # every other array is stored as float32
MAX_CLASSES = 50  # the most classes the app takes from a file: its charts show at most this many
# The most classes a saved model may have (model.json's schema): the command line, which draws no chart, takes this many.
MAX_MODEL_CLASSES = 100


def head_bytes(hidden: Sequence[int], n_classes: int) -> int:
    """Returns the stored bytes of every parameter except the first-layer matrix."""
    sizes = [*hidden, n_classes]
    weights = sum(a * b for a, b in zip(sizes, sizes[1:])) + sum(sizes)  # matrices + biases
    return weights * PARAM_BYTES


def word_bytes(word: str) -> int:
    """Returns what one vocabulary word costs in model.json, besides its row of the first layer."""
    return len(json.dumps(word).encode("utf-8")) + 2  # quoted, escaped, plus ", "


def check_hidden(hidden: Sequence[int]) -> None:
    """Raises ValueError when hidden layers this large could not be saved, whatever the data."""
    need = head_bytes(hidden, MAX_MODEL_CLASSES)
    if need > MAX_HEAD_BYTES:
        raise ValueError(f"hidden layers {','.join(map(str, hidden))} would need {need / 2**20:.1f} MB of weights "
                         f"after the first layer, more than the {MAX_HEAD_BYTES // 2**20} MB a saved model may use; "
                         "choose fewer or smaller layers")


def vocabulary_budget(hidden: Sequence[int], n_classes: int, mixture: bool = False,
                      wide: bool = False) -> tuple[int, int]:
    """Returns (bytes left for the vocabulary, bytes of first-layer weights per word) under MAX_MODEL_BYTES.

    A mixture with Naive Bayes (textclf.ensemble) adds a score per class to each word's row, and one weight; a
    wide part (learn.model.ModelSpec) another score per class.
    """
    width = hidden[0] + (n_classes if mixture else 0) + (n_classes if wide else 0)
    return MAX_MODEL_BYTES - head_bytes(hidden, n_classes) - PARAM_BYTES * mixture, width * EMBED_BYTES


def surely_fits(words: Sequence[str], budget: int, per_word: int) -> bool:
    """Returns True when `words` fit `budget` even if every character took JSON's longest escape (a quick check)."""
    return len(words) * (per_word + 4) + 12 * sum(map(len, words)) <= budget


def words_that_fit(costs: Sequence[int], budget: int) -> int:
    """Returns how many of the words (most frequent first, each with its cost in bytes) fit in `budget`."""
    total, n = 0, 0
    for cost in costs:
        total += cost
        if total > budget:
            break
        n += 1
    return n


def parse_hidden_sizes(text: str) -> tuple[int, ...]:
    """Returns layer sizes from text like "128,64", or raises ValueError saying what is wrong."""
    parts = [p.strip() for p in str(text).replace(" ", ",").split(",") if p.strip()]
    # Only ASCII digits: str.isdigit() also accepts "²", which int() then refuses with Python's own words.
    if not parts or not all(re.fullmatch(r"[0-9]+", p) for p in parts):
        raise ValueError(f"hidden sizes must be whole numbers separated by commas, e.g. 128,64 (got {text!r})")
    sizes = tuple(int(p) for p in parts)
    low, high = HIDDEN_UNITS
    if min(sizes) < low or max(sizes) > high or len(sizes) > HIDDEN_LAYERS:
        raise ValueError(f"hidden sizes must be between {low} and {high}, with at most {HIDDEN_LAYERS} layers")
    return sizes
