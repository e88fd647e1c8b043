"""Classify new texts: apply the current model or a saved run to a file of texts, and download the result."""

import pandas as pd
import streamlit as st

from views import common
from views.run_loading import load_run
from views.classify_sample import NewTexts, texts_to_classify
from textclf.data import describe
from textclf.store.export import SAFE_HELP as SAFE, to_csv_bytes
from textclf.store.modelfiles import BadModelFile
from textclf.plots import confusion_figure
from textclf.analysis.advice import setting_advice, unsure_share
from textclf.analysis.predict import (DEFAULT_THRESHOLD, TOP_WORDS, check_labels, check_text_column, guess_text_column,
                             prediction_table, predict_texts, read_new_texts, shown_columns)
from textclf.store.runs import RunNotFound
from textclf.store.workspaces import published_store
from textclf.data.own_files import LABEL_NAMES, BadTable
from textclf.markdown_text import plain

CURRENT = "current"
NO_LABELS = "(none)"


def choose_model():
    """Returns (the chosen classifier, a key naming it, its (store, run) or None for the current model); stops the
    page when there is none to choose."""
    model = common.current_model()
    # Only this visitor's workspace and the class's published runs: never another student's.
    listed = [(run, store) for store in (common.run_store(), published_store()) for run in store.list()]
    runs, stores = [run for run, _ in listed], {run.id: store for run, store in listed}
    options = ([CURRENT] if model is not None else []) + [r.id for r in runs]
    if not options:
        st.info("No model yet. Train one on 2. Train (a few seconds), or upload a run on Saved runs.")
        st.page_link("views/train.py", label="Go to 2. Train", icon=":material/model_training:")
        st.stop()
    names = {r.id: f"Saved run: {r.name} ({r.created:%d %b %H:%M}, {describe(r.data)})" for r in runs}
    if model is not None:
        names[CURRENT] = f"The current model ({describe(model.corpus.description)})"
    choice = st.selectbox("Model", options, format_func=names.get, key="classify_model", persist_state="session",
                          help="The model trained last in this tab, or any of your saved runs (and those your "
                               "teacher published).")
    if choice == CURRENT:
        return model.classifier, f"current-{id(model.classifier)}", None
    loaded = st.session_state.get("classify_loaded")
    if loaded is None or loaded[0] != choice:
        try:
            loaded = (choice, stores[choice].load_classifier(choice))
        except (BadModelFile, RunNotFound) as err:
            st.error(f"This saved run cannot be used: {plain(str(err))}")
            st.stop()
        st.session_state["classify_loaded"] = loaded
    return loaded[1], choice, (stores[choice], next(r for r in runs if r.id == choice))


def read_upload(upload: NewTexts) -> pd.DataFrame:
    """Returns the table of texts (parsed once per file) or stops the page with the reason it is refused."""
    if st.session_state.get("classify_file") != upload.file_id:
        st.session_state["classify_file"] = upload.file_id
        try:
            table, error = read_new_texts(upload.data, upload.name), None
        except BadTable as err:
            table, error = None, str(err)
        st.session_state["classify_table"], st.session_state["classify_error"] = table, error
        if table is not None:
            text = guess_text_column(table)
            labels = [c for c in table.columns if c != text and c.strip().lower() in LABEL_NAMES]
            st.session_state.update(classify_text=text, classify_label=labels[0] if labels else NO_LABELS)
    if st.session_state["classify_error"]:
        st.error(f"This file cannot be used: {plain(st.session_state['classify_error'])}")
        st.stop()
    return st.session_state["classify_table"]


st.title("5. Classify new texts")
st.caption("Label texts the model has never seen, for example this month's tickets, and take the result away "
           "as a spreadsheet.")
classifier, model_key, saved = choose_model()
upload = texts_to_classify(classifier.info.get("data") or {})
if upload is None:
    st.caption("Just one text? Paste it on 4. Explain: it shows the class and the words behind it.")
    if saved is None:
        st.page_link("views/explain.py", label="Go to 4. Explain", icon=":material/search_insights:")
    elif st.button("Explain a text with this run on 4. Explain", icon=":material/search_insights:",
                   help="Makes this saved run the model of 3. Evaluate and 4. Explain (without its data if the "
                        "data is not at hand: a pasted text is all 4. Explain needs)."):
        load_run(*saved)
        st.switch_page("views/explain.py")
    st.stop()
