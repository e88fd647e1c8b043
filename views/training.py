"""Starting a background training run for this visitor: the Train button and "Retrain on the corrected file"."""

import streamlit as st

from views import common, server
from textclf.data import Corpus
from textclf.data.features import FeatureConfig
from textclf.learn.checks import training_problem
from textclf.learn.train import TrainConfig
from textclf.serve.jobs import JobStillRunning, TrainingJob, start_next
from textclf.serve.outcome import base_name


def start_run(corpus: Corpus, features: FeatureConfig, config: TrainConfig) -> str | None:
    """Starts training `corpus` in the background as the session's job; returns why it did not start, or None."""
    s = st.session_state
    if problem := training_problem(corpus, features, config):
        return problem
    name = base_name(corpus.description, config)  # the run's name adds how far it went and its test accuracy
    try:
        job = TrainingJob(corpus, features, config, store=common.run_store(), name=name,
                          queue=server.training_queue(), owner_alive=server.workspace_alive(),
                          workers=server.training_workers(), preset=s.get("preset"))
        s["job"] = start_next(s.get("job"), job)
    except JobStillRunning as err:
        return f"Not started: {err}."
    s["job_adopted"] = False
    s["interrupted"] = []  # the run a restarted server lost is being run again
    server.workspace_jobs().started(s["workspace"], job)  # the workspace's other tabs follow it
    return None
