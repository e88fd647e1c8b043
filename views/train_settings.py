"""The Train page's settings: the preset switch and the hyperparameters, each with help a newcomer can read."""

from typing import Mapping

import streamlit as st

from views import sharing
from textclf import limits
from textclf.data import Nouns
from textclf.learn.presets import PRESETS, WORD_KEYS, form_values, run_form_values

LABELS = {"hidden_text": "hidden layer sizes", "epochs": "epochs", "batch_size": "batch size", "lr": "learning rate",
          "seed": "seed", "val_share": "validation share", "lazy_adam": "fast updates", "dropout": "dropout",
          "patience": "early stopping", "monitor": "early stopping watches", "refit": "retrain at the end",
          "scaling": "word weighting", "min_df": "rare words", "max_features": "vocabulary size",
          "pairs": "word pairs", "choose_pairs": "word pairs chosen on held-back texts"}


def apply_preset() -> None:
    """Fills the form (and the Data page's word options) with the chosen preset's settings."""
    st.session_state.update(form_values(st.session_state["preset"]))


def fill_from_run(config: Mapping) -> None:
    """Puts a run's settings in the Train form and the Data page's word options, except what a teacher's link fixes.

    Called before the widgets are drawn, so the form shows the settings of the run on screen and Train repeats it.
    """
    link = st.session_state["link"]
    fixed = link.locked | link.hidden
    st.session_state.update({k: v for k, v in run_form_values(config).items()
                             if ("data" if k in WORD_KEYS else "hyperparameters") not in fixed})


def show(words: Nouns) -> None:
    """Draws the preset switch and the settings (locked or hidden as a teacher's link says)."""
    fixed = sharing.locked("hyperparameters")
    if not sharing.hidden("hyperparameters"):  # a hidden setup's preset is the link's, and so is its switch
        st.segmented_control(
            "Start from", list(PRESETS), format_func=lambda k: PRESETS[k].label, key="preset",
            on_change=apply_preset, required=True, persist_state="session", disabled=fixed,
            help="Tutorial: the tutorial's settings, with fast updates (lazy Adam) for speed. Recommended: settings "
                 "chosen on held-back texts, better on harder data (for example with headers removed) and on files "
                 "of your own. You can change any setting below.")
    preset = st.session_state["preset"]
    changed = [LABELS[k] for k, v in form_values(preset).items() if k in LABELS and st.session_state.get(k) != v]
    if sharing.hidden("hyperparameters"):
        st.caption("The settings are chosen by your teacher's link.")
    else:
        st.caption(PRESETS[preset].description if not changed else
                   f"Based on the {PRESETS[preset].label} preset, with your own changes ({', '.join(changed)}).")
        # Not an st.form: the settings reach the session as they change, so "Copy link" always carries them.
        with st.container(border=True):
            st.markdown("**Settings**")
            locked = {"persist_state": "session", "disabled": fixed}
            c1, c2, c3 = st.columns(3)
            c1.text_input("Hidden layer sizes", key="hidden_text", **locked,
                          help="Units in each hidden layer, separated by commas. More units can learn more, "
                               "but also memorise more.")
            c2.number_input("Epochs", *limits.EPOCHS, key="epochs", **locked,
                            help="How many times the network reads the whole training set.")
            c3.number_input("Batch size", *limits.BATCH_SIZE, key="batch_size", **locked,
                            help=f"{words.texts.capitalize()} looked at before each weight update. Smaller: more, "
                                 "noisier updates.")
            c1.number_input("Learning rate", *limits.LEARNING_RATE, step=1e-4, format="%.4f", key="lr", **locked,
                            help="Size of each weight update. Too large and training blows up; too small and it "
                                 "crawls.")
            c2.number_input("Seed", *limits.SEED, key="seed", **locked,
                            help="Fixes the random start: the same seed gives the same result.")
            c3.slider("Validation share", *limits.VAL_SHARE, step=0.05, key="val_share", **locked,
                      help=f"Part of the training {words.texts} held back to check progress after each epoch. "
                           f"The test {words.texts} are only used once, on the Evaluate page. Rows your file "
                           f"marks 'validation' are used instead (0 trains on them too).")
            with st.expander("Advanced"):
                a1, a2, a3 = st.columns(3)
                a1.toggle("Fast updates (lazy Adam)", key="lazy_adam", **locked,
                          help="On (the default): only the weights of words present in the batch are updated: "
                               "3-5 times faster on many topics, about as accurate. Off: exact Adam, every weight "
                               "updated at every step, as in the tutorial.")
                a1.toggle(f"Retrain on all {words.texts} at the end", key="refit", **locked,
                          help=f"After choosing the number of epochs on the validation {words.texts}, train once "
                               f"more on every training {words.text} (validation ones included) for that many epochs.")
                a2.slider("Dropout", *limits.DROPOUT, step=0.05, key="dropout", **locked,
                          help="Randomly silences this share of units while training; fights memorisation.")
                a3.number_input("Early stopping patience", *limits.PATIENCE, key="patience", **locked,
                                help="Stop when the validation score has not improved for this many epochs, and "
                                     "keep the best epoch's model. 0: always run every epoch.")
                a3.selectbox("Early stopping watches", ["val_loss", "val_accuracy"], key="monitor", **locked,
                             format_func={"val_loss": "validation loss", "val_accuracy": "validation accuracy"}.get,
                             help="Loss changes smoothly; accuracy on a few hundred posts moves in jumps.")
                st.caption("Word weighting, vocabulary size and word pairs are on the Data page, under Advanced.")
            # A preset's description, shown above when nothing is changed, already says so: once per page.
            said_above = not changed and PRESETS[preset].train_config.optimizer == "lazy_adam"
            if st.session_state.get("lazy_adam") and not said_above:
                st.caption("Fast updates (lazy Adam) are on, for speed. For the tutorial's exact Adam, switch them off "
                           "under Advanced.")
