"""Named settings: "tutorial" (the tutorial's model, exactly) and "recommended" (chosen on validation)."""

from __future__ import annotations

from dataclasses import dataclass

from textclf.features import FeatureConfig
from textclf.train import TrainConfig


@dataclass(frozen=True)
class Preset:
    """A named pair of feature and training settings, with a sentence for the user."""

    name: str
    label: str
    description: str
    features: FeatureConfig
    train_config: TrainConfig


PRESETS: dict[str, Preset] = {
    "tutorial": Preset(
        "tutorial", "Tutorial",
        "Exactly the tutorial: word counts, 128 → 64 units, Adam 0.001, batch 32, 5 epochs.",
        FeatureConfig(), TrainConfig()),
    "recommended": Preset(
        "recommended", "Recommended",
        "Chosen on the validation posts, better on harder data: tf-idf weights of words seen at least "
        "twice, one wider layer (256) with dropout against memorising, fast lazy Adam, up to 15 epochs that "
        "stop once the validation loss stops falling, then a retrain on every training post for the chosen epochs.",
        FeatureConfig(scaling="tfidf", min_df=2),
        TrainConfig(hidden=(256,), learning_rate=2e-3, optimizer="lazy_adam", dropout=0.6, epochs=15,
                    early_stopping=3, monitor="val_loss", refit=True)),
}
