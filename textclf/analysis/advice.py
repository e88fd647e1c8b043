"""One sentence for a model that is unsure about many texts: which setting would most likely help."""

from __future__ import annotations

import numpy as np

from textclf.learn.classifier import Classifier

# Above this share of texts below the confidence threshold, Train and Classify suggest a setting.
UNSURE_SHARE = 0.3


def unsure_share(confidence: np.ndarray, threshold: float) -> float:
    """Returns the share of texts whose predicted class has a probability below `threshold` (0 for no texts)."""
    confidence = np.asarray(confidence, dtype=np.float64)
    return float(np.mean(confidence < threshold)) if confidence.size else 0.0


def setting_advice(classifier: Classifier, share: float, threshold: float) -> str | None:
    """Returns one sentence naming the setting most likely to make the model surer, or None when few texts are unsure.

    The tutorial's plain word counts are the first suspect (docs/performance.md: on a small file of support
    tickets the tutorial preset was unsure on 26 of 45 texts, the recommended one on none); then word pairs,
    which raised test accuracy on the short public sets by 0.3-1.0 points; with both on, more labelled examples.
    """
    if share <= UNSURE_SHARE:
        return None
    said = f"The model is unsure (below {threshold:.0%}) on {share:.0%} of these texts: "
    features = classifier.featurizer.config
    if not classifier.spec.mixture or features.scaling != "tfidf":
        return said + ("try the Recommended preset on the Train page (tf-idf word weights and a mix with Naive "
                       "Bayes), which is usually surer and more accurate on a file of your own.")
    if not features.pairs:
        return said + ("try word pairs (Data page, Advanced), which can help when texts are short, such as "
                       "questions or messages.")
    return said + "the settings are already the recommended ones, so more labelled examples per class would help most."
