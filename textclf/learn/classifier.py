"""A trained classifier: featurizer + network parameters + class names, ready to predict texts."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Sequence

import numpy as np

from textclf.data.features import Featurizer
from textclf.learn.model import ModelSpec, predict_proba_sparse


@dataclass
class Classifier:
    """Everything needed to turn texts into class probabilities."""

    featurizer: Featurizer
    spec: ModelSpec
    params: dict
    class_names: tuple[str, ...]
    info: dict = field(default_factory=dict)  # config, history, metrics, data description (JSON-safe)

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        """Returns class probabilities [len(texts), n_classes]."""
        return predict_proba_sparse(self.params, self.spec, self.featurizer.transform(texts))

    def predict(self, texts: Sequence[str]) -> np.ndarray:
        """Returns predicted class indices [len(texts)]."""
        return self.predict_proba(texts).argmax(axis=1)
