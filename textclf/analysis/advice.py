"""Advice for a model little better than guessing or unsure about many texts: which setting would most likely help."""

from __future__ import annotations

import numpy as np

from textclf.learn.classifier import Classifier

# Above this share of texts below the confidence threshold, Train and Classify suggest a setting.
UNSURE_SHARE = 0.3
# Below this many training texts per class, more examples are the advice before any setting: a 60-row file of
# support tickets (tests/plain_tickets.py, 16 per class) stayed at 33-42% test accuracy with either preset.
FEW_PER_CLASS = 30


def chance_advice(accuracy: float, test_labels: np.ndarray, texts: str = "texts") -> str | None:
    """Returns a sentence when the test accuracy is not clearly above always answering the most common class.

    "Clearly" is a one-sided exact binomial test at 5% against the most common class's share of the test
    texts; an accuracy at least halfway from that share to 100% is never flagged (a perfect score on four
    texts proves little, but says nothing is wrong either).
    """
    from scipy.stats import binomtest

    labels = np.asarray(test_labels, dtype=np.int64)
    if not labels.size:
        return None
    counts = np.bincount(labels)
    majority = float(counts.max() / labels.size)
    correct = int(round(accuracy * labels.size))
    if accuracy >= (1 + majority) / 2 or binomtest(correct, labels.size, majority, alternative="greater").pvalue <= 0.05:
        return None
    return (f"{accuracy:.1%} on {labels.size:,} test {texts} is not clearly better than always answering the most "
            f"common class ({majority:.1%}): the model has not learnt much yet.")


def unsure_share(confidence: np.ndarray, threshold: float) -> float:
    """Returns the share of texts whose predicted class has a probability below `threshold` (0 for no texts)."""
    confidence = np.asarray(confidence, dtype=np.float64)
    return float(np.mean(confidence < threshold)) if confidence.size else 0.0


def next_step(classifier: Classifier, per_class: float | None = None) -> str:
    """Returns the setting most likely to help this model, as a clause ("try the Recommended preset ...").

    The tutorial's plain word counts are the first suspect (docs/performance.md: on a small file of support
    tickets the tutorial preset was unsure on 26 of 45 texts, the recommended one on none); then word pairs,
    which raised test accuracy on the short public sets by 0.3-1.0 points; with both on, or with fewer than
    FEW_PER_CLASS training texts per class (`per_class`, when known), more labelled examples.
    """
    features = classifier.featurizer.config
    if not classifier.spec.mixture or features.scaling != "tfidf":
        return ("try the Recommended preset on the Train page (tf-idf word weights and a mix with Naive Bayes), "
                "which is usually surer and more accurate on a file of your own.")
    if per_class is not None and per_class < FEW_PER_CLASS:
        return f"with about {per_class:.0f} training texts per class, more labelled examples would help most."
    if not features.pairs:
        return ("try word pairs (Data page, Advanced), which can help when texts are short, such as questions or "
                "messages.")
    return "the settings are already the recommended ones, so more labelled examples per class would help most."


def setting_advice(classifier: Classifier, share: float, threshold: float,
                   per_class: float | None = None) -> str | None:
    """Returns one sentence naming the setting most likely to make the model surer, or None when few texts are unsure."""
    if share <= UNSURE_SHARE:
        return None
    return f"The model is unsure (below {threshold:.0%}) on {share:.0%} of these texts: " + next_step(classifier,
                                                                                                        per_class)
