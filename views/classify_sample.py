"""Classify's file of texts: the upload, kept across page switches until replaced or cleared, or before any upload
the expected file format, a sample file, and "Try" with the sample."""

import hashlib
from typing import NamedTuple

import streamlit as st

from views import common, server
from textclf.data import describe, nouns
from textclf.store.export import to_csv_bytes
from textclf.analysis.predict import sample_table
from textclf.data.own_files import MAX_BYTES, MAX_ROWS
from textclf.markdown_text import plain


class NewTexts(NamedTuple):
    """A file of texts to classify: an upload or the sample."""

    data: bytes
    name: str
    file_id: str


KEPT = "classify_kept"  # (workspace, NewTexts): the one file kept for this tab, dropped when replaced or cleared
RESULTS = ("classify_file", "classify_table", "classify_error", "classified")  # what was computed from it


def texts_to_classify(model_data: dict) -> NewTexts | None:
    """Returns the file to classify: the upload, else the one uploaded earlier in this workspace (the uploader forgets
    it on a page switch), else the sample once "Try" was pressed; None before any."""
    upload = st.file_uploader("Texts to classify (CSV or TSV)", type=["csv", "tsv", "txt"], key="classify_upload",
                              on_change=_removed,
                              help=f"One text per row, up to {MAX_BYTES // 2**20} MB and {MAX_ROWS:,} rows. Other "
                                   "columns are kept in the result; a column of known labels is optional.")
    ws = st.session_state.get("workspace")
    workspace, kept = st.session_state.get(KEPT) or (None, None)
    if upload is not None:
        server.watch_uploads()  # a closed tab's file is deleted from the server's memory, as on 1. Data
        if kept is None or kept.file_id != upload.file_id or workspace != ws:
            _forget()  # one file at a time: the earlier one and its results go
            kept = NewTexts(upload.getvalue(), upload.name, upload.file_id)
            st.session_state[KEPT] = (ws, kept)
        return kept
    if kept is not None and workspace == ws:
        c1, c2 = st.columns([4, 1], vertical_alignment="center")
        c1.caption(f"Using **{plain(kept.name)}** (uploaded earlier) — upload another to replace it.")
        if not c2.button("Clear", icon=":material/close:", key="classify_clear",
                         help="Forgets this file and its results."):
            return kept
        _forget()
        st.rerun()
    _forget()
    return sample_texts(model_data)


def _removed() -> None:
    """Forgets the kept file when its upload is removed by hand (a page switch only hides the uploader)."""
    if st.session_state.get("classify_upload") is None:
        _forget()


def _forget() -> None:
    """Drops the kept file and everything computed from it."""
    for key in (KEPT, *RESULTS):
        st.session_state.pop(key, None)


def sample_texts(model_data: dict) -> NewTexts | None:
    """Says what file is expected and offers a sample; returns the sample once "Try" was pressed, else None.

    The sample comes from the test texts of the data chosen on 1. Data, so it is offered only when the model in
    use (trained on `model_data`, its ``info["data"]``) was trained on that same data.
    """
    st.markdown("**Expected:** a CSV or TSV file with a header row and one text per row, e.g. a column named "
                "`text`. Other columns are kept; a column of known labels (e.g. `label`) is optional.")
    corpus, _ = common.chosen_corpus()
    if corpus is None:
        return None
    if not corpus.described_by(model_data):
        st.caption(f"No sample file: the model in use was trained on {plain(describe(model_data or {}))}, "
                   "not on the data chosen on 1. Data; upload texts like those.")
        return None
    sample = sample_table(corpus.test_texts, corpus.test_labels)
    if not len(sample):
        return None
    w, data = nouns(corpus.description), to_csv_bytes(sample)
    what = f"{len(sample)} test {w.texts}"
    c1, c2 = st.columns(2)
    c1.download_button(f"Sample file: {what} (CSV)", data, file_name="sample-texts.csv", mime="text/csv",
                       icon=":material/download:", key="classify_sample_file",
                       help=f"{what.capitalize()} of the data chosen on 1. Data, a text column only: a file in the "
                            "expected format, to open or to upload above.")
    if c2.button(f"Try with {len(sample)} sample {w.texts}", icon=":material/play_arrow:", key="classify_try_sample",
                 help="Uses the sample file as if you had uploaded it. Uploading a file replaces it."):
        st.session_state["classify_sample"] = True
    if not st.session_state.get("classify_sample"):
        return None
    st.caption(f"Using the sample: {what} of {plain(describe(corpus.description))}.")
    return NewTexts(data, "sample-texts.csv", "sample-" + hashlib.sha256(data).hexdigest()[:16])
