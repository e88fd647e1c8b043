"""`python -m textclf bench`: this project's speed and accuracy next to plain references, in one run."""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import time
from dataclasses import replace

import jax
import numpy as np

from textclf.analysis.baselines import BASELINES, run_baselines
from textclf.bench_cli import cli_train_small_vs_svc, time_cli_help
from textclf.data.corpus import Corpus
from textclf.data.newsgroups import NEWSGROUPS, TUTORIAL_CATEGORIES, load_newsgroups
from textclf.explain import explain, explain_stock
from textclf.data.features import FeatureConfig
from textclf.learn.model import ModelSpec
from textclf.learn.presets import PRESETS
from textclf.learn.dense_reference import train_dense
from textclf.learn.train import StepLoss, TrainConfig, epoch_batches, init_state, run_to_end, split_validation, train

SETTINGS = {"4cat": (TUTORIAL_CATEGORIES, False), "4cat_removed": (TUTORIAL_CATEGORIES, True),
            "20cat": (NEWSGROUPS, False), "20cat_removed": (NEWSGROUPS, True)}


def _say(*parts: object) -> None:
    print(*parts, file=sys.stderr, flush=True)


def time_training(corpus: Corpus, config: TrainConfig) -> tuple[float, float]:
    """Returns (training-loop seconds, test accuracy) of one run."""
    finished = run_to_end(train(corpus, config=config))
    accuracy = float(np.mean(finished.classifier.predict(corpus.test_texts) == corpus.test_labels))
    return finished.train_seconds, accuracy


def time_dense_reference(corpus: Corpus, config: TrainConfig) -> float:
    """Returns the seconds of the plain reference: dense batches, dense Adam, same data and schedule."""
    from textclf.data.features import Featurizer

    labels = np.asarray(corpus.train_labels)
    train_idx, _ = split_validation(len(labels), labels, config.val_fraction, config.seed)
    texts = [corpus.train_texts[i] for i in train_idx]
    featurizer = Featurizer.fit(texts)
    x, y = featurizer.transform(texts), labels[train_idx]
    spec = ModelSpec(featurizer.vocab_size, config.hidden, corpus.n_classes)
    rng = np.random.default_rng(config.seed)
    schedule = [epoch_batches(len(y), config.batch_size, rng) for _ in range(config.epochs)]
    params = init_state(jax.random.PRNGKey(config.seed), spec, config).params
    return train_dense(params, x, y, spec, schedule, config.batch_size, config.learning_rate)[1]


def live_chart_slowdown(corpus: Corpus, config: TrainConfig, every: float = 0.3, pairs: int = 3) -> tuple[float, float]:
    """Returns median training seconds (with a poller redrawing the live chart every `every` s, without it).

    The poller does the dashboard server's work per refresh: read the job's progress, build the plotly
    figure and serialise it. Runs alternate, after a compiling run, so both sides see the same machine.
    """
    from textclf.serve.jobs import TrainingJob
    from textclf.plots import training_figure

    run_to_end(train(corpus, config=config))  # compile first
    polled, quiet = [], []
    for _ in range(pairs):
        quiet.append(run_to_end(train(corpus, config=config)).train_seconds)
        job = TrainingJob(corpus, FeatureConfig(), config).start()
        while not job.done:
            p = job.progress()
            training_figure(p.step_losses, p.epochs, p.steps_per_epoch, max(p.total_steps, 1)).to_json()
            time.sleep(every)
        polled.append(job.result.finished.train_seconds)
    return float(np.median(polled)), float(np.median(quiet))


