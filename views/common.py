"""What every page shares: session defaults, the cached corpus, and the "where am I" sidebar."""

from __future__ import annotations

from typing import Callable

import streamlit as st
from streamlit import runtime
from streamlit.runtime.scriptrunner import get_script_run_ctx

from textclf.background import Background
from textclf.baselines import run_baselines
from textclf.data import TUTORIAL_CATEGORIES, BadDataChoice, Corpus, DataUnavailable, describe, load_newsgroups
from textclf.features import FeatureConfig
from textclf.jobs import TrainedModel, TrainingJob
from textclf.model import enable_compilation_cache
from textclf.links import parse_setup
from textclf.checks import data_problem, training_problem
from textclf.presets import config_from_form, features_from_form, form_values
from textclf.queue import TrainingQueue
from textclf.runs import RunStore
from textclf.sessions import SessionJanitor
from textclf.workers import WorkerPool, use_processes
from textclf.workspaces import is_teacher, new_workspace, valid_workspace, workspace_store

DEFAULTS = {
    "categories": list(TUTORIAL_CATEGORIES),
    "remove_metadata": False,
    "job": None,  # TrainingJob of this browser session
    "model": None,  # TrainedModel the Evaluate and Explain pages show
    "explain_text": "",
    "custom_corpus": None,  # a Corpus of the user's own texts; None: the newsgroups
}


@st.cache_resource
def _compilation_cache() -> bool:
    enable_compilation_cache()  # once per server process
    return True


def init_session() -> None:
    """Sets this browser session's defaults once, then what a teacher's link asks for."""
    _compilation_cache()
    training_workers()
    for key, value in {**form_values("tutorial"), **DEFAULTS}.items():
        st.session_state.setdefault(key, list(value) if isinstance(value, list) else value)
    if "link" not in st.session_state:  # the first run of this browser session
        setup = parse_setup(st.query_params.to_dict())
        if "preset" in setup.values:
            st.session_state.update(form_values(setup.values["preset"]))
        st.session_state.update(setup.values)
        st.session_state["link"] = setup
    keep_workspace()


def keep_workspace() -> None:
    """Gives this visitor a private workspace (kept in the address as ?ws=) and notes a teacher's token once."""
    given = st.query_params.get("ws")
    ws = valid_workspace(given) or st.session_state.get("workspace") or new_workspace()
    st.session_state["workspace"] = ws
    if given != ws:  # first visit, a malformed id, or a page switch that dropped it
        st.query_params["ws"] = ws
    if "teacher" in st.query_params:  # checked once, then removed so a projected address bar never shows it
        st.session_state["teacher"] = is_teacher(st.query_params.get("teacher"))
        del st.query_params["teacher"]


def run_store() -> RunStore:
    """Returns the saved-runs store of this visitor's workspace."""
    return workspace_store(st.session_state["workspace"])


@st.cache_resource(max_entries=8, show_spinner="Loading the newsgroups ...")
def load_corpus(categories: tuple[str, ...], remove_metadata: bool) -> Corpus:
    """Returns the newsgroups corpus, loaded once per server and shared read-only: never mutate it."""
    return load_newsgroups(categories, remove_metadata)


def feature_config() -> FeatureConfig:
    """Returns the vocabulary options chosen on the Data page."""
    return features_from_form(st.session_state)


def problem_with_settings(corpus: Corpus) -> str | None:
    """Returns why `corpus` cannot train with the session's current settings (one sentence), or None."""
    try:
        config = config_from_form(st.session_state)
    except ValueError:  # the Train page reports bad settings itself
        return data_problem(corpus)
    return training_problem(corpus, feature_config(), config)


def chosen_corpus() -> tuple[Corpus | None, str | None]:
    """Returns (the corpus chosen on the Data page, None) or (None, why it cannot be loaded)."""
    if st.session_state.get("custom_corpus") is not None:
        return st.session_state["custom_corpus"], None
    try:
        return load_corpus(tuple(st.session_state["categories"]), bool(st.session_state["remove_metadata"])), None
    except (BadDataChoice, DataUnavailable) as err:
        return None, str(err)


