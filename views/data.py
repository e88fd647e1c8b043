"""Data page: choose newsgroups, see what is in them, set vocabulary options."""

import streamlit as st

from views import common, sharing
from views.label_errors import render_label_errors
from views.upload import CHOOSING, render_upload
from textclf import limits
from textclf.data import ARCHIVE_ENV, NEWSGROUPS, describe, header_example, post_title
from textclf.data.features import SCALINGS
from textclf.plots import class_counts_figure
from textclf.markdown_text import plain


def word_settings(locked: dict) -> None:
    """Draws the word options (weighting, rare words, vocabulary size, word pairs) under Advanced."""
    with st.expander("Advanced: how words become numbers"):
        c1, c2, c3 = st.columns(3)
        c1.selectbox("Word weighting", SCALINGS, key="scaling", **locked,
                     format_func={"count": "count (tutorial)", "binary": "present / absent",
                                  "tfidf": "tf-idf", "log": "log(1 + count)"}.get,
                     help="count: how often each word occurs (the tutorial's choice). present/absent: 1 or 0. "
                          "tf-idf: rarer words weigh more. log: dampens very frequent words.")
        c2.number_input("Ignore words in fewer than N texts", *limits.MIN_DF, key="min_df", **locked,
                        help="1 keeps every word; 2 or more drops typos and one-off names.")
        c3.number_input("Keep at most N words (0 = all)", *limits.MAX_FEATURES, step=1000, key="max_features", **locked,
                        help="Keeps the most frequent words; a smaller vocabulary trains faster.")
        choosing = st.session_state.get("choose_pairs", False)
        c1.toggle("Word pairs", key="pairs", **{**locked, "disabled": locked["disabled"] or choosing},
                  help='Also reads neighbouring words together, such as "how many" or "not good": they help most '
                       "on short texts (questions, messages). Explanations show a pair as a pair. The rarest pairs "
                       "are left out so the saved model stays small enough.")
        c2.toggle("Word pairs: let held-back texts choose", key="choose_pairs", **locked,
                  help="Trains with words alone and with word pairs, and keeps whichever gets more held-back texts "
                       "right (short texts only: on long ones pairs did worse and take much longer). The result "
                       "says what was chosen and why.")


st.title("1. Data: which topics should the model tell apart?")
sharing.link_notes()
fixed = sharing.locked("data")
custom = st.session_state["custom_corpus"]
if sharing.hidden("data"):
    st.caption(f"The data is chosen by your teacher's link: {describe(common.chosen_description())}.")
else:
    source = st.segmented_control("Where do the texts come from?", ["20 Newsgroups", common.OWN_FILE],
                                  default=common.OWN_FILE if custom is not None else "20 Newsgroups",
                                  key="source", required=True, disabled=fixed, persist_state="session")
    if source == common.OWN_FILE and custom is None:
        render_upload()
        st.stop()
    if custom is not None and source == "20 Newsgroups":
        common.use_data(None)
        st.session_state.pop(CHOOSING, None)
        custom = None
in_use = plain(describe(custom.description)) if custom is not None else ""
if custom is not None and st.session_state.get(CHOOSING):
    st.info(f"**{in_use}** stays in use until you press **Use this data** for another file or other columns.")
    if st.button(f"Keep using {in_use}", icon=":material/undo:"):
        st.session_state.pop(CHOOSING, None)
        st.rerun()
    render_upload()
    st.stop()
if custom is not None:
    st.info(f"Using your own data: **{in_use}**, "
            f"{len(custom.train_texts):,} training and {len(custom.test_texts):,} test texts in "
            f"{custom.n_classes} classes.")
    if st.button("Use another file or other columns", icon=":material/upload_file:"):
        st.session_state[CHOOSING] = True
        st.rerun()
    if problem := common.problem_with_settings(custom):
        st.warning(f"Training on this data will not work yet: {plain(problem)}")
    st.plotly_chart(class_counts_figure(custom.class_counts(), "texts"), key="custom_counts")
    st.page_link("views/train.py", label="Go to 2. Train", icon=":material/model_training:")
    with st.expander("Likely label errors in your file", icon=":material/rule:"):
        render_label_errors(custom, "data")
    if not sharing.hidden("data"):
        word_settings({"persist_state": "session", "disabled": fixed})
    st.stop()
if not sharing.hidden("data"):
    locked = {"persist_state": "session", "disabled": fixed}
    st.multiselect(
        "Newsgroups (topics)", NEWSGROUPS, key="categories", **locked,
        help="Each newsgroup is a discussion forum from the 1990s; its posts are the examples of one topic. "
             "Pick at least two. More topics, or similar ones (two computer groups), make the task harder.")
    st.toggle(
        "Remove headers, signatures and quoted replies", key="remove_metadata", **locked,
        help="Headers name the newsgroup a post was sent to, so a model can cheat by reading them.")
    st.caption("Why it matters: headers (who wrote the post, from which organisation, its subject) and "
               "signatures give the answer away. With them removed, accuracy drops, but it is an honest measure "
               "of understanding the text. Off at first because the tutorial kept them; **Lesson: leakage** "
               "trains both ways side by side.")
    word_settings(locked)

if len(st.session_state["categories"]) < 2:
    st.warning("Choose at least two newsgroups: a classifier needs at least two topics to tell apart.")
    st.stop()
corpus, reason = common.chosen_corpus()
if corpus is None:
    st.error(plain(reason))
    st.markdown(
        f"**How to provide the data without internet:** download `20news-bydate.tar.gz` (14 MB) once on a "
        f"machine with internet, copy it here, and start the app with the environment variable "
        f"`{ARCHIVE_ENV}` set to its path, e.g. `{ARCHIVE_ENV}=/path/to/20news-bydate.tar.gz streamlit run app.py`. "
        f"With internet, the data downloads by itself the first time.")
    st.stop()

counts = corpus.class_counts()
n_train, n_test = len(corpus.train_texts), len(corpus.test_texts)
st.success(f"Loaded {n_train:,} training posts and {n_test:,} test posts in {corpus.n_classes} topics. "
           "Next: **2. Train**.")
st.page_link("views/train.py", label="Go to 2. Train", icon=":material/model_training:")
st.subheader("Posts per topic")
st.caption("The model learns from the training posts; the test posts are kept aside to grade it fairly.")
st.plotly_chart(class_counts_figure(counts), key="class_counts")

example = header_example(corpus.train_texts)
if example:
    with st.expander("What headers look like: the first lines of a training post"):
        st.code("\n".join(example), language=None)
        st.caption("A model can learn that a sender or an organisation always writes about one topic: a shortcut "
                   "that fails on new writers. Remove them above to measure honestly.")

st.subheader("Sample posts")
topic = st.selectbox("Show posts from", corpus.class_names, key="sample_topic")
label = corpus.class_names.index(topic)
samples = [t for t, y in zip(corpus.train_texts, corpus.train_labels) if y == label][:3]
for i, text in enumerate(samples, 1):
    with st.expander(f"Post {i}: {plain(post_title(text))}"):
        st.text(text[:3000] + ("\n[... cut ...]" if len(text) > 3000 else ""))
