"""Training: a jitted update step driven by a generator of progress events that can be stopped."""

from __future__ import annotations

import math
import time
from dataclasses import asdict, dataclass, field, replace
from functools import partial
from typing import Callable, Iterator, NamedTuple, Union

import jax
import jax.numpy as jnp
import numpy as np
import optax
import scipy.sparse as sp
from sklearn.model_selection import train_test_split

from textclf import limits
from textclf.limits import parse_hidden_sizes  # noqa: F401 (public here too: the form's check)
from textclf.learn import choice, ensemble
from textclf.learn.classifier import Classifier
from textclf.data.corpus import Corpus, nouns
from textclf.data.features import FeatureConfig, Featurizer
from textclf.learn.model import (ModelSpec, SparseBatch, batch_capacity, counts_by_word, first_layer_in_slabs, head,
                           init_params, predict_proba_sparse, rows_of, slab, slab_count, stack_batches)

OPTIMIZERS = ("adam", "lazy_adam")
COMPARE_PATIENCE = 1  # early stopping's patience for a second word option tried on the validation texts


@dataclass(frozen=True)
class TrainConfig:
    """Training settings; the defaults are the tutorial's, except fast (lazy) Adam."""

    hidden: tuple[int, ...] = (128, 64)
    epochs: int = 5
    batch_size: int = 32
    learning_rate: float = 1e-3
    seed: int = 42
    val_fraction: float = 0.1  # share of the training set held out for validation
    dropout: float = 0.0
    weight_decay: float = 0.0
    # "lazy_adam" (the default, for speed) updates only the first-layer rows of the words in the batch:
    # 3-5x faster on large vocabularies, about as accurate. "adam" is exact Adam, as in the tutorial.
    optimizer: str = "lazy_adam"
    early_stopping: int = 0  # stop after this many epochs without a better validation accuracy (0: off)
    # What early stopping and the kept epoch follow: "val_accuracy" (higher is better) or "val_loss" (lower).
    monitor: str = "val_accuracy"
    # After choosing the number of epochs on the validation split, retrain on all training posts for that many.
    refit: bool = False
    # Mix the network with Complement Naive Bayes fitted on the same feature rows (textclf.ensemble), with NB's
    # smoothing and the weights chosen on the validation posts; the model stays one differentiable function.
    nb_mixture: bool = False
    # A wide part beside the network: class scores per word added to its logits, trained with it (Wide & Deep),
    # starting from Naive Bayes' scores, so the network starts where a linear model is and can only learn more.
    wide: bool = False
    log_every: int = 16  # steps per compiled chunk, and between loss events

    def __post_init__(self) -> None:
        if not self.hidden or any(h < 1 for h in self.hidden):
            raise ValueError("hidden sizes must be positive whole numbers, e.g. 128,64")
        limits.check_hidden(self.hidden)
        if self.epochs < 1:
            raise ValueError("epochs must be at least 1")
        if self.seed < 0:
            raise ValueError("seed must be 0 or more")
        if self.batch_size < 1:
            raise ValueError("batch size must be at least 1")
        if not (self.learning_rate > 0 and math.isfinite(self.learning_rate)):
            raise ValueError("learning rate must be a positive number")
        if not 0 <= self.val_fraction < 0.9:
            raise ValueError("validation share must be between 0 and 0.9")
        if not 0 <= self.dropout < 1:
            raise ValueError("dropout must be between 0 and 1")
        if self.weight_decay < 0:
            raise ValueError("weight decay must not be negative")
        if self.monitor not in ("val_accuracy", "val_loss"):
            raise ValueError("monitor must be val_accuracy or val_loss")
        if self.optimizer not in OPTIMIZERS:
            raise ValueError(f"optimizer must be one of {', '.join(OPTIMIZERS)}")


