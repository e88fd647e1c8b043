"""Ceilings on what a user can ask for, shared by the app's widgets and the command line."""

from __future__ import annotations

import os

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
