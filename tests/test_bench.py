"""The bench's pieces on the tiny corpus: each returns real, positive measurements."""

from dataclasses import replace

from textclf.bench import (label_issue_flips, lime_post, live_chart_slowdown, print_table, time_dense_reference,
                           time_predict, time_to_first_point, time_training)
from textclf.learn.train import TrainConfig

CONFIG = TrainConfig(hidden=(16,), epochs=2, batch_size=8, learning_rate=1e-2)


def test_timings_are_positive_and_accuracy_is_real(tiny_corpus):
    seconds, accuracy = time_training(tiny_corpus, CONFIG)
    assert seconds > 0 and 0.5 < accuracy <= 1.0
    assert time_dense_reference(tiny_corpus, CONFIG) > 0


def test_live_chart_poller_runs_alongside_training(tiny_corpus):
    polled, quiet = live_chart_slowdown(tiny_corpus, replace(CONFIG, optimizer="lazy_adam"), every=0.01, pairs=1)
    assert polled > 0 and quiet > 0


def test_lime_post_is_closest_to_the_length_asked(tiny_corpus):
    post = lime_post(tiny_corpus, words=7)
    assert abs(len(post.split()) - 7) == min(abs(len(t.split()) - 7) for t in tiny_corpus.test_texts)


def test_first_point_comes_before_the_run_ends(tiny_corpus):
    first = time_to_first_point(tiny_corpus, CONFIG, repeats=1)
    assert 0 < first < time_training(tiny_corpus, CONFIG)[0] + 5


def test_table_prints_every_figure_and_names_optimizers(capsys):
    row = {"tutorial": 0.9, "recommended": 0.95, "complement_nb": 0.91, "linear_svc": 0.93}
    results = {"train_4cat_reference_seconds": 6.0, "train_4cat_exact_seconds": 3.0, "train_4cat_seconds": 1.0,
               "train_4cat_ratio": 1 / 6, "train_4cat_warm_seconds": 0.5, "live_chart_train_seconds": 1.1,
               "quiet_train_seconds": 1.0, "live_chart_slowdown": 1.1, "train_20cat_default_seconds": 8.0,
               "first_point_seconds": 0.4, "default_optimizer": "lazy_adam",
               "peak_rss_20cat_mb": 900.0, "lime_post_words": 230, "lime_seconds": 0.1, "lime_stock_seconds": 1.0,
               "lime_ratio": 0.1, "lime_max_abs_diff": 1e-9, "accuracy": {"4cat": row},
               "predict_10k_seconds": 1.25, "label_issues_20cat_seconds": 20.0, "label_issues_flip_precision": 0.8,
               "label_issues_flip_recall": 0.79, "trust_seconds": 0.5, "topic_words_20cat_seconds": 3.0,
               "topic_words_20cat_warm_seconds": 1.0,
               "accuracy_optimizers": {"tutorial": "lazy_adam", "recommended": "lazy_adam"},
               "baselines": {"4cat": {"complement_nb": {"setting": "alpha=0.03, words"},
                                      "linear_svc": {"setting": "C=0.3, words+pairs"}}}}
    print_table(results)
    out = capsys.readouterr().out
    assert "ratio 0.17" in out and "x1.10" in out and "900 MB" in out and "4cat" in out and "0.950" in out
    first = out.splitlines()[0]
    assert "20 categories" in first and "tutorial preset, lazy_adam" in first and "8.00 s" in first
    assert "0.40 s" in out and "exact adam 3.00 s" in out and "C=0.3, words+pairs" in out
    assert "1.25 s" in out and "recall 0.79" in out


def test_predict_and_label_issue_figures_are_real(tiny_corpus, tiny_classifier):
    assert time_predict(tiny_classifier, tiny_corpus.test_texts) > 0
    flips = label_issue_flips(tiny_corpus, share=0.05, seed=0)
    assert flips["flipped"] == 6 and flips["seconds"] > 0 and 0 <= flips["precision"] <= 1
    assert flips["recall"] >= 0.5  # the tiny corpus's classes have their own words: flips stand out


def test_subject_lines_lose_their_reply_prefixes():
    from textclf.bench_cli import subject_line

    assert subject_line("From: a@b\nSubject: Re: RE:  Goalie masks\n\nbody") == "Goalie masks"
    assert subject_line("\n\nno header here\nmore") == "no header here"
    assert subject_line("Subject: \n") == "(no subject)"


def test_the_short_text_file_and_the_svc_script_agree_on_rows(tiny_corpus, tmp_path):
    import csv
    import subprocess
    import sys

    from textclf.bench_cli import SVC_SCRIPT, write_short_texts

    path = write_short_texts(tiny_corpus, tmp_path / "rows.csv")
    with open(path, newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == len(tiny_corpus.train_texts) + len(tiny_corpus.test_texts)
    assert {r["split"] for r in rows} == {"train", "test"} and set(r["label"] for r in rows) <= set(tiny_corpus.class_names)
    done = subprocess.run([sys.executable, "-c", SVC_SCRIPT, str(path)], capture_output=True, text=True, check=True)
    assert 0.0 <= float(done.stdout.strip().splitlines()[-1]) <= 1.0