class TrainState(NamedTuple):
    """What changes every step."""

    params: dict
    opt_state: optax.OptState  # Adam state of the head (lazy) or of everything (exact)
    embed_mu: jax.Array  # [vocab, hidden0] lazy Adam moments (empty [0, 0] for exact Adam)
    embed_nu: jax.Array
    step: jax.Array  # scalar int32
    rng: jax.Array


@dataclass(frozen=True)
class Started:
    total_steps: int
    steps_per_epoch: int
    n_train: int
    n_val: int
    vocab_size: int
    # "train"; "compare" when word pairs are tried too (learn.choice); "refit" when the chosen model is retrained
    # on every training post
    phase: str = "train"


@dataclass(frozen=True)
class StepLoss:
    step: int
    epoch: int  # 1-based
    loss: float  # mean training loss over the steps since the previous event


@dataclass(frozen=True)
class EpochEnd:
    epoch: int
    train_loss: float
    train_accuracy: float
    val_accuracy: float | None
    val_loss: float | None
    seconds: float  # training time so far


@dataclass(frozen=True)
class Finished:
    classifier: Classifier
    history: list[dict]
    reason: str  # "completed" | "stopped" | "early_stopping" | "diverged"
    message: str
    train_seconds: float
    best_epoch: int | None = None
    split: dict = field(default_factory=dict)  # n_train, n_val, n_test

    @property
    def stopped(self) -> bool:
        """Returns True when training ended before its last epoch (Stop, early stopping or divergence)."""
        return self.reason != "completed"

    @property
    def unfinished(self) -> bool:
        """Returns True when the model is not what the settings asked for (Stop pressed, or divergence).

        Early stopping is part of the settings: a model it chose is finished.
        """
        return self.reason in ("stopped", "diverged")

    @property
    def planned_epochs(self) -> int | None:
        """Returns the number of epochs the settings asked for (None when the model does not say)."""
        epochs = ((self.classifier.info or {}).get("train_config") or {}).get("epochs")
        return int(epochs) if isinstance(epochs, (int, float)) and epochs > 0 else None

    def stop_point(self) -> str:
        """Returns where training ended, e.g. "after epoch 8 of 15" or "during epoch 1 of 15"."""
        done, planned = len(self.history), self.planned_epochs
        of = f" of {planned}" if planned else ""
        return f"after epoch {done}{of}" if done else f"during epoch 1{of}"

    def unfinished_note(self) -> str:
        """Returns one sentence on why the model is unfinished ("" when it is finished)."""
        if self.reason == "stopped":
            return f"This model is unfinished: you stopped it {self.stop_point()}."
        if self.reason == "diverged":
            planned = self.planned_epochs
            return (f"This model is unfinished: training blew up in epoch {len(self.history) + 1}"
                    f"{f' of {planned}' if planned else ''} (the numbers grew too large). Try a smaller learning rate.")
        return ""

    def ending(self) -> str:
        """Returns how training ended in a few words, e.g. "stopped by you" ("" when every epoch ran)."""
        return {"stopped": "stopped by you", "diverged": "diverged",
                "early_stopping": f"early stopping chose epoch {self.best_epoch}" if self.best_epoch
                else "early stopping"}.get(self.reason, "")


Event = Union[Started, StepLoss, EpochEnd, Finished]


@dataclass(frozen=True)
class UpdateRule:
    """The settings the compiled update depends on: changing the seed or the epochs must not recompile it."""

    optimizer: str
    learning_rate: float
    weight_decay: float

    @classmethod
    def of(cls, config: TrainConfig) -> "UpdateRule":
        """Returns the update rule of `config`."""
        return cls(config.optimizer, config.learning_rate, config.weight_decay)


def _adam(config: TrainConfig | UpdateRule) -> optax.GradientTransformation:
    if config.weight_decay > 0:
        return optax.adamw(config.learning_rate, weight_decay=config.weight_decay)
    return optax.adam(config.learning_rate)


def init_state(key: jax.Array, spec: ModelSpec, config: TrainConfig) -> TrainState:
    """Returns the state before the first step."""
    return _fresh_state(key, spec, UpdateRule.of(config))


