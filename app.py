"""textclf dashboard: navigation and per-session defaults. Run with `streamlit run app.py`."""

import streamlit as st

from views import account, common, remembering, run_loading, server, status

st.set_page_config(page_title="textclf: train and explain a text classifier", page_icon="📝", layout="wide")
server.prepare()
common.init_session()
server.follow_workspace_run()  # a run started in another tab of this workspace shows here too
run_loading.load_latest_run()  # a new tab starts with the run its workspace last trained
# Streamlit's own "Running... Stop" corner control stops a page redraw, not training: only our Stop is shown.
st.html("<style>[data-testid='stStatusWidget']{visibility:hidden}</style>")
# A projector or laptop screen (720-800 px high): less empty space above the page title and a smaller title, so a
# page's result stays in view (e.g. Train's result with its chart, Evaluate's confusion matrix).
st.html("<style>@media (max-height: 820px) {[data-testid='stMainBlockContainer']{padding-top:3.5rem}"
        " [data-testid='stMainBlockContainer'] h1{font-size:2rem; padding-top:0.5rem}}</style>")

pages = [
    st.Page("views/home.py", title="Start here", icon=":material/home:", default=True),
    st.Page("views/data.py", title="1. Data", icon=":material/library_books:", url_path="data"),
    st.Page("views/train.py", title="2. Train", icon=":material/model_training:", url_path="train"),
    st.Page("views/evaluate.py", title="3. Evaluate", icon=":material/analytics:", url_path="evaluate"),
    st.Page("views/explain.py", title="4. Explain", icon=":material/search_insights:", url_path="explain"),
    st.Page("views/classify.py", title="5. Classify new texts", icon=":material/label:", url_path="classify"),
    st.Page("views/topic_words.py", title="What each topic looks for", icon=":material/manage_search:",
            url_path="topic-words"),
    st.Page("views/runs.py", title="Saved runs", icon=":material/history:", url_path="runs"),
    st.Page("views/lesson.py", title="Lesson: leakage", icon=":material/science:", url_path="lesson"),
]
common.ignore_case_of_page_address([p.url_path for p in pages])
page = st.navigation(pages)
status.render_status()
account.render_sign_in()  # only where .streamlit/secrets.toml configures sign-in
remembering.render_private_address()  # not for a signed-in account
page.run()
