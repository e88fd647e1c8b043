"""What the server shares between sessions: the training queue and its worker processes, the reference models'
computation, and the clean-up of closed sessions' uploads."""

from __future__ import annotations

import secrets
import threading
from typing import Callable

import streamlit as st
from streamlit import runtime
from streamlit.runtime.scriptrunner import get_script_run_ctx

from textclf.serve.background import Background
from textclf.analysis.baselines import run_baselines
from textclf.data import Corpus, preload_newsgroups
from textclf.serve.jobs import TrainingJob as Job
from textclf.learn.model import enable_compilation_cache
from textclf.serve.queue import TrainingQueue
from textclf.serve.sessions import SessionJanitor
from textclf.serve.workers import WorkerPool, use_processes
from textclf.serve.workspace_jobs import WorkspaceJobs
from textclf.markdown_text import plain
from views.train_settings import fill_from_run

WATCH_SECONDS = 2.5  # how soon an idle tab notices a run started in another tab of its workspace


def prepare() -> None:
    """Readies what the server shares, once per process: the compiled-steps cache and the training workers."""
    _compilation_cache()
    training_workers()  # started on the first visit: they have imported JAX by the time anyone presses Train
    _newsgroups_preload()


@st.cache_resource
def _newsgroups_preload() -> threading.Thread:
    """Reads the newsgroups cache in the background once per server, while the first visitors read the start page."""
    thread = threading.Thread(target=preload_newsgroups, name="newsgroups-preload", daemon=True)
    thread.start()
    return thread


@st.cache_resource
def _compilation_cache() -> bool:
    enable_compilation_cache()
    return True


@st.cache_resource
def training_queue() -> TrainingQueue:
    """Returns the server's one training queue, shared by every session (size: $TEXTCLF_MAX_TRAININGS or cores)."""
    return TrainingQueue()


@st.cache_resource
def training_workers() -> WorkerPool | None:
    """Returns the server's worker processes for training (one per queue slot), or None to train in threads."""
    return WorkerPool(training_queue().slots) if use_processes() else None


@st.cache_resource
def workspace_jobs() -> WorkspaceJobs:
    """Returns the server's record of the run going in each workspace."""
    return WorkspaceJobs()


def follow_workspace_run() -> None:
    """Shows in this tab the run another tab of the same workspace started: its progress and Stop, Train disabled.

    A second tab (or a reloaded page) used to say "not trained yet" with Train enabled while a run went.
    """
    join_workspace()
    going = _run_to_follow()
    if going is not None:
        st.session_state["job"], st.session_state["job_adopted"] = going, False
        fill_from_run(going.settings())


def _run_to_follow() -> Job | None:
    """Returns the run of this tab's workspace that the tab should show and does not yet, or None."""
    s = st.session_state
    job = s.get("job")
    if job is not None and (not job.done or (job.result is not None and not s.get("job_adopted"))):
        return None  # its own run still goes, or its result is not yet taken
    going = workspace_jobs().running(s["workspace"])
    return going if going is not None and going is not job else None


def watch_workspace_runs() -> None:
    """Makes an idle tab notice, within seconds, a run that another tab of its workspace starts.

    An idle tab never reruns, so it kept showing the last result while another tab trained anew.
    """
    st.fragment(_notice_workspace_run, run_every=training_queue().refresh_seconds(WATCH_SECONDS))()


def _notice_workspace_run() -> None:
    """Reruns the whole page when the workspace has a run this tab does not show (a dict look-up, nothing drawn)."""
    if _run_to_follow() is not None:
        st.rerun(scope="app")


def join_workspace() -> None:
    """Notes that this browser tab shows its workspace: the workspace's run goes on while any such tab is open."""
    s = st.session_state
    tab = s.setdefault("tab_id", secrets.token_urlsafe(12))  # AppTest gives every session the same session id
    workspace_jobs().join(s["workspace"], tab, session_alive())


def workspace_alive() -> Callable[[], bool]:
    """Returns a check, callable from any thread, that some browser tab of this session's workspace is still open.

    A run belongs to its workspace: closing the tab that started it must not stop it while another tab watches.
    """
    join_workspace()
    return workspace_jobs().anyone_alive(st.session_state["workspace"])


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
