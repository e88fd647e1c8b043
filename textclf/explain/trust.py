"""How far to trust an explanation: stability over seeds, LIME's fit, a deletion test against random words,
two second opinions (leave-one-word-out and integrated gradients), what flips the prediction, and a verdict."""

from __future__ import annotations

import time
from dataclasses import dataclass
from itertools import combinations

import numpy as np
from scipy.stats import spearmanr

from textclf.learn.classifier import Classifier
from textclf.explain.forward import leave_one_out, probs_of_counts
from textclf.explain.gradients import integrated_gradients
from textclf.explain.lime import Explanation, explain
from textclf.explain.occlusion import occlusion
from textclf.explain.post import MAX_LIME_WORDS, ExplainError, Post, read_post

SEEDS = 5
RANDOM_DRAWS = 10  # random word sets per size in the deletion test
MAX_FLIP_WORDS = 20
STABLE_JACCARD = 0.7  # mean top-k overlap from which the word list counts as stable
FAITHFUL_MARGIN = 0.05  # removing the top words must drop the probability this much more than random words


@dataclass(frozen=True)
class Trust:
    """Everything the trust panel shows for one explained class of one text."""

    class_name: str
    probability: float
    top_k: int
    jaccard: float
    stability: list[tuple[str, float, float]]  # (word, mean weight, std over seeds), largest |mean| first
    fit_r2: float
    fit_verdict: str
    top_words: list[str]  # the words removed in the deletion test, in order
    deletion_top: list[float]  # p(class) after removing the top 0..k words
    deletion_random: list[float]  # the same with as many random words (mean of RANDOM_DRAWS draws)
    comprehensiveness: float
    sufficiency: float
    occlusion: list[tuple[str, float]]  # largest |delta| first
    gradients: list[tuple[str, float]]
    gradient_steps: int
    completeness_error: float
    agreement: dict[str, float | None]
    flip: dict | None  # {"words": [...], "new_class": name}
    verdict: str
    seconds: float

    def to_json(self) -> dict:
        """Returns the `trust` object of `explain --trust --json`."""
        return {"class": self.class_name, "probability": self.probability,
                "stability": {"seeds": SEEDS, "top_k": self.top_k, "jaccard": self.jaccard,
                              "weights": [[w, m, s] for w, m, s in self.stability]},
                "fit": {"r2": self.fit_r2, "verdict": self.fit_verdict},
                "deletion": {"words": self.top_words, "top": self.deletion_top, "random": self.deletion_random},
                "comprehensiveness": self.comprehensiveness, "sufficiency": self.sufficiency,
                "occlusion": [[w, d] for w, d in self.occlusion],
                "gradients": [[w, a] for w, a in self.gradients],
                "gradients_check": {"steps": self.gradient_steps, "completeness_error": self.completeness_error},
                "agreement": self.agreement, "flip": self.flip, "verdict": self.verdict, "seconds": self.seconds}


def stability(runs: list[Explanation]) -> tuple[float, list[tuple[str, float, float]]]:
    """Returns (mean pairwise Jaccard overlap of the runs' word sets, per word mean and std of the weight).

    A word missing from a run's list counts as weight 0 in that run.
    """
    sets = [{w for w, _ in run.weights} for run in runs]
    pairs = [len(a & b) / max(len(a | b), 1) for a, b in combinations(sets, 2)]
    words = list(dict.fromkeys(w for run in runs for w, _ in run.weights))
    table = np.array([[dict(run.weights).get(w, 0.0) for w in words] for run in runs])  # [runs, words]
    rows = [(w, float(m), float(s)) for w, m, s in zip(words, table.mean(axis=0), table.std(axis=0))]
    return float(np.mean(pairs)) if pairs else 1.0, sorted(rows, key=lambda r: -abs(r[1]))


def fit_verdict(r2: float) -> str:
    """Returns LIME's local R^2 in plain words."""
    if r2 >= 0.7:
        return f"Good fit: LIME's straight-line summary explains {r2:.0%} of how the model reacted to the variants."
    if r2 >= 0.4:
        return f"Fair fit: LIME's summary explains {r2:.0%} of the model's reactions; read the weights as a sketch."
    return (f"Poor fit: LIME's summary explains only {max(r2, 0):.0%} of the model's reactions; words act "
            "together here, so trust the leave-one-word-out ranking more.")