def peak_rss_of_cli_run(args: list[str]) -> tuple[float, dict]:
    """Returns (peak resident memory in MB, JSON report) of `python -m textclf train ARGS --json`."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    out = subprocess.run([sys.executable, "-m", "textclf", "train", *args, "--json"], check=True,
                         capture_output=True, text=True).stdout
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    if peak <= before:
        _say("note: the 20-category run's peak memory is below an earlier child's; reporting that maximum")
    return peak / 1024.0, json.loads(out.strip().splitlines()[-1])


def lime_post(corpus: Corpus, words: int = 230) -> str:
    """Returns the test post whose word count is closest to `words` (ties: the first)."""
    counts = np.array([len(t.split()) for t in corpus.test_texts])
    return corpus.test_texts[int(np.argmin(np.abs(counts - words)))]


def time_trust(classifier, post: str, repeats: int = 3) -> float:
    """Returns the median seconds of the whole trust panel (5 LIME runs of 5000 samples and the rest) for `post`."""
    from textclf.explain import trust

    trust(classifier, post)  # compile once, as the dashboard would have
    return float(np.median([trust(classifier, post).seconds for _ in range(repeats)]))


def time_topic_words(corpus: Corpus) -> tuple[float, float]:
    """Returns (seconds of "what each topic looks for" over the test set, the same once compiled)."""
    from textclf.explain.topics import topic_words

    classifier = run_to_end(train(corpus, config=PRESETS["tutorial"].train_config)).classifier
    first = topic_words(classifier, corpus.test_texts).seconds
    return first, topic_words(classifier, corpus.test_texts).seconds


def time_to_first_point(corpus: Corpus, config: TrainConfig, repeats: int = 3) -> float:
    """Returns the median seconds from starting a run to its first loss point (compiled steps already cached)."""
    def once() -> float:
        started = time.perf_counter()
        for event in train(corpus, config=config):
            if isinstance(event, StepLoss):
                return time.perf_counter() - started
        raise RuntimeError("training ended before its first loss point")

    once()  # compiles, as the first run on a machine would
    return float(np.median([once() for _ in range(repeats)]))


def _row(name: str, preset: str, optimizer: str, data: str, seconds: float) -> dict:
    return {"row": name, "preset": preset, "optimizer": optimizer, "data": data, "seconds": seconds}


def run_bench() -> dict:
    """Returns every figure of the bench (docs/performance.md explains them) after printing progress on stderr."""
    results: dict = {"jax_backend": jax.default_backend()}
    tutorial = PRESETS["tutorial"].train_config  # the app's and the CLI's starting settings
    default = tutorial.optimizer
    _say(f"20 categories, the default settings (tutorial preset, {default}), in a subprocess (time, memory) ...")
    peak, report = peak_rss_of_cli_run(["--all"])
    results.update(train_20cat_default_seconds=report["train_seconds"], peak_rss_20cat_mb=peak,
                   train_20cat_accuracy=report["test_accuracy"], default_optimizer=default)

    corpus = load_newsgroups(TUTORIAL_CATEGORIES)
    _say("the command line: --help, and a whole train on the 4 topics' subject lines next to a tuned LinearSVC "
         "script ...")
    results["cli_help_seconds"] = time_cli_help()
    results.update(cli_train_small_vs_svc(corpus))
    _say("4 categories: first loss point of a default run (compiled steps cached) ...")
    results["first_point_seconds"] = time_to_first_point(corpus, tutorial)
    _say("4 categories: dense reference ...")
    results["train_4cat_reference_seconds"] = time_dense_reference(corpus, replace(tutorial, optimizer="adam"))
    _say(f"4 categories: default settings ({default}) ...")
    results["train_4cat_seconds"], _ = time_training(corpus, tutorial)
    results["train_4cat_warm_seconds"], _ = time_training(corpus, tutorial)  # compiled already
    results["train_4cat_ratio"] = results["train_4cat_seconds"] / results["train_4cat_reference_seconds"]
    _say("4 categories: tutorial preset with exact Adam ...")
    results["train_4cat_exact_seconds"], _ = time_training(corpus, replace(tutorial, optimizer="adam"))
    results["training_rows"] = [
        _row("20 categories, 5 epochs (the default)", "tutorial", default, "20cat", results["train_20cat_default_seconds"]),
        _row("4 categories, 5 epochs (the default)", "tutorial", default, "4cat", results["train_4cat_seconds"]),
        _row("4 categories, 5 epochs, exact Adam", "tutorial", "adam", "4cat", results["train_4cat_exact_seconds"]),
        _row("4 categories, dense reference", "tutorial", "adam (dense)", "4cat", results["train_4cat_reference_seconds"]),
    ]
    _say("4 categories, 15 epochs: live chart polling at 0.3 s, 3 alternating pairs ...")
    polled, quiet = live_chart_slowdown(corpus, replace(tutorial, epochs=15))
    results["live_chart_train_seconds"], results["quiet_train_seconds"] = polled, quiet
    results["live_chart_slowdown"] = polled / quiet

    _say("LIME on a ~230-word post ...")
    classifier = run_to_end(train(corpus, config=tutorial)).classifier
    post = lime_post(corpus)
    explain(classifier, post)  # compile once, as the dashboard would have
    fast = [explain(classifier, post) for _ in range(5)]
    stock_seconds = []
    for _ in range(3):
        started = time.perf_counter()
        stock = explain_stock(classifier, post)
        stock_seconds.append(time.perf_counter() - started)
    results["lime_stock_seconds"] = float(np.median(stock_seconds))  # medians: single runs are noisy here
    results["lime_seconds"] = float(np.median([f.seconds for f in fast]))
    stock_weights = dict(stock)
    results["lime_max_abs_diff"] = max(abs(stock_weights[w] - v) for w, v in fast[0].weights)
    results["lime_ratio"] = results["lime_seconds"] / results["lime_stock_seconds"]
    results["lime_post_words"] = len(post.split())
    _say("trust panel on the same post ...")
    results["trust_seconds"] = time_trust(classifier, post)
    _say("what each topic looks for, 20 categories' test set ...")
    results["topic_words_20cat_seconds"], results["topic_words_20cat_warm_seconds"] = \
        time_topic_words(load_newsgroups(NEWSGROUPS))
    results.update(run_issue11_bench(classifier))

    results["accuracy"], results["baselines"] = {}, {}
    results["accuracy_optimizers"] = {p: PRESETS[p].train_config.optimizer for p in ("tutorial", "recommended")}
    for name, (categories, removed) in SETTINGS.items():
        _say(f"accuracy, {name}: presets and tuned baselines ...")
        data = corpus if name == "4cat" else load_newsgroups(categories, removed)
        row = {}
        for preset in ("tutorial", "recommended"):
            finished = run_to_end(train(data, PRESETS[preset].features, PRESETS[preset].train_config))
            row[preset] = float(np.mean(finished.classifier.predict(data.test_texts) == data.test_labels))
        baselines = run_baselines(data)
        for key, result in baselines.items():
            row[key] = result["accuracy"]
        results["accuracy"][name] = row
        results["baselines"][name] = {key: {"setting": r["setting"], "val_accuracy": r["val_accuracy"]}
                                      for key, r in baselines.items()}
        results["baselines"][name]["seconds"] = next(iter(baselines.values()))["search_seconds"]
        _say(f"  {row}")
    results["baselines_20cat_seconds"] = results["baselines"]["20cat"]["seconds"]
    return results


def print_table(results: dict) -> None:
    """Prints the figures and ratios as a readable table, the default path first; each row names its optimizer."""
    default = results.get("default_optimizer", "lazy_adam")
    print(f"training, 20 categories, 5 epochs, default (tutorial preset, {default}): "
          f"{results['train_20cat_default_seconds']:.2f} s, peak memory {results['peak_rss_20cat_mb']:.0f} MB")
    print(f"first loss point of a default run (4 categories, compiled): {results['first_point_seconds']:.2f} s")
    if "cli_help_seconds" in results:
        print(f"command line: --help {results['cli_help_seconds']:.2f} s; a whole train on 2,155 subject lines "
              f"(the default for a file: {results.get('cli_train_small_preset', '?')} preset) "
              f"{results['cli_train_small_seconds']:.2f} s, test accuracy "
              f"{results['cli_train_small_accuracy']:.3f}, vs a tuned LinearSVC script "
              f"{results['svc_script_small_seconds']:.2f} s, {results['svc_script_small_accuracy']:.3f} "
              f"(ratio {results['cli_train_small_vs_svc']:.2f})")
    print(f"training, 4 categories, 5 epochs, tutorial preset: {default} {results['train_4cat_seconds']:.2f} s "
          f"({results['train_4cat_warm_seconds']:.2f} s once compiled), exact adam "
          f"{results['train_4cat_exact_seconds']:.2f} s, dense reference {results['train_4cat_reference_seconds']:.2f} s "
          f"(ratio {results['train_4cat_ratio']:.2f})")
    print(f"live chart redrawn every 0.3 s during training: {results['live_chart_train_seconds']:.2f} s vs "
          f"{results['quiet_train_seconds']:.2f} s without (x{results['live_chart_slowdown']:.2f})")
    print(f"LIME, 5000 samples, {results['lime_post_words']}-word post: {results['lime_seconds']:.3f} s vs stock "
          f"{results['lime_stock_seconds']:.3f} s (ratio {results['lime_ratio']:.2f}), max weight difference "
          f"{results['lime_max_abs_diff']:.1e}")
    print(f"classifying 10,000 texts with top words: {results['predict_10k_seconds']:.2f} s; likely label errors, "
          f"20 newsgroups: {results['label_issues_20cat_seconds']:.1f} s; 5% flipped labels found with precision "
          f"{results['label_issues_flip_precision']:.2f}, recall {results['label_issues_flip_recall']:.2f}")
    print(f"trust panel, same post: {results['trust_seconds']:.3f} s; what each topic looks for, 20 categories: "
          f"{results['topic_words_20cat_seconds']:.1f} s ({results['topic_words_20cat_warm_seconds']:.1f} s again)")
    optimizers = results.get("accuracy_optimizers", {})
    print(f"test accuracy   tutorial ({optimizers.get('tutorial', '?')})  recommended "
          f"({optimizers.get('recommended', '?')})  complement_nb (tuned)  linear_svc (tuned)")
    for name, row in results["accuracy"].items():
        settings = results.get("baselines", {}).get(name, {})
        tuned = "  ".join(f"[{key}: {settings[key]['setting']}]" for key in BASELINES if key in settings)
        print(f"{name:14s}  {row['tutorial']:.3f}                 {row['recommended']:.3f}                  "
              f"{row['complement_nb']:.3f}                  {row['linear_svc']:.3f}  {tuned}")


def time_predict(classifier, texts: list[str]) -> float:
    """Returns the seconds to classify `texts` with probabilities, runner-up and top words (compiled first)."""
    from textclf.analysis.predict import predict_texts

    predict_texts(classifier, texts[:200])  # compiles the occlusion step, as the first page visit would
    started = time.perf_counter()
    predict_texts(classifier, texts)
    return time.perf_counter() - started


def label_issue_flips(corpus: Corpus, share: float = 0.05, seed: int = 0) -> dict:
    """Returns precision, recall and seconds of the label-error finder after flipping `share` of the training labels."""
    from textclf.analysis.label_issues import find_label_issues, flip_labels, precision_recall

    noisy, flipped = flip_labels(corpus.train_labels, corpus.n_classes, share, seed)
    issues = find_label_issues(corpus.train_texts, noisy, corpus.class_names)
    precision, recall = precision_recall(issues.rows, flipped)
    return {"precision": precision, "recall": recall, "seconds": issues.seconds, "flagged": len(issues.rows),
            "flipped": len(flipped)}


def run_issue11_bench(classifier) -> dict:
    """Returns predict_10k_seconds, label_issues_20cat_seconds and the 5%-flip precision/recall on 20 newsgroups."""
    from textclf.analysis.label_issues import find_label_issues

    everything = load_newsgroups(NEWSGROUPS)
    _say("classifying 10,000 posts with top words ...")
    results = {"predict_10k_seconds": time_predict(classifier, everything.train_texts[:10_000])}
    _say("likely label errors on the 20 newsgroups' training set ...")
    results["label_issues_20cat_seconds"] = find_label_issues(
        everything.train_texts, everything.train_labels, everything.class_names).seconds
    _say("likely label errors after flipping 5% of those labels ...")
    flips = label_issue_flips(everything)
    results.update(label_issues_flip_precision=flips["precision"], label_issues_flip_recall=flips["recall"],
                   label_issues_flip_seconds=flips["seconds"])
    return results