def require_corpus() -> Corpus:
    """Returns the chosen corpus or stops the page with a pointer to the Data page."""
    corpus, reason = chosen_corpus()
    if corpus is None:
        st.warning(f"The data is not ready: {reason}")
        st.page_link("views/data.py", label="Go to 1. Data", icon=":material/library_books:")
        st.stop()
    return corpus


@st.cache_resource
def training_queue() -> TrainingQueue:
    """Returns the server's one training queue, shared by every session (size: $TEXTCLF_MAX_TRAININGS or cores)."""
    return TrainingQueue()


@st.cache_resource
def training_workers() -> WorkerPool | None:
    """Returns the server's worker processes for training (one per queue slot), or None to train in threads.

    Started on the first visit, so they have imported JAX by the time anyone presses Train.
    """
    return WorkerPool(training_queue().slots) if use_processes() else None


def session_alive() -> Callable[[], bool]:
    """Returns a check, callable from any thread, that this browser session is still connected to the server."""
    ctx = get_script_run_ctx()
    if ctx is None or not runtime.exists():  # AppTest and bare script runs have no server
        return lambda: True
    server, session_id = runtime.get_instance(), ctx.session_id
    return lambda: server.is_active_session(session_id)


@st.cache_resource
def _session_janitor() -> SessionJanitor | None:
    """Returns the server's one janitor of ended sessions' uploads (None without a server, as in AppTest)."""
    if not runtime.exists():
        return None
    server = runtime.get_instance()
    return SessionJanitor(server.is_active_session, server.uploaded_file_mgr.remove_session_files).start()


def watch_uploads() -> None:
    """Makes sure this session's uploaded files are deleted once it is over (Streamlit keeps them otherwise)."""
    ctx, janitor = get_script_run_ctx(), _session_janitor()
    if ctx is not None and janitor is not None:
        janitor.watch(ctx.session_id)


def adopt_finished_job() -> None:
    """Makes a finished background run the current model (once), whichever page is open."""
    s = st.session_state
    job: TrainingJob | None = s.get("job")
    if job is None or not job.done or job.result is None:
        return
    if not s.get("job_adopted"):
        s["model"], s["job_adopted"] = job.result, True
    elif s.get("model") is not job.result:  # another model (e.g. a saved run) replaced it: let the old one go
        s["job"] = None


def current_model() -> TrainedModel | None:
    """Returns the model shown on Evaluate and Explain, if one has been trained."""
    adopt_finished_job()
    return st.session_state.get("model")


def require_model() -> TrainedModel:
    """Returns the current model or stops the page with a pointer to the Train page."""
    model = current_model()
    job: TrainingJob | None = st.session_state.get("job")
    if model is None and job is not None and not job.done:
        st.info(f"Training is running ({job.progress().fraction:.0%} done). This page fills in when it ends.")
        st.page_link("views/train.py", label="Watch it on 2. Train", icon=":material/model_training:")
        st.stop()
    if model is None:
        st.info("No model yet in this browser tab. Train one (it takes a few seconds), or load an earlier "
                "one from Saved runs.")
        st.page_link("views/train.py", label="Go to 2. Train", icon=":material/model_training:")
        st.page_link("views/runs.py", label="Open Saved runs", icon=":material/history:")
        st.stop()
    return model


def plain(text: str) -> str:
    """Returns `text` escaped so that markdown shows it as typed (no links, no formatting)."""
    # Texts from posts, files and addresses are anyone's words: "@" gets a zero-width space so no mail link forms.
    escaped = "".join("\\" + c if c in "\\`*_{}[]()<>#+-.!|~:$" else c for c in text)
    return escaped.replace("@", "@\u200b")


def table_height(rows: int) -> int:
    """Returns the pixel height at which st.dataframe shows a header and `rows` rows without scrolling."""
    return 38 + 35 * rows + 3  # Streamlit's row height is 35 px; 3 px of borders


