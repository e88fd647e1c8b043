"""Start page: what this is, steps 1 to 4, and where your own file and new texts (step 5) go."""

import streamlit as st

from views import common, sharing
from textclf.data import TUTORIAL_CATEGORIES, describe
from textclf.markdown_text import plain

st.title("Train a text classifier and see why it decides")
st.markdown(
    "This dashboard teaches a small neural network to sort newsgroup posts by topic, or the texts of your own "
    "labelled CSV file by class, shows how it learns, where it goes wrong, and which words drove each decision. "
    "No programming needed: follow steps 1 to 4, then label new texts with step 5."
)
cols = st.columns(4)
steps = [
    ("views/data.py", "1. Data", ":material/library_books:", "Pick the topics (newsgroups) the model should tell apart."),
    ("views/train.py", "2. Train", ":material/model_training:", "Train the network and watch its loss fall and accuracy rise."),
    ("views/evaluate.py", "3. Evaluate", ":material/analytics:", "Test it on posts it never saw; find its mistakes."),
    ("views/explain.py", "4. Explain", ":material/search_insights:", "Paste any text and see which words pushed the decision."),
]
for col, (path, label, icon, text) in zip(cols, steps):
    with col.container(border=True):
        st.page_link(path, label=label, icon=icon)
        st.caption(text)
st.caption("Your own texts: choose **Your own file** on 1. Data. Once a model is trained, **5. Classify new texts** "
           "labels a file of new texts and gives it back as a spreadsheet.")
sharing.link_notes()
if st.session_state["custom_corpus"] is not None:
    chosen = f"your file {plain(describe(st.session_state['custom_corpus'].description))} is"
elif tuple(st.session_state["categories"]) == TUTORIAL_CATEGORIES:
    chosen = "the tutorial's four topics are"
else:
    chosen = f"these topics are: {describe(common.chosen_description())},"
st.info(f"New here? {chosen[0].upper() + chosen[1:]} already selected: go straight to **2. Train** and press "
        "**Train**. A run takes a few seconds.")
with st.expander("What is under the hood?"):
    st.markdown(
        "- Each post becomes a **bag of words**: how often each word of the vocabulary occurs in it.\n"
        "- A **neural network** (two hidden layers of 128 and 64 units) turns those counts into a score per "
        "topic; training nudges its weights to make the right topic score highest.\n"
        "- **LIME** explains one prediction by deleting random words from the text and watching how the "
        "prediction changes.\n"
        "- Built with JAX, Haiku and Optax (the network), scikit-learn (data and metrics) and LIME."
    )
