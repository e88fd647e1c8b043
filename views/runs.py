"""Runs page: every saved training run; compare, load, rename, delete, download and upload bundles."""

import pandas as pd
import streamlit as st

from views import common
from textclf.bundles import BadBundle, bundle_bytes
from textclf.data import BadDataChoice, DataUnavailable, describe
from textclf.jobs import trained_model_from_run
from textclf.modelfiles import BadModelFile
from textclf.plots import runs_figure
from textclf.runs import RunInfo, RunNotFound, RunStore


def load_run(store: RunStore, info: RunInfo) -> str:
    """Makes a saved run the current model; returns a sentence saying what happened."""
    try:
        classifier = store.load_classifier(info.id)
    except (BadModelFile, RunNotFound) as err:
        return f"This run cannot be loaded: {err}"
    data = info.data
    corpus = None
    if data.get("source") == "20newsgroups":
        try:
            corpus = common.load_corpus(tuple(data["categories"]), bool(data.get("remove_metadata")))
        except (BadDataChoice, DataUnavailable, KeyError) as err:
            return f"The run's newsgroups could not be loaded: {err}"
    else:
        custom = st.session_state.get("custom_corpus")
        if custom is not None and custom.description.get("name") == data.get("name") \
                and data.get("fingerprint") in (None, custom.fingerprint()):  # same file and split, or no record
            corpus = custom
    if corpus is None or corpus.class_names != classifier.class_names:
        return ("This run was trained on your own file. Upload the same file on 1. Data, then load the run "
                "again to evaluate and explain it.")
    try:
        st.session_state["model"] = trained_model_from_run(info, classifier, corpus)
    except (ValueError, TypeError) as err:  # a run.json edited by hand
        return f"This run's settings are damaged: {err}"
    st.session_state["explanation"] = None
    return f"Loaded \"{info.name}\": open 3. Evaluate or 4. Explain."


st.title("Saved runs")
st.caption("Every finished or stopped training is kept here, also after the app restarts. Select runs to "
           "compare their curves; select one to load, rename, download or delete it.")
store = RunStore()

upload = st.file_uploader("Add a run from a downloaded bundle (.zip)", type=["zip"], key="bundle_upload",
                          help="A bundle holds only numbers and JSON; nothing in it is ever run.")
if upload is not None and st.session_state.get("imported") != upload.file_id:
    st.session_state["imported"] = upload.file_id  # a rerun must not import the same file twice
    try:
        added = store.import_bundle(upload.getvalue(), name=upload.name.removesuffix(".zip"))
        st.success(f"Added the run \"{common.plain(added.name)}\".")
    except BadBundle as err:
        st.error(f"This file was not added: {common.plain(str(err))}")

runs = store.list()
if store.skipped:
    st.caption(f"{len(store.skipped)} damaged run folder(s) in {store.root} were left out.")
if not runs:
    st.info("No saved runs yet. Each training on 2. Train is saved here when it ends.")
    st.stop()

table = pd.DataFrame([{
    "name": r.name, "when": r.created.strftime("%d %b %H:%M"), "data": describe(r.data),
    "hidden units": ",".join(map(str, r.config.get("train", {}).get("hidden", []))),
    "epochs": len(r.history), "learning rate": r.config.get("train", {}).get("learning_rate"),
    "validation": r.val_accuracy, "test": r.test_accuracy, "seconds": r.train_seconds} for r in runs])
event = st.dataframe(table, key="runs_table", on_select="rerun", selection_mode="multi-row", hide_index=True,
                     column_config={"validation": st.column_config.NumberColumn(format="percent"),
                                    "test": st.column_config.NumberColumn(format="percent"),
                                    "seconds": st.column_config.NumberColumn(format="%.1f")})
chosen = [runs[i] for i in event.selection.rows if i < len(runs)]
if not chosen:
    st.caption("Tick the box at the left of one or more rows.")
    st.stop()

st.plotly_chart(runs_figure([(f"{r.name} ({r.id[-6:]})", r.history) for r in chosen]), key="runs_curves")
if len(chosen) > 1:
    first = chosen[0]
    diffs = pd.DataFrame([{"name": r.name, "test accuracy": r.test_accuracy,
                           "vs first": (r.test_accuracy or 0) - (first.test_accuracy or 0),
                           "macro F1": r.metrics.get("macro_f1"),
                           "validation accuracy": r.val_accuracy} for r in chosen])
    st.markdown("**Differences from the first selected run**")
    st.dataframe(diffs.style.format({"test accuracy": "{:.1%}", "vs first": "{:+.1%}", "macro F1": "{:.3f}",
                                     "validation accuracy": "{:.1%}"}, na_rep="–"), hide_index=True)
    st.stop()

run = chosen[0]
c1, c2, c3 = st.columns(3)
if c1.button("Load into Evaluate and Explain", type="primary", icon=":material/upload:"):
    st.session_state["load_message"] = load_run(store, run)
    st.rerun()  # so the sidebar, drawn before this page, shows the loaded model
message = st.session_state.pop("load_message", None)
if message:
    (st.success if message.startswith("Loaded") else st.warning)(common.plain(message))
try:
    c2.download_button("Download bundle (.zip)", bundle_bytes(run.path), file_name=f"textclf-run-{run.id}.zip",
                       mime="application/zip", icon=":material/download:")
except BadModelFile as err:
    c2.warning(f"This run's model files are damaged: {common.plain(str(err))}")
with c3.popover("Rename or delete", icon=":material/edit:"):
    new_name = st.text_input("New name", run.name, max_chars=100, key=f"rename_{run.id}")
    if st.button("Rename", key="rename"):
        store.rename(run.id, new_name)
        st.rerun()
    if st.checkbox("Yes, delete this run", key=f"confirm_{run.id}") and st.button("Delete", type="primary"):
        try:
            store.delete(run.id)
        except RunNotFound:
            pass  # already gone: the list is what counts
        st.rerun()
