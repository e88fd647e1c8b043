"""Does the network beat the best simple model here, by how much, and is that more than seed-to-seed noise?"""

from __future__ import annotations

from dataclasses import dataclass, replace

from textclf.analysis.baselines import describe_baseline
from textclf.data.newsgroups import NEWSGROUPS, TUTORIAL_CATEGORIES
from textclf.data.features import FeatureConfig
from textclf.learn.model import ModelSpec
from textclf.learn.presets import PRESETS
from textclf.learn.train import TrainConfig

# Test accuracy of each preset over seeds 42..46 on the four bench settings: (lowest, highest, runs).
# Measured with `scripts/search_recommended.py seeds` or `scripts/compare_public.py run` (the same seeds and
# training; see docs/performance.md); rerun one after a change to a preset or to training, and paste the figures here.
# The tutorial's: measured 2026-11-28 under heavy CPU load (timings then mean nothing, accuracies do). The
# recommended preset's (the network mixed with Naive Bayes, words seen once kept): measured 2026-12-06,
# 22:47-23:10 UTC, by compare_public.
SEED_SPREADS: dict[tuple[str, str], tuple[float, float, int]] = {
    ("tutorial", "4cat"): (0.9645, 0.9693, 5),
    ("recommended", "4cat"): (0.9833, 0.9840, 5),
    ("recommended", "4cat_removed"): (0.9261, 0.9296, 5),
    ("recommended", "20cat"): (0.8683, 0.8731, 5),
    ("recommended", "20cat_removed"): (0.7261, 0.7293, 5),
}


@dataclass(frozen=True)
class Comparison:
    """The network against the best tuned simple model on the same test posts."""

    network: float  # test accuracy
    best_name: str  # e.g. "Linear SVM with medium regularisation (0.3) on single words and word pairs"
    best: float
    spread: tuple[float, float, int] | None  # (lowest, highest, runs) of this preset on this data, if measured
    sentence: str

    @property
    def margin(self) -> float:
        """Returns network minus best simple model, in accuracy points (0..100 scale)."""
        return 100 * (self.network - self.best)


def bench_setting(description: dict) -> str | None:
    """Returns "4cat", "4cat_removed", "20cat" or "20cat_removed" when the data is one of the bench's, else None."""
    if description.get("source") != "20newsgroups":
        return None
    categories = set(description.get("categories", ()))
    name = {frozenset(TUTORIAL_CATEGORIES): "4cat", frozenset(NEWSGROUPS): "20cat"}.get(frozenset(categories))
    return None if name is None else name + ("_removed" if description.get("remove_metadata") else "")


def preset_of(features: FeatureConfig, config: TrainConfig) -> str | None:
    """Returns the preset these settings are (any seed), else None."""
    for name, preset in PRESETS.items():
        if preset.features == features and preset.train_config == replace(config, seed=preset.train_config.seed):
            return name
    return None


def compare(network: float, baselines: dict[str, dict], spread: tuple[float, float, int] | None,
            subject: str = "The network", unfinished: bool = False) -> Comparison:
    """Returns the comparison with the best simple model (highest test accuracy) and a plain sentence about it.

    `subject` names the model in the sentence, e.g. "The network mixed with Naive Bayes" (see subject_of).
    An `unfinished` model (stopped, or diverged) is not weighed against the spread of complete runs.
    """
    best = max(baselines.values(), key=lambda r: r["accuracy"])
    name = describe_baseline(best)
    points = 100 * (network - best["accuracy"])
    if abs(points) < 0.05:
        verdict = f"{subject} ties with the best simple model, {name}: both at {network:.1%}."
    elif points > 0:
        verdict = (f"{subject} beats the best simple model, {name}, by {points:.1f} points "
                   f"({network:.1%} against {best['accuracy']:.1%}).")
    else:
        verdict = (f"{subject} does not beat the best simple model here: {name} scores {best['accuracy']:.1%}, "
                   f"{-points:.1f} points more than its {network:.1%}.")
    if unfinished:
        noise = ("But this model was stopped before its last epoch, so this says little about these settings: "
                 "train to the end for a fair comparison.")
    elif spread is None:
        noise = ("How much of that is luck is not measured for these settings and data: train again with "
                 "another seed and see how far the score moves.")
    else:
        low, high, runs = spread
        width = 100 * (high - low)
        bigger = abs(points) > width
        noise = (f"With these settings on this data, {runs} runs with different seeds scored between "
                 f"{low:.1%} and {high:.1%} (a spread of {width:.1f} points, measured when this version was "
                 f"released), so the difference is {'larger than' if bigger else 'within'} the seed-to-seed "
                 f"spread{'' if bigger else ': it may be luck'}.")
    return Comparison(network, name, best["accuracy"], spread, f"{verdict} {noise}")


def subject_of(spec: ModelSpec) -> str:
    """Returns how the comparison names this model: "The network", or "The network mixed with Naive Bayes"."""
    return "The network mixed with Naive Bayes" if spec.mixture else "The network"


def stored_spread(description: dict, features: FeatureConfig, config: TrainConfig) -> tuple[float, float, int] | None:
    """Returns the measured seed spread of these settings on this data, or None when none was measured."""
    setting, preset = bench_setting(description), preset_of(features, config)
    return SEED_SPREADS.get((preset, setting)) if setting and preset else None
