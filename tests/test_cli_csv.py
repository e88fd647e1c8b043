"""`python -m textclf ... --csv FILE` as a user runs it on a support-ticket export."""

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
