"""What happens once training ends, in whichever process trained: the test evaluation and the saved run."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Callable, Iterator

from textclf.data.corpus import Corpus, describe, nouns
from textclf.analysis.advice import chance_advice, next_step, setting_advice, unsure_share
from textclf.analysis.evaluate import Evaluation, evaluate_predictions
from textclf.analysis.predict import DEFAULT_THRESHOLD
from textclf.learn.classifier import Classifier
from textclf.data.features import FeatureConfig
from textclf.store.runs import CannotWrite, RunStore, clean_name, unique_name
from textclf.learn.train import Finished, TrainConfig, train


@dataclass(frozen=True)
class Outcome:
    """A finished (or stopped) run, evaluated on the test set and, with a store, saved."""

    finished: Finished
    evaluation: Evaluation
    run_id: str | None = None  # where it is saved
    save_error: str | None = None  # why it could not be saved (the model is still here)
    advice: str | None = None  # which setting would help, when the model is unsure on many test texts


def evaluate_on_test(corpus: Corpus, classifier: Classifier) -> tuple[Evaluation, str | None]:
    """Returns the test evaluation and one sentence of advice: when the model is little better than guessing the most
    common class, or unsure on many test texts (the setting that would help); else None."""
    probs = classifier.predict_proba(corpus.test_texts)  # [n_test, classes]
    evaluation = evaluate_predictions(corpus.test_labels, probs.argmax(axis=1), corpus.class_names)
    per_class = len(corpus.train_texts) / corpus.n_classes
    if guessing := chance_advice(evaluation.accuracy, corpus.test_labels, nouns(corpus.description).texts):
        step = next_step(classifier, per_class)
        return evaluation, f"{guessing} {step[0].upper()}{step[1:]}"
    share = unsure_share(probs.max(axis=1), DEFAULT_THRESHOLD)
    return evaluation, setting_advice(classifier, share, DEFAULT_THRESHOLD, per_class)


def base_name(description: dict, config: TrainConfig) -> str:
    """Returns the start of a run's name: its data and hidden units, e.g. "4 topics, 256 units"."""
    return f"{describe(description)}, {','.join(map(str, config.hidden))} units"


def run_name(base: str, finished: Finished, accuracy: float) -> str:
    """Returns a saved run's name: `base`, how far training went and the test accuracy.

    A stopped run says where it stopped ("stopped after epoch 8 of 15"), not the epochs it was set to.
    """
    planned = finished.planned_epochs
    if finished.reason == "stopped":
        went = f"stopped {finished.stop_point()}"
    elif finished.reason == "diverged":
        went = f"blew up in epoch {len(finished.history) + 1}" + (f" of {planned}" if planned else "")
    elif finished.reason == "early_stopping":
        went = f"early stop after epoch {len(finished.history)}" + (f" of {planned}" if planned else "")
    else:
        epochs = planned or len(finished.history)
        went = f"{epochs} epoch{'s' if epochs != 1 else ''}"
    return f"{base}, {went}: test {accuracy:.1%}"


def finish_run(corpus: Corpus, finished: Finished, store: RunStore | None, name: str | None,
               preset: str | None = None) -> Outcome:
    """Returns the outcome of `finished`: evaluated once on `corpus`'s test set and saved in `store` if given.

    A failed save (disk full, read-only folder) keeps the model and says why in `save_error`.
    """
    classifier = finished.classifier
    evaluation, advice = evaluate_on_test(corpus, classifier)
    classifier.info["test_metrics"] = evaluation.to_json()
    if store is None:
        return Outcome(finished, evaluation, advice=advice)
    try:
        if name:
            created = datetime.now(timezone.utc)
            taken = [r.name for r in store.list()]  # the same settings twice must not give the same name
            name = unique_name(clean_name(run_name(name, finished, evaluation.accuracy), created), taken)
        info = store.save(classifier, name=name,
                          data={**corpus.description, **finished.split}, history=finished.history,
                          metrics=evaluation.to_json(), train_seconds=finished.train_seconds, reason=finished.reason,
                          preset=preset)
        return Outcome(finished, evaluation, info.id, advice=advice)
    except Exception as err:  # noqa: BLE001 - a full disk must not lose the model in memory
        why = str(err).removesuffix(" Nothing was changed.") if isinstance(err, CannotWrite) \
            else f"The run could not be saved on disk ({err})."
        return Outcome(finished, evaluation, advice=advice,
                       save_error=f"{why} It stays available until you close the page.")


def run_events(corpus: Corpus, features: FeatureConfig, config: TrainConfig, should_stop: Callable[[], bool],
               store: RunStore | None = None, name: str | None = None, preset: str | None = None) -> Iterator:
    """Yields train's progress events; the last one is the Outcome (in place of train's Finished)."""
    for event in train(corpus, features, config, should_stop=should_stop):
        yield finish_run(corpus, event, store, name, preset) if isinstance(event, Finished) else event
