"""`python -m textclf predict` and `label-issues`: JSON shape, --out files, model references and refusals."""

import json

import numpy as np
import pandas as pd
import pytest

from textclf.cli import main
from textclf.store.export import BOM
from textclf.store.modelfiles import save_model
from textclf.store.runs import RunStore


@pytest.fixture(scope="module")
def model_dir(tiny_classifier, tmp_path_factory):
    return str(save_model(tiny_classifier, tmp_path_factory.mktemp("model") / "m"))


def _last_json(capsys):
    return json.loads(capsys.readouterr().out.strip().splitlines()[-1])


def test_predict_csv_json_shape_and_out_file(model_dir, tmp_path, capsys):
    csv = tmp_path / "new.csv"
    csv.write_text("id,text,label\n1,puck goalie rink,hockey\n2,,fruit\n3,=HYPERLINK(\"http://x\") apple banana,fruit\n"
                   "4,engine brake,boats\n5,zzqx wvvu,hockey\n", encoding="utf-8")
    out = tmp_path / "out.csv"
    code = main(["predict", "--model", model_dir, "--csv", str(csv), "--text-column", "text",
                 "--label-column", "label", "--out", str(out), "--json"])
    assert code == 0
    result = _last_json(capsys)
    assert result["n_rows"] == 5 and result["truncated"] is False
    assert [p["row"] for p in result["predictions"]] == [2, 3, 4, 5, 6]  # as a spreadsheet numbers them
    first = result["predictions"][0]
    assert set(first) == {"row", "predicted", "probability", "runner_up", "top_words"}
    assert first["predicted"] == "hockey" and 0 < first["probability"] <= 1 and first["runner_up"] != "hockey"
    assert isinstance(first["top_words"], list) and first["top_words"][0] in {"puck", "goalie", "rink"}
    assert result["predictions"][1]["predicted"] is None  # the empty cell stays a row
    no_known = result["predictions"][4]  # text, but no word the model knows: no class, as on the page
    assert no_known["predicted"] is None and no_known["probability"] is None and no_known["runner_up"] is None
    assert result["n_compared"] == 2 and result["accuracy"] == 1.0  # "boats" is not a class of the model
    raw = out.read_bytes()
    assert raw.startswith(BOM.encode("utf-8"))
    written = pd.read_csv(out, encoding="utf-8-sig", dtype=str, keep_default_na=False)
    assert len(written) == 5 and written["text"][2].startswith("'=HYPERLINK")
    assert written["status"][1] == "no text"


def test_predict_one_text_and_a_run_id(tiny_classifier, capsys):
    info = RunStore().save(tiny_classifier, name="tiny", data={}, history=[], metrics={}, train_seconds=1.0,
                           reason="completed")
    for reference in (info.id, str(info.path)):
        assert main(["predict", "--model", reference, "--text", "apple and banana", "--json"]) == 0
        result = _last_json(capsys)
        assert result["n_rows"] == 1 and result["predictions"][0]["predicted"] == "fruit"
        assert result["predictions"][0]["row"] is None  # no file, so no row number


