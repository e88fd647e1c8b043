"""What every page shares: session defaults, the cached corpus, and the "where am I" sidebar."""

from __future__ import annotations

import streamlit as st
from streamlit.runtime.pages_manager import PagesManager

from textclf.baselines import run_baselines
from textclf.data import TUTORIAL_CATEGORIES, BadDataChoice, Corpus, DataUnavailable, load_newsgroups
from textclf.features import FeatureConfig
from textclf.jobs import TrainedModel, TrainingJob, trained_model_from_run
from textclf.model import enable_compilation_cache
from textclf.modelfiles import BadModelFile
from textclf.runs import RunInfo, RunNotFound, RunStore
from textclf.links import parse_setup, setup_query
from textclf.presets import PRESETS
from textclf.train import TrainConfig, parse_hidden_sizes

# A first visit straight to a deep link (e.g. /train) makes Streamlit guess that pages/ is an old-style
# multipage folder and run the page without app.py. Every page imports this module first, so on that
# first run we switch to app.py's st.navigation and start the run again.
if PagesManager.uses_pages_directory:
    PagesManager.uses_pages_directory = False
    st.rerun()

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
    for key, value in {**preset_values("tutorial"), **DEFAULTS}.items():
        st.session_state.setdefault(key, list(value) if isinstance(value, list) else value)
    if "link" not in st.session_state:  # the first run of this browser session
        setup = parse_setup(st.query_params.to_dict())
        if "preset" in setup.values:
            st.session_state.update(preset_values(setup.values["preset"]))
        st.session_state.update(setup.values)
        st.session_state["link"] = setup


def preset_values(name: str) -> dict:
    """Returns the session values (form fields and word options) of preset `name`."""
    preset = PRESETS[name]
    c, f = preset.train_config, preset.features
    return dict(preset=name, hidden_text=",".join(map(str, c.hidden)), epochs=c.epochs, batch_size=c.batch_size,
                lr=c.learning_rate, seed=c.seed, val_share=c.val_fraction, lazy_adam=c.optimizer == "lazy_adam",
                dropout=c.dropout, patience=c.early_stopping, monitor=c.monitor, refit=c.refit,
                scaling=f.scaling, min_df=f.min_df, max_features=f.max_features or 0)


def train_config() -> TrainConfig:
    """Returns the training settings of the Train page's form, or raises ValueError saying what is wrong."""
    s = st.session_state
    return TrainConfig(hidden=parse_hidden_sizes(s["hidden_text"]), epochs=int(s["epochs"]),
                       batch_size=int(s["batch_size"]), learning_rate=float(s["lr"]), seed=int(s["seed"]),
                       val_fraction=float(s["val_share"]), dropout=float(s["dropout"]),
                       optimizer="lazy_adam" if s["lazy_adam"] else "adam", early_stopping=int(s["patience"]),
                       monitor=s["monitor"], refit=bool(s["refit"]))


def hidden(part: str) -> bool:
    """Returns True when the teacher's link hides `part` ("data" or "hyperparameters")."""
    return part in st.session_state["link"].hidden


def locked(part: str) -> bool:
    """Returns True when the teacher's link locks `part` ("data" or "hyperparameters")."""
    return part in st.session_state["link"].locked


def link_notes() -> None:
    """Shows what a teacher's link set, locked or ignored (once per page)."""
    setup = st.session_state["link"]
    if setup.locked | setup.hidden:
        st.caption(f"Your teacher's link fixes the {' and '.join(sorted(setup.locked | setup.hidden))} for this "
                   "lesson.")
    if setup.notes:
        st.info("Some settings in this page's link were ignored: " + "; ".join(setup.notes) + ".")


def setup_link(locks: list[str], hides: list[str]) -> str:
    """Returns a link to this app that recreates the current data and settings, locking and hiding parts."""
    keys = ("categories", "remove_metadata", "preset", "hidden_text", "epochs", "batch_size", "lr", "seed",
            "val_share", "dropout", "scaling")
    base = (st.context.url or "").split("?")[0]
    return f"{base}?{setup_query({k: st.session_state.get(k) for k in keys}, locks, hides)}"


def share_setup() -> None:
    """Shows the "Copy link to this setup" popover."""
    with st.popover("Copy link to this setup", icon=":material/link:",
                    help="A link that opens the app with these topics and settings, e.g. for a class."):
        locks = st.multiselect("Lock for whoever opens the link", ["data", "hyperparameters"],
                               key="share_locks", help="Locked controls are shown but cannot be changed.")
        hides = st.multiselect("Hide for whoever opens the link", ["data", "hyperparameters"],
                               key="share_hides", help="Hidden controls keep the link's values out of sight.")
        st.code(setup_link(locks, hides), language=None, wrap_lines=True)
        st.caption("Use the copy button at the right of the link.")


@st.cache_resource(max_entries=8, show_spinner="Loading the newsgroups ...")
def _load_corpus(categories: tuple[str, ...], remove_metadata: bool) -> Corpus:
    # Shared read-only by every session: never mutate what this returns.
    return load_newsgroups(categories, remove_metadata)


def feature_config() -> FeatureConfig:
    """Returns the vocabulary options chosen on the Data page."""
    s = st.session_state
    return FeatureConfig(s["scaling"], int(s["min_df"]), int(s["max_features"]) or None)