table = read_upload(upload)
columns = list(table.columns)
c1, c2, c3 = st.columns(3)
# Kept across page switches, like the file (Streamlit forgets a widget's value when its page is left).
text_column = c1.selectbox("Text column", columns, key="classify_text", persist_state="session",
                           help="The texts to classify.")
label_column = c2.selectbox("Known labels (optional)", [NO_LABELS] + columns, key="classify_label",
                            persist_state="session",
                            help="If the file already says what each text is, the page shows how often the model "
                                 "agrees.")
threshold = c3.slider("Mark as unsure below", 0.0, 1.0, DEFAULT_THRESHOLD, 0.05, key="classify_threshold",
                      persist_state="session",
                      help="A row is marked unsure when the model gives its first choice less than this probability. "
                           "At 0.5 (the default) an unsure row is one the model thinks is more likely wrong than "
                           "right: those are worth a person's look.")
try:
    check_text_column(table, text_column)
    if label_column == text_column:
        raise BadTable("The known labels must be another column than the texts.")
except BadTable as err:
    st.error(plain(str(err)))
    st.stop()
st.dataframe(table.head(5), hide_index=True)

key = (upload.file_id, text_column, model_key)
if st.button("Classify", type="primary", icon=":material/label:"):
    bar = st.progress(0.0, text=f"Classifying {len(table):,} texts ...")
    predictions = predict_texts(classifier, table[text_column].tolist(),
                                progress=lambda f: bar.progress(f, text=f"Finding the {TOP_WORDS} strongest words ..."))
    bar.empty()
    st.session_state["classified"] = (key, predictions)
stored = st.session_state.get("classified")
if stored is None or stored[0] != key:
    st.stop()
predictions = stored[1]
result = prediction_table(table, predictions, threshold)
status = result.iloc[:, -1].value_counts()
st.markdown(f"**{len(result):,} rows**: {status.get('sure', 0):,} sure, {status.get('unsure', 0):,} unsure, "
            f"{status.get('no text', 0):,} without text, {status.get('no known words', 0):,} without any word "
            f"the model knows.")
if advice := setting_advice(classifier, unsure_share(predictions.confidence[predictions.classified], threshold),
                             threshold):
    st.info(advice, icon=":material/lightbulb:")
st.caption(f"*top words*: the {TOP_WORDS} words whose removal lowers the predicted class's probability most "
           "(each removal recomputed exactly).")
st.dataframe(result, hide_index=True, key="classified_table",
             column_order=shown_columns(result, table.shape[1], text_column),
             column_config={result.columns[-4]: st.column_config.NumberColumn(format="percent"),
                            text_column: st.column_config.TextColumn(width="medium")})
st.download_button("Download the table (CSV)", to_csv_bytes(result), file_name="predictions.csv", mime="text/csv",
                   type="primary", icon=":material/download:", help=SAFE)

if label_column != NO_LABELS:
    check = check_labels(table[label_column].tolist(), predictions)
    st.subheader("Against the known labels")
    if check.evaluation is None:
        st.warning(f'Accuracy cannot be measured on this file: no row has both a label from the column '
                   f'"{plain(label_column)}" that this model knows and a prediction. '
                   f"{plain(check.note())}")
        st.stop()
    st.metric("Accuracy", f"{check.evaluation.accuracy:.1%}",
              help=f"Share of the {check.n_compared:,} compared rows whose label the model predicted.")
    st.caption(plain(check.note()))
    names = list(predictions.class_names)
    st.plotly_chart(confusion_figure(check.evaluation.confusion, names), key="classify_confusion")
    matrix = pd.DataFrame(check.evaluation.confusion, index=pd.Index(names, name="true class"), columns=names)
    st.download_button("Download the confusion matrix (CSV)", to_csv_bytes(matrix, index=True),
                       file_name="confusion-matrix.csv", mime="text/csv", icon=":material/download:", help=SAFE)