# One compiled function for the whole start: done op by op, drawing and zeroing the parameters was a dozen
# small programs, each traced and compiled (or looked up on disk) again in every new process.
@partial(jax.jit, static_argnames=("spec", "config"))
def _fresh_state(key: jax.Array, spec: ModelSpec, config: UpdateRule) -> TrainState:
    k_init, k_rng = jax.random.split(key)
    params = init_params(k_init, spec)
    tx = _adam(config)
    if config.optimizer == "adam":
        return TrainState(params, tx.init(params), jnp.zeros((0, 0)), jnp.zeros((0, 0)),
                          jnp.zeros((), jnp.int32), k_rng)
    mu, nu = jnp.zeros_like(params["embed"]), jnp.zeros_like(params["embed"])  # two buffers: both are donated
    return TrainState(params, tx.init(params["head"]), mu, nu, jnp.zeros((), jnp.int32), k_rng)


def _loss(h0: jax.Array, head_params: dict, batch: SparseBatch, rng: jax.Array, spec: ModelSpec):
    logits = head.apply(head_params, rng, h0, spec, True)  # [batch, classes]
    ce = optax.softmax_cross_entropy_with_integer_labels(logits, batch.labels) * batch.mask
    correct = jnp.sum((jnp.argmax(logits, -1) == batch.labels) * batch.mask)
    return jnp.sum(ce) / jnp.maximum(jnp.sum(batch.mask), 1.0), (jnp.sum(ce), correct)


def _update(state: TrainState, batch: SparseBatch, spec: ModelSpec, config: TrainConfig | UpdateRule):
    """Returns (next state, metrics {ce_sum, correct, count}) after one update on `batch`.

    The first layer is a sum over the batch's word slabs (model.first_layer_in_slabs); its gradient is taken by
    hand, slab by slab: a slab's rows get counts [size, batch] @ dL/dh0 [batch, hidden0]. Autodiff covers the
    head. Only the slabs the batch fills are visited, so padding costs (almost) nothing.
    """
    rng, step_rng = jax.random.split(state.rng)
    embed = state.params["embed"]
    counts, n_slabs = counts_by_word(batch), slab_count(batch, embed.shape[0])
    h0 = first_layer_in_slabs(embed, batch, counts, n_slabs)  # [batch, hidden0]
    (_, (ce_sum, correct)), (g_h0, g_head) = jax.value_and_grad(_loss, argnums=(0, 1), has_aux=True)(
        h0, state.params["head"], batch, step_rng, spec)
    tx = _adam(config)
    if config.optimizer == "adam":
        def add_slab(s, g_embed):
            words, slab_counts = slab(batch, counts, s)
            return g_embed.at[words].set(slab_counts @ g_h0, mode="drop")  # words are distinct: set = add

        grads = {"embed": jax.lax.fori_loop(0, n_slabs, add_slab, jnp.zeros_like(embed)), "head": g_head}
        updates, opt_state = tx.update(grads, state.opt_state, state.params)
        params = optax.apply_updates(state.params, updates)
        mu, nu = state.embed_mu, state.embed_nu
    else:
        updates, opt_state = tx.update(g_head, state.opt_state, state.params["head"])
        new_head = optax.apply_updates(state.params["head"], updates)
        # Lazy Adam: the moments and weights of words absent from the batch are left as they are.
        t = (state.step + 1).astype(jnp.float32)
        b1, b2, eps = 0.9, 0.999, 1e-8
        # Adam's bias corrections as scalars, so each element costs one division and one square root (divisions
        # are the dearest element-wise operation): mu_hat / (sqrt(nu_hat) + eps), mu_hat = mu / (1 - b1^t), etc.
        mu_scale, nu_scale = 1 / (1 - b1 ** t), jax.lax.rsqrt(1 - b2 ** t)

        def update_slab(s, tables):
            table, mu, nu = tables
            words, slab_counts = slab(batch, counts, s)
            g_rows = slab_counts @ g_h0  # [size, hidden0]
            rows = rows_of(table, words)
            mu_rows = b1 * rows_of(mu, words) + (1 - b1) * g_rows
            nu_rows = b2 * rows_of(nu, words) + (1 - b2) * g_rows ** 2
            update = (mu_rows * mu_scale) / (jnp.sqrt(nu_rows) * nu_scale + eps)
            new_rows = rows - config.learning_rate * (update + config.weight_decay * rows)
            return (table.at[words].set(new_rows, mode="drop"), mu.at[words].set(mu_rows, mode="drop"),
                    nu.at[words].set(nu_rows, mode="drop"))

        table, mu, nu = jax.lax.fori_loop(0, n_slabs, update_slab, (embed, state.embed_mu, state.embed_nu))
        params = {"embed": table, "head": new_head}
    metrics = {"ce_sum": ce_sum, "correct": correct, "count": jnp.sum(batch.mask)}
    return TrainState(params, opt_state, mu, nu, state.step + 1, rng), metrics


