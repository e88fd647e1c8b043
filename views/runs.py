"""Runs page: this workspace's saved runs and the class's published ones; compare, load, rename, delete, bundles."""

import hashlib
from collections.abc import Callable

import streamlit as st

from views import common, server
from views.account import where_runs_live
from views.run_loading import load_run
from textclf.store.bundles import AlreadySaved, BadBundle, NotABundle, bundle_bytes, import_bundle
from textclf.store.export import SAFE_HELP, to_csv_bytes
from textclf.store.modelfiles import BadModelFile
from textclf.plots import runs_figure
from textclf.store.run_tables import RUNS_WIDTHS, compare_table, run_labels, run_settings, runs_table
from textclf.store.runs import CannotWrite, RunNotFound, RunStore
from textclf.store.workspaces import published_store
from textclf.markdown_text import plain

MINE, CLASS = "yours", "class"


def show_damaged(store: RunStore, deletable: bool) -> None:
    """Lists the folders of `store` that could not be read, each with its reason (and Delete where allowed)."""
    for folder, reason in store.skipped:
        c1, c2 = st.columns([5, 1])
        c1.warning(f"Damaged run folder {plain(folder)}: {plain(reason)}", icon=":material/broken_image:")
        if deletable and c2.button("Delete", key=f"delete_damaged_{folder}"):
            change(lambda: store.delete(folder))


def change(action: Callable[[], object]) -> None:
    """Runs a change of the store and redraws the page, or says in one sentence why the folder refused it."""
    try:
        action()
    except RunNotFound:
        pass  # already gone: the list is what counts
    except CannotWrite as err:
        st.error(plain(str(err)))
        return
    st.rerun()


st.title("Saved runs")
teacher = bool(st.session_state.get("teacher"))
mine, shared = common.run_store(), published_store()
st.caption(f"{where_runs_live()} Runs your teacher published to the class are listed too (read-only). "
           "Tick runs to compare their curves; tick one to load, rename, download or delete it.")
problem = mine.problem()
if problem:
    st.error(f"Saving runs does not work here: {plain(problem)} Training still works; its model stays "
             "in this browser tab.")
    if not mine.root.is_dir():
        st.stop()

upload = st.file_uploader("Add a run from a downloaded bundle (.zip)", type=["zip"], key="bundle_upload",
                          help="A bundle holds only numbers and JSON; nothing in it is ever run.")
upload_message = st.empty()  # filled once the table is known, so a copy can be pointed at by its row
already = None
if upload is not None:
    server.watch_uploads()  # a closed tab's bundle is deleted from the server's memory
if upload is not None and st.session_state.get("imported") != upload.file_id:
    st.session_state["imported"] = upload.file_id  # a rerun must not import the same file twice
    try:
        added = import_bundle(mine, upload.getvalue(), name=upload.name.removesuffix(".zip"))
        upload_message.success(f"Added the run \"{plain(added.name)}\".")
    except AlreadySaved as err:
        already = err.run
    except NotABundle as err:
        upload_message.error(plain(str(err)))
    except BadBundle as err:
        upload_message.error(f"This file was not added: {plain(str(err))}")
    except CannotWrite as err:
        upload_message.error(plain(str(err)))

show_partial = st.toggle("Show stopped (partial) runs", value=True, key="show_partial",
                         help="A run you stopped before its last epoch is kept, marked partial.")
listed = [(MINE, r) for r in mine.list()] + [(CLASS, r) for r in shared.list()]
show_damaged(mine, deletable=True)
show_damaged(shared, deletable=teacher)
runs = [(source, r) for source, r in listed if show_partial or not r.partial]
stores = {MINE: mine, CLASS: shared}
if already is not None:
    row = next((i for i, (source, r) in enumerate(runs, 1) if source == MINE and r.id == already.id), None)
    where = f"row {row} of the table, ticked below" if row else "hidden now: turn on Show stopped (partial) runs"
    upload_message.info(f"This run is already in your saved runs ({where}): \"{plain(already.name)}\" of "
                        f"{already.created:%d %b %H:%M}. It was not added a second time.", icon=":material/content_copy:")
    st.session_state["runs_selected"] = [f"{MINE}:{already.id}"]
if not runs:
    st.info("No saved runs yet. Each training on 2. Train is saved here when it ends.")
    st.stop()

