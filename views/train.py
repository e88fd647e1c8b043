"""Train page: hyperparameters, a background training run, its live chart, and Stop."""

import streamlit as st

from views import common, server, sharing, train_settings, training
from textclf.analysis.baselines import setting_of
from textclf.analysis.evaluate import macro_f1_help
from textclf.learn.checks import data_problem
from textclf.data import describe, nouns
from textclf.serve.jobs import TrainedModel, TrainingJob
from textclf.plots import runs_figure, training_figure
from textclf.learn.presets import config_from_form
from textclf.markdown_text import plain


def start_training() -> None:
    """Starts a run from the form's values (a callback: the page then redraws with Train already disabled)."""
    s = st.session_state
    s["train_error"] = None
    corpus, reason = common.chosen_corpus()
    try:
        if corpus is None:
            raise ValueError(reason)
        config = config_from_form(s)
    except ValueError as err:
        s["train_error"] = f"Please fix the settings: {err}."
        return
    s["train_error"] = training.start_run(corpus, common.feature_config(), config)


def show_chart(job: TrainingJob) -> None:
    """Draws the training chart of `job` (static while it runs: no hover layer to rebuild on every refresh)."""
    p = job.progress()
    news = (len(p.step_losses), len(p.epochs), p.total_steps, p.refit_from, len(p.compare_epochs), job.done)
    memo = st.session_state.get("chart_memo")
    if memo is None or memo[0] is not job or memo[1] != news:  # a figure costs more than the rest of a redraw
        memo = (job, news, training_figure(p.step_losses, p.epochs, p.steps_per_epoch, p.total_steps, p.refit_from,
                                           p.refit_steps_per_epoch, p.compare_from, p.compare_epochs))
        st.session_state["chart_memo"] = memo
    st.plotly_chart(memo[2], key="live_chart", config={"staticPlot": not job.done})


@st.fragment(run_every=server.training_queue().refresh_seconds(0.5))
def live_view() -> None:
    """Refreshes the progress while the background job runs; reruns the page once it ends."""
    job: TrainingJob = st.session_state["job"]
    if job.done:
        st.rerun(scope="app")
    if job.progress().status == "waiting":
        st.info(job.progress().describe() + " The server trains a few runs at a time; yours starts by itself.")
        if st.button("Cancel", icon=":material/cancel:", help="Leaves the line; nothing is trained."):
            job.stop()
            st.rerun(scope="app")
        return
    bar, stop = st.columns([6, 1], vertical_alignment="bottom")  # one row: the chart stays in view at 720 px
    if stop.button("Stop", icon=":material/stop_circle:", help="Ends training now and keeps the model trained so far."):
        job.stop()
    p = job.progress()
    bar.progress(p.fraction, text=p.describe())
    show_chart(job)


def show_result(job: TrainingJob, corpus) -> None:
    """Shows how the last run ended, or only which data it was for when the chosen data has changed since."""
    if not job.corpus.same_data(corpus):
        st.info(f"Your last run was trained on **{plain(describe(job.corpus.description))}**, not on the "
                f"data chosen now. Press **Train** for a model of this data; the last one stays under Saved runs.")
        return
    p = job.progress()
    if p.status == "failed":
        st.error(plain(p.message))
        return
    if p.status == "cancelled":
        st.info(p.message)
        return
    result = job.result
    st.success(f"{p.message} Training took {result.finished.train_seconds:.1f} s. "
               f"Test accuracy: **{result.evaluation.accuracy:.1%}**."
               + (" Saved under Saved runs." if result.run_id else ""))
    if job.save_error:
        st.warning(plain(job.save_error))
    if result.advice:
        st.info(result.advice, icon=":material/lightbulb:")
    st.page_link("views/evaluate.py", label="See where it goes wrong: 3. Evaluate", icon=":material/analytics:")
    show_chart(job)


def show_saved(model: TrainedModel) -> None:
    """After a reload or in a new tab, says that the model in use is a saved run (the form holds its settings)."""
    f = model.finished
    st.success(f"The model in use is a saved run, {len(f.history)} epoch{'s' if len(f.history) != 1 else ''} "
               f"long. Test accuracy: **{model.evaluation.accuracy:.1%}**. The settings below are the ones it was "
               "trained with; press **Train** to train again.", icon=":material/history:")
    if f.history:
        st.plotly_chart(runs_figure([("this run", f.history)]), key="saved_run_chart")


st.title("2. Train: teach the network")
sharing.link_notes()
corpus = common.require_corpus()
words = nouns(corpus.description)
st.caption(f"Data: {plain(describe(corpus.description))}: "
           f"{len(corpus.train_texts):,} training {words.texts}, {corpus.n_classes} {words.classes}.")
if len(corpus.train_texts) < 200:
    st.warning(f"Only {len(corpus.train_texts)} training {words.texts}: the validation and test scores rest on a "
               "handful of examples and will jump from run to run. More data gives steadier results.")
if problem := data_problem(corpus):
    st.error(f"This data cannot be trained on: {plain(problem)}")
    st.page_link("views/data.py", label="Go to 1. Data", icon=":material/library_books:")
    st.stop()
job: TrainingJob | None = st.session_state["job"]
running = job is not None and not job.done
error = st.session_state.pop("train_error", None)  # set by start_training, shown once
if error:
    st.error(plain(error))

# Train, then progress and result, above the settings: at 1280x720 all are in view, with no scrolling, from the
# moment Train is pressed (a button below the settings would leave the page scrolled past them).
train_col, link_col = st.columns([1, 3], vertical_alignment="center")
train_col.button("Train", type="primary", disabled=running, on_click=start_training, icon=":material/play_arrow:",
                 help="Trains with the settings below, in the background: you can switch pages meanwhile.")
with link_col:
    sharing.share_setup()
if running:
    live_view()
elif job is not None:
    show_result(job, corpus)
elif (model := common.current_model()) is not None and model.corpus.same_data(corpus):
    show_saved(model)

train_settings.show(words)

with st.expander("Reference: simple models on the same data", expanded=job is not None and job.done):
    st.caption("Two classic linear models on the same training data, each tuned on the same validation split as "
               "the network (the winning setting is shown). A good network should at least match them; the "
               "tutorial's network often does not, so try the **Recommended** preset, which also mixes in the "
               "Naive Bayes model.")
    baselines = server.baselines(corpus)
    if baselines:
        cols = st.columns(len(baselines))
        for col, result in zip(cols, baselines.values()):
            col.metric(result["name"], f"{result['accuracy']:.1%}",
                       help=f"Test accuracy. {macro_f1_help(words)} Here: {result['macro_f1']:.3f}.")
            col.caption(f"Best setting on the validation {words.texts}: {setting_of(result)}")
