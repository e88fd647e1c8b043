"""The network mixed with Complement Naive Bayes fitted on the same feature rows, the mixture chosen on validation.

ComplementNB's class scores are a linear map of a post's feature row (x @ W, no bias with two or more
classes), so they ride along as n_classes extra columns of the first-layer matrix (ModelSpec.mixture): every
path that sums the rows of a post's words (prediction, LIME, occlusion, integrated gradients, topic words)
computes the network and the linear model together, and the mixture

    p = w * softmax(network(x)) + (1 - w) * softmax(s * x @ W)

stays a differentiable function of the sparse input. NB's smoothing alpha and the scale s are chosen by
cross-validation on the training posts (NB refits in milliseconds, and a few hundred validation posts could not
tell the smoothings apart: on the 4 tutorial topics one seed's validation split chose alpha 1 and lost 1.3 points
on test); the weight w, which needs the network's answers, on the validation posts. All by log loss (smoother than
accuracy on a few hundred posts).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace

import numpy as np
import scipy.sparse as sp
from scipy.special import log_softmax

from textclf.learn.classifier import Classifier

ALPHAS = (0.03, 0.1, 0.3, 1.0)  # the tuned ComplementNB baseline's grid (textclf.baselines)
SCALES = tuple(float(s) for s in np.geomspace(0.3, 300.0, 31))  # NB's scores are not probabilities: calibrate
# Both members keep a vote: a weight of 0 would drop the network, 1 the linear model.
NET_WEIGHTS = (0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9)
CV_FOLDS = 5  # folds of the training posts that choose NB's smoothing and scale


@dataclass(frozen=True)
class Mixture:
    """What validation chose: NB's smoothing, the scale of its scores, the network's weight, and the evidence."""

    alpha: float
    scale: float
    net_weight: float
    val_accuracy_network: float
    val_accuracy: float  # of the mixture, on the posts it was chosen on
    val_log_loss_network: float
    val_log_loss: float

    def to_json(self) -> dict:
        """Returns a JSON-safe description (numbers only)."""
        return {k: float(v) for k, v in asdict(self).items()}

    @property
    def network_alone(self) -> bool:
        """Returns True when validation kept the network alone (no mix did better there)."""
        return self.net_weight >= 1.0

    def describe(self) -> str:
        """Returns e.g. "70% network, 30% Naive Bayes", in words a newcomer can follow (the smoothing is in to_json)."""
        return f"{self.net_weight:.0%} network, {1 - self.net_weight:.0%} Naive Bayes"


def complement_nb(x: sp.csr_matrix, y: np.ndarray, n_classes: int, alpha: float) -> np.ndarray:
    """Returns ComplementNB's class scores per word [vocab, n_classes], as scikit-learn computes them
    (norm=False), each word's row centred.

    Centring subtracts the same amount from every class's score of a post, which leaves softmax unchanged
    and keeps the numbers small enough for the float16 first-layer matrix. A class absent from `y` gets
    scores too (scikit-learn would drop it).
    """
    onehot = sp.csr_matrix((np.ones(len(y), np.float64), (np.asarray(y), np.arange(len(y)))),
                           shape=(n_classes, len(y)))  # [classes, n]
    counts = np.asarray((onehot @ x).todense(), dtype=np.float64)  # [classes, vocab]
    complement = counts.sum(axis=0, keepdims=True) + alpha - counts
    scores = -np.log(complement / complement.sum(axis=1, keepdims=True))  # [classes, vocab]
    return (scores - scores.mean(axis=0, keepdims=True)).T.astype(np.float32)


def _log_loss(log_p: np.ndarray, y: np.ndarray) -> float:
    return float(-np.mean(log_p[np.arange(len(y)), y]))


def _mix_log(log_net: np.ndarray, log_nb: np.ndarray, w: float) -> np.ndarray:
    return np.logaddexp(np.log(w) + log_net, np.log1p(-w) + log_nb)


def _best_scale(scores: np.ndarray, y: np.ndarray) -> float:
    """Returns the scale of NB's scores [n, classes] with the lowest log loss (it only calibrates: NB's own choice
    stays the same)."""
    return min(SCALES, key=lambda s: _log_loss(log_softmax(s * scores, axis=1), y))


def smoothing_by_cv(x: sp.csr_matrix, y: np.ndarray, n_classes: int, folds: int = CV_FOLDS,
                    seed: int = 0) -> tuple[float, float]:
    """Returns (alpha, scale) of ComplementNB with the lowest out-of-fold log loss over `folds` folds of (x, y)."""
    rng = np.random.default_rng(seed)
    fold = np.empty(len(y), dtype=np.int64)
    for label in np.unique(y):  # stratified: each class spread over the folds
        rows = rng.permutation(np.flatnonzero(y == label))
        fold[rows] = np.arange(len(rows)) % folds
    best = None
    for alpha in ALPHAS:
        scores = np.zeros((len(y), n_classes))  # [n, classes] out of fold
        for k in range(folds):
            held, fit = fold == k, fold != k
            if held.any() and fit.any():
                scores[held] = x[held] @ complement_nb(x[fit], y[fit], n_classes, alpha)
        scale = _best_scale(scores, y)
        loss = _log_loss(log_softmax(scale * scores, axis=1), y)
        if best is None or loss < best[0] - 1e-12:  # ties keep the smaller alpha
            best = (loss, alpha, scale)
    return best[1], best[2]


def choose(p_net: np.ndarray, x_fit: sp.csr_matrix, y_fit: np.ndarray, x_val: sp.csr_matrix,
           y_val: np.ndarray, smoothing: tuple[float, float] | None = None) -> Mixture:
    """Returns the mixture with the lowest validation log loss among those that get at least as many validation
    posts right as the network alone; when none does, a Mixture with net_weight 1: the network alone.

    Args:
        p_net: the network's probabilities of the validation posts [n_val, classes].
        x_fit, y_fit: the feature rows and labels the network was trained on (NB is fitted on them, and its
            smoothing and scale chosen on their folds).
        x_val, y_val: the validation posts' feature rows and labels.
        smoothing: (alpha, scale) already chosen by smoothing_by_cv on (x_fit, y_fit), or None to choose them here.
    """
    n_classes = p_net.shape[1]
    log_net = np.log(np.clip(p_net.astype(np.float64), 1e-12, None))  # [n_val, classes]
    right_net = int(np.sum(log_net.argmax(1) == y_val))
    alpha, scale = smoothing or smoothing_by_cv(x_fit, y_fit, n_classes)
    log_nb = log_softmax(scale * np.asarray(x_val @ complement_nb(x_fit, y_fit, n_classes, alpha), np.float64), axis=1)
    best = None
    for w in NET_WEIGHTS:
        mixed = _mix_log(log_net, log_nb, w)
        # A mixture that answers fewer validation posts right than the network would report a result below the
        # network's on the very posts it was chosen on: never kept.
        if int(np.sum(mixed.argmax(1) == y_val)) < right_net:
            continue
        loss = _log_loss(mixed, y_val)
        if best is None or loss < best[0] - 1e-12:  # ties keep the smaller weight
            best = (loss, w, mixed)
    accuracy_net, loss_net = right_net / max(len(y_val), 1), _log_loss(log_net, y_val)
    if best is None:
        return Mixture(alpha, scale, 1.0, accuracy_net, accuracy_net, loss_net, loss_net)
    loss, w, mixed = best
    return Mixture(alpha, scale, w, accuracy_net, float(np.mean(mixed.argmax(1) == y_val)), loss_net, loss)


def attach(classifier: Classifier, x: sp.csr_matrix, y: np.ndarray, mixture: Mixture) -> Classifier:
    """Returns `classifier` mixed with ComplementNB fitted on its training rows x [n, vocab] and labels y."""
    spec = classifier.spec
    scores = mixture.scale * complement_nb(x, y, spec.n_classes, mixture.alpha)  # [vocab, classes]
    # numpy, as the trained parameters come back from the device: no small device programs to compile
    embed = np.concatenate([np.asarray(classifier.params["embed"], np.float32)[:, : spec.net_width],
                            scores], axis=1)  # [vocab, net_width + classes]
    head = dict(classifier.params["head"])
    head["~"] = {**head["~"], "net_weight": np.asarray(mixture.net_weight, np.float32)}
    info = {**classifier.info, "mixture": mixture.to_json()}
    return replace(classifier, spec=replace(spec, mixture=True), params={"embed": embed, "head": head}, info=info)


def network_only(classifier: Classifier) -> Classifier:
    """Returns the network of a mixture on its own (the classifier itself when it is no mixture)."""
    spec = classifier.spec
    if not spec.mixture:
        return classifier
    head = dict(classifier.params["head"])
    head["~"] = {k: v for k, v in head["~"].items() if k != "net_weight"}
    return replace(classifier, spec=replace(spec, mixture=False),
                   params={"embed": classifier.params["embed"][:, : spec.net_width], "head": head})


def mixture_of(classifier: Classifier) -> Mixture | None:
    """Returns the mixture of a mixed classifier, as its info records it, or None."""
    return recorded(classifier.info) if classifier.spec.mixture else None


def recorded(info: dict) -> Mixture | None:
    """Returns the mixture chosen on validation as a model's info records it (net_weight 1: the network alone was
    kept), or None."""
    data = info.get("mixture")
    if not isinstance(data, dict):
        return None
    try:
        return Mixture(**{k: float(data[k]) for k in Mixture.__dataclass_fields__})
    except (KeyError, TypeError, ValueError):
        return None
