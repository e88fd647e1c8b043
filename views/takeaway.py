"""Evaluate's "take it away" section: downloads of its tables, a filterable table of test posts, label errors."""

import numpy as np
import pandas as pd
import streamlit as st

from views.label_errors import render_label_errors
from textclf.data import nouns, post_title
from textclf.store.export import SAFE_HELP as SAFE, to_csv_bytes
from textclf.serve.jobs import TrainedModel

FILTERS = {"all": "All", "mistakes": "Mistakes only", "correct": "Correct only"}
TABLE_HEIGHT = 38 + 35 * 6 + 3  # a header and six rows (Streamlit's rows are 35 px): well under half of a 720 px screen


def test_posts_table(model: TrainedModel) -> pd.DataFrame:
    """Returns one row per test post (number, file row, title, true, predicted, probability, correct), surest first."""
    cached = st.session_state.get("test_posts_table")
    if cached is not None and cached[0] is model:
        return cached[1]
    corpus, names = model.corpus, np.array(model.evaluation.class_names, dtype=object)
    probabilities = model.classifier.predict_proba(corpus.test_texts)  # [n_test, classes]
    predicted = probabilities.argmax(axis=1)
    table = pd.DataFrame({
        "post": np.arange(len(corpus.test_texts)),
        "title": [post_title(t, 80) for t in corpus.test_texts],
        "true class": names[corpus.test_labels], "predicted class": names[predicted],
        "probability": probabilities[np.arange(len(predicted)), predicted].round(4),
        "correct": predicted == np.asarray(corpus.test_labels)})
    if corpus.sheet_rows() is not None:  # own files: the row to look up in the spreadsheet
        table.insert(1, "file row", corpus.sheet_rows()[1])
    table = table.sort_values("probability", ascending=False, kind="stable").reset_index(drop=True)
    st.session_state["test_posts_table"] = (model, table)
    return table


def render_takeaway(model: TrainedModel) -> None:
    """Shows the downloads of Evaluate's tables, the table of test posts and the label-errors panel."""
    ev, corpus = model.evaluation, model.corpus
    names, w = list(ev.class_names), nouns(corpus.description)  # "posts"/"topic" for the newsgroups
    st.subheader("Take the results away")
    report = pd.DataFrame({n: ev.report[n] for n in names}).T[["precision", "recall", "f1-score", "support"]]
    report.index.name = "class"
    matrix = pd.DataFrame(ev.confusion, index=pd.Index(names, name="true class"), columns=names)
    c1, c2 = st.columns(2)
    c1.download_button("Per-class report (CSV)", to_csv_bytes(report.round(4), index=True),
                       file_name="per-class-report.csv", mime="text/csv", icon=":material/download:", help=SAFE)
    c2.download_button("Confusion matrix (CSV)", to_csv_bytes(matrix, index=True), file_name="confusion-matrix.csv",
                       mime="text/csv", icon=":material/download:", help=SAFE)

    st.markdown(f"**Every test {w.text}, most confident first**")
    table = test_posts_table(model)
    f1, f2 = st.columns([1, 2])
    shown = f1.segmented_control("Show", list(FILTERS), format_func=FILTERS.get, default="all",
                                 key="test_posts_filter", required=True,
                                 help="Mistakes only, most confident first: the model's most confident mistakes "
                                      "are at the top.")
    classes = f2.multiselect(f"True {w.cls}", names, key="test_posts_classes", placeholder=f"All {w.classes}")
    if shown != "all":
        table = table[table["correct"] == (shown == "correct")]
    if classes:
        table = table[table["true class"].isin(classes)]
    # A line between the filters and the table: the table's hover toolbar sits over it, not over the
    # filter's arrow. The table is short, so at 1280x720 the page scrolls on past it instead of trapping the wheel.
    st.caption(f"{len(table):,} of {len(corpus.test_texts):,} test {w.texts}; scroll inside the table for more, "
               "click a column name to sort.")
    own_file = "file row" in table.columns
    if own_file:
        st.caption("*file row* is the row number your spreadsheet shows (the header is row 1).")
    # For an own file the file row is the number to go by; the position among the test texts only confuses.
    shown_columns = [c for c in table.columns if not (own_file and c == "post")]
    st.dataframe(table, hide_index=True, key="test_posts", height=TABLE_HEIGHT, column_order=shown_columns,
                 column_config={"probability": st.column_config.NumberColumn(format="percent"),
                                "post": st.column_config.NumberColumn(f"test {w.text} #", format="%d"),
                                "file row": st.column_config.NumberColumn(format="%d")})
    full = table.assign(text=[corpus.test_texts[i][:32_000] for i in table["post"]])[shown_columns + ["text"]]
    st.download_button(f"These {len(table):,} test {w.texts} (CSV)", to_csv_bytes(full),
                       file_name="test-predictions.csv", mime="text/csv", icon=":material/download:", help=SAFE + " Includes each text.")

    st.subheader("Likely label errors in the data")
    render_label_errors(corpus, "evaluate")
