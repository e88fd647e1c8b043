"""`python -m textclf ... --csv FILE` as a user runs it on a support-ticket export."""

import json

import numpy as np
import pytest

from test_cli import assert_one_line_error, last_json, run_cli

TEAMS = {
    "network": ["router", "wifi", "latency", "vpn", "firewall", "switch"],
    "billing": ["invoice", "refund", "charge", "payment", "receipt", "subscription"],
    "printers": ["toner", "paper", "jam", "cartridge", "duplex", "spooler"],
}


@pytest.fixture(scope="module")
def tickets_csv(tmp_path_factory):
    """Returns a CSV of 3 teams x 40 tickets (id, created, text, team), each team with its own words."""
    rng = np.random.default_rng(0)
    lines = ["id,created,text,team"]
    for team, words in TEAMS.items():
        for i in range(40):
            text = f"Hi, the {' '.join(rng.choice(words, 3))} is broken again; can someone look at it?"
            lines.append(f'{len(lines)},2024-05-{i % 28 + 1:02d},"{text}",{team}')
    path = tmp_path_factory.mktemp("csv") / "tickets.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_train_on_a_csv(tickets_csv, tmp_path):
    # --lr 0.01: at the tutorial's 1e-3, 96 tickets give too few steps in 2 epochs to learn much
    result = run_cli("train", "--csv", tickets_csv, "--text-column", "text", "--label-column", "team",
                     "--preset", "tutorial", "--epochs", "2", "--lr", "0.01", "--json", data_home=str(tmp_path))
    report = last_json(result)
    assert report["preset"] == "tutorial"
    assert report["class_names"] == sorted(TEAMS)
    assert report["n_test"] == 24 and report["n_train"] + report["n_val"] == 96
    assert report["test_accuracy"] > 0.9
    assert "network_alone_accuracy" not in report  # no Naive Bayes mixed in: the test accuracy is the network's
    assert '"text"' in result.stderr and "Using 120 rows in 3 classes" in result.stderr


def test_own_file_starts_from_the_recommended_preset_and_reports_the_network_alone(tickets_csv, tmp_path):
    report = last_json(run_cli("train", "--csv", tickets_csv, "--epochs", "4", "--json", data_home=str(tmp_path)))
    assert report["preset"] == "recommended" and report["config"]["nb_mixture"]
    assert report["features"]["scaling"] == "tfidf"
    assert 0.9 < report["network_alone_accuracy"] <= 1 and 0 < report["network_alone_macro_f1"] <= 1
    assert report["test_accuracy"] > 0.9 and 0 < report["mixture"]["net_weight"] < 1


def test_baseline_on_a_csv_with_guessed_columns(tickets_csv, tmp_path):
    result = last_json(run_cli("baseline", "--csv", tickets_csv, "--test-share", "0.25", "--json",
                               data_home=str(tmp_path)))
    assert result["linear_svc"]["accuracy"] > 0.9


def test_bad_column_is_one_line(tickets_csv, tmp_path):
    result = run_cli("train", "--csv", tickets_csv, "--text-column", "body", "--label-column", "team",
                     data_home=str(tmp_path))
    assert_one_line_error(result, 'no column called "body"')


def test_binary_file_is_one_line(tmp_path):
    path = tmp_path / "photo.csv"
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + np.random.default_rng(0).bytes(3000))
    assert_one_line_error(run_cli("baseline", "--csv", path, data_home=str(tmp_path)), "not text")


@pytest.mark.parametrize("args, says", [
    (["--categories", "rec.autos,comp.graphics"], "not allowed with"),
    (["--all"], "not allowed with"),
    (["--test-share", "0.9"], "between 5% and 50%"),
    (["--label-column", "nope"], 'no column called "nope"'),
])
def test_bad_csv_arguments_give_one_line(tickets_csv, tmp_path, args, says):
    assert_one_line_error(run_cli("train", "--csv", tickets_csv, *args, data_home=str(tmp_path)), says)