@partial(jax.jit, static_argnames=("spec", "config"), donate_argnums=(0,))
def train_step(state: TrainState, batch: SparseBatch, spec: ModelSpec, config: TrainConfig | UpdateRule):
    """Returns (next state, metrics) after one update on `batch`."""
    return _update(state, batch, spec, config)


@partial(jax.jit, static_argnames=("spec", "config"), donate_argnums=(0,))
def train_steps(state: TrainState, batches: SparseBatch, spec: ModelSpec, config: TrainConfig | UpdateRule):
    """Returns (next state, metrics [n_steps]) after one update per batch of `batches` [n_steps, ...].

    One compiled loop per chunk of steps: Python (and its lock) is touched once per chunk, not per step.
    Batches without rows (padding the last chunk of an epoch) leave the state untouched.
    """
    def body(s: TrainState, batch: SparseBatch):
        skip = {"ce_sum": jnp.zeros(()), "correct": jnp.zeros(()), "count": jnp.zeros(())}
        return jax.lax.cond(jnp.sum(batch.mask) > 0, lambda s: _update(s, batch, spec, config),
                            lambda s: (s, skip), s)

    return jax.lax.scan(body, state, batches)


@jax.jit
def _add_chunk(totals: dict, metrics: dict) -> tuple[dict, jax.Array]:
    """Returns (totals plus a chunk's summed metrics, the chunk's mean loss): one small program for both."""
    sums = {k: jnp.sum(m) for k, m in metrics.items()}
    return {k: totals[k] + sums[k] for k in totals}, sums["ce_sum"] / sums["count"]


