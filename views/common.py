"""What every page of one browser session shares: its defaults and workspace, the chosen data, the current model."""

from __future__ import annotations

import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

from textclf.data import TUTORIAL_CATEGORIES, BadDataChoice, Corpus, DataUnavailable, describe, load_newsgroups, newsgroups_choice
from textclf.data.features import FeatureConfig
from textclf.markdown_text import plain
from textclf.serve.jobs import ModelOnly, TrainedModel, TrainingJob
from textclf.serve.teacher_links import parse_setup
from textclf.learn.checks import data_problem, training_problem
from textclf.learn.presets import config_from_form, features_from_form, form_values, preset_for_new_data
from textclf.store.runs import RunStore
from textclf.store.unfinished import interrupted
from textclf.serve.browser_memory import COOKIE, choose_workspace
from textclf.store.workspaces import is_teacher, is_teacher_pass, teacher_pass, workspace_store
from views.account import follow_account

DEFAULTS = {
    "categories": list(TUTORIAL_CATEGORIES),
    "remove_metadata": False,
    "job": None,  # TrainingJob of this browser session
    "model": None,  # TrainedModel the Evaluate and Explain pages show
    "explain_text": "",
    "custom_corpus": None,  # a Corpus of the user's own texts; None: the newsgroups
}


def init_session() -> None:
    """Sets this browser session's defaults once, then what a teacher's link asks for."""
    for key, value in {**form_values("tutorial"), **DEFAULTS}.items():
        st.session_state.setdefault(key, list(value) if isinstance(value, list) else value)
    if "link" not in st.session_state:  # the first run of this browser session
        setup = parse_setup(st.query_params.to_dict())
        if "preset" in setup.values:
            st.session_state.update(form_values(setup.values["preset"]))
        st.session_state.update(setup.values)
        st.session_state["link"] = setup
    source = keep_workspace()
    follow_account(opened=source == "address")  # signed in: the account's workspace instead
    if "interrupted" not in st.session_state:  # a new tab, or one that reconnected to another server process
        st.session_state["interrupted"] = [run.sentence() for run in interrupted(run_store().root)]


def ignore_case_of_page_address(url_paths: list[str]) -> None:
    """Makes an address such as /Train open the page at /train (Streamlit matches page addresses case by case)."""
    manager = getattr(get_script_run_ctx(), "pages_manager", None)
    asked = getattr(manager, "intended_page_name", None)
    if not asked or getattr(manager, "intended_page_script_hash", None) or asked in url_paths:
        return  # a click on a page link names its page exactly; a typed address may not
    if (lowered := asked.strip("/").lower()) in url_paths:
        manager.set_script_intent("", lowered)


def browser_cookie() -> str | None:
    """Returns the workspace id this browser remembers (its cookie, as sent when the tab connected), or None."""
    return st.context.cookies.get(COOKIE)


def keep_workspace() -> str:
    """Gives this visitor a private workspace (kept in the address as ?ws=) and notes a teacher's token once.

    Returns where the workspace came from ("address", "tab", "cookie" or "new").
    """
    given = st.query_params.get("ws")
    ws, source = choose_workspace(given, st.session_state.get("workspace"), browser_cookie())
    st.session_state["workspace"] = ws
    if given != ws:  # first visit, a malformed id, or a page switch that dropped it
        st.query_params["ws"] = ws
    if "teacher" in st.query_params:  # checked once, then removed so a projected address bar never shows it
        st.session_state["teacher"] = is_teacher(st.query_params.get("teacher"))
        del st.query_params["teacher"]
    elif "tp" in st.query_params and "teacher" not in st.session_state:  # a reload: the pass in the address
        st.session_state["teacher"] = is_teacher_pass(ws, st.query_params.get("tp"))
    # Teacher mode stays in the address as a pass valid for this workspace only, so a reload keeps it.
    if st.session_state.get("teacher") and st.query_params.get("tp") != teacher_pass(ws):
        st.query_params["tp"] = teacher_pass(ws)
    return source


def run_store() -> RunStore:
    """Returns the saved-runs store of this visitor's workspace."""
    return workspace_store(st.session_state["workspace"])


def saved_runs_count() -> int:
    """Returns how many readable runs this visitor's workspace holds (0 when its store cannot be read)."""
    try:
        return len(run_store().list())
    except OSError:
        return 0


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
    if own_file_pending():  # not the newsgroups in the background: the user asked for their own texts
        return None, (f'"{OWN_FILE}" is chosen on 1. Data, but no file is in use yet: upload one there '
                      "(or choose 20 Newsgroups).")
    try:
        return load_corpus(tuple(st.session_state["categories"]), bool(st.session_state["remove_metadata"])), None
    except (BadDataChoice, DataUnavailable) as err:
        return None, str(err)


