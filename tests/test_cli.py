"""`python -m textclf` as a user runs it: JSON reports on the real archive, one-line errors for bad arguments."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from textclf.data import ARCHIVE_ENV

ROOT = Path(__file__).resolve().parents[1]
CATEGORIES = ["rec.autos", "comp.graphics"]  # not alphabetical: the report sorts them


def run_cli(*args, data_home=None, timeout=300):
    env = {k: v for k, v in os.environ.items() if k != ARCHIVE_ENV}
    if data_home:
        env["SCIKIT_LEARN_DATA"] = data_home  # the test session's cache, never the user's
    return subprocess.run([sys.executable, "-m", "textclf", *map(str, args)], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=timeout)


def last_json(result):
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def trained(newsgroups_home, archive_path, tmp_path_factory):
    """Returns (train report, model folder) of one small `train --json --save` run."""
    folder = tmp_path_factory.mktemp("cli") / "model"
    result = run_cli("train", "--categories", ",".join(CATEGORIES), "--epochs", "1", "--hidden", "32",
                     "--archive", archive_path, "--save", folder, "--json", data_home=newsgroups_home)
    return last_json(result), folder


def test_train_json_report(trained):
    report, _ = trained
    for key in ["test_accuracy", "macro_f1", "train_seconds", "epochs", "n_train", "n_val", "n_test",
                "vocab_size", "class_names", "confusion_matrix", "history"]:
        assert key in report, key
    assert report["class_names"] == sorted(CATEGORIES)
    assert report["n_train"] + report["n_val"] == 594 + 584 and report["n_test"] == 396 + 389
    assert report["epochs"] == 1 and len(report["history"]) == 1
    assert {"train_loss", "val_accuracy"} <= report["history"][0].keys()
    confusion = report["confusion_matrix"]
    assert [sum(row) for row in confusion] == [389, 396]  # rows follow class_names
    assert report["test_accuracy"] == pytest.approx((confusion[0][0] + confusion[1][1]) / report["n_test"])
    assert report["test_accuracy"] > 0.85 and 0 < report["macro_f1"] <= 1
    assert report["vocab_size"] > 1000 and report["train_seconds"] > 0


def test_explain_a_saved_model(trained):
    _, folder = trained
    text = "My car's engine stalls, and the brakes squeal. Which dealer fixes a Ford?"
    result = last_json(run_cli("explain", "--model", folder, "--text", text, "--num-samples", "500", "--json"))
    assert {"predicted", "probabilities", "weights", "seconds"} <= result.keys()
    assert result["predicted"] == "rec.autos"
    assert set(result["probabilities"]) == set(CATEGORIES)
    assert sum(result["probabilities"].values()) == pytest.approx(1.0, abs=1e-5)
    assert result["weights"] and all(word in text.lower() for word, _ in result["weights"])
    assert "trust" not in result


def test_explain_with_trust_carries_every_field(trained):
    _, folder = trained
    text = "My car's engine stalls, and the brakes squeal. Which dealer fixes a Ford?"
    result = last_json(run_cli("explain", "--model", folder, "--text", text, "--num-samples", "500", "--trust",
                               "--json"))
    trust = result["trust"]
    assert trust["stability"]["seeds"] == 5 and trust["stability"]["top_k"] == 10
    assert all(len(row) == 3 for row in trust["stability"]["weights"])
    assert len(trust["deletion"]["top"]) == len(trust["deletion"]["random"]) >= 2
    for key in ("comprehensiveness", "sufficiency", "occlusion", "gradients", "agreement", "flip", "verdict",
                "seconds", "fit"):
        assert key in trust, key
    assert set(trust["agreement"]) == {"lime_occlusion", "lime_gradients", "occlusion_gradients"}
    assert trust["flip"] is None or trust["flip"]["new_class"] in CATEGORIES
    assert trust["seconds"] > 0 and trust["verdict"]


def test_explain_versus_explains_log_odds(trained):
    _, folder = trained
    result = last_json(run_cli("explain", "--model", folder, "--text", "engine brakes and a 3D rendering",
                               "--class", "rec.autos", "--versus", "comp.graphics", "--num-samples", "300", "--json"))
    assert result["explained_class"] == "rec.autos" and result["versus"] == "comp.graphics"
    assert_one_line_error(run_cli("explain", "--model", folder, "--text", "x", "--versus", "sci.space"), "sci.space")


def test_words_flags_artefacts_more_with_headers(trained, newsgroups_home, archive_path):
    _, folder = trained
    common = ("words", "--model", folder, "--categories", ",".join(CATEGORIES), "--archive", archive_path,
              "--top", "20", "--json")
    kept = last_json(run_cli(*common, data_home=newsgroups_home))
    removed = last_json(run_cli(*common, "--remove-metadata", data_home=newsgroups_home))
    assert list(kept["classes"]) == sorted(CATEGORIES)  # the core sorts the chosen categories
    for rows in kept["classes"].values():
        assert len(rows) == 20 and all(len(row) == 2 and row[1] > 0 for row in rows)
        assert all(kept["posts"][word] >= 2 for word, _ in rows)
    assert all(len(row) == 3 and row[1] in CATEGORIES for row in kept["suspicious"])
    assert len(kept["suspicious"]) > len(removed["suspicious"])


def test_explain_refuses_empty_text_in_one_line(trained):
    _, folder = trained
    result = run_cli("explain", "--model", folder, "--text", "  ")
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and "empty" in result.stderr


def test_baseline_json(newsgroups_home, archive_path):
    result = last_json(run_cli("baseline", "--categories", ",".join(CATEGORIES), "--archive", archive_path,
                               "--json", data_home=newsgroups_home))
    assert {"complement_nb", "linear_svc"} <= result.keys()
    for key in ["complement_nb", "linear_svc"]:
        assert result[key]["accuracy"] > 0.9 and 0 < result[key]["macro_f1"] <= 1
        assert result[key]["setting"].endswith(("words", "words+pairs")) and 0 < result[key]["val_accuracy"] <= 1


@pytest.mark.parametrize("args, says", [
    # --archive to a missing file: were the category accepted, loading would fail without the network
    (["train", "--categories", "rec.autos,rec.cars", "--archive", "/nonexistent/20news.tar.gz"], "rec.cars"),
    (["train", "--epochs", "0"], "--epochs"),
    (["train", "--hidden", "abc"], "--hidden"),
    (["train", "--lr", "-1"], "--lr"),
    (["explain", "--text", "hello"], "--model"),
    (["explain", "--model", "/nonexistent/model", "--text", "hello"], "not a folder"),
    (["train", "--seed", "-1"], "--seed"),
    (["explain", "--model", "m", "--text", "hello", "--num-samples", "10000000"], "--num-samples"),
    (["words", "--top", "5"], "--model"),
])
def test_bad_arguments_give_one_line_and_status_2(args, says, tmp_path):
    assert_one_line_error(run_cli(*args, data_home=str(tmp_path)), says)


def assert_one_line_error(result, says):
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    assert result.stderr.count("\n") == 1 and result.stderr.startswith("error:"), result.stderr
    assert says in result.stderr
    assert result.stdout == ""
