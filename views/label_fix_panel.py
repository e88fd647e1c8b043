"""Closing the label-error loop of an own file: decide each suspect row, merge look-alike classes, download, retrain."""

import pandas as pd
import streamlit as st

from views import common, training
from textclf.markdown_text import plain
from textclf.analysis.label_fixes import (ACTIONS, KEEP, USE_SUGGESTED, apply_fixes, before_after, corrected_corpus,
                                          decisions_from_actions, label_counts, lookalike_merges)
from textclf.analysis.label_issues import LabelIssues
from textclf.data import Corpus
from textclf.data.corpus import sheet_row
from textclf.data.own_files import BadTable
from textclf.learn.presets import config_from_form
from textclf.store.export import SAFE_HELP, to_csv_bytes

TABLE_KEY = "own_table"  # (fingerprint of the corpus read from it, the file as read, small classes left out)
DECISIONS_KEY = "label_decisions"  # (fingerprint, {0-based data row: action other than keep}, {class: merged into})
RETRAIN_KEY = "label_fix_run"  # {"before": accuracy or None, "job": the run on the corrected file}
_EDITOR_ROUND = "label_actions_round"  # bumped when every row is set at once


def remember_table(corpus: Corpus, table: pd.DataFrame, drop_small: bool) -> None:
    """Keeps the file `corpus` was read from, so that its labels can be corrected with every column kept."""
    st.session_state[TABLE_KEY] = (corpus.fingerprint(), table, drop_small)


def offer_merges(table: pd.DataFrame, label_column: str, small: dict[str, int]) -> None:
    """Offers to merge each too-small class that looks like a typo of a larger one (the upload step)."""
    merges = lookalike_merges(label_counts(table, label_column))
    for i, old in enumerate(name for name in small if name in merges):
        if st.button(f'Merge "{plain(old)}" into "{plain(merges[old])}"', key=f"upload_merge_{i}",
                     icon=":material/merge:", help="Gives these rows the label they most likely meant."):
            st.session_state["table"] = apply_fixes(table, label_column, {}, {old: merges[old]})[0]
            st.rerun()


def _decisions(corpus: Corpus) -> tuple[dict[int, str], dict[str, str]]:
    """Returns this data's (actions, merges), kept in the session across reruns and pages."""
    stored = st.session_state.get(DECISIONS_KEY)
    if stored is None or stored[0] != corpus.fingerprint():
        stored = (corpus.fingerprint(), {}, {})
        st.session_state[DECISIONS_KEY] = stored
    return stored[1], stored[2]


def _choose_all(issues: LabelIssues, actions: dict[int, str], key: str) -> None:
    """Offers one click for every row at once: a long list is tedious to decide row by row."""
    left, right = st.columns(2)
    use_all = left.button("Use every suggested label", key=f"use_all_{key}", icon=":material/done_all:",
                          disabled=not issues.trusted,
                          help="Sets every row below to *use suggested*; you can still change single rows."
                          if issues.trusted else "Off for this list: its checking models are too often wrong "
                          "themselves (see the caution above). Decide row by row.")
    keep_all = right.button("Keep every label as it is", key=f"keep_all_{key}", icon=":material/undo:",
                            help="Sets every row below back to *keep*.")
    if not (use_all or keep_all):
        return
    actions.clear()
    if use_all:
        actions.update({int(r): USE_SUGGESTED for r in issues.rows})
    # The grid keeps its own edits under its key: a new key makes it start from the choices just made.
    st.session_state[_EDITOR_ROUND] = st.session_state.get(_EDITOR_ROUND, 0) + 1