def require_corpus() -> Corpus:
    """Returns the chosen corpus or stops the page with a pointer to the Data page."""
    corpus, reason = chosen_corpus()
    if corpus is None:
        st.warning(f"The data is not ready: {plain(reason)}")
        st.page_link("views/data.py", label="Go to 1. Data", icon=":material/library_books:")
        st.stop()
    return corpus


def adopt_finished_job() -> None:
    """Makes a finished background run the current model (once), whichever page is open."""
    s = st.session_state
    job: TrainingJob | None = s.get("job")
    if job is None or not job.done or job.result is None:
        return
    if not s.get("job_adopted"):
        s["model"], s["job_adopted"], s["model_only"] = job.result, True, None
    elif s.get("model") is not job.result:  # another model (e.g. a saved run) replaced it: let the old one go
        s["job"] = None


def current_model() -> TrainedModel | None:
    """Returns the model shown on Evaluate and Explain, if one has been trained."""
    adopt_finished_job()
    return st.session_state.get("model")


def is_of_chosen_data(model: TrainedModel) -> bool:
    """Returns True when `model` was trained on the data chosen now on the Data page (nothing is loaded)."""
    custom = st.session_state.get("custom_corpus")
    if custom is not None:
        return model.corpus.same_data(custom)
    return newsgroups_choice(model.corpus.description) == newsgroups_choice(chosen_description())


def model_only() -> ModelOnly | None:
    """Returns the saved run loaded without its data (a bundle in a new workspace), when no full model is current."""
    return None if current_model() is not None else st.session_state.get("model_only")


def require_model(alone: bool = False) -> TrainedModel | ModelOnly:
    """Returns the current model (with `alone`, perhaps one loaded without its data) or stops the page with a
    pointer to the Train page."""
    model = current_model()
    if model is None and alone and (bare := model_only()) is not None:
        return bare
    job: TrainingJob | None = st.session_state.get("job")
    if model is None and job is not None and not job.done:
        st.info(f"Training is running ({job.progress().fraction:.0%} done). This page fills in when it ends.")
        st.page_link("views/train.py", label="Watch it on 2. Train", icon=":material/model_training:")
        st.stop()
    if model is not None and not is_of_chosen_data(model):
        st.warning(f"This model was trained on **{plain(describe(model.corpus.description))}**, not on the data "
                   f"chosen now: what this page shows is about its own data. Train for a model of the chosen data.")
        st.page_link("views/train.py", label="Go to 2. Train", icon=":material/model_training:")
    if model is None:
        st.info("No model yet in this browser tab. Train one (it takes a few seconds), or load an earlier "
                "one from Saved runs.")
        st.page_link("views/train.py", label="Go to 2. Train", icon=":material/model_training:")
        st.page_link("views/runs.py", label="Open Saved runs", icon=":material/history:")
        st.stop()
    return model


def stop_without_data(bare: ModelOnly, need: str, otherwise: str = "") -> None:
    """For a run loaded without its data, says what this page needs it for and how to give it; stops the page."""
    st.info(f"{plain(need)}: {plain(bare.data_step(bare.data))} {plain(otherwise)}".strip(), icon=":material/dataset:")
    st.page_link("views/data.py", label="Go to 1. Data", icon=":material/library_books:")
    st.page_link("views/explain.py", label="Explain a text you paste on 4. Explain", icon=":material/search_insights:")
    st.stop()


OWN_FILE = "Your own file"  # the Data page's choice of texts from an uploaded file


def use_data(corpus: Corpus | None) -> None:
    """Makes `corpus` (None: the newsgroups) the chosen data; an unchanged form moves to that data's preset."""
    st.session_state["custom_corpus"] = corpus
    link = st.session_state["link"]
    if "hyperparameters" not in link.locked | link.hidden:
        if values := preset_for_new_data(st.session_state, own_file=corpus is not None):
            st.session_state.update(values)


def own_file_pending() -> bool:
    """Returns True when the Data page is set to "Your own file" but no file is in use yet (none, or a failed one)."""
    s = st.session_state
    link = s.get("link")
    return s.get("source") == OWN_FILE and s.get("custom_corpus") is None \
        and "data" not in getattr(link, "hidden", ())  # a link that hides the data shows no choice of source


def chosen_description() -> dict:
    """Returns the description of the newsgroups chosen on the Data page (without loading them)."""
    return {"source": "20newsgroups", "categories": list(st.session_state["categories"]),
            "remove_metadata": bool(st.session_state["remove_metadata"])}
