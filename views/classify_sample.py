"""Classify's first view before any upload: the expected file format, a sample file, and "Try" with the sample."""

import hashlib
from typing import NamedTuple

import streamlit as st

from views import common
from textclf.data import describe, nouns
from textclf.store.export import to_csv_bytes
from textclf.analysis.predict import sample_table


class NewTexts(NamedTuple):
    """A file of texts to classify: an upload or the sample."""

    data: bytes
    name: str
    file_id: str


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
        st.caption(f"No sample file: the model in use was trained on {common.plain(describe(model_data or {}))}, "
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
    st.caption(f"Using the sample: {what} of {common.plain(describe(corpus.description))}.")
    return NewTexts(data, "sample-texts.csv", "sample-" + hashlib.sha256(data).hexdigest()[:16])