def render_fixes(corpus: Corpus, issues: LabelIssues, key: str) -> None:
    """Shows the decision column, the look-alike merges, the corrected file's download and "Retrain"."""
    stored = st.session_state.get(TABLE_KEY)
    if corpus.file_rows is None or stored is None or stored[0] != corpus.fingerprint():
        if corpus.file_rows is not None:
            st.caption("To correct these labels here, choose the file again on 1. Data.")
        return
    _, table, drop_small = stored
    actions, merges = _decisions(corpus)
    names = corpus.class_names
    suggested = [names[s] for s in issues.suggested]
    st.markdown("**Correct the file.** For each row choose *keep* (the label is right), *use suggested* or "
                "*drop* (remove the row); your choices stay while you use the app.")
    _choose_all(issues, actions, key)
    grid = pd.DataFrame({"file row": sheet_row(issues.rows), "given label": [names[g] for g in issues.given],
                         "suggested label": suggested,
                         "action": [actions.get(int(r), KEEP) for r in issues.rows]})
    if corpus.file_ids is not None:
        name = corpus.file_ids[0]  # its own name, as in the list above
        grid.insert(1, name if name not in grid.columns else f"{name} (your file)", corpus.file_ids[1][issues.rows])
    edited = st.data_editor(grid, key=f"label_actions_{key}_{st.session_state.get(_EDITOR_ROUND, 0)}", hide_index=True,
                            disabled=[c for c in grid.columns if c != "action"],
                            column_config={"action": st.column_config.SelectboxColumn(options=ACTIONS, required=True)})
    actions.clear()
    actions.update({int(r): a for r, a in zip(issues.rows, edited["action"]) if a != KEEP})
    counts = {name: train + test for name, (train, test) in corpus.class_counts().items()}
    for i, (old, new) in enumerate(lookalike_merges(counts).items()):
        if st.checkbox(f'Merge "{plain(old)}" ({counts[old]:,} rows) into "{plain(new)}": it looks like a typo',
                       value=old in merges, key=f"merge_{key}_{i}"):
            merges[old] = new
        else:
            merges.pop(old, None)
    fixed, summary = apply_fixes(table, corpus.description["label_column"],
                                 decisions_from_actions(issues.rows, suggested, edited["action"].tolist()), merges)
    st.caption(plain(summary.sentence()))
    name = str(corpus.description.get("name", "your data")).rsplit(".", 1)[0]
    download, retrain = st.columns(2)
    download.download_button("Download the corrected file (CSV)", to_csv_bytes(fixed), key=f"fixed_csv_{key}",
                             file_name=f"{name.removeprefix('corrected ')}-corrected.csv", mime="text/csv",
                             icon=":material/download:", help=SAFE_HELP + " Every column of your file is kept.",
                             disabled=not summary.changed)
    job = st.session_state.get("job")
    busy = job is not None and not job.done
    if retrain.button("Retrain on the corrected file", key=f"retrain_{key}", icon=":material/model_training:",
                      disabled=busy or not summary.changed,
                      help="Uses the corrected file from now on and trains it with the settings of your last run."
                      if not busy else "A run is training: wait for it to end or stop it on 2. Train."):
        _retrain(corpus, fixed, drop_small)


def _retrain(corpus: Corpus, fixed: pd.DataFrame, drop_small: bool) -> None:
    """Makes the corrected file the data in use and trains it as the last run on the original was trained."""
    s = st.session_state
    job = s.get("job")
    same = job is not None and job.corpus.same_data(corpus)
    try:
        new, _ = corrected_corpus(fixed, corpus.description, drop_small)
        features, config = (job.features, job.config) if same else (common.feature_config(), config_from_form(s))
    except (BadTable, ValueError) as err:
        st.error(f"The corrected file cannot be trained on: {plain(str(err))}")
        return
    before = job.result.evaluation.accuracy if same and job.result is not None else None
    if problem := training.start_run(new, features, config):
        st.error(plain(problem))
        return
    s["custom_corpus"] = new
    remember_table(new, fixed, drop_small)
    s[RETRAIN_KEY] = {"before": before, "job": s["job"]}
    st.rerun()


def render_outcome(corpus: Corpus) -> None:
    """Shows how the run on the corrected file is going, then its accuracy beside the original's."""
    run = st.session_state.get(RETRAIN_KEY)
    if run is None or not run["job"].corpus.same_data(corpus):
        return
    job = run["job"]
    if not job.done:
        _wait(job)
    elif job.result is None:
        st.warning(f"The run on the corrected file did not finish: {plain(job.progress().message)}")
    else:
        st.success(before_after(run["before"], job.result.evaluation.accuracy), icon=":material/compare_arrows:")


@st.fragment(run_every=1.0)
def _wait(job) -> None:
    """Says how the run on the corrected file is going; redraws the page once it ends."""
    if job.done:
        st.rerun(scope="app")
    st.info(f"Training on the corrected file: {job.progress().describe()}", icon=":material/model_training:")
    st.page_link("views/train.py", label="Follow it on 2. Train", icon=":material/model_training:")
