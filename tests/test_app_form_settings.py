"""The Train form shows the settings of the run on screen: after Load on Saved runs, a reload, a second tab."""

import dataclasses

from views import server
from tests.test_app_runs import WS, runs_page, store, tick, press  # noqa: F401 - store is a fixture
from tests.test_app_train import finish, long_run, press_train, second_tab
from tests.test_app import new_app, on_page, texts
from textclf.learn.train import TrainConfig, run_to_end, train


def form(at) -> dict:
    """Returns what the Train page's widgets show (the page must be drawn)."""
    return {"hidden_text": at.text_input(key="hidden_text").value, "epochs": at.number_input(key="epochs").value,
            "batch_size": at.number_input(key="batch_size").value, "lr": at.number_input(key="lr").value,
            "lazy_adam": at.toggle(key="lazy_adam").value, "dropout": at.slider(key="dropout").value,
            "patience": at.number_input(key="patience").value, "monitor": at.selectbox(key="monitor").value,
            "refit": at.toggle(key="refit").value}


def test_loading_a_saved_run_puts_its_settings_in_the_form(store, tiny_corpus):  # noqa: F811
    """The page said the run trained 8 epochs while the form showed 5 epochs and 128,64: Train trained defaults."""
    config = TrainConfig(hidden=(8,), epochs=3, batch_size=8, learning_rate=2e-3, optimizer="adam", dropout=0.3,
                         early_stopping=2, monitor="val_loss")
    finished = run_to_end(train(tiny_corpus, config=config))
    classifier = finished.classifier
    classifier.info["feature_config"] = {"scaling": "tfidf", "min_df": 2, "max_features": 5000, "pairs": True}
    corpus = dataclasses.replace(tiny_corpus, description=dict(tiny_corpus.description, name="tiny"))
    store.save(classifier, name="odd settings", data=dict(corpus.description), history=finished.history,
               metrics={"accuracy": 0.5}, train_seconds=1.0, reason="completed", preset="recommended")
    at = press(tick(runs_page(corpus), "odd settings"), "Load into Evaluate and Explain")
    assert not at.exception, at.exception
    at.switch_page("views/train.py").run()
    assert not at.exception, at.exception
    assert form(at) == {"hidden_text": "8", "epochs": 3, "batch_size": 8, "lr": 2e-3, "lazy_adam": False,
                        "dropout": 0.3, "patience": 2, "monitor": "val_loss", "refit": False}
    assert at.session_state["preset"] == "recommended"
    assert "with your own changes" in " ".join(c.value for c in at.caption)
    at.switch_page("views/data.py").run()
    assert at.selectbox(key="scaling").value == "tfidf" and at.number_input(key="min_df").value == 2
    assert at.number_input(key="max_features").value == 5000 and at.toggle(key="pairs").value is True


def test_a_reloaded_tab_shows_the_settings_of_the_run_it_loaded(tiny_corpus, monkeypatch):
    monkeypatch.setattr(server, "training_workers", lambda: None)
    at = on_page("views/train.py", tiny_corpus)
    at.slider(key="dropout").set_value(0.2)
    at.toggle(key="lazy_adam").set_value(False)
    job = press_train(at, "8", 3, 8)
    job.join(120)
    at.run()
    assert job.result.run_id
    reloaded = second_tab(at, tiny_corpus)  # a new session of the same ?ws=: the run is loaded by itself
    assert reloaded.session_state["model"].run_id == job.result.run_id
    shown = form(reloaded)
    assert (shown["hidden_text"], shown["epochs"], shown["batch_size"], shown["dropout"], shown["lazy_adam"]) \
        == ("8", 3, 8, 0.2, False)
    assert reloaded.session_state["preset"] == "tutorial"
    assert "The model in use is a saved run, 3 epochs long." in texts(reloaded)
    assert reloaded.get("plotly_chart"), "its curves"


def test_a_second_tab_following_a_run_shows_its_settings(tiny_corpus, monkeypatch):
    monkeypatch.setattr(server, "training_workers", lambda: None)
    at = on_page("views/train.py", tiny_corpus)
    job = long_run(at)
    try:
        second = second_tab(at, tiny_corpus)
        assert second.session_state["job"] is job
        assert (form(second)["hidden_text"], form(second)["epochs"], form(second)["batch_size"]) == ("16", 200, 1)
    finally:
        finish(job)


def test_loading_a_run_leaves_the_settings_a_teachers_link_locks(store, tiny_corpus):  # noqa: F811
    finished = run_to_end(train(tiny_corpus, config=TrainConfig(hidden=(8,), epochs=3, batch_size=8)))
    corpus = dataclasses.replace(tiny_corpus, description=dict(tiny_corpus.description, name="tiny"))
    store.save(finished.classifier, name="other settings", data=dict(corpus.description), history=finished.history,
               metrics={"accuracy": 0.5}, train_seconds=1.0, reason="completed", preset="tutorial")
    at = new_app()
    at.query_params.update({"ws": WS, "epochs": "2", "hidden": "16", "lock": "hyperparameters"})
    at.session_state["custom_corpus"] = corpus
    at.run()
    at.switch_page("views/train.py").run()
    assert form(at)["epochs"] == 2 and form(at)["hidden_text"] == "16"
    at.switch_page("views/runs.py").run()
    at = press(tick(at, "other settings"), "Load into Evaluate and Explain")
    assert not at.exception, at.exception
    assert at.session_state["model"].run_id  # the saved run is the model now
    at.switch_page("views/train.py").run()
    assert not at.exception, at.exception
    shown = form(at)
    assert (shown["epochs"], shown["hidden_text"], shown["batch_size"]) == (2, "16", 32), shown