def test_column_options_need_csv(tmp_path):
    assert_one_line_error(run_cli("train", "--text-column", "text", data_home=str(tmp_path)), "need --csv")


def write_classes_csv(path, n_classes, rows_per_class=14):
    """Writes a CSV of `n_classes` labels, each with its own word, and returns its path."""
    lines = ["text,label"] + [f"word{c} common text {i},c{c:03d}" for c in range(n_classes)
                              for i in range(rows_per_class)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_the_command_line_takes_more_classes_than_the_charts_show(tmp_path, capsys):
    from textclf import limits
    from textclf.cli import main

    # the app's charts stop at 50 classes; no chart is drawn here, so 51 train and are saved
    csv = write_classes_csv(tmp_path / "many.csv", limits.MAX_CLASSES + 1)
    assert main(["baseline", "--csv", str(csv), "--test-share", "0.25", "--json"]) == 0
    report = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert report["linear_svc"]["accuracy"] > 0.5
    too_many = write_classes_csv(tmp_path / "too_many.csv", limits.MAX_MODEL_CLASSES + 1, rows_per_class=4)
    assert main(["baseline", "--csv", str(too_many)]) == 2
    err = capsys.readouterr().err
    assert "at most 100 classes" in err and "chart" not in err and err.count("\n") == 1


def test_a_saved_model_may_have_the_command_lines_most_classes(tmp_path, capsys):
    from textclf import limits
    from textclf.cli import main
    from textclf.store.modelfiles import load_model

    csv = write_classes_csv(tmp_path / "many.csv", limits.MAX_MODEL_CLASSES)
    folder = tmp_path / "model"
    assert main(["train", "--csv", str(csv), "--test-share", "0.25", "--preset", "tutorial", "--hidden", "8",
                 "--epochs", "1", "--save", str(folder)]) == 0, capsys.readouterr().err
    assert len(load_model(folder).class_names) == limits.MAX_MODEL_CLASSES


def test_baseline_with_too_few_rows_for_its_validation_share_is_one_line(tmp_path, capsys):
    from textclf.cli import main

    csv = write_classes_csv(tmp_path / "few.csv", 51, rows_per_class=4)
    assert main(["baseline", "--csv", str(csv), "--test-share", "0.25"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert "Traceback" not in err and err[-1].startswith("error: The validation share (10%)")


def test_train_help_groups_the_word_and_training_options(capsys):
    from textclf.cli import main

    with pytest.raises(SystemExit):
        main(["train", "--help"])
    out = capsys.readouterr().out
    words, training = out.index("\nWords:"), out.index("\nTraining:")
    for flag in ("--tfidf", "--min-df", "--pairs", "--vocab-size"):
        assert words < out.index(f"  {flag}") < training, flag
    for flag in ("--dropout", "--early-stopping", "--retrain-on-all", "--no-retrain", "--epochs", "--lr",
                 "--batch-size", "--optimizer", "--val-share"):
        assert out.index(f"  {flag}") > training, flag


def test_the_parsers_scalings_are_the_featurizers():
    from textclf.cli.parser import SCALINGS
    from textclf.data.features import SCALINGS as FEATURE_SCALINGS

    assert SCALINGS == FEATURE_SCALINGS


def test_word_and_training_options_override_the_preset(tickets_csv, capsys):
    from textclf.cli import main

    assert main(["train", "--csv", str(tickets_csv), "--preset", "recommended", "--scaling", "binary",
                 "--min-df", "1", "--vocab-size", "40", "--pairs", "--hidden", "16", "--epochs", "3",
                 "--dropout", "0.2", "--patience", "0", "--monitor", "val_accuracy", "--no-retrain",
                 "--no-naive-bayes", "--val-share", "0.2", "--lr", "0.01", "--batch-size", "8",
                 "--optimizer", "adam", "--seed", "7", "--json"]) == 0
    report = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert report["preset"] == "recommended"
    assert report["features"] == {"scaling": "binary", "min_df": 1, "max_features": 40, "pairs": True,
                                  "choose_pairs": False}  # --pairs decides: no choice on validation
    assert report["vocab_size"] == 40
    config = report["config"]
    assert config["hidden"] == [16] and config["epochs"] == 3 and config["dropout"] == 0.2
    assert config["early_stopping"] == 0 and config["monitor"] == "val_accuracy" and config["refit"] is False
    assert config["nb_mixture"] is False and config["val_fraction"] == 0.2 and config["learning_rate"] == 0.01
    assert config["batch_size"] == 8 and config["optimizer"] == "adam" and config["seed"] == 7
    assert report["epochs"] == 3 and "network_alone_accuracy" not in report  # no Naive Bayes, no early stop
    assert report["n_val"] == 20 and report["n_train"] == 96 - 20  # the 20% validation share, no retraining


def test_tfidf_and_retraining_flags(tickets_csv, capsys):
    from textclf.cli import main

    assert main(["train", "--csv", str(tickets_csv), "--preset", "tutorial", "--tfidf", "--min-df", "2",
                 "--vocab-size", "0", "--hidden", "8", "--epochs", "2", "--early-stopping", "1",
                 "--monitor", "val_loss", "--retrain-on-all", "--naive-bayes", "--json"]) == 0
    report = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert report["features"] == {"scaling": "tfidf", "min_df": 2, "max_features": None, "pairs": False,
                                  "choose_pairs": False}
    config = report["config"]
    assert config["early_stopping"] == 1 and config["monitor"] == "val_loss" and config["refit"] is True
    assert config["nb_mixture"] is True and "network_alone_accuracy" in report
    assert report["n_train"] == 96  # retrained on every training post


@pytest.mark.parametrize("args, says", [
    (["--dropout", "0.9"], "--dropout"), (["--min-df", "0"], "--min-df"), (["--val-share", "0.6"], "--val-share"),
    (["--retrain-on-all", "--no-retrain"], "not allowed with"), (["--tfidf", "--scaling", "log"], "not allowed with"),
    (["--patience", "51"], "--patience"), (["--vocab-size", "-1"], "--vocab-size"),
])
def test_bad_word_and_training_options_are_one_line(args, says):
    assert_one_line_error(run_cli("train", *args), says)


def _split_tickets(tickets_csv, tmp_path):
    """Returns (training file, test file): the tickets' first 30 rows of each team train, the other 10 test."""
    lines = tickets_csv.read_text(encoding="utf-8").splitlines()
    header, rows = lines[0], lines[1:]
    train_rows = [r for i, r in enumerate(rows) if i % 40 < 30]
    test_rows = [r for i, r in enumerate(rows) if i % 40 >= 30]
    train, test = tmp_path / "train.csv", tmp_path / "test.csv"
    train.write_text("\n".join([header, *train_rows]) + "\n", encoding="utf-8")
    test.write_text("\n".join([header, *test_rows]) + "\n", encoding="utf-8")
    return train, test


def test_train_with_a_separate_test_file(tickets_csv, tmp_path, capsys):
    from textclf.cli import main

    train, test = _split_tickets(tickets_csv, tmp_path)
    assert main(["train", "--csv", str(train), "--test-csv", str(test), "--preset", "tutorial", "--epochs", "2",
                 "--lr", "0.01", "--json"]) == 0
    captured = capsys.readouterr()
    report = json.loads(captured.out.strip().splitlines()[-1])
    assert report["n_test"] == 30 and report["n_train"] + report["n_val"] == 90  # every row of --csv trains
    assert [sum(row) for row in report["confusion_matrix"]] == [10, 10, 10]
    assert report["test_accuracy"] > 0.9
    assert "90 for training, 30 for testing from test.csv" in captured.err


def test_a_test_file_with_other_columns_is_one_line(tickets_csv, tmp_path, capsys):
    from textclf.cli import main

    train, test = _split_tickets(tickets_csv, tmp_path)
    test.write_text(test.read_text(encoding="utf-8").replace("id,created,text,team", "id,created,body,team"),
                    encoding="utf-8")
    assert main(["train", "--csv", str(train), "--test-csv", str(test)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and 'test.csv has no column "text"' in err and '"text" and "team"' in err


def test_a_test_file_with_classes_unknown_to_training_is_one_line(tickets_csv, tmp_path, capsys):
    from textclf.cli import main

    train, test = _split_tickets(tickets_csv, tmp_path)
    test.write_text(test.read_text(encoding="utf-8") + '999,2024-06-01,"the coffee machine leaks",facilities\n',
                    encoding="utf-8")
    assert main(["train", "--csv", str(train), "--test-csv", str(test)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and '"facilities"' in err and "train.csv never uses" in err


def test_test_file_needs_csv(tmp_path):
    assert_one_line_error(run_cli("train", "--test-csv", tmp_path / "t.csv", data_home=str(tmp_path)), "needs --csv")


def test_train_writes_the_test_predictions_row_by_row(tmp_path, capsys):
    import pandas as pd

    from textclf.cli import main
    from textclf.store.export import BOM

    def write(path, n):
        lines = ["text,label"] + [f'"{words} {i}",{label}' for i in range(n)
                                  for words, label in (("apple banana", "fruit"), ("engine brake", "cars"))]
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        return path

    train, test = write(tmp_path / "train.csv", 30), write(tmp_path / "test.csv", 4)
    # a cell a spreadsheet would run as a formula, on the test file's row 10
    test.write_text(test.read_text(encoding="utf-8") + '"=HYPERLINK(""http://x"") apple banana",fruit\n',
                    encoding="utf-8")
    out = tmp_path / "predictions.csv"
    assert main(["train", "--csv", str(train), "--test-csv", str(test), "--preset", "tutorial", "--hidden", "8",
                 "--epochs", "2", "--lr", "0.01", "--predictions", str(out), "--json"]) == 0
    report = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert out.read_bytes().startswith(BOM.encode("utf-8"))
    table = pd.read_csv(out, encoding="utf-8-sig", dtype=str, keep_default_na=False)
    assert list(table.columns) == ["file row", "text", "true label", "predicted label", "confidence"]
    assert len(table) == report["n_test"] == 9
    source = pd.read_csv(test, dtype=str)
    assert table["file row"].tolist() == [str(r) for r in range(2, 11)]  # as a spreadsheet shows test.csv
    for _, row in table.iterrows():
        assert row["true label"] == source["label"][int(row["file row"]) - 2]
        assert row["predicted label"] in {"fruit", "cars"} and 0.5 <= float(row["confidence"]) <= 1
    assert (table["true label"] == table["predicted label"]).mean() == pytest.approx(report["test_accuracy"])
    assert table["text"].iloc[-1] == "'=HYPERLINK(\"http://x\") apple banana"


def test_predictions_file_that_cannot_be_written_is_refused_before_training(tmp_path, capsys):
    from textclf.cli import main

    assert main(["train", "--predictions", str(tmp_path / "missing" / "p.csv")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--predictions" in err and "does not exist" in err


def predictions_by_row_numbers_newsgroups_posts_from_zero():
    from textclf.analysis.evaluate import predictions_by_row
    from textclf.data import Corpus

    corpus = Corpus(["a"], np.array([0]), ["x", "y"], np.array([1, 0]), ("autos", "graphics"))
    table = predictions_by_row(corpus, np.array([[0.2, 0.8], [0.7, 0.3]]))
    assert table["test post"].tolist() == [0, 1] and table["predicted label"].tolist() == ["graphics", "autos"]
    assert table["true label"].tolist() == ["graphics", "autos"] and table["confidence"].tolist() == [0.8, 0.7]


def _with_split_column(tickets_csv, tmp_path, name="split"):
    """Returns a copy of the tickets with a split column: per team 28 train, 4 validation, 8 test rows."""
    lines = tickets_csv.read_text(encoding="utf-8").splitlines()
    parts = (["train"] * 28 + ["validation"] * 4 + ["test"] * 8) * 3
    path = tmp_path / "split.csv"
    path.write_text("\n".join([f"{lines[0]},{name}"] + [f"{row},{part}" for row, part in zip(lines[1:], parts)])
                    + "\n", encoding="utf-8")
    return path


def test_a_split_columns_validation_rows_choose_the_epochs(tickets_csv, tmp_path, capsys):
    from textclf.cli import main

    csv = _with_split_column(tickets_csv, tmp_path)
    assert main(["train", "--csv", str(csv), "--preset", "tutorial", "--epochs", "2", "--lr", "0.01",
                 "--json"]) == 0
    captured = capsys.readouterr()
    report = json.loads(captured.out.strip().splitlines()[-1])
    assert (report["n_train"], report["n_val"], report["n_test"]) == (84, 12, 24)  # as marked, not a 10% share
    assert 'The column "split" says which rows train, validate and test (found by its name' in captured.err
    assert "96 for training, 12 of them for validation, 24 for testing" in captured.err
    assert "The 12 rows marked for validation choose the epochs" in captured.err
    assert report["history"][0]["val_accuracy"] is not None


def test_validation_rows_train_too_when_the_model_is_retrained_or_the_share_is_0(tickets_csv, tmp_path, capsys):
    from textclf.cli import main

    csv = _with_split_column(tickets_csv, tmp_path, name="fold")
    assert main(["train", "--csv", str(csv), "--hidden", "8", "--epochs", "2", "--retrain-on-all", "--json"]) == 0
    report = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert (report["n_train"], report["n_val"]) == (96, 12)  # chosen on the 12, then retrained on all 96
    assert main(["train", "--csv", str(csv), "--preset", "tutorial", "--hidden", "8", "--epochs", "1",
                 "--val-share", "0", "--json"]) == 0
    captured = capsys.readouterr()
    report = json.loads(captured.out.strip().splitlines()[-1])
    assert (report["n_train"], report["n_val"]) == (96, 0)
    assert "--val-share 0: the 12 rows marked for validation train too" in captured.err


def test_the_baselines_choose_on_the_same_validation_rows(tickets_csv, tmp_path):
    from textclf.data.own_files import load_csv
    from textclf.learn.train import validation_split

    corpus, _ = load_csv(_with_split_column(tickets_csv, tmp_path))
    train_idx, val_idx = validation_split(corpus, 0.1, 42)
    assert val_idx.tolist() == corpus.validation.tolist() and len(val_idx) == 12
    assert sorted(train_idx.tolist() + val_idx.tolist()) == list(range(96))
    rows = corpus.sheet_rows()[0]  # the file's rows 30-33 of each team are its validation rows
    assert [r - 2 for r in rows[val_idx]] == [i + 40 * t for t in range(3) for i in range(28, 32)]
    assert validation_split(corpus, 0.0, 42)[1].tolist() == []


def test_a_predictions_file_that_fails_after_training_never_costs_the_saved_model(tickets_csv, tmp_path, capsys,
                                                                                  monkeypatch):
    from textclf.cli import main
    from textclf.cli import train as cli_train
    from textclf.cli.common import CliError

    def disk_full(path, corpus, classifier):
        raise CliError(f"the predictions could not be written to {path} (No space left on device)", 1)

    monkeypatch.setattr(cli_train, "_write_predictions", disk_full)
    model = tmp_path / "model"
    assert main(["train", "--csv", str(tickets_csv), "--hidden", "8", "--epochs", "2", "--save", str(model),
                 "--predictions", str(tmp_path / "p.csv")]) == 1
    assert (model / "model.json").exists() and "No space left" in capsys.readouterr().err


def test_a_files_run_speaks_of_texts_not_posts(tickets_csv, capsys):
    from textclf.cli import main

    assert main(["train", "--csv", str(tickets_csv), "--hidden", "8", "--epochs", "2", "--preset", "tutorial"]) == 0
    said = capsys.readouterr()
    said = said.out + said.err
    assert "Training on 96 texts in" in said and "validation texts" in said and " posts" not in said


def test_baseline_with_a_separate_test_file(tickets_csv, tmp_path, capsys):
    from textclf.cli import main

    train, test = _split_tickets(tickets_csv, tmp_path)
    assert main(["baseline", "--csv", str(train), "--test-csv", str(test), "--json"]) == 0
    captured = capsys.readouterr()
    assert "90 for training, 30 for testing from test.csv" in captured.err + captured.out
    report = json.loads(captured.out.strip().splitlines()[-1])
    # Scored on test.csv's 30 rows (10 a team): every accuracy is a whole number of thirtieths.
    models = [report["complement_nb"], report["linear_svc"]]
    assert all(abs(r["accuracy"] * 30 - round(r["accuracy"] * 30)) < 1e-9 for r in models)


def _tickets_with_split(tickets_csv, tmp_path, odd: str):
    """Returns the tickets with a split column as people type it, the last two rows of each team `odd` and blank."""
    import pandas as pd

    df = pd.read_csv(tickets_csv)
    marks = ["Train "] * 14 + ["TRAINING"] * 14 + [" val"] * 4 + ["TEST"] * 3 + ["tests"] * 3 + [odd, ""]
    df["split"] = marks * 3
    path = tmp_path / "marked.csv"
    df.to_csv(path, index=False)
    return path


def test_split_values_in_any_case_are_read_and_the_others_named(tickets_csv, tmp_path, capsys):
    """Rows whose split value was not understood were dropped without saying which values they held."""
    from textclf.cli import main

    assert main(["baseline", "--csv", str(_tickets_with_split(tickets_csv, tmp_path, "holdout")),
                 "--split-column", "split", "--json"]) == 0
    said = capsys.readouterr().err
    assert ("Using 114 rows in 3 classes (96 for training, 12 of them for validation, 18 for testing, split by "
            'the column "split"); dropped 6 rows marked neither train, validation nor test ("holdout", blank).'
            in said), said
    # found by its name when every value it holds is a split's (blanks aside), and the blanks still said
    assert main(["baseline", "--csv", str(_tickets_with_split(tickets_csv, tmp_path, "Test")), "--json"]) == 0
    said = capsys.readouterr().err
    assert ('21 for testing, split by the column "split"); dropped 3 rows marked neither train, validation nor '
            "test (blank)." in said and 'The column "split" says which rows' in said), said


def test_words_on_a_file_counts_texts_not_posts(tickets_csv, tmp_path, capsys):
    """`words` on a file counted its texts as posts and advised --remove-metadata, which only strips newsgroups."""
    from textclf.cli import main

    model = tmp_path / "model"
    assert main(["train", "--csv", str(tickets_csv), "--hidden", "8", "--epochs", "2", "--preset", "tutorial",
                 "--lr", "0.01", "--save", str(model)]) == 0
    capsys.readouterr()
    assert main(["words", "--model", str(model), "--csv", str(tickets_csv), "--top", "3"]) == 0
    said = capsys.readouterr().out
    assert " texts)" in said and "posts" not in said and "--remove-metadata" not in said, said


def test_train_help_speaks_of_texts_for_files_and_newsgroups_alike(capsys):
    from textclf.cli import main

    with pytest.raises(SystemExit):
        main(["train", "--help"])
    assert "posts" not in capsys.readouterr().out
