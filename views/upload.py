"""The Data page's "your own file" section: upload a CSV, pick its columns, preview, use it."""

import streamlit as st

from views import common, label_fix_panel, server
from textclf.markdown_text import plain
from textclf.plots import class_counts_figure
from textclf.data import describe
from textclf.data.own_files import (MAX_BYTES, MAX_CLASSES, BadTable, TooFewExamples, corpus_from_table, guess_columns,
                                   read_table, unused_split_column)

NO_SPLIT = "(none: split at random)"
CHOOSING = "choosing_file"  # set while a file is in use and another is being chosen: the one in use stays until then


def render_upload() -> None:
    """Shows the upload flow; "Use this data" makes the file the session's corpus."""
    st.markdown(f"Upload a **CSV or TSV** file with one text per row and a column naming its class (for example "
                f"support tickets and the team that handled them). Up to {MAX_BYTES // 2**20} MB and "
                f"{MAX_CLASSES} classes.")
    upload = st.file_uploader("Your file", type=["csv", "tsv", "txt"], key="csv_upload")
    if upload is None:
        return
    server.watch_uploads()
    if st.session_state.get("table_id") != upload.file_id:  # parse each uploaded file once
        st.session_state["table_id"] = upload.file_id
        st.session_state.pop("csv_drop_small", None)  # a choice made for another file
        try:
            st.session_state["table"] = read_table(upload.getvalue(), upload.name)
            st.session_state["table_error"] = None
        except BadTable as err:
            st.session_state["table"], st.session_state["table_error"] = None, str(err)
        else:
            text, label, split = guess_columns(st.session_state["table"])
            st.session_state.update(text_column=text, label_column=label, split_column=split or NO_SPLIT)
    if st.session_state.get("table_error"):
        st.error(f"This file cannot be used: {plain(st.session_state['table_error'])}")
        return
    table = st.session_state["table"]
    columns = list(table.columns)
    c1, c2, c3 = st.columns(3)
    text_column = c1.selectbox("Text column", columns, key="text_column", help="The texts to classify.")
    label_column = c2.selectbox("Class column", columns, key="label_column", help="What each text should be "
                                "classified as.")
    split_column = c3.selectbox("Train/test column", [NO_SPLIT] + columns, key="split_column",
                                help="A column saying 'train', 'validation' or 'test' for each row, if your file "
                                     "has one. Validation rows train too, but first check progress after each epoch "
                                     "(in place of the validation share).")
    share = st.slider("Share of rows kept aside for testing", 0.1, 0.4, 0.2, 0.05, key="csv_test_share",
                      disabled=split_column != NO_SPLIT,
                      help="These rows are never trained on; they grade the model on the Evaluate page.")
    # What to do next (or what is wrong) comes above the preview: at 1280x720 the preview fills the screen.
    message = st.container()
    st.dataframe(table.head(8), hide_index=True)
    with message:
        split = None if split_column == NO_SPLIT else split_column
        try:
            try:
                corpus, report = corpus_from_table(table, text_column, label_column, split, share, name=upload.name)
            except TooFewExamples as err:
                if not st.session_state.get("csv_drop_small"):
                    st.error(plain(str(err)))
                    label_fix_panel.offer_merges(table, label_column, err.small)
                n_classes = len(err.small)
                which = "this class" if n_classes == 1 else f"these {n_classes} classes"
                if not st.checkbox(f"Leave out the {err.rows:,} row{'s' * (err.rows != 1)} of {which} and use the "
                                   "rest", key="csv_drop_small"):
                    return
                corpus, report = corpus_from_table(table, text_column, label_column, split, share, name=upload.name,
                                                   drop_small=True)
        except BadTable as err:
            st.error(plain(str(err)))
            return
        in_use = st.session_state.get("custom_corpus")
        kept = "the newsgroups" if in_use is None else f"**{plain(describe(in_use.description))}**"
        st.info(f"Preview: {plain(report.summary())} Press **Use this data** to train on this file; until then the "
                f"other pages keep using {kept}.")
        if split is None and (note := unused_split_column(table, (text_column, label_column))):
            st.warning(plain(note))
        if problem := common.problem_with_settings(corpus):
            st.warning(f"Training on this data will not work yet: {plain(problem)}")
        if st.button("Use this data", type="primary", icon=":material/check:"):
            common.use_data(corpus)  # and, unless the form was changed, the recommended preset
            st.session_state.pop(CHOOSING, None)
            # the file itself stays (one copy) so that the label check can hand back a corrected file
            label_fix_panel.remember_table(corpus, table, bool(st.session_state.get("csv_drop_small")))
            for key in ("table", "table_id"):  # the upload step is over; the file is kept once, under own_table
                st.session_state.pop(key, None)
            st.rerun()
    st.plotly_chart(class_counts_figure(report.class_counts, "texts"), key="csv_counts")
