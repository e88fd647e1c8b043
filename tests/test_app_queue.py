"""The Train page when the server's training slots are all taken: "waiting: N runs ahead of you", and Cancel."""

from views import server
from tests.test_app import on_page, texts, tiny_model  # noqa: F401 - a fixture


def test_train_page_says_how_many_runs_are_ahead_and_cancel_leaves_the_line(tiny_corpus):
    queue = server.training_queue()  # the same process-wide queue the page uses
    busy = [object() for _ in range(queue.slots)]
    ahead = object()
    for ticket in busy:
        queue.enter(ticket)
        assert queue.wait_turn(ticket)
    queue.enter(ahead)  # someone else's run, waiting before ours
    try:
        at = on_page("views/train.py", tiny_corpus)
        at.text_input(key="hidden_text").set_value("16")
        at.button[0].click()
        at.run()
        assert not at.exception, at.exception
        job = at.session_state["job"]
        assert job.progress().status == "waiting"
        at.run()
        assert "Waiting: 1 run ahead of you." in texts(at)
        assert "waiting for its turn" in texts(at)  # the sidebar
        assert [b for b in at.button if b.label == "Train"][0].disabled
        [b for b in at.button if b.label == "Cancel"][0].click()
        at.run()
        assert not at.exception, at.exception
        assert job.done and job.progress().status == "cancelled"
        at.run()
        assert "Cancelled before it started." in texts(at)
        assert not [b for b in at.button if b.label == "Cancel"]
        assert queue.ahead(ahead) == 0  # ours left the line
    finally:
        queue.leave(ahead)
        for ticket in busy:
            queue.release(ticket)


def test_a_session_keeps_only_its_current_model(tiny_corpus, tiny_model):
    at = on_page("views/train.py", tiny_corpus)
    at.text_input(key="hidden_text").set_value("8")
    at.number_input(key="epochs").set_value(1)
    at.button[0].click()
    at.run()
    job = at.session_state["job"]
    job.join(60)
    at.run()
    assert at.session_state["model"] is job.result
    at.session_state["model"] = tiny_model  # e.g. a run loaded from Saved runs replaces it
    at.run()
    assert not at.exception, at.exception
    assert at.session_state["job"] is None  # the finished job (and the model it holds) is let go
    assert at.session_state["model"] is tiny_model