def test_predict_prints_spreadsheet_row_numbers(model_dir, tmp_path, capsys):
    csv = tmp_path / "new.csv"
    csv.write_text("text\npuck goalie rink\napple banana\n", encoding="utf-8")
    assert main(["predict", "--model", model_dir, "--csv", str(csv)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[1].split() == ["file", "row"] and lines[2].split()[:2] == ["2", "hockey"]
    assert lines[3].split()[:2] == ["3", "fruit"] and "the header is row 1" in lines[-1]


def test_predict_json_is_capped(model_dir, tmp_path, capsys):
    csv = tmp_path / "many.csv"
    csv.write_text("text\n" + "apple banana\n" * 1200, encoding="utf-8")
    assert main(["predict", "--model", model_dir, "--csv", str(csv), "--json"]) == 0
    captured = capsys.readouterr()
    result = json.loads(captured.out.strip().splitlines()[-1])
    assert result["n_rows"] == 1200 and len(result["predictions"]) == 1000 and result["truncated"] is True
    assert "first 1,000 of 1,200" in captured.err


@pytest.mark.parametrize("args, message", [
    (["--model", "nowhere", "--text", "x"], "neither a model folder nor"),
    (["--model", "20260101-000000-abcdef", "--text", "x"], "no saved run"),
    (["--csv", "MISSING.csv"], "There is no file"),
    (["--csv", "EMPTY.csv"], "The file is empty"),
    (["--csv", "GOOD.csv", "--text-column", "body"], 'no column called "body"'),
    (["--csv", "BLANK.csv", "--text-column", "text"], "no text in any row"),
    (["--csv", "GOOD.csv", "--label-column", "team"], 'no column called "team"'),
    (["--text", "x", "--out", "NODIR/out.csv"], "does not exist"),
    (["--text", "x", "--threshold", "2"], "between 0 and 1"),
])
def test_predict_refusals_are_one_line_exit_2(model_dir, tmp_path, capsys, args, message):
    (tmp_path / "EMPTY.csv").write_text("", encoding="utf-8")
    (tmp_path / "GOOD.csv").write_text("text,label\napple,fruit\n", encoding="utf-8")
    (tmp_path / "BLANK.csv").write_text("text,label\n ,fruit\n,cars\n", encoding="utf-8")
    files = {"MISSING.csv", "EMPTY.csv", "GOOD.csv", "BLANK.csv", "NODIR/out.csv"}
    args = [str(tmp_path / a) if a in files else a for a in args]
    if "--model" not in args:
        args = ["--model", model_dir] + args
    try:
        code = main(["predict", *args])
    except SystemExit as exit_:  # argparse refuses bad values itself
        code = exit_.code
    assert code == 2
    err = capsys.readouterr().err.strip()
    assert message in err and len(err.splitlines()) == 1


def test_predict_refuses_too_many_rows(model_dir, tmp_path, capsys):
    from textclf.data.own_files import MAX_ROWS

    csv = tmp_path / "big.csv"
    csv.write_text("text\n" + "a\n" * (MAX_ROWS + 1), encoding="utf-8")
    assert main(["predict", "--model", model_dir, "--csv", str(csv)]) == 2
    assert "200,000 rows" in capsys.readouterr().err


def _planted_errors_csv(tmp_path):
    """Returns (path, rows, 0-based data rows of the flipped labels) of a two-class file with 3 planted errors."""
    rng = np.random.default_rng(0)
    words = {"fruit": "apple banana cherry grape melon".split(), "cars": "engine wheel brake clutch tyre".split()}
    rows, flipped = [], []
    for i in range(120):
        label = ["fruit", "cars"][i % 2]
        text = " ".join(rng.choice(words[label], 6))
        if i % 15 == 0:
            rows.append({"text": "", "label": "fruit"})  # dropped, yet counted in the file's numbering
        if i in (10, 51, 90):
            label = "cars" if label == "fruit" else "fruit"
            flipped.append(len(rows))
        rows.append({"text": text, "label": label})
    csv = tmp_path / "labels.csv"
    pd.DataFrame(rows).to_csv(csv, index=False)
    return csv, rows, flipped


def test_label_issues_csv_json_numbers_spreadsheet_rows_with_texts(tmp_path, capsys):
    csv, rows, flipped = _planted_errors_csv(tmp_path)
    assert main(["label-issues", "--csv", str(csv), "--split", "all", "--json"]) == 0
    result = _last_json(capsys)
    assert result["n_rows"] == 120 and result["split"] == "all"
    assert set(result["issues"][0]) == {"row", "part", "given", "suggested", "quality", "text"}
    # the spreadsheet's numbering: the header is row 1, so data row i is row i + 2
    assert {i["row"] for i in result["issues"]} == {r + 2 for r in flipped}
    for issue in result["issues"]:
        row = rows[issue["row"] - 2]
        assert row["label"] == issue["given"] != issue["suggested"] and row["text"] == issue["text"]


def test_label_issues_check_every_row_of_a_file_by_default_as_the_app_does(tmp_path, capsys):
    """The command line checked only the training rows while the app checks every row of a file."""
    csv, _, flipped = _planted_errors_csv(tmp_path)
    assert main(["label-issues", "--csv", str(csv), "--json"]) == 0
    default = _last_json(capsys)
    assert main(["label-issues", "--csv", str(csv), "--split", "train", "--json"]) == 0
    train = _last_json(capsys)
    assert main(["label-issues", "--csv", str(csv), "--split", "test", "--json"]) == 0
    test = _last_json(capsys)
    assert default["split"] == "all" and default["n_rows"] == 120
    assert train["n_rows"] == 96 and test["n_rows"] == 24
    assert {i["part"] for i in train["issues"]} <= {"train"} and {i["part"] for i in test["issues"]} <= {"test"}
    assert {i["row"] for i in default["issues"]} == {r + 2 for r in flipped}


def test_label_issues_write_the_whole_list_to_a_file(tmp_path, capsys):
    csv, rows, flipped = _planted_errors_csv(tmp_path)
    out = tmp_path / "suspects.csv"
    assert main(["label-issues", "--csv", str(csv), "--out", str(out)]) == 0
    table = pd.read_csv(out)
    assert list(table.columns) == ["file row", "part", "given label", "suggested label", "quality", "text"]
    assert set(table["file row"]) == {r + 2 for r in flipped}
    assert all(rows[r - 2]["text"] == text for r, text in zip(table["file row"], table["text"]))
    assert main(["label-issues", "--csv", str(csv), "--out", str(tmp_path / "no" / "x.csv")]) == 2  # at the door


def test_label_issues_threshold_and_folds(tmp_path, capsys):
    csv, _, flipped = _planted_errors_csv(tmp_path)
    assert main(["label-issues", "--csv", str(csv), "--split", "all", "--folds", "3", "--threshold", "0.5",
                 "--json"]) == 0
    loose = _last_json(capsys)
    assert loose["folds"] == 3 and loose["threshold"] == 0.5
    assert {r + 2 for r in flipped} <= {i["row"] for i in loose["issues"]}
    assert all(i["quality"] < 0.5 for i in loose["issues"])
    qualities = [i["quality"] for i in loose["issues"]]
    assert qualities == sorted(qualities)
    assert main(["label-issues", "--csv", str(csv), "--split", "all", "--threshold", "0", "--json"]) == 0
    assert _last_json(capsys)["issues"] == []


def test_label_issues_that_finds_nothing_says_so_in_a_sentence(tmp_path, capsys):
    csv, _, _ = _planted_errors_csv(tmp_path)
    assert main(["label-issues", "--csv", str(csv), "--threshold", "0"]) == 0
    out = capsys.readouterr().out
    assert "Empty DataFrame" not in out and "No label looks wrong" in out


def test_label_issues_table_shows_spreadsheet_rows(tmp_path, capsys):
    csv, _, flipped = _planted_errors_csv(tmp_path)
    assert main(["label-issues", "--csv", str(csv), "--split", "all"]) == 0
    out = capsys.readouterr().out
    lines = out[out.index("file row"):].splitlines()
    assert {int(line.split()[0]) for line in lines[1:1 + len(flipped)]} == {r + 2 for r in flipped}


def test_label_issues_refuses_bad_data(tmp_path, capsys):
    csv = tmp_path / "one.csv"
    csv.write_text("text,label\napple,fruit\n", encoding="utf-8")
    assert main(["label-issues", "--csv", str(csv)]) == 2
    err = capsys.readouterr().err.strip()
    assert "at least two classes" in err and len(err.splitlines()) == 1


def test_label_issues_names_the_checking_model_and_cautions_against_the_yardstick(tmp_path, capsys):
    from tests.plain_tickets import plain_tickets_csv

    csv = tmp_path / "tickets.csv"
    csv.write_bytes(plain_tickets_csv())
    assert main(["label-issues", "--csv", str(csv), "--split", "all"]) == 0
    out = capsys.readouterr().out
    assert "Checking model: Linear SVM with" in out
    assert "Read this list with care" in out and "the tuned yardstick, does no better" in out
    assert main(["label-issues", "--csv", str(csv), "--split", "all", "--json"]) == 0
    result = _last_json(capsys)
    assert 0 < result["yardstick_accuracy"] <= 1 and result["checking_model"].startswith("Linear SVM with")
    assert result["caution"] and f"({result['yardstick_accuracy']:.0%}" in result["caution"]
