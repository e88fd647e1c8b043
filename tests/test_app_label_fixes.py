"""The label-error loop on the Data page: a planted wrong label found, accepted, downloaded fixed and retrained."""

import csv
import io

from tests.test_app import new_app, texts
from tests.test_app_runs import download, media  # noqa: F401 - media is a fixture
from tests.test_app_train import press_train
from textclf.data.own_files import corpus_from_table, read_table

WORDS = {"fruit": "apple banana cherry grape melon peach", "cars": "engine wheel brake clutch tyre gearbox",
         "space": "orbit rocket comet planet lunar shuttle"}
PLANTED = 7  # 0-based data row: a cars text labelled fruit


def planted_file() -> bytes:
    lines = ["Ticket,text,label"]
    for i in range(60):
        name = list(WORDS)[i % 3]
        vocab = WORDS[name].split()
        lines.append(f"T-{100 + i},{' '.join(vocab[(i + k) % 6] for k in range(5))},"
                     f"{'fruit' if i == PLANTED else name}")
    return "\n".join(lines).encode()


def app_with_file(raw: bytes, test_share: float):
    """Returns the app with `raw` in use as after "Use this data" (the file kept for the label fixes), run once."""
    frame = read_table(raw)
    corpus, _ = corpus_from_table(frame, "text", "label", test_share=test_share, name="tickets.csv")
    at = new_app()
    at.session_state["custom_corpus"] = corpus
    at.session_state["own_table"] = (corpus.fingerprint(), frame, False)  # as "Use this data" keeps it
    at.run()
    return at, corpus


def find_label_errors(at):
    """Opens 1. Data, presses "Find likely label errors" and returns the issues found."""
    at.switch_page("views/data.py").run()
    [b for b in at.button if b.label == "Find likely label errors"][0].click()
    at.run()
    assert not at.exception, at.exception
    return at.session_state["label_issues"][1]


def test_a_planted_wrong_label_is_accepted_downloaded_fixed_and_retrained(media):
    at, corpus = app_with_file(planted_file(), 0.25)
    at.switch_page("views/train.py").run()
    before = press_train(at, "8", 2, 8)
    before.join(120)
    issues = find_label_errors(at)
    assert PLANTED in issues.rows.tolist()
    # the choice of "use suggested" for the planted row, as the action column stores it across reruns
    fingerprint, actions, merges = at.session_state["label_decisions"]
    assert fingerprint == corpus.fingerprint() and actions == {} and merges == {}
    at.session_state["label_decisions"] = (fingerprint, {PLANTED: "use suggested"}, {})
    at.run()
    assert not at.exception, at.exception
    assert "1 row relabelled; the corrected file has 60 rows\\." in texts(at)  # escaped markdown
    raw = media(download(at, "Download the corrected file (CSV)"))
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
    assert list(rows[0]) == ["Ticket", "text", "label"] and len(rows) == 60
    assert rows[PLANTED]["Ticket"] == "T-107" and rows[PLANTED]["label"] == "cars"
    assert [r["label"] for i, r in enumerate(rows) if i != PLANTED] == [
        list(WORDS)[i % 3] for i in range(60) if i != PLANTED]
    [b for b in at.button if b.label == "Retrain on the corrected file"][0].click()
    at.run()
    assert not at.exception, at.exception
    after = at.session_state["job"]
    assert after is not before and after.config == before.config
    assert at.session_state["custom_corpus"].description["name"] == "corrected tickets.csv"
    after.join(120)
    at.run()
    assert not at.exception, at.exception
    assert (f"Before the fixes: {before.result.evaluation.accuracy:.1%} test accuracy. "
            f"After: {after.result.evaluation.accuracy:.1%}") in texts(at)


def test_every_suggested_label_is_used_at_once_and_taken_back_at_once():
    at, _ = app_with_file(planted_file(), 0.25)
    at.switch_page("views/train.py").run()
    press_train(at, "8", 2, 8).join(120)
    issues = find_label_errors(at)
    assert issues.trusted and not at.warning  # the planted file's classes have words of their own
    [b for b in at.button if b.label == "Use every suggested label"][0].click()
    at.run()
    assert not at.exception, at.exception
    _, actions, _ = at.session_state["label_decisions"]
    assert actions == {int(r): "use suggested" for r in issues.rows}
    n = len(issues.rows)
    assert f"{n} row{'s' if n > 1 else ''} relabelled" in texts(at)
    # (the sentence is computed from what the grid returns, so the grid took the choices too)
    [b for b in at.button if b.label == "Keep every label as it is"][0].click()
    at.run()
    assert not at.exception, at.exception
    assert at.session_state["label_decisions"][1] == {}
    assert "relabelled" not in texts(at)
    assert [b for b in at.button if b.label == "Retrain on the corrected file"][0].disabled


def test_a_list_from_weak_checking_models_warns_and_is_decided_row_by_row():
    from tests.plain_tickets import plain_tickets_csv

    at, _ = app_with_file(plain_tickets_csv(), 0.2)
    issues = find_label_errors(at)
    assert len(issues.rows) and not issues.trusted
    assert any("Read this list with care" in w.value for w in at.warning)
    assert [b for b in at.button if b.label == "Use every suggested label"][0].disabled
    assert not [b for b in at.button if b.label == "Keep every label as it is"][0].disabled

