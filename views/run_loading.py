"""Making a saved run the current model: from the Saved runs page, or by itself in a new tab of a workspace."""

from __future__ import annotations

import streamlit as st

from views import common, server
from views.train_settings import fill_from_run
from textclf.data import BadDataChoice, Corpus, DataUnavailable
from textclf.serve.jobs import ModelOnly, trained_model_from_run
from textclf.store.modelfiles import BadModelFile
from textclf.store.runs import RunInfo, RunNotFound, RunStore
from textclf.markdown_text import plain


def load_run(store: RunStore, info: RunInfo) -> str:
    """Makes a saved run the current model (alone, when its data is not at hand); returns what happened."""
    try:
        classifier = store.load_classifier(info.id)
    except (BadModelFile, RunNotFound) as err:
        return f"This run cannot be loaded: {err}"
    corpus, missing = _data_of(info)
    if corpus is None or corpus.class_names != classifier.class_names:
        # A bundle in a new workspace: the model and its vocabulary are enough to explain and classify texts.
        st.session_state.update(model=None, model_only=ModelOnly(classifier, info.name, dict(info.data), info.id),
                                explanation=None, trust=None, contrast=None)
        return (f"Loaded \"{info.name}\" without its data ({missing}): 4. Explain works on any text you paste, "
                f"and 5. Classify new texts on a file. To grade it on 3. Evaluate, or pick its test texts, "
                f"{ModelOnly.data_step(info.data)}")
    try:
        st.session_state["model"] = trained_model_from_run(info, classifier, corpus)
    except (ValueError, TypeError) as err:  # settings this version cannot rebuild
        return f"This run's settings cannot be used: {err}"
    st.session_state.update(model_only=None, explanation=None)
    fill_from_run(info.config)
    return f"Loaded \"{info.name}\": open 3. Evaluate or 4. Explain."


def _data_of(info: RunInfo) -> tuple[Corpus | None, str]:
    """Returns (the data `info` was trained on, "") when it is at hand, else (None, why not, in a few words)."""
    data = info.data
    if data.get("source") == "20newsgroups":
        try:
            return common.load_corpus(tuple(data["categories"]), bool(data.get("remove_metadata"))), ""
        except (BadDataChoice, DataUnavailable, KeyError):
            return None, "the newsgroups cannot be loaded here"
    custom = st.session_state.get("custom_corpus")
    if custom is not None and custom.description.get("name") == data.get("name") \
            and data.get("fingerprint") in (None, custom.fingerprint()):  # same file and split, or no record
        return custom, ""
    return None, "it was trained on your own file, which is not on 1. Data"


def load_latest_run() -> None:
    """In a new tab (or a reload) with no model, loads the run that last finished in its workspace on this server.

    A reload after training said "none loaded in this tab", and the run just trained had to be found under Saved runs.
    """
    s = st.session_state
    if s.get("latest_checked"):  # once per browser session: a model the tab has, or dropped, stays its choice
        return
    s["latest_checked"] = True
    if s.get("model") is not None or s.get("model_only") is not None or s.get("job") is not None:
        return
    run_id = server.workspace_jobs().last_saved(s["workspace"])
    if run_id is None:
        return
    store = common.run_store()
    try:
        info = store.get(run_id)
    except (OSError, RunNotFound):  # deleted or damaged since: the sidebar points to Saved runs
        return
    load_run(store, info)
    if s.get("model") is not None:
        s["latest_loaded"] = (s["model"], info.name)


def latest_loaded_note() -> str | None:
    """Returns the sidebar's line about a run loaded by itself, while it is still the current model, or None."""
    model, name = st.session_state.get("latest_loaded") or (None, "")
    if model is None or model is not st.session_state.get("model"):
        return None
    return f"Loaded your latest run: {plain(name)}. Other runs are under Saved runs."
