"""The leakage lesson: the same training with and without headers, signatures and quotes."""

import streamlit as st

from views import common, server
from textclf.analysis.baselines import best_baseline, describe_baseline
from textclf.data import BadDataChoice, DataUnavailable, describe, header_example
from textclf.serve.jobs import TrainingJob
from textclf.learn.train import TrainConfig
from textclf.markdown_text import plain

st.title("Lesson: do headers give the answer away?")
st.markdown(
    "Newsgroup posts carry headers (who wrote them, from which organisation, the subject), signatures and "
    "quoted replies. A model can score well by reading those instead of the text. This lesson trains the "
    "**same model twice** on the chosen topics, once with and once without them, and compares the test accuracy.")
if st.session_state.get("custom_corpus") is not None:
    st.info("This lesson uses the newsgroups; you are using your own data. Switch back on the Data page.")
    st.stop()
categories = tuple(st.session_state["categories"])
if len(categories) < 2:
    st.warning("Choose at least two newsgroups on the Data page first.")
    st.stop()
try:
    with_headers = common.load_corpus(categories, False)
except (BadDataChoice, DataUnavailable) as err:
    st.error(f"The lesson needs the newsgroups, which cannot be loaded: {plain(str(err))}")
    st.page_link("views/data.py", label="See how to provide the data on 1. Data", icon=":material/library_books:")
    st.stop()
example = header_example(with_headers.train_texts)
if example:
    st.markdown("The first lines of one of these training posts:")
    st.code("\n".join(example), language=None)
st.caption(f"Topics: {describe({'source': '20newsgroups', 'categories': categories})}. Settings: the tutorial's, with fast "
           "updates, so both runs take seconds.")


def start_lesson() -> None:
    """Starts both runs (a callback: the page then redraws with the button already disabled)."""
    previous = st.session_state.get("lesson_jobs") or {}
    if any(not job.done for job in previous.values()):
        return  # a click on a page drawn before the runs began: they go on
    config = TrainConfig()
    st.session_state["lesson_jobs"] = {
        removed: TrainingJob(common.load_corpus(categories, removed), common.feature_config(), config,
                             queue=server.training_queue(), owner_alive=server.session_alive(),
                             workers=server.training_workers()).start()
        for removed in (False, True)}  # through the server's queue, like any other training


jobs = st.session_state.get("lesson_jobs")
running = jobs is not None and not all(j.done for j in jobs.values())
st.button("Run the lesson", type="primary", icon=":material/science:", disabled=running, on_click=start_lesson)


@st.fragment(run_every=server.training_queue().refresh_seconds(0.5))
def wait_for_lesson() -> None:
    """Shows both runs' progress until they end, then reruns the page for the result."""
    lesson = st.session_state["lesson_jobs"]
    if all(j.done for j in lesson.values()):
        st.rerun(scope="app")
    if st.button("Stop", icon=":material/stop_circle:", help="Ends both runs now; their scores are then unfinished."):
        for job in lesson.values():
            job.stop()
    for removed, job in lesson.items():
        p = job.progress()
        waiting = f" · waiting: {p.ahead} run{'s' if p.ahead != 1 else ''} ahead of it" if p.status == "waiting" else ""
        st.progress(p.fraction, text=("without" if removed else "with") + " headers and quotes" + waiting)


if running:
    wait_for_lesson()
elif jobs is not None:
    failed = [j.progress().message for j in jobs.values() if j.result is None]
    if failed:
        st.error(plain(failed[0]))
        st.stop()
    with_meta, without = jobs[False].result.evaluation.accuracy, jobs[True].result.evaluation.accuracy
    if any(j.result.finished.reason == "stopped" for j in jobs.values()):
        st.info("The lesson was stopped early, so these scores come from unfinished training.")
    c1, c2 = st.columns(2)
    c1.metric("With headers, signatures and quotes", f"{with_meta:.1%}")
    c2.metric("Without them", f"{without:.1%}", delta=f"{100 * (without - with_meta):+.1f} points")
    simple = {removed: server.baselines(jobs[removed].result.corpus) for removed in (False, True)}
    if all(simple.values()):  # None while they are computed in the background
        best = {removed: best_baseline(results) for removed, results in simple.items()}
        st.caption("The best simple model, tuned on validation, on the same data: "
                   f"{best[False]['accuracy']:.1%} with them ({describe_baseline(best[False])}), "
                   f"{best[True]['accuracy']:.1%} without ({describe_baseline(best[True])}). "
                   "Compare its drop with the network's: a leak helps any model that reads the words.")
    drop = 100 * (with_meta - without)
    if drop > 0:
        st.success(f"Removing them cost **{drop:.1f} points** of accuracy: that much of the first score came from "
                   "who posted where and what they quoted, not from what the posts say. The lower number is "
                   "the honest measure of how well the model reads text.")
    else:
        st.info("Removing them did not lower the accuracy here: on these topics the words of the posts "
                "carry the answer on their own.")
