"""Linear reference models: ComplementNB and LinearSVC on tf-idf of the same split."""

from __future__ import annotations

import time

from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.naive_bayes import ComplementNB
from sklearn.pipeline import make_pipeline
from sklearn.svm import LinearSVC

from textclf.data import Corpus
from textclf.evaluate import evaluate_predictions
from textclf.features import keras_tokenize

BASELINES = {
    "complement_nb": ("Complement Naive Bayes", lambda: ComplementNB()),
    "linear_svc": ("Linear SVM", lambda: LinearSVC(random_state=0)),
}


def run_baselines(corpus: Corpus) -> dict[str, dict]:
    """Returns {baseline id: {"name", "accuracy", "macro_f1", "seconds"}} on the corpus's test set."""
    results = {}
    for key, (name, make) in BASELINES.items():
        started = time.perf_counter()
        pipeline = make_pipeline(TfidfVectorizer(analyzer=keras_tokenize, sublinear_tf=True), make())
        pipeline.fit(corpus.train_texts, corpus.train_labels)
        evaluation = evaluate_predictions(corpus.test_labels, pipeline.predict(corpus.test_texts), corpus.class_names)
        results[key] = {"name": name, "accuracy": evaluation.accuracy, "macro_f1": evaluation.macro_f1,
                        "seconds": time.perf_counter() - started}
    return results