keys = [f"{source}:{r.id}" for source, r in runs]
remembered = [k for k in st.session_state.get("runs_selected", []) if k in keys]
table = runs_table(runs)
# The table's key follows the list it shows, so a tick (a row position) always means a row of this very list;
# when the list changes, the new table starts with the same runs ticked, found by id.
digest = hashlib.sha256("\n".join(keys).encode()).hexdigest()[:16]
# A copy found on upload leaves the list as it was: a table of a key of its own starts with that run ticked.
table_key = f"runs_table_{digest}" + ("_copy" if already else "")
event = st.dataframe(table, key=table_key, on_select="rerun", selection_mode="multi-row",
                     hide_index=True, selection_default={"selection": {"rows": [keys.index(k) for k in remembered]}},
                     column_config={"name": st.column_config.TextColumn(width=RUNS_WIDTHS["name"]),
                                    "data": st.column_config.TextColumn(width=RUNS_WIDTHS["data"]),
                                    "test": st.column_config.NumberColumn(
                                        "test accuracy", format="percent", width=RUNS_WIDTHS["test"],
                                        help="Share of the test texts the model labels right (never trained on)."),
                                    "when": st.column_config.TextColumn(width=RUNS_WIDTHS["when"]),
                                    "validation": st.column_config.NumberColumn(format="percent"),
                                    "seconds": st.column_config.NumberColumn(format="%.1f")})
st.download_button("Download this table (CSV)", to_csv_bytes(table), file_name="saved-runs.csv", mime="text/csv",
                   icon=":material/download:", help=SAFE_HELP)
rows = [i for i in event.selection.rows if i < len(runs)]
st.session_state["runs_selected"] = [keys[i] for i in rows]
chosen = [runs[i] for i in rows]
if not chosen:
    st.caption("Tick the box at the left of one or more rows.")
    st.stop()

curves = runs_figure(list(zip(run_labels([r for _, r in chosen]), [r.history for _, r in chosen])))
if len(chosen) > 1:
    st.plotly_chart(curves, key="runs_curves")
    diffs = compare_table([r for _, r in chosen])
    st.markdown("**Differences from the first selected run**")
    if not (diffs["kind"] == "setting").any():
        st.caption("All their settings are the same; only the results differ.")
    st.dataframe(diffs, hide_index=True)
    st.download_button("Download the comparison (CSV)", to_csv_bytes(diffs), file_name="runs-comparison.csv",
                       mime="text/csv", icon=":material/download:", help=SAFE_HELP)
    st.stop()

# One run ticked: its actions come first, so that at 720 px they are in view right under the table.
source, run = chosen[0]
store = stores[source]
st.markdown(f"**Selected:** {plain(run.name)} ({'your run' if source == MINE else 'published to the class'})")
st.caption("Settings: " + plain("; ".join(f"{k}: {v}" for k, v in run_settings(run).items())))
c1, c2, c3 = st.columns(3)
if c1.button("Load into Evaluate and Explain", type="primary", icon=":material/upload:"):
    st.session_state["load_message"] = load_run(store, run)
    st.rerun()  # so the sidebar, drawn before this page, shows the loaded model
message = st.session_state.pop("load_message", None)
if message:
    (st.success if message.startswith("Loaded") else st.warning)(plain(message))
try:
    c2.download_button("Download bundle (.zip)", bundle_bytes(run.path), file_name=f"textclf-run-{run.id}.zip",
                       mime="application/zip", icon=":material/download:")
except BadModelFile as err:
    c2.warning(f"This run's model files are damaged: {plain(str(err))}")
if source == MINE:
    with c3.popover("Rename or delete", icon=":material/edit:"):
        new_name = st.text_input("New name", run.name, max_chars=100, key=f"rename_{run.id}")
        if st.button("Rename", key="rename"):
            change(lambda: store.rename(run.id, new_name))
        if st.checkbox("Yes, delete this run", key=f"confirm_{run.id}") and st.button("Delete", type="primary"):
            change(lambda: store.delete(run.id))
    if teacher and c3.button("Publish to class", icon=":material/campaign:",
                             help="Copies this run to the list every student sees (read-only)."):
        try:
            mine.copy_to(run.id, shared)
            st.rerun()
        except (OSError, BadModelFile, RunNotFound) as err:
            st.error(f"The run could not be published: {plain(str(err))}")
elif teacher and c3.button("Unpublish", icon=":material/unpublished:", help="Removes it from the class's list."):
    try:
        shared.delete(run.id)
    except RunNotFound:
        pass
    st.rerun()
else:
    c3.caption("Published by your teacher: load or download it; only your own runs can be renamed or deleted.")
st.plotly_chart(curves, key="runs_curves")
