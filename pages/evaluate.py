"""Evaluate page: test metrics, classification report, clickable confusion matrix, the posts in a cell."""

import pandas as pd
import streamlit as st

from pages import common
from textclf.data import post_title
from textclf.evaluate import confusion_cell, largest_mistake
from textclf.plots import confusion_figure

st.title("3. Evaluate: how good is it on posts it never saw?")
model = common.require_model()
ev, corpus = model.evaluation, model.corpus
names = list(ev.class_names)

c1, c2, c3 = st.columns(3)
c1.metric("Test accuracy", f"{ev.accuracy:.1%}",
          help="Share of the test posts whose topic the model got right.")
c2.metric("Macro F1", f"{ev.macro_f1:.3f}",
          help="F1 balances missed posts and false alarms for each topic (1 is perfect), averaged so every "
               "topic counts equally, however many posts it has.")
c3.metric("Test posts", f"{len(corpus.test_texts):,}", help="Posts held back from training and used only here.")
if model.finished.reason != "completed":
    st.info(f"This model's training ended early: {model.finished.message}")

with st.expander("Compared with two simple models", expanded=True):
    st.caption("Classic linear models trained on the same training posts (tf-idf word weights). "
               "A network that loses to them is not worth its extra complexity.")
    rows = {"This network": {"accuracy": ev.accuracy, "macro F1": ev.macro_f1}}
    rows.update({r["name"]: {"accuracy": r["accuracy"], "macro F1": r["macro_f1"]}
                 for r in common.baselines(corpus).values()})
    st.dataframe(pd.DataFrame(rows).T.style.format({"accuracy": "{:.1%}", "macro F1": "{:.3f}"}))

st.subheader("Per topic")
st.caption("Precision: of the posts it labelled with this topic, the share that were right. "
           "Recall: of the posts really in this topic, the share it found. F1 combines the two (1 is perfect).")
report = pd.DataFrame({n: ev.report[n] for n in names}).T[["precision", "recall", "f1-score", "support"]]
report = report.rename(columns={"f1-score": "F1 (balance of the two)", "support": "test posts"})
report["test posts"] = report["test posts"].astype(int)
st.dataframe(report.style.format("{:.3f}", subset=["precision", "recall", "F1 (balance of the two)"]))

st.subheader("Confusion matrix")
st.caption("Rows: the true topic. Columns: what the model predicted. The diagonal is correct; everything "
           "else is a mistake. Click a cell (or pick below) to read those posts.")
percent = st.segmented_control("Show", ["counts", "% of true topic"], default="counts", key="cm_mode") == \
    "% of true topic"
event = st.plotly_chart(confusion_figure(ev.confusion, names, percent), key="confusion", on_select="rerun",
                        selection_mode="points")
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
true_name = t1.selectbox("True topic", names, key="cell_true")
pred_name = t2.selectbox("Predicted topic", names, key="cell_pred")
idx = confusion_cell(ev, corpus.test_labels, names.index(true_name), names.index(pred_name))
kind = "correctly classified" if true_name == pred_name else "mistaken"
st.markdown(f"**{len(idx)} {kind} test post{'s' if len(idx) != 1 else ''}**: true *{true_name}*, "
            f"predicted *{pred_name}*.")
for i in idx[:20]:
    text = corpus.test_texts[i]
    with st.expander(common.plain(post_title(text))):
        st.text(text[:2000] + ("\n[... cut ...]" if len(text) > 2000 else ""))
        if st.button("Explain this", key=f"explain_{i}", icon=":material/search_insights:"):
            st.session_state["explain_text"] = text
            st.session_state["explain_now"] = True  # arrive with the explanation already computed
            st.session_state["explain_source"] = (text, names[corpus.test_labels[i]])
            st.switch_page("pages/explain.py")
if len(idx) > 20:
    st.caption(f"Showing the first 20 of {len(idx)}.")

# Take it away (issue 11): downloads of the tables above, every test text in a filterable table, label errors.
from pages.takeaway import render_takeaway  # noqa: E402 - kept in its own block, apart from the page above

render_takeaway(model)
