"""Page tests with Streamlit's AppTest: every page renders, and the main buttons do what they say."""

import time

import pytest
from streamlit.testing.v1 import AppTest

from textclf.data import Corpus
from textclf.analysis.evaluate import evaluate_predictions
from textclf.serve.jobs import TrainedModel
from textclf.data.features import FeatureConfig
from textclf.learn.train import TrainConfig, run_to_end, train

PAGES = ["views/home.py", "views/data.py", "views/train.py", "views/evaluate.py", "views/explain.py",
         "views/lesson.py", "views/runs.py", "views/topic_words.py", "views/classify.py"]


def new_app() -> AppTest:
    return AppTest.from_file("../app.py", default_timeout=120)


@pytest.fixture(scope="module")
def tiny_model(tiny_corpus):
    """Returns a TrainedModel on the tiny corpus, as the Train page would leave it."""
    config = TrainConfig(hidden=(16,), epochs=3, batch_size=8, learning_rate=1e-2)
    finished = run_to_end(train(tiny_corpus, config=config))
    ev = evaluate_predictions(tiny_corpus.test_labels, finished.classifier.predict(tiny_corpus.test_texts),
                              tiny_corpus.class_names)
    return TrainedModel(finished, ev, tiny_corpus, FeatureConfig(), config)


def on_page(page: str, corpus=None, model=None) -> AppTest:
    """Returns the app, run once, switched to `page` with the tiny corpus (and model) in the session."""
    at = new_app()
    if corpus is not None:
        at.session_state["custom_corpus"] = corpus
    if model is not None:
        at.session_state["model"] = model
    at.run()
    return at.switch_page(page).run()


def linked_train_page(params: dict, corpus) -> AppTest:
    """Returns the app opened with a teacher's link `params` and `corpus` chosen, switched to the Train page."""
    at = new_app()
    for key, value in params.items():
        at.query_params[key] = value
    at.session_state["custom_corpus"] = corpus
    at.run()
    return at.switch_page("views/train.py").run()


def texts(at: AppTest) -> str:
    """Returns all text shown on the page, for assertions."""
    kinds = ("title", "markdown", "caption", "info", "warning", "error", "success")
    parts = [e.value for root in (at, at.sidebar) for kind in kinds for e in getattr(root, kind)]
    return "\n".join(str(p) for p in parts)


def wait_for_verdict(at: AppTest) -> None:
    """Reruns the page until it says how the network compares with the simple models (computed in the background)."""
    for _ in range(120):
        if "the best simple model" in texts(at) or at.exception:
            return
        time.sleep(0.5)
        at.run()


def start_lesson(categories: list[str]) -> AppTest:
    """Returns the app on the Lesson page with its two runs started on `categories`."""
    at = new_app()
    at.session_state["categories"] = categories
    at.run()
    at.switch_page("views/lesson.py").run()
    [b for b in at.button if b.label == "Run the lesson"][0].click()
    at.run()
    return at


@pytest.mark.parametrize("page", PAGES)
def test_every_page_renders_without_model(page, tiny_corpus):
    at = new_app()
    at.session_state["custom_corpus"] = tiny_corpus
    at.run()
    at.switch_page(page).run()
    assert not at.exception, at.exception
    assert at.title, "every page has a title"
    if page in ("views/evaluate.py", "views/explain.py", "views/topic_words.py"):
        assert "No model yet" in texts(at)


@pytest.mark.parametrize("page", PAGES)
def test_every_page_renders_with_model(page, tiny_corpus, tiny_model):
    at = new_app()
    at.session_state["custom_corpus"] = tiny_corpus
    at.session_state["model"] = tiny_model
    at.run()
    at.switch_page(page).run()
    assert not at.exception, at.exception
    assert f"{tiny_model.evaluation.accuracy:.1%}" in texts(at)  # the sidebar shows the model's accuracy


def test_no_category_chosen_shows_message_not_error():
    at = new_app().run()
    at.switch_page("views/data.py").run()
    at.multiselect(key="categories").set_value([]).run()
    assert not at.exception
    assert "at least two" in texts(at)
    at.switch_page("views/train.py").run()
    assert not at.exception
    assert "at least two" in texts(at)


def test_train_button_trains_in_background_and_sets_the_model(tiny_corpus):
    at = on_page("views/train.py", tiny_corpus)
    at.text_input(key="hidden_text").set_value("16")
    at.number_input(key="epochs").set_value(2)
    at.number_input(key="batch_size").set_value(8)
    at.button[0].click()  # the form's Train button
    at.run()
    assert not at.exception, at.exception
    job = at.session_state["job"]
    job.join(60)
    assert job.done and job.result is not None
    at.run()
    assert not at.exception, at.exception
    assert "Training took" in texts(at)
    model = at.session_state["model"]
    assert model is job.result and model.config.epochs == 2 and model.config.hidden == (16,)
    at.switch_page("views/evaluate.py").run()
    assert not at.exception
    assert any(m.label == "Test accuracy" for m in at.metric)


