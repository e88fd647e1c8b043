"""The sidebar's "Where you are": the chosen data, the training state and the next step."""

from __future__ import annotations

import streamlit as st

from textclf.data import describe
from textclf.serve.jobs import TrainingJob
from views.common import (chosen_description, current_model, is_of_chosen_data, model_only, own_file_pending,
                          saved_runs_count)
from views.run_loading import latest_loaded_note
from views.server import training_queue, watch_workspace_runs
from textclf.markdown_text import plain

PATH = "1. Data → 2. Train → 3. Evaluate → 4. Explain → 5. Classify new texts"


def render_status() -> None:
    """Shows, in the sidebar, the chosen data, the training state and the next step (live while a run goes)."""
    job: TrainingJob | None = st.session_state.get("job")
    with st.sidebar:
        if job is not None and not job.done:
            st.fragment(_live_status, run_every=training_queue().refresh_seconds(1.0))()
        else:
            _status()
            watch_workspace_runs()  # an idle tab follows a run another tab of its workspace starts


def _status() -> None:
    """Writes the sidebar's "Where you are" lines."""
    s = st.session_state
    model = current_model()
    job: TrainingJob | None = s.get("job")
    st.markdown("**Where you are**")
    for note in s.get("interrupted", []):
        st.warning(plain(note), icon=":material/restart_alt:")
    cats = s["categories"]
    custom = s.get("custom_corpus")
    pending = own_file_pending()  # the newsgroups are not what was chosen, and no file is usable yet
    if custom is not None:
        st.markdown(f"**Data:** {plain(describe(custom.description))} ({custom.n_classes} classes)")
    elif pending:
        st.markdown("**Data:** your file — not loaded yet (see 1. Data)")
    else:
        st.markdown(f"**Data:** {describe(chosen_description())}" if len(cats) >= 2
                    else "**Data:** choose at least two categories")
    if job is not None and not job.done:
        p = job.progress()
        st.markdown("**Training:** waiting for its turn" if p.status == "waiting" else
                    f"**Training:** {p.fraction:.0%} done")
    current = model is not None and not pending and is_of_chosen_data(model)
    if model is not None:
        ending = model.finished.ending()
        other = "" if current else " (not the data chosen now)"
        st.markdown(f"**Model:** trained{f' ({ending})' if ending else ''} on "
                    f"{plain(describe(model.corpus.description))}{other}, test accuracy "
                    f"**{model.evaluation.accuracy:.1%}**")
        if note := latest_loaded_note():
            st.caption(note)
    saved = 0
    if (bare := model_only()) is not None:
        st.markdown(f'**Model:** the saved run "{plain(bare.name)}", loaded without its data')
        st.caption("It works on 4. Explain and 5. Classify new texts; 3. Evaluate needs the data it was trained on.")
        return
    if model is None and (job is None or job.done):
        # A new tab or a reload of a workspace starts empty: "not trained yet" hid the workspace's saved runs.
        saved = saved_runs_count()
        if saved:
            st.markdown(f"**Model:** none loaded in this tab. This workspace has **{saved} saved "
                        f"run{'s' if saved != 1 else ''}**: open Saved runs to load one, or train a new one.")
            st.page_link("views/runs.py", label="Open Saved runs", icon=":material/history:")
        else:
            st.markdown("**Model:** not trained yet")
    if not current:
        nxt = "1. Data" if pending or (len(cats) < 2 and custom is None) else "2. Train"
        nxt += " (or load a saved run)" if saved else ""
        st.caption(f"Next step: **{nxt}**. The path: {PATH}.")
    else:
        st.caption("All steps are open: 3. Evaluate shows its mistakes, 4. Explain shows its reasons, 5. Classify "
                   "labels new texts.")


def _live_status() -> None:
    """The sidebar while a run goes (a fragment redrawn about every second); the whole page reruns once the run ends."""
    job: TrainingJob | None = st.session_state.get("job")
    if job is None or job.done:
        st.rerun(scope="app")  # every page fills in with the new model
    _status()
