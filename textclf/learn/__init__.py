"""The network and its training: the model (model), the jitted step driven by a generator of events (train),
named settings (presets), the Naive Bayes mixture (ensemble), the trained classifier (classifier), the checks
run before training (checks), and the plain dense way kept as a yardstick (dense_reference)."""

from textclf.learn.checks import data_problem, training_problem
from textclf.learn.classifier import Classifier
from textclf.learn.model import ModelSpec, enable_compilation_cache
from textclf.learn.presets import PRESETS, Preset
from textclf.learn.train import EpochEnd, Finished, Started, StepLoss, TrainConfig, run_to_end, train

__all__ = ["Classifier", "EpochEnd", "Finished", "ModelSpec", "PRESETS", "Preset", "Started", "StepLoss",
           "TrainConfig", "data_problem", "enable_compilation_cache", "run_to_end", "train", "training_problem"]
