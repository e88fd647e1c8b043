"""The command line refuses what the app refuses (limits.py), data that cannot train, and a --save it cannot write,
all before training, in one line with exit status 2."""

import os

import pytest

from test_cli import assert_one_line_error, run_cli
from textclf import limits


@pytest.mark.parametrize("flag, value", [("--epochs", 1_000_000), ("--epochs", limits.EPOCHS[1] + 1),
                                         ("--batch-size", 100_000_000), ("--lr", 5), ("--seed", 2**32 - 1)])
def test_values_beyond_the_apps_limits_are_refused(flag, value):
    assert_one_line_error(run_cli("train", flag, value), flag)


def test_save_to_an_existing_file_is_refused_before_training(tmp_path):
    target = tmp_path / "model.txt"
    target.write_text("my notes")
    assert_one_line_error(run_cli("train", "--save", target, data_home=str(tmp_path)), "already exists")
    assert target.read_text() == "my notes"


def test_save_below_a_file_is_refused(tmp_path):
    (tmp_path / "notes").write_text("x")
    assert_one_line_error(run_cli("train", "--save", tmp_path / "notes" / "model", data_home=str(tmp_path)),
                          "is a file")


def test_save_to_a_read_only_folder_is_refused(tmp_path, monkeypatch, capsys):
    from textclf import cli

    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)  # root ignores this, hence os.access is asked through a stand-in as well
    real_access = os.access
    monkeypatch.setattr(os, "access", lambda p, mode: False if str(p) == str(locked) else real_access(p, mode))
    try:
        assert cli.main(["train", "--save", str(locked / "model")]) == 2
    finally:
        locked.chmod(0o700)
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "no permission to write in" in err


def write_csv(path, rows):
    path.write_text("text,label\n" + "".join(f'"{t}",{label}\n' for t, label in rows), encoding="utf-8")
    return path


def test_too_few_rows_per_class_are_refused_before_training(tmp_path):
    csv = write_csv(tmp_path / "small.csv", [(f"word{c} text {i}", f"c{c}") for c in range(3) for i in range(5)])
    result = run_cli("train", "--csv", csv, data_home=str(tmp_path))
    assert result.returncode == 2 and "Traceback" not in result.stderr
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("error: The validation share (10%)") and "Training on" not in result.stdout


def test_punctuation_only_texts_are_refused(tmp_path):
    csv = write_csv(tmp_path / "punct.csv", [("!?" * (i + 1), f"c{c}") for c in range(3) for i in range(10)])
    for command in ("train", "baseline"):
        result = run_cli(command, "--csv", csv, data_home=str(tmp_path))
        assert result.returncode == 2 and "Traceback" not in result.stderr, result.stderr
        assert result.stderr.strip().splitlines()[-1].startswith("error: The training texts contain no words")


def test_save_where_no_file_can_be_created_is_refused_before_training(tmp_path):
    # /proc passes os.access for root, yet refuses every new file: the model would be lost after training
    result = run_cli("train", "--save", "/proc/textclf-model", data_home=str(tmp_path))
    assert_one_line_error(result, "nothing can be written in /proc")


def test_hidden_layers_too_large_to_save_are_one_sentence(tmp_path):
    result = run_cli("train", "--hidden", "4096,4096", data_home=str(tmp_path))
    assert_one_line_error(result, "--hidden")
    assert "more than the 16 MB a saved model may use" in result.stderr


def test_output_files_where_nothing_can_be_written_are_refused_before_any_work(tmp_path):
    """--predictions and --out in /proc passed the permission check, then failed after training with a traceback."""
    for command, flag in (("train", "--predictions"), ("predict", "--out")):
        extra = ("--model", str(tmp_path), "--text", "hello") if command == "predict" else ()
        result = run_cli(command, *extra, flag, "/proc/textclf-out.csv", data_home=str(tmp_path))
        assert_one_line_error(result, "nothing can be written in /proc")
        assert "Training on" not in result.stdout