def test_bad_hidden_sizes_show_a_message(tiny_corpus):
    at = on_page("views/train.py", tiny_corpus)
    at.text_input(key="hidden_text").set_value("lots")
    at.button[0].click()
    at.run()
    assert not at.exception
    assert "hidden sizes must be whole numbers" in texts(at)
    assert at.session_state["job"] is None


def test_stop_keeps_the_model_trained_so_far(tiny_corpus):
    at = on_page("views/train.py", tiny_corpus)
    at.text_input(key="hidden_text").set_value("16")
    at.number_input(key="epochs").set_value(200)
    at.number_input(key="batch_size").set_value(1)
    at.button[0].click()
    at.run()
    stop = [b for b in at.button if b.label == "Stop"]
    assert stop, "a Stop button is shown while training runs"
    stop[0].click()
    at.run()
    job = at.session_state["job"]
    job.join(60)
    assert job.result.finished.reason == "stopped"
    at.run()
    assert "Stopped by request" in texts(at)
    assert at.session_state["model"] is job.result


def explained(text, corpus, model) -> AppTest:
    """Returns the app after pasting `text` on the Explain page and pressing Explain."""
    at = on_page("views/explain.py", corpus, model)
    at.text_area(key="explain_text").set_value(text)
    [b for b in at.button if b.label == "Explain"][0].click()
    at.run()
    assert not at.exception, at.exception
    return at


def test_explain_shows_prediction_and_escapes_html(tiny_corpus, tiny_model):
    at = explained("The goalie <script>alert(1)</script> puck rink faceoff", tiny_corpus, tiny_model)
    assert "Predicted class: **hockey**" in texts(at)  # a file's words: "class", not the newsgroups' "topic"
    html = "".join(e.proto.body for e in at.get("html"))
    assert "<script" not in html and "&lt;" in html and "&gt;" in html


@pytest.mark.parametrize("text, message", [
    ("", "The text is empty"),
    ("!!! ... ???", "no words"),
    ("x" * 1_000_001, "characters; explanations are limited"),
])
def test_explain_refuses_odd_text_with_a_message(text, message, tiny_corpus, tiny_model):
    assert message in texts(explained(text, tiny_corpus, tiny_model))


def test_unknown_words_still_predict_with_a_note(tiny_corpus, tiny_model):
    at = explained("zzyzx qwerty xylophone", tiny_corpus, tiny_model)
    assert "None of these words are in the model's vocabulary" in texts(at)


def test_train_page_says_fast_updates_are_on_by_default(tiny_corpus):
    at = on_page("views/train.py", tiny_corpus)
    assert at.session_state["lazy_adam"] is True
    assert texts(at).count("lazy Adam") == 1, texts(at)  # said once, in the preset's description
    at.number_input(key="epochs").set_value(7).run()  # own changes: the description gives way to a note
    assert not at.exception, at.exception
    assert texts(at).count("lazy Adam") == 1 and "Fast updates (lazy Adam) are on" in texts(at), texts(at)


def test_evaluate_says_whether_the_network_beats_the_best_simple_model(tiny_corpus, tiny_model):
    at = on_page("views/evaluate.py", tiny_corpus, model=tiny_model)
    wait_for_verdict(at)
    assert not at.exception, at.exception
    shown = texts(at)
    assert "the best simple model" in shown and "not measured for these settings and data" in shown


def test_evaluate_explain_this_opens_explain_with_the_post(tiny_corpus, tiny_model):
    at = on_page("views/evaluate.py", tiny_corpus, model=tiny_model)
    at.selectbox(key="cell_true").set_value("cars")
    at.selectbox(key="cell_pred").set_value("cars").run()
    buttons = [b for b in at.button if b.label == "Explain this"]
    assert buttons, "posts of the chosen cell are listed with an Explain button"
    buttons[0].click()
    at.run()
    assert not at.exception
    assert at.title[0].value.startswith("4. Explain")
    assert at.text_area(key="explain_text").value in tiny_corpus.test_texts
    assert "Predicted class" in texts(at), "the explanation is computed on arrival"
    assert "true class is **cars**" in texts(at)


def test_recommended_preset_fills_the_form_and_word_options(tiny_corpus):
    at = on_page("views/train.py", tiny_corpus)
    assert at.number_input(key="epochs").value == 5 and at.text_input(key="hidden_text").value == "128,64"
    at.button_group[0].set_value("recommended").run()  # the "Start from" segmented control
    assert not at.exception, at.exception
    assert at.number_input(key="epochs").value == 15
    assert at.text_input(key="hidden_text").value == "256"
    assert at.session_state["scaling"] == "tfidf" and at.session_state["refit"] is True
    assert "retrain on every training text" in texts(at)