def deletion(classifier: Classifier, post: Post, label: int, order: list[int], seed: int
             ) -> tuple[list[float], list[float], float, float]:
    """Returns (p after removing order[:j] for j = 0..k, the same for random words, comprehensiveness,
    sufficiency) for the post's word indices `order`."""
    k = len(order)
    rows = [post.counts.copy()]
    for j in range(1, k + 1):
        rows.append(rows[-1].copy())
        rows[-1][order[j - 1]] = 0
    rng = np.random.default_rng(seed)
    for _ in range(RANDOM_DRAWS):
        perm = rng.permutation(post.n_words)
        for j in range(1, k + 1):
            row = post.counts.copy()
            row[perm[:j]] = 0
            rows.append(row)
    only_top = np.zeros_like(post.counts)
    only_top[order] = post.counts[order]
    rows.append(only_top)
    p = probs_of_counts(classifier, post, np.array(rows))[:, label]
    top = p[: k + 1].tolist()
    random = [top[0]] + p[k + 1: k + 1 + RANDOM_DRAWS * k].reshape(RANDOM_DRAWS, k).mean(axis=0).tolist()
    return top, random, top[0] - top[-1], top[0] - float(p[-1])


def flip(classifier: Classifier, post: Post) -> dict | None:
    """Returns the greedy smallest set of words whose removal changes the predicted class, or None.

    Each step removes the word that most narrows the gap between the predicted class and its closest rival.
    """
    counts = post.counts.copy()
    predicted = int(np.argmax(probs_of_counts(classifier, post, counts)[0]))
    removed: list[int] = []
    for _ in range(min(MAX_FLIP_WORDS, post.n_words)):
        probs = leave_one_out(classifier, post, counts)  # [n_words, classes]
        rival = np.max(np.delete(probs, predicted, axis=1), axis=1)
        gap = probs[:, predicted] - rival
        gap[counts == 0] = np.inf
        best = int(np.argmin(gap))
        counts[best] = 0
        removed.append(best)
        if int(np.argmax(probs[best])) != predicted:
            return {"words": [post.words[i] for i in removed],
                    "new_class": classifier.class_names[int(np.argmax(probs[best]))]}
    return None


def _spearman(a: np.ndarray, b: np.ndarray) -> float | None:
    if len(a) < 3 or np.ptp(a) == 0 or np.ptp(b) == 0:
        return None
    return float(spearmanr(a, b).statistic)


def _quoted(words: list[str]) -> str:
    quoted = [f"'{w}'" for w in words]
    return quoted[0] if len(quoted) == 1 else ", ".join(quoted[:-1]) + " and " + quoted[-1]


def verdict(class_name: str, top_words: list[str], top: list[float], random: list[float], jaccard: float) -> str:
    """Returns one sentence a non-programmer can act on."""
    stable = jaccard >= STABLE_JACCARD
    if not top_words:
        return (f"Nothing to check: no word pushes the text towards {class_name}, so the model's "
                f"{top[0]:.0%} comes from what is common overall.")
    faithful = random[-1] - top[-1] >= FAITHFUL_MARGIN
    drop = f"removing {_quoted(top_words[:3])}{'' if len(top_words) <= 3 else ' and the next few'} alone " \
           f"{'drops' if top[-1] < top[0] else 'moves'} {class_name} from {top[0]:.0%} to {top[-1]:.0%}"
    if stable and faithful:
        return f"Stable and faithful: {drop}."
    if faithful:
        return (f"Faithful but unstable: {drop}, but the listed words change between runs (overlap "
                f"{jaccard:.0%}); use more samples before quoting single words.")
    if stable:
        return (f"Stable but not faithful: {drop}, about as much as removing random words, so the model does "
                "not rely on these words alone; trust the leave-one-word-out ranking more.")
    return (f"Neither stable nor faithful: the words change between runs (overlap {jaccard:.0%}) and {drop}, "
            "no more than random words; treat this explanation as a rough guess.")


def stability_verdict(jaccard: float) -> str:
    """Returns how much LIME's word list moved between the SEEDS runs, in plain words."""
    if jaccard >= 0.999:
        return f"Stable: the top words stayed the same in {SEEDS} repeated runs."
    if jaccard >= STABLE_JACCARD:
        return f"Stable: the top words stayed mostly the same in {SEEDS} repeated runs."
    if jaccard >= 0.4:
        return (f"Somewhat unstable: some top words changed between {SEEDS} repeated runs; more LIME samples "
                "make the list steadier.")
    return (f"Unstable: the top words changed a lot between {SEEDS} repeated runs; treat single words as a rough "
            "guess, or use more LIME samples.")


