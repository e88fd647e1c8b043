"""Evaluate page: test metrics, classification report, clickable confusion matrix, the posts in a cell."""

import pandas as pd
import streamlit as st

from views import common, server
from textclf.analysis.baselines import setting_of
from textclf.data import nouns, post_title
from textclf.analysis.evaluate import confusion_cell, largest_mistake, macro_f1_help, macro_f1_label
from textclf.data.corpus import origin_of_test_text
from textclf.plots import confusion_figure
from textclf.analysis.yardstick import compare, stored_spread, subject_of
from textclf.markdown_text import plain

shown, bare = common.current_model(), common.model_only()
# "posts"/"topic" for the newsgroups, "texts"/"class" else
w = nouns(shown.corpus.description if shown else bare.data if bare else {})
st.title(f"3. Evaluate: how good is it on {w.texts} it never saw?")
if bare is not None:  # a bundle alone, e.g. in a new workspace
    common.stop_without_data(bare, f'To grade "{bare.name}", Evaluate needs test {w.texts} with their right '
                                   f"{w.classes}, and a bundle holds only the model and its vocabulary",
                             f"Or classify a file of {w.texts} with a column of known labels on 5. Classify new "
                             "texts: it shows how often the model agrees with them.")
model = common.require_model()
ev, corpus = model.evaluation, model.corpus
names = list(ev.class_names)

c1, c2, c3 = st.columns(3)
c1.metric("Test accuracy", f"{ev.accuracy:.1%}",
          help=f"Share of the test {w.texts} whose {w.cls} the model got right.")
c2.metric(macro_f1_label(w), f"{ev.macro_f1:.3f}", help=macro_f1_help(w))
c3.metric(f"Test {w.texts}", f"{len(corpus.test_texts):,}",
          help=f"{w.texts.capitalize()} held back from training and used only here.")
if model.finished.unfinished:
    st.info(model.finished.unfinished_note())
elif model.finished.reason == "early_stopping":
    st.caption(f"Trained as set: {model.finished.ending()}. {model.finished.message}")

# The verdict in one sentence, always in view; the table behind it folded, so the per-class table stays in view.
simple = server.baselines(corpus) or {}
if simple:
    spread = stored_spread(corpus.description, model.features, model.config)
    st.markdown(compare(ev.accuracy, simple, spread, subject_of(model.classifier.spec),
                        unfinished=model.finished.unfinished).sentence)
with st.expander("Compared with two simple models: their scores and settings"):
    st.caption(f"Two classic linear models (Naive Bayes and a linear SVM) on the same training {w.texts}, with the "
               f"standard word weights (counts dampened, rare words weighted up), each with its setting chosen on "
               f"the same validation {w.texts} as the network. A network that loses to them is not worth its extra "
               "complexity.")
    this = "This network + Naive Bayes" if model.classifier.spec.mixture else "This network"
    f1 = macro_f1_label(w)
    rows = {this: {"accuracy": ev.accuracy, f1: ev.macro_f1, "setting": "your settings"}}
    rows.update({r["name"]: {"accuracy": r["accuracy"], f1: r["macro_f1"], "setting": setting_of(r)}
                 for r in simple.values()})
    st.dataframe(pd.DataFrame(rows).T.style.format({"accuracy": "{:.1%}", f1: "{:.3f}"}),
                 column_config={f1: st.column_config.Column(help=macro_f1_help(w))})

m0, m1, m2 = st.columns([3, 3, 2], vertical_alignment="center")  # one row: the matrix higher up on a projector
m0.subheader("Confusion matrix")
percent = m1.segmented_control("Show", ["counts", f"% of true {w.cls}"], default="counts", key="cm_mode",
                               label_visibility="collapsed") == f"% of true {w.cls}"
fit = m2.toggle("Fit the screen", value=True, key="cm_fit",
                help=f"Shrinks a matrix of many {w.classes} so that all of it is in view at once, e.g. on a "
                     "projector. Turn it off for larger cells.")
st.caption(f"Rows: the true {w.cls}. Columns: what the model predicted. The diagonal is correct; everything "
           f"else is a mistake. Click a cell (or pick below) to read those {w.texts}.")
event = st.plotly_chart(confusion_figure(ev.confusion, names, percent, noun=w.cls, fit_screen=fit), key="confusion",
                        on_select="rerun", selection_mode="points")
points = (event.selection.points if event and event.selection else []) or []
clicked = (points[0].get("y"), points[0].get("x")) if points else None
if clicked and set(clicked) <= set(names) and clicked != st.session_state.get("clicked_cell"):
    # A click stays selected across reruns: apply it once, so the selectboxes below can still change.
    st.session_state["clicked_cell"] = clicked
    st.session_state["cell_true"], st.session_state["cell_pred"] = clicked
elif st.session_state.get("cell_true") not in names or st.session_state.get("cell_pred") not in names:
    true_i, pred_i = largest_mistake(ev.confusion)  # start where the lesson is
    st.session_state["cell_true"], st.session_state["cell_pred"] = names[true_i], names[pred_i]

t1, t2 = st.columns(2)
true_name = t1.selectbox(f"True {w.cls}", names, key="cell_true")
pred_name = t2.selectbox(f"Predicted {w.cls}", names, key="cell_pred")
idx = confusion_cell(ev, corpus.test_labels, names.index(true_name), names.index(pred_name))
kind = "correctly classified" if true_name == pred_name else "mistaken"
st.markdown(f"**{len(idx)} {kind} test {w.text if len(idx) == 1 else w.texts}**: true "
            f"*{plain(true_name)}*, predicted *{plain(pred_name)}*.")
sheet_rows = corpus.sheet_rows()  # own files: each test text's row as the spreadsheet numbers it
for i in idx[:20]:
    text = corpus.test_texts[i]
    with st.expander((f"Row {sheet_rows[1][i]}: " if sheet_rows else "") + plain(post_title(text))):
        st.text(text[:2000] + ("\n[... cut ...]" if len(text) > 2000 else ""))
        if st.button("Explain this", key=f"explain_{i}", icon=":material/search_insights:"):
            st.session_state["explain_text"] = text
            st.session_state["explain_now"] = True  # arrive with the explanation already computed
            st.session_state["explain_source"] = (text,
                                                  origin_of_test_text(corpus, i, names[corpus.test_labels[i]]))
            st.switch_page("views/explain.py")
if len(idx) > 20:
    st.caption(f"Showing the first 20 of {len(idx)}.")

st.subheader(f"Per {w.cls}")
st.caption(f"Precision: of the {w.texts} it labelled with this {w.cls}, the share that were right. "
           f"Recall: of the {w.texts} really in this {w.cls}, the share it found. F1 combines the two (1 is perfect).")
report = pd.DataFrame({n: ev.report[n] for n in names}).T[["precision", "recall", "f1-score", "support"]]
report = report.rename(columns={"f1-score": "F1 (balance of the two)", "support": f"test {w.texts}"})
report[f"test {w.texts}"] = report[f"test {w.texts}"].astype(int)
st.dataframe(report.style.format("{:.3f}", subset=["precision", "recall", "F1 (balance of the two)"]),
             height="content")  # every row in view: no scrolling inside the table, no empty strip under it

# Take it away (issue 11): downloads of the tables above, every test text in a filterable table, label errors.
from views.takeaway import render_takeaway  # noqa: E402 - kept in its own block, apart from the page above

render_takeaway(model)
