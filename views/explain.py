"""Explain page: any text in, predicted topic, class probabilities and LIME word weights out."""

import streamlit as st

from views import common
from textclf.data import nouns, post_title
from textclf.explain import MAX_EXPLAIN_CHARS, ExplainError, explain
from textclf.plots import highlighted_html, probabilities_figure, weights_figure

st.title("4. Explain: which words made the decision?")
model = common.require_model()
names = list(model.classifier.class_names)
corpus = model.corpus
w = nouns(corpus.description)

pick = st.selectbox("Start from a test post (optional)", range(len(corpus.test_texts)), index=None,
                    format_func=lambda i: f"#{i} [{names[corpus.test_labels[i]]}] "
                                          f"{post_title(corpus.test_texts[i], 70)}",
                    placeholder="Choose a test post, or type your own text below")
if pick is not None and st.session_state.get("picked") != pick:
    st.session_state["picked"] = pick
    st.session_state["explain_text"] = corpus.test_texts[pick]
    st.session_state["explain_source"] = (corpus.test_texts[pick], names[corpus.test_labels[pick]])
text = st.text_area("Text to explain", key="explain_text", height=200, persist_state="session",
                    placeholder="Paste a post, an e-mail or any sentence, e.g. 'The goalie made 40 saves "
                                "and the Penguins won in overtime.'",
                    help=f"Up to {MAX_EXPLAIN_CHARS:,} characters.")

source = st.session_state.get("explain_source")
if source and source[0] == text:
    st.caption(f"A test {w.text} whose true {w.cls} is **{common.plain(source[1])}**.")
c1, c2, c3 = st.columns(3)
target = c1.selectbox("Explain the topic", ["the predicted topic"] + names, key="explain_class",
                      help="LIME explains one topic at a time: why the text is (or is not) this topic.")
num_features = c2.slider("Words to show", 3, 30, 10, key="num_features",
                         help="How many of the most influential words to list.")
num_samples = c3.select_slider("LIME samples", [250, 500, 1000, 2000, 5000, 10000], 5000, key="num_samples",
                               help="LIME deletes random words this many times and watches the prediction. "
                                    "More samples: steadier weights, slower.")

if st.button("Explain", type="primary", icon=":material/search_insights:") or st.session_state.pop("explain_now", False):
    class_index = None if target == "the predicted topic" else names.index(target)
    try:
        with st.spinner("Asking the model about thousands of variants of your text ..."):
            st.session_state["explanation"] = explain(model.classifier, text, class_index, num_features,
                                                      num_samples)
    except ExplainError as err:
        st.session_state["explanation"] = None
        st.warning(str(err))

result = st.session_state.get("explanation")
if result is None or result.class_names != tuple(names):
    st.stop()
predicted, explained = names[result.predicted], names[result.explained_class]
st.markdown(f"### Predicted {w.cls}: **{common.plain(predicted)}** ({result.probabilities[result.predicted]:.1%})")
if result.n_known_words == 0:
    st.warning("None of these words are in the model's vocabulary, so it can only guess from what is "
               "common overall. Try text about one of the topics.")
left, right = st.columns(2)
with left:
    st.markdown("**How sure is the model?**")
    st.plotly_chart(probabilities_figure(names, result.probabilities, result.predicted), key="probabilities")
with right:
    st.markdown(f"**Words that mattered for *{common.plain(explained)}***")
    if result.n_known_words == 0 or not any(w for _, w in result.weights):
        st.caption("No word changed the prediction: the model does not know any of them.")
        st.stop()
    st.plotly_chart(weights_figure(result.weights, explained), key="weights")
    st.caption(f"Blue words push towards {common.plain(explained)}; orange words push away from it. "
               f"LIME's local fit explains {max(result.score, 0):.0%} of the variation it saw "
               f"({result.seconds:.2f} s, {num_samples:,} samples).")
st.markdown("**The text, with those words highlighted**")
st.html(highlighted_html(result.text, result.weights))