def chosen_corpus() -> tuple[Corpus | None, str | None]:
    """Returns (the corpus chosen on the Data page, None) or (None, why it cannot be loaded)."""
    if st.session_state.get("custom_corpus") is not None:
        return st.session_state["custom_corpus"], None
    try:
        return _load_corpus(tuple(st.session_state["categories"]), bool(st.session_state["remove_metadata"])), None
    except (BadDataChoice, DataUnavailable) as err:
        return None, str(err)


def require_corpus() -> Corpus:
    """Returns the chosen corpus or stops the page with a pointer to the Data page."""
    corpus, reason = chosen_corpus()
    if corpus is None:
        st.warning(f"The data is not ready: {reason}")
        st.page_link("pages/data.py", label="Go to 1. Data", icon=":material/library_books:")
        st.stop()
    return corpus


def adopt_finished_job() -> None:
    """Makes a finished background run the current model (once), whichever page is open."""
    job: TrainingJob | None = st.session_state.get("job")
    if job is not None and job.done and job.result is not None and st.session_state.get("adopted") is not job:
        st.session_state["model"] = job.result
        st.session_state["adopted"] = job


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
        st.page_link("pages/train.py", label="Watch it on 2. Train", icon=":material/model_training:")
        st.stop()
    if model is None:
        st.info("No model yet. Train one first: it takes a few seconds.")
        st.page_link("pages/train.py", label="Go to 2. Train", icon=":material/model_training:")
        st.stop()
    return model


def describe_data(categories: list[str], remove_metadata: bool) -> str:
    """Returns a short description of a data choice."""
    if len(categories) <= 3:
        names = ", ".join(categories)
    else:
        names = f"{len(categories)} newsgroups"
    return names + (" (headers, signatures and quotes removed)" if remove_metadata else "")


def render_status() -> None:
    """Shows, in the sidebar, the chosen data, the training state and the next step."""
    s = st.session_state
    model = current_model()
    job: TrainingJob | None = s.get("job")
    with st.sidebar:
        st.markdown("**Where you are**")
        cats = s["categories"]
        custom = s.get("custom_corpus")
        if custom is not None:
            st.markdown(f"**Data:** {custom.description.get('name', 'your own texts')} "
                        f"({custom.n_classes} classes)")
        else:
            st.markdown(f"**Data:** {describe_data(cats, s['remove_metadata'])}" if len(cats) >= 2
                        else "**Data:** choose at least two categories")
        if job is not None and not job.done:
            st.markdown(f"**Training:** {job.progress().fraction:.0%} done")
        if model is not None:
            ended = "" if model.finished.reason == "completed" else " (stopped early)"
            st.markdown(f"**Model:** trained{ended} on {describe_data(list(model.corpus.class_names), False)}, "
                        f"test accuracy **{model.evaluation.accuracy:.1%}**")
        elif job is None or job.done:
            st.markdown("**Model:** not trained yet")
        if model is None:
            nxt = "1. Data" if len(cats) < 2 and custom is None else "2. Train"
            st.caption(f"Next step: **{nxt}**. The path: 1. Data → 2. Train → 3. Evaluate → 4. Explain.")
        else:
            st.caption("All steps are open: 3. Evaluate shows its mistakes, 4. Explain shows its reasons.")


def describe_run_data(data: dict) -> str:
    """Returns a short description of a saved run's data."""
    if data.get("source") == "20newsgroups":
        return describe_data(list(data.get("categories", [])), bool(data.get("remove_metadata")))
    return str(data.get("name") or data.get("source") or "unknown data")


def load_run(store: RunStore, info: RunInfo) -> str:
    """Makes a saved run the current model; returns a sentence saying what happened."""
    try:
        classifier = store.load_classifier(info.id)
    except (BadModelFile, RunNotFound) as err:
        return f"This run cannot be loaded: {err}"
    data = info.data
    corpus = None
    if data.get("source") == "20newsgroups":
        corpus, reason = None, None
        try:
            corpus = _load_corpus(tuple(data["categories"]), bool(data.get("remove_metadata")))
        except (BadDataChoice, DataUnavailable, KeyError) as err:
            return f"The run's newsgroups could not be loaded: {err}"
    else:
        custom = st.session_state.get("custom_corpus")
        if custom is not None and custom.description.get("name") == data.get("name") \
                and custom.class_names == classifier.class_names:
            corpus = custom
    if corpus is None or corpus.class_names != classifier.class_names:
        return ("This run was trained on your own file. Upload the same file on 1. Data, then load the run "
                "again to evaluate and explain it.")
    st.session_state["model"] = trained_model_from_run(info, classifier, corpus)
    st.session_state["explanation"] = None
    return f"Loaded \"{info.name}\": open 3. Evaluate or 4. Explain."


@st.cache_data(max_entries=16, show_spinner="Training the reference models ...")
def _baselines(categories: tuple[str, ...], remove_metadata: bool) -> dict:
    return run_baselines(_load_corpus(categories, remove_metadata))


def baselines(corpus: Corpus) -> dict:
    """Returns the baselines' test metrics on `corpus` (cached per data choice)."""
    if corpus.description.get("source") != "20newsgroups":
        return _custom_baselines(corpus)
    return _baselines(tuple(corpus.class_names), bool(corpus.description.get("remove_metadata")))


@st.cache_data(max_entries=4, show_spinner="Training the reference models ...",
               hash_funcs={Corpus: lambda c: (tuple(c.train_texts), tuple(c.class_names), c.train_labels.tobytes())})
def _custom_baselines(corpus: Corpus) -> dict:
    return run_baselines(corpus)
