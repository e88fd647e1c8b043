"""What each topic looks for: per class the words that push test posts towards it, with artefacts flagged."""

import pandas as pd
import streamlit as st

from views import common
from textclf.data import nouns
from textclf.explain import TopicWords, topic_words
from textclf.explain.topics import SHORT_REASONS, min_posts
from textclf.plots import without_bidi
from textclf.markdown_text import plain

MOST = 30  # computed once per model; the slider only shows fewer

st.title("What each topic looks for")
if (bare := common.model_only()) is not None:  # a bundle alone, e.g. in a new workspace
    common.stop_without_data(bare, f'What "{bare.name}" looks for is measured on the test texts it was graded on, '
                                   "and a bundle holds only the model and its vocabulary")
model = common.require_model()
texts = model.corpus.test_texts
w = nouns(model.corpus.description)  # "posts"/"topic" for the newsgroups, "texts"/"class" for your own file
st.markdown(
    f"For each of the {len(texts):,} test {w.texts}, the model is asked again with each word deleted in turn, and "
    f"we measure how much each {w.cls}'s probability falls (an exact leave-one-word-out test). A word's score is "
    f"the average fall over the test {w.texts} that contain it; words found in fewer than {min_posts(len(texts))} "
    f"{w.texts} are left out. High scores are what the model has learnt to look for.")


def cached(model) -> TopicWords | None:
    """Returns this model's result if it was computed in this session (it is kept per model)."""
    stored = st.session_state.get("topic_words")
    return stored[1] if stored and stored[0] is model.classifier else None


result = cached(model)
if result is None:
    if not st.button("Find what each topic looks for", type="primary", icon=":material/manage_search:"):
        st.caption("Takes a few seconds (about 10 s for all 20 newsgroups); the result is kept for this model.")
        st.stop()
    with st.spinner(f"Deleting every word of every test {w.text}, one at a time ..."):
        result = topic_words(model.classifier, texts, MOST)
    st.session_state["topic_words"] = (model.classifier, result)

top = st.slider("Words per topic", 5, MOST, 10, key="topic_words_top")
flags = {(w, c): reason for w, c, reason in result.suspicious}
names = list(result.classes)
columns = st.columns(min(2, len(names)))
for i, name in enumerate(names):
    rows = [{"word": without_bidi(word), "average push": s, f"in {w.texts}": result.posts[word],
             "looks like": SHORT_REASONS.get(flags.get((word, name), ""), "")} for word, s in result.classes[name][:top]]
    with columns[i % len(columns)]:
        st.markdown(f"**{plain(without_bidi(name))}**")
        if not rows:
            st.caption(f"No word pushes test {w.texts} towards this {w.cls}.")
            continue
        st.dataframe(pd.DataFrame(rows), hide_index=True, key=f"topic_words_{i}",
                     column_config={"average push": st.column_config.ProgressColumn(
                         format="percent", min_value=0.0, max_value=max(r["average push"] for r in rows),
                         help=f"How much the {w.cls}'s probability falls, on average, when this word is deleted"),
                         f"in {w.texts}": st.column_config.NumberColumn(
                             help=f"Test {w.texts} that contain the word"),
                         "looks like": st.column_config.TextColumn(
                             help="Why the word looks like an artefact (the table below says it in full)")})

listed = {(word, c) for c in result.classes for word, _ in result.classes[c][:top]}
shown = [(word, c, r) for word, c, r in result.suspicious if (word, c) in listed]
st.markdown("### Words that look like artefacts, not topic")
if shown:
    st.warning(f"{len(shown)} of the listed words are e-mail address parts, host names, header words, user names "
               "or numbers. The model uses them because they give the answer away in this data, not because they "
               "mean the topic: this is leakage. Train again with headers removed and most of them disappear.",
               icon=":material/warning:")
    st.dataframe(pd.DataFrame([{"word": without_bidi(word), w.cls: without_bidi(c), "why": r}
                               for word, c, r in shown]),
                 hide_index=True, key="topic_words_suspicious")
else:
    st.success("None of the listed words looks like an artefact (addresses, header words, user names, numbers).")
st.page_link("views/lesson.py", label="Lesson: leakage, with and without headers", icon=":material/science:")
st.caption(f"Computed in {result.seconds:.1f} s over {result.n_posts:,} test {w.texts}.")