def split_validation(n: int, labels: np.ndarray, fraction: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Returns (train indices, validation indices), stratified by label where every class allows it."""
    idx = np.arange(n)
    if fraction <= 0:
        return idx, idx[:0]
    counts = np.bincount(labels)
    stratify = labels if counts[counts > 0].min() >= 2 else None
    train_idx, val_idx = train_test_split(idx, test_size=fraction, random_state=seed, stratify=stratify)
    return np.sort(train_idx), np.sort(val_idx)


def validation_split(corpus: Corpus, fraction: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Returns (train indices, validation indices) of the corpus's training texts.

    The validation rows its file marks (``Corpus.validation``) when it has some and `fraction` is above 0;
    else ``split_validation`` of `fraction`. A fraction of 0 trains on every training text, marked or not.
    """
    labels = np.asarray(corpus.train_labels)
    if corpus.validation is not None and len(corpus.validation) and fraction > 0:
        val_idx = np.sort(np.asarray(corpus.validation))
        return np.setdiff1d(np.arange(len(labels)), val_idx), val_idx
    return split_validation(len(labels), labels, fraction, seed)


def epoch_batches(n: int, batch_size: int, rng: np.random.Generator) -> list[np.ndarray]:
    """Returns one epoch of shuffled row indices in batches; the last may be short (it is padded)."""
    order = rng.permutation(n)
    return [order[i:i + batch_size] for i in range(0, n, batch_size)]


def refit_steps_at_most(n_train: int, n_val: int, config: TrainConfig) -> int:
    """Returns the most steps the retraining on every training post can take (0 when none follows): it trains the
    number of epochs chosen on the validation posts, at most all of `config.epochs`, on the training and
    validation posts together."""
    if not (config.refit and n_val):
        return 0
    return math.ceil((n_train + n_val) / config.batch_size) * config.epochs  # epoch_batches' count, per epoch


def _wide_from_naive_bayes(state: TrainState, spec: ModelSpec, x: sp.csr_matrix, y: np.ndarray,
                           smoothing: tuple[float, float]) -> TrainState:
    """Returns `state` with the wide part's columns set to ComplementNB's class scores on (x, y) with `smoothing`
    (alpha, scale: ensemble.smoothing_by_cv): on short texts the deep part barely moves a rare word's weights before
    early stopping, and Naive Bayes has already counted them."""
    alpha, scale = smoothing
    embed = np.array(state.params["embed"])  # [vocab, net_width], a host copy to write into
    embed[:, spec.hidden[0]: spec.net_width] = scale * ensemble.complement_nb(x, y, spec.n_classes, alpha)
    return state._replace(params={**state.params, "embed": jnp.asarray(embed)})


def _accuracy_and_loss(params: dict, spec: ModelSpec, x: sp.csr_matrix, y: np.ndarray) -> tuple[float, float]:
    probs = predict_proba_sparse(params, spec, x)
    loss = float(-np.mean(np.log(np.clip(probs[np.arange(len(y)), y], 1e-12, None))))
    return float(np.mean(probs.argmax(1) == y)), loss


def train(corpus: Corpus, features: FeatureConfig = FeatureConfig(), config: TrainConfig = TrainConfig(),
          should_stop: Callable[[], bool] = lambda: False) -> Iterator[Event]:
    """Yields progress events while training on `corpus`; the last event is Finished.

    `should_stop` is polled at every event; when it returns True training ends after the current
    step and Finished carries the parameters trained so far. With `features.choose_pairs`, words alone and words
    with pairs are each trained on the training part (the second in a "compare" phase) and the better one on the
    validation texts is kept (learn.choice). With `config.refit`, the number of epochs chosen on the validation
    split is then trained again on every training post (a "refit" phase). `config.wide` applies where it helps
    (learn.choice.wide_part_helps); the model's info records the settings that ran.
    """
    median = choice.median_words(corpus.train_texts)  # read once: the wide part and the word options both use it
    if config.wide and not choice.wide_part_helps(len(corpus.train_texts), corpus.n_classes, median):
        # On long texts a wide part from Naive Bayes lowered the test accuracy (4 topics 0.981 against 0.983, Reuters'
        # 48 topics 0.930 against 0.946): it is for short texts, where the deep part stops before rare words move.
        config = replace(config, wide=False)
    finished, chosen = yield from _choose_words(corpus, features, config, should_stop, median)
    features = FeatureConfig(**finished.classifier.info["feature_config"])
    epochs = finished.best_epoch or len(finished.history)
    if not (config.refit and finished.split["n_val"] and finished.reason in ("completed", "early_stopping") and epochs):
        yield finished
        return
    refit_config = replace(config, val_fraction=0.0, epochs=epochs, early_stopping=0, refit=False)
    mixture = ensemble.recorded(finished.classifier.info) if config.nb_mixture else None
    texts = nouns(corpus.description).texts
    for event in _train_phase(corpus, features, refit_config, should_stop, "refit", mixture):
        if not isinstance(event, Finished):
            yield event
        elif event.reason != "completed":  # a half-done refit is worse than the model chosen on validation
            yield replace(finished, message=f"{finished.message} The final retraining on all training {texts} was "
                          f"stopped, so the model chosen on the validation {texts} was kept.",
                          train_seconds=finished.train_seconds + event.train_seconds)
        else:
            event.classifier.info["history"] = finished.history
            event.classifier.info["train_config"] = asdict(config)
            if chosen is not None:
                event.classifier.info["chosen"] = chosen.to_json()
            yield replace(event, history=finished.history, reason=finished.reason,
                          message=f"{finished.message} Then retrained on all {event.split['n_train']:,} training "
                                  f"{texts} for {epochs} epoch{'s' if epochs != 1 else ''}.",
                          train_seconds=finished.train_seconds + event.train_seconds, best_epoch=epochs,
                          split={**event.split, "n_val": finished.split["n_val"]})


def _validation_score(finished: Finished) -> tuple[float, float]:
    """Returns (validation accuracy, log loss) of a first part's model: its mixture's when it has one (as chosen
    there), else its network's at the kept epoch."""
    mixture = ensemble.recorded(finished.classifier.info)
    if mixture is not None:
        return mixture.val_accuracy, mixture.val_log_loss
    record = finished.history[(finished.best_epoch or len(finished.history)) - 1]
    return float(record["val_accuracy"]), float(record["val_loss"])


def _choose_words(corpus: Corpus, features: FeatureConfig, config: TrainConfig, should_stop: Callable[[], bool],
                  median: float):
    """Yields the first part's events, for each word option to try (learn.choice), and returns (the Finished of the
    option kept, its Choice or None); the kept model's info records its word options with `choose_pairs` as asked."""
    train_idx, val_idx = validation_split(corpus, config.val_fraction, config.seed)
    options = [("", replace(features, choose_pairs=False))]
    if features.choose_pairs and len(val_idx):
        options = choice.candidates(features, median)
    results: list[tuple[str, Finished]] = []
    # The option tried second stops one epoch after its validation loss stops falling: it is scored at its best
    # epoch all the same, and the epochs that patience adds are most of what a second option costs on short texts
    # (where the best epoch is often the second).
    compare_config = replace(config, early_stopping=min(config.early_stopping, COMPARE_PATIENCE)) \
        if config.early_stopping else config
    for i, (name, option) in enumerate(options):
        finished = None
        for event in _train_phase(corpus, option, config if i == 0 else compare_config, should_stop,
                                  "train" if i == 0 else "compare"):
            if isinstance(event, Finished):
                finished = event
            else:
                yield event
        finished.classifier.info["feature_config"] = asdict(replace(option, choose_pairs=features.choose_pairs))
        finished.classifier.info["train_config"] = asdict(config)
        if finished.reason == "diverged" and results:  # pairs that blow up lose; the words run is complete
            results.append((name, finished))
            continue
        if finished.reason not in ("completed", "early_stopping"):
            if results:  # stopped while trying the second option: the first one, complete, is kept
                kept = results[0][1]
                return replace(kept, reason="stopped", message=f"Stopped while trying {name}: kept {results[0][0]}, "
                               f"as trained on the training part ({kept.message})"), None
            return finished, None
        results.append((name, finished))
    if not features.choose_pairs or not len(val_idx):
        return results[0][1], None
    tried = tuple(choice.Tried(name, *_validation_score(f), f.best_epoch or len(f.history)) if f.reason != "diverged"
                  else choice.Tried(name, math.nan, math.nan, 0) for name, f in results)
    texts = nouns(corpus.description).texts
    chosen = choice.Choice(choice.best(tried).name, tried, median, len(val_idx), texts)
    finished = dict(results)[chosen.chosen]
    finished.classifier.info["chosen"] = chosen.to_json()
    return replace(finished, message=f"{chosen.sentence()} {finished.message}",
                   train_seconds=sum(f.train_seconds for _, f in results)), chosen


def _train_phase(corpus: Corpus, features: FeatureConfig, config: TrainConfig, should_stop: Callable[[], bool],
                 phase: str, mixture: ensemble.Mixture | None = None) -> Iterator[Event]:
    """Yields one phase's events; with `config.nb_mixture`, the model is mixed with NB at the end, with
    `mixture` (the refit phase) or else one chosen on this phase's validation posts."""
    labels = np.asarray(corpus.train_labels)
    train_idx, val_idx = validation_split(corpus, config.val_fraction, config.seed)
    # Vocabulary from the training part only, read once, capped so the saved model fits a bundle upload; the
    # validation posts are featurised at the end of the first epoch, so the first loss point arrives sooner.
    featurizer, x_train = Featurizer.fit_transform(
        [corpus.train_texts[i] for i in train_idx], features,
        limits.vocabulary_budget(config.hidden, corpus.n_classes, config.nb_mixture, config.wide))
    y_train, y_val = labels[train_idx], labels[val_idx]
    x_val = None
    spec = ModelSpec(featurizer.vocab_size, tuple(config.hidden), corpus.n_classes, config.dropout, wide=config.wide)

    shuffle_rng = np.random.default_rng(config.seed)
    schedule = [epoch_batches(len(y_train), config.batch_size, shuffle_rng) for _ in range(config.epochs)]
    steps_per_epoch = len(schedule[0])
    yield Started(steps_per_epoch * config.epochs, steps_per_epoch, len(y_train), len(y_val),
                  featurizer.vocab_size, phase)

    state = init_state(jax.random.PRNGKey(config.seed), spec, config)
    # Naive Bayes' smoothing and scale, chosen once per phase for the wide part's start and the mixture alike
    smoothing = ensemble.smoothing_by_cv(x_train, y_train, corpus.n_classes) if spec.wide else None
    if spec.wide:
        state = _wide_from_naive_bayes(state, spec, x_train, y_train, smoothing)
    # Host copies: the update donates (reuses) the device buffers of the state it is given.
    kept = jax.device_get(state.params)  # the model as of the last complete epoch
    history: list[dict] = []
    best = (-math.inf, 0, kept)  # (score: higher is better, epoch, params)
    reason, message = "completed", f"Finished {config.epochs} epoch{'s' if config.epochs != 1 else ''}."
    capacity = batch_capacity(x_train, [b for epoch in schedule for b in epoch])  # one compiled step per run
    seconds, done_steps = 0.0, 0
    chunk, rule = config.log_every, UpdateRule.of(config)
    empty = np.zeros(0, dtype=np.int64)
    for epoch, batches in enumerate(schedule, start=1):
        started = time.perf_counter()
        totals = {k: np.float32(0) for k in ("ce_sum", "correct", "count")}
        stop_now, previous = False, None
        groups = [batches[i:i + chunk] for i in range(0, len(batches), chunk)]
        for group in groups + [None]:
            if group is not None:
                padded = group + [empty] * (chunk - len(group))  # same shape for the epoch's last chunk
                stacked = stack_batches(x_train, padded, y_train, config.batch_size, capacity)
                state, metrics = train_steps(state, stacked, spec, rule)  # runs while we read the previous
                totals, chunk_loss = _add_chunk(totals, metrics)
            if previous is not None:
                prev_loss, prev_steps = previous
                loss = float(prev_loss)
                done_steps += prev_steps
                if not math.isfinite(loss):
                    reason = "diverged"
                    message = (f"Training stopped in epoch {epoch}: the loss became {loss} (the numbers blew up). "
                               f"Try a smaller learning rate. The model as it was "
                               f"{'after epoch ' + str(epoch - 1) if epoch > 1 else 'before training'} was kept.")
                    stop_now = True
                    break
                yield StepLoss(done_steps, epoch, loss)
                if should_stop():
                    reason, message = "stopped", f"Stopped by request during epoch {epoch}."
                    stop_now = True
                    if group is not None:  # the chunk already sent is finished and kept
                        done_steps += len(group)
                    kept = jax.device_get(state.params)
                    break
            if group is not None:
                previous = (chunk_loss, len(group))
        jax.block_until_ready(state.params)
        seconds += time.perf_counter() - started
        if stop_now:
            break
        n = float(totals["count"])
        if x_val is None:
            x_val = featurizer.transform([corpus.train_texts[i] for i in val_idx])  # [n_val, vocab]
        val_acc, val_loss = _accuracy_and_loss(state.params, spec, x_val, y_val) if len(y_val) else (None, None)
        record = {"epoch": epoch, "train_loss": float(totals["ce_sum"]) / n,
                  "train_accuracy": float(totals["correct"]) / n, "val_accuracy": val_acc, "val_loss": val_loss}
        history.append(record)
        yield EpochEnd(epoch, record["train_loss"], record["train_accuracy"], val_acc, val_loss, seconds)
        kept = jax.device_get(state.params)
        score = None if val_acc is None else (val_acc if config.monitor == "val_accuracy" else -val_loss)
        if score is not None and score > best[0]:
            best = (score, epoch, kept)
        if config.early_stopping and score is not None and epoch - best[1] >= config.early_stopping:
            reason = "early_stopping"
            watched = "accuracy" if config.monitor == "val_accuracy" else "loss"
            patience = config.early_stopping
            message = (f"Stopped after epoch {epoch}: validation {watched} had not improved for "
                       f"{patience} epoch{'s' if patience != 1 else ''}. Kept the model of epoch {best[1]}.")
            break
        if should_stop() and epoch < config.epochs:
            reason, message = "stopped", f"Stopped by request after epoch {epoch}."
            break

    params, best_epoch = kept, None
    if config.early_stopping and best[1] > 0:
        params, best_epoch = best[2], best[1]
    classifier = Classifier(featurizer, spec, params, corpus.class_names,
                            {"train_config": asdict(config), "feature_config": asdict(features),
                             "data": dict(corpus.description), "history": history})
    if config.nb_mixture and reason in ("completed", "early_stopping"):
        if mixture is None and len(y_val):
            if x_val is None:
                x_val = featurizer.transform([corpus.train_texts[i] for i in val_idx])
            mixture = ensemble.choose(predict_proba_sparse(params, spec, x_val), x_train, y_train, x_val, y_val,
                                      smoothing)
        if mixture is None:
            message += (f" No validation {nouns(corpus.description).texts} to choose a mixture with Naive Bayes on: the "
                        "network alone was kept.")
        elif mixture.network_alone:
            classifier.info["mixture"] = mixture.to_json()
            if phase != "refit":
                message += (f" A simple word-count model (Naive Bayes) was tried beside the network, but mixing it in "
                            f"got no more of the held-back validation {nouns(corpus.description).texts} right "
                            f"({mixture.val_accuracy_network:.1%}), so the network answers alone.")
        else:
            classifier = ensemble.attach(classifier, x_train, y_train, mixture)
            if phase != "refit":
                message += (f" The final model combines the network with a simple word-count model (Naive Bayes), "
                            f"because together they did best on the held-back validation "
                            f"{nouns(corpus.description).texts}: {mixture.describe()}. Of those, the network alone "
                            f"got {mixture.val_accuracy_network:.1%} right, the two together "
                            f"{mixture.val_accuracy:.1%}.")
    if featurizer.capped_from:
        message += (f" Kept the {featurizer.vocab_size:,} most frequent of {featurizer.capped_from:,} words so the "
                    f"saved model stays under {limits.MAX_MODEL_BYTES // 2**20} MB.")
    yield Finished(classifier, history, reason, message, seconds, best_epoch,
                   {"n_train": int(len(y_train)), "n_val": int(len(y_val)), "n_test": len(corpus.test_texts)})


def run_to_end(events: Iterator[Event]) -> Finished:
    """Returns the Finished event of a training generator, ignoring progress."""
    for event in events:
        if isinstance(event, Finished):
            return event
    raise RuntimeError("training ended without a Finished event")