def test_teacher_link_preselects_and_locks(tiny_corpus):
    at = new_app()
    at.query_params["categories"] = "rec.autos,sci.space"
    at.query_params["epochs"] = "3"
    at.query_params["lock"] = "data,hyperparameters"
    at.query_params["colour"] = "blue"
    at.query_params["lr"] = "lots"
    at.run()
    assert not at.exception
    assert at.session_state["categories"] == ["rec.autos", "sci.space"]
    at.switch_page("views/data.py").run()
    assert not at.exception
    assert at.multiselect(key="categories").disabled
    assert "unknown link parameter 'colour' ignored" in texts(at) and "lr='lots' ignored" in texts(at)
    at.session_state["custom_corpus"] = tiny_corpus  # keep the Train page fast and offline
    at.switch_page("views/train.py").run()
    assert not at.exception
    assert at.number_input(key="epochs").value == 3 and at.number_input(key="epochs").disabled
    link = at.code[0].value
    assert "categories=rec.autos,sci.space" in link and "epochs=3" in link


def test_leakage_lesson_compares_with_and_without_headers(archive_path):
    at = start_lesson(["rec.autos", "rec.sport.hockey"])
    assert not at.exception, at.exception
    from views import server

    # the lesson's two runs take their turn in the server's queue like any other training
    assert all(job.queue is server.training_queue() for job in at.session_state["lesson_jobs"].values())
    for job in at.session_state["lesson_jobs"].values():
        job.join(120)
    at.run()
    assert not at.exception, at.exception
    labels = [m.label for m in at.metric]
    assert labels == ["With headers, signatures and quotes", "Without them"]
    with_meta = at.session_state["lesson_jobs"][False].result.corpus.description["remove_metadata"]
    without = at.session_state["lesson_jobs"][True].result.corpus.description["remove_metadata"]
    assert (with_meta, without) == (False, True)
    # the reference models come from a background thread: wait for them, then redraw

    for job in at.session_state["lesson_jobs"].values():
        assert server.baseline_work(job.result.corpus).wait(300)
    at.run()
    assert "The best simple model, tuned on validation, on the same data" in texts(at)


def test_teacher_link_can_hide_the_settings(tiny_corpus):
    at = linked_train_page({"epochs": "2", "hidden": "16", "hide": "hyperparameters,data"}, tiny_corpus)
    assert not at.exception, at.exception
    assert not at.number_input, "no settings are shown"
    assert "chosen by your teacher's link" in texts(at)
    [b for b in at.button if b.label == "Train"][0].click()
    at.run()
    job = at.session_state["job"]
    job.join(60)
    assert job.config.epochs == 2 and job.config.hidden == (16,)


def test_the_start_page_points_to_your_own_file_and_to_classifying_new_texts():
    """The start page spoke only of newsgroups and four steps; an analyst with a CSV did not see where to go."""
    at = new_app().run()
    shown = texts(at)
    assert "Your own file" in shown and "5. Classify new texts" in shown
    assert "four steps" not in shown and "steps 1 to 4" in shown  # the sidebar lists five: the count said four


def test_the_data_page_says_why_headers_are_kept_at_first_and_where_to_compare():
    """Its text said headers give the answer away, next to a switch left off without a word why."""
    at = on_page("views/data.py")
    assert not at.toggle(key="remove_metadata").value
    assert "Off at first because the tutorial kept them" in texts(at) and "Lesson: leakage" in texts(at)


def test_a_model_of_other_data_is_said_to_be_so_in_the_sidebar_and_on_evaluate(tiny_corpus, tiny_model):
    at = on_page("views/evaluate.py", tiny_corpus, tiny_model)
    assert "not the data chosen now" not in texts(at) and "5. Classify" in texts(at)
    other = Corpus([t.upper() for t in tiny_corpus.train_texts], tiny_corpus.train_labels, tiny_corpus.test_texts,
                   tiny_corpus.test_labels, tiny_corpus.class_names, {"source": "csv", "name": "tickets.csv"})
    at.session_state["custom_corpus"] = other  # as "Use this data" leaves it
    at.run()
    assert not at.exception, at.exception
    shown = texts(at)
    assert "(not the data chosen now)" in shown  # the sidebar
    assert "This model was trained on **tiny synthetic corpus**, not on the data chosen now" in shown
    assert "Next step: **2. Train**" in shown


def test_evaluate_says_the_verdict_in_view_and_folds_the_comparison_table(tiny_corpus, tiny_model):
    at = on_page("views/evaluate.py", tiny_corpus, model=tiny_model)
    wait_for_verdict(at)
    (table,) = [e for e in at.expander if e.label.startswith("Compared with two simple models")]
    assert not table.proto.expanded and len(table.dataframe) == 1
    assert "the best simple model" in " ".join(m.value for m in at.main.markdown)  # outside the folded box
    assert "counts dampened, rare words weighted up" in texts(at)
