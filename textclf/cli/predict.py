"""`textclf predict`: classify new texts (a file or one text) with a saved model or run."""

from __future__ import annotations

import argparse
from pathlib import Path

from textclf.cli.common import CliError, out_file_problem, say_for


def _load_classifier(reference: str):
    """Returns the classifier of a model folder, a saved run's folder, or a saved run's id."""
    from textclf.store.modelfiles import BadModelFile, load_model
    from textclf.store.runs import MODEL_DIR, RUN_ID, RunNotFound, RunStore

    path = Path(reference)
    try:
        if path.is_dir():
            return load_model(path / MODEL_DIR if (path / MODEL_DIR).is_dir() else path)
        if RUN_ID.fullmatch(reference):
            return RunStore().load_classifier(reference)
    except (BadModelFile, RunNotFound) as err:
        raise CliError(str(err), 2) from err
    raise CliError(f"{reference} is neither a model folder nor the id of a saved run", 2)


def cmd_predict(args: argparse.Namespace) -> dict:
    """Returns the predictions for --csv or --text, after printing them or writing --out."""
    import pandas as pd

    from textclf.store.export import to_csv_bytes
    from textclf.analysis.predict import (DEFAULT_THRESHOLD, check_labels, check_text_column, guess_text_column,
                                 prediction_table, predictions_json, predict_texts, read_new_texts)
    from textclf.data.corpus import FIRST_DATA_ROW
    from textclf.data.own_files import MAX_BYTES, BadTable

    if args.text is not None and (args.text_column or args.label_column):
        raise CliError("--text-column and --label-column need --csv", 2)
    if problem := out_file_problem(args.out, "--out"):
        raise CliError(problem, 2)
    classifier = _load_classifier(args.model)
    threshold = DEFAULT_THRESHOLD if args.threshold is None else args.threshold
    if args.csv:
        path = Path(args.csv)
        try:
            if not path.is_file():
                raise BadTable(f"There is no file at {path}.")
            if path.stat().st_size > MAX_BYTES:
                raise BadTable(f"The file is larger than the limit of {MAX_BYTES // 2**20} MB.")
            table = read_new_texts(path.read_bytes(), path.name)
            text_column = args.text_column or guess_text_column(table)
            check_text_column(table, text_column)
            if args.label_column is not None and args.label_column not in table.columns:
                raise BadTable(f'There is no column called "{args.label_column}" for the labels.')
        except (BadTable, OSError) as err:
            raise CliError(str(err), 2) from err
    else:
        text_column = "text"
        table = pd.DataFrame({text_column: [args.text]})
    predictions = predict_texts(classifier, table[text_column].tolist())
    out = prediction_table(table, predictions, threshold)
    say = say_for(args)
    if args.out:
        try:
            Path(args.out).write_bytes(to_csv_bytes(out))
        except OSError as err:
            raise CliError(f"the predictions could not be written to {args.out} ({err.strerror or err})", 1) from err
        say(f"Wrote {len(out):,} rows to {args.out}")
    # a file's rows as a spreadsheet numbers them (the header is row 1); one text given alone has no row
    result = predictions_json(predictions, first_row=FIRST_DATA_ROW if args.csv else None)
    if args.csv and args.label_column:
        check = check_labels(table[args.label_column].tolist(), predictions)
        if check.evaluation is not None:
            say(f"Accuracy on {check.n_compared:,} labelled rows: {check.evaluation.accuracy:.4f}")
            result["accuracy"] = check.evaluation.accuracy
        else:
            say("No row has both a label the model knows and a prediction, so no accuracy can be given.")
        say(check.note())
        result["n_compared"] = check.n_compared
    if not args.json and not args.out:
        shown = min(len(out), 50)
        listed = out[out.columns[table.shape[1]:]].head(shown)
        if args.csv:
            listed = listed.set_axis(listed.index + FIRST_DATA_ROW).rename_axis("file row")
        print(listed.to_string())
        if len(out) > shown:
            print(f"... {len(out) - shown:,} more rows; use --out FILE to save them all")
        if args.csv:
            print("file row: the row number a spreadsheet shows (the header is row 1).")
    if result["truncated"]:
        say(f"The JSON lists the first {len(result['predictions']):,} of {result['n_rows']:,} rows; "
            f"--out FILE writes them all.")
    return result