def faithfulness_verdict(class_name: str, top_words: list[str], top: list[float], random: list[float]) -> str:
    """Returns whether removing the top words hurts `class_name` more than removing random words, in plain words."""
    if not top_words:
        return f"Nothing to test: no word pushes the text towards {class_name}."
    k = len(top_words)
    what = "the top word" if k == 1 else f"the {k} top words"
    if random[-1] - top[-1] >= FAITHFUL_MARGIN:
        return (f"Faithful: removing {what} drops {class_name} from {top[0]:.0%} to {top[-1]:.0%}; removing as "
                f"many random words leaves it at {random[-1]:.0%}.")
    return (f"Not faithful: removing {what} changes {class_name} about as much as removing random words "
            f"({top[-1]:.0%} against {random[-1]:.0%}), so the model does not rely on these words alone.")


def flip_verdict(flipped: dict | None) -> str:
    """Returns how many words must go before the prediction changes, in plain words."""
    if flipped is None:
        return (f"Very hard to flip: removing up to {MAX_FLIP_WORDS} words never changes the prediction; it rests "
                "on many words at once.")
    words, new = flipped["words"], flipped["new_class"]
    if len(words) <= 3:
        return f"Easy to flip: removing {_quoted(words)} makes the model say {new}."
    first = ", ".join(f"'{w}'" for w in words[:3])
    return (f"Hard to flip: it takes removing {len(words)} words ({first} and {len(words) - 3} more) to make the "
            f"model say {new}.")


def agreement_verdict(agreement: dict[str, float | None]) -> str:
    """Returns whether leave-one-word-out and integrated gradients rank the words as LIME does, in plain words."""
    rhos = [r for r in (agreement.get("lime_occlusion"), agreement.get("lime_gradients")) if r is not None]
    if not rhos:
        return "Not enough words to compare: the text has too few words the model knows."
    if min(rhos) >= 0.7:
        return "Yes: two other methods rank the words much as LIME does."
    if min(rhos) >= 0.4:
        return "Partly: two other methods rank the words somewhat as LIME does; trust the words all three put on top."
    return ("No: another method ranks the words quite differently from LIME; trust the leave-one-word-out ranking "
            "more.")


def plain_checks(report: Trust) -> list[tuple[str, str]]:
    """Returns the panel's checks in reading order, each (question, plain-words verdict)."""
    return [("Stable?", stability_verdict(report.jaccard)),
            ("Good fit?", report.fit_verdict),
            ("Faithful?", faithfulness_verdict(report.class_name, report.top_words, report.deletion_top,
                                               report.deletion_random)),
            ("What flips it?", flip_verdict(report.flip)),
            ("Do other methods agree?", agreement_verdict(report.agreement))]


def trust(classifier: Classifier, text: str, class_index: int | None = None, num_features: int = 10,
          num_samples: int = 5000, seed: int = 0) -> Trust:
    """Returns the trust panel for the explanation of `text` (LIME with seeds seed .. seed + SEEDS - 1)."""
    started = time.perf_counter()
    post = read_post(classifier.featurizer, text)
    if post.n_words == 0:
        raise ExplainError("None of these words are in the model's vocabulary, so there is nothing to check: "
                           "the model only guesses from what is common overall.")
    runs = [explain(classifier, text, class_index, num_features, num_samples, seed + i, all_weights=i == 0)
            for i in range(SEEDS)]
    first = runs[0]
    label = first.explained_class
    name = classifier.class_names[label]
    jaccard, weights = stability(runs)
    position = {w: i for i, w in enumerate(post.words)}
    top_words = [w for w, v in sorted(first.weights, key=lambda p: -p[1]) if v > 0]
    top, random, comprehensiveness, sufficiency = deletion(
        classifier, post, label, [position[w] for w in top_words], seed)
    deltas = occlusion(classifier, post, label)
    grads = integrated_gradients(classifier, post, label)
    removable = [position[w] for w in first.removable]
    lime_all = first.all_weights
    agreement = {"lime_occlusion": _spearman(lime_all, deltas[removable]),
                 "lime_gradients": _spearman(lime_all, grads.attributions[removable]),
                 "occlusion_gradients": _spearman(deltas, grads.attributions)}
    def ranked(values: np.ndarray) -> list[tuple[str, float]]:
        pairs = sorted(((post.words[i], float(v)) for i, v in enumerate(values)), key=lambda p: -abs(p[1]))
        return pairs[:MAX_LIME_WORDS]

    return Trust(name, float(first.probabilities[label]), min(num_features, len(first.removable)), jaccard, weights,
                 first.score, fit_verdict(first.score), top_words, top, random, comprehensiveness, sufficiency,
                 ranked(deltas), ranked(grads.attributions), grads.steps, grads.completeness_error, agreement,
                 flip(classifier, post), verdict(name, top_words, top, random, jaccard),
                 time.perf_counter() - started)