def chosen_description() -> dict:
    """Returns the description of the newsgroups chosen on the Data page (without loading them)."""
    return {"source": "20newsgroups", "categories": list(st.session_state["categories"]),
            "remove_metadata": bool(st.session_state["remove_metadata"])}


def render_status() -> None:
    """Shows, in the sidebar, the chosen data, the training state and the next step (live while a run goes)."""
    job: TrainingJob | None = st.session_state.get("job")
    with st.sidebar:
        if job is not None and not job.done:
            st.fragment(_live_status, run_every=training_queue().refresh_seconds(1.0))()
        else:
            _status()


def _status() -> None:
    """Writes the sidebar's "Where you are" lines."""
    s = st.session_state
    model = current_model()
    job: TrainingJob | None = s.get("job")
    st.markdown("**Where you are**")
    cats = s["categories"]
    custom = s.get("custom_corpus")
    if custom is not None:
        st.markdown(f"**Data:** {plain(describe(custom.description))} ({custom.n_classes} classes)")
    else:
        st.markdown(f"**Data:** {describe(chosen_description())}" if len(cats) >= 2
                    else "**Data:** choose at least two categories")
    if job is not None and not job.done:
        p = job.progress()
        st.markdown("**Training:** waiting for its turn" if p.status == "waiting" else
                    f"**Training:** {p.fraction:.0%} done")
    if model is not None:
        ending = model.finished.ending()
        st.markdown(f"**Model:** trained{f' ({ending})' if ending else ''} on "
                    f"{plain(describe(model.corpus.description))}, test accuracy **{model.evaluation.accuracy:.1%}**")
    elif job is None or job.done:
        st.markdown("**Model:** not trained yet")
    if model is None:
        nxt = "1. Data" if len(cats) < 2 and custom is None else "2. Train"
        st.caption(f"Next step: **{nxt}**. The path: 1. Data → 2. Train → 3. Evaluate → 4. Explain.")
    else:
        st.caption("All steps are open: 3. Evaluate shows its mistakes, 4. Explain shows its reasons.")


def _live_status() -> None:
    """The sidebar while a run goes (a fragment redrawn about every second); the whole page reruns once the run ends."""
    job: TrainingJob | None = st.session_state.get("job")
    if job is None or job.done:
        st.rerun(scope="app")  # every page fills in with the new model
    _status()


def baseline_work(corpus: Corpus) -> Background:
    """Returns the reference models' computation on `corpus`: one per data choice, shared, in the background."""
    if corpus.description.get("source") == "20newsgroups":
        key = f"20newsgroups:{','.join(sorted(corpus.class_names))}:{bool(corpus.description.get('remove_metadata'))}"
    else:
        key = corpus.fingerprint()
    return _baseline_work(key, corpus)


@st.cache_resource(max_entries=16, show_spinner=False)
def _baseline_work(key: str, _corpus: Corpus) -> Background:
    if use_processes():  # out of the server's process, like training; the thread only waits for the answer
        return Background(side_workers().call, run_baselines, _corpus, name="textclf-baselines")
    return Background(run_baselines, _corpus, name="textclf-baselines")  # the underscore: keyed by `key` only


@st.cache_resource
def side_workers() -> WorkerPool:
    """Returns the server's one worker process for the reference models (they queue there, one data at a time)."""
    return WorkerPool(1)


def baselines(corpus: Corpus) -> dict | None:
    """Returns the reference models' test metrics on `corpus`, or None (saying why) while they are not ready.

    They are computed in a background thread, so the page stays usable; it reruns by itself once they are in.
    """
    work = baseline_work(corpus)
    if work.done and work.error:
        st.caption(f"The reference models could not be computed on this data: {plain(work.error)}")
        return None
    if not work.done:
        st.fragment(_wait_for_baselines, run_every=training_queue().refresh_seconds(1.0))(work)
        return None
    return work.result


def _wait_for_baselines(work: Background) -> None:
    """Says that the reference models are being computed; reruns the page when they are ready."""
    if work.done:
        st.rerun(scope="app")
    st.caption(":material/hourglass_empty: Computing the reference models in the background (a few seconds; "
               "up to a minute with many topics). You can train meanwhile.")
