"""The "Classify new texts" page, label errors on Data/Evaluate, and downloads, through AppTest."""

import re
import tomllib
from pathlib import Path

import pytest

from tests.test_app import on_page, texts, tiny_model  # noqa: F401 - the model is a fixture
from textclf.data.own_files import MAX_ROWS

NEW_TEXTS = (b"id,text,label\n1,the puck and the goalie,hockey\n2,,fruit\n3,apple and banana today,fruit\n"
             b"4,engine and brake,boats\n5,=HYPERLINK(\"http://x\") cherry,fruit\n")


def classify_page(tiny_corpus, tiny_model, content=NEW_TEXTS, name="new.csv"):
    at = on_page("views/classify.py", tiny_corpus, tiny_model)
    assert not at.exception, at.exception
    at.file_uploader(key="classify_upload").upload(name, content, "text/csv").run()
    assert not at.exception, at.exception
    return at


def frame_with(at, column):
    """Returns the last table shown that has `column` (AppTest keeps no keys on read-only tables)."""
    return [d.value for d in at.dataframe if column in d.value.columns][-1]


def in_order(block):
    """Yields the elements of `block` as they are drawn, top to bottom (columns left to right)."""
    for child in block.children.values():
        if hasattr(child, "children"):
            yield from in_order(child)
        else:
            yield child


def downloads(at):
    return [d for d in at.get("download_button")]


def test_upload_classify_and_download(tiny_corpus, tiny_model):
    at = classify_page(tiny_corpus, tiny_model)
    assert at.selectbox(key="classify_text").value == "text"
    assert at.selectbox(key="classify_label").value == "label"
    [b for b in at.button if b.label == "Classify"][0].click()
    at.run()
    assert not at.exception, at.exception
    shown = texts(at)
    assert "5 rows" in shown and "1 without text" in shown
    table = frame_with(at, "top words")
    assert len(table) == 5 and table["predicted class"][0] == "hockey" and table["status"][1] == "no text"
    assert table["text"][4].startswith("=HYPERLINK")  # shown as typed; the download neutralises it
    assert len(downloads(at)) == 2  # the table and the confusion matrix
    assert "Accuracy" in [m.label for m in at.metric]
    assert "boats" in shown  # the note names the label the model never learned


def test_a_model_that_knows_none_of_the_labels(tiny_corpus, tiny_model):
    content = b"text,label\npuck goalie,curling\napple,vegetables\n"
    at = classify_page(tiny_corpus, tiny_model, content)
    [b for b in at.button if b.label == "Classify"][0].click()
    at.run()
    assert not at.exception, at.exception
    assert any("cannot be measured" in w.value for w in at.warning)
    assert len(downloads(at)) == 1  # the predictions can still be taken away


@pytest.mark.parametrize("content, says", [
    (b"", "The file is empty"),
    (b"text,label\n ,fruit\n,cars\n", "no text in any row"),
    (b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4, "not text"),
    (b"text\n" + b"apple\n" * (MAX_ROWS + 1), "200,000 rows"),
])
def test_bad_files_give_one_sentence(tiny_corpus, tiny_model, content, says):
    at = classify_page(tiny_corpus, tiny_model, content)
    shown = " ".join(e.value for e in at.error)
    assert says in shown, shown
    assert not [b for b in at.button if b.label == "Classify"]


def test_a_file_of_texts_alone_works(tiny_corpus, tiny_model):
    at = classify_page(tiny_corpus, tiny_model, b"text\napple banana\npuck rink\n")
    assert at.selectbox(key="classify_label").value == "(none)"
    [b for b in at.button if b.label == "Classify"][0].click()
    at.run()
    assert not at.exception and len(frame_with(at, "top words")) == 2


def test_without_any_model_the_page_points_to_training(tiny_corpus, tmp_path, monkeypatch):
    monkeypatch.setenv("TEXTCLF_RUNS_DIR", str(tmp_path))
    at = on_page("views/classify.py", tiny_corpus)
    assert not at.exception and "No model yet" in texts(at)


def test_evaluate_offers_downloads_the_test_table_and_label_errors(tiny_corpus, tiny_model):
    at = on_page("views/evaluate.py", tiny_corpus, tiny_model)
    assert not at.exception, at.exception
    posts = frame_with(at, "correct")
    assert len(posts) == len(tiny_corpus.test_texts)
    assert list(posts["probability"]) == sorted(posts["probability"], reverse=True)
    at.segmented_control(key="test_posts_filter").set_value("mistakes").run()
    assert not at.exception, at.exception
    mistakes = frame_with(at, "correct")
    assert (~mistakes["correct"]).all()
    assert len(downloads(at)) >= 3  # per-class report, confusion matrix, test posts
    [b for b in at.button if b.label == "Find likely label errors"][0].click()
    at.run()
    assert not at.exception, at.exception
    assert "likely label errors" in texts(at).lower()


def test_data_page_checks_labels_of_your_own_file(tiny_corpus):
    from tests.test_app_upload import data_page, tickets_csv

    at = data_page()
    at.file_uploader(key="csv_upload").upload("tickets.csv", tickets_csv(), "text/csv").run()
    [b for b in at.button if b.label == "Use this data"][0].click()
    at.run()
    [b for b in at.button if b.label == "Find likely label errors"][0].click()
    at.run()
    assert not at.exception, at.exception
    assert "60 rows" in texts(at)  # every row of the file was checked
    # The answer is also said where it is seen: the button sits at the screen's bottom edge at 1280x720.
    (toast,) = [t.value for t in at.toast]
    assert "among 60 rows" in toast and "likely label error" in toast
    at.run()
    assert not at.toast  # said once, when the check ran, not on every redraw


def test_streamlit_table_export_is_off():
    """Streamlit's own table download writes =HYPERLINK(...) cells unescaped; the app switches it off."""
    config = tomllib.loads((Path(__file__).parent.parent / ".streamlit" / "config.toml").read_text())
    assert config["client"]["disableDataExport"] is True
    from streamlit import config as st_config

    assert "client.disableDataExport" in st_config._config_options_template  # a real option of this version


def test_only_this_visitors_and_published_runs_are_offered(tmp_path, monkeypatch, tiny_corpus):
    from tests.test_app import new_app
    from textclf.learn.train import TrainConfig, run_to_end, train
    from textclf.store.workspaces import new_workspace, published_store, workspace_store

    monkeypatch.setenv("TEXTCLF_RUNS_DIR", str(tmp_path / "runs"))
    finished = run_to_end(train(tiny_corpus, config=TrainConfig(hidden=(8,), epochs=1, batch_size=8)))

    def save(store, name):
        return store.save(finished.classifier, name=name, data={"source": "tiny synthetic corpus"},
                          history=finished.history, metrics={"accuracy": 0.5}, train_seconds=1.0, reason="completed")

    mine_ws, other_ws = new_workspace(), new_workspace()
    mine = save(workspace_store(mine_ws), "my run")
    save(workspace_store(other_ws), "someone else's run")
    published = save(published_store(), "the teacher's run")
    at = new_app()
    at.query_params["ws"] = mine_ws
    at.run()
    at.switch_page("views/classify.py").run()
    assert not at.exception, at.exception
    box = at.selectbox(key="classify_model")
    assert {o.split(" (")[0] for o in box.options} == {"Saved run: my run", "Saved run: the teacher's run"}
    box.set_value(published.id).run()
    assert not at.exception, at.exception
    assert at.session_state["classify_loaded"][0] == published.id and mine.id != published.id


def test_evaluate_names_the_test_table_in_the_datas_own_words(tiny_corpus, tiny_model):
    """The newsgroups' Evaluate said "posts" and "topic" everywhere but in its table of test texts."""
    from dataclasses import replace

    corpus = replace(tiny_corpus, description={"source": "20newsgroups", "categories": list(tiny_corpus.class_names)})
    model = replace(tiny_model, corpus=corpus)
    at = on_page("views/evaluate.py", corpus, model)
    assert not at.exception, at.exception
    assert "Every test post, most confident first" in texts(at)
    assert at.multiselect(key="test_posts_classes").label == "True topic"
    assert any(d.proto.label == f"These {len(corpus.test_texts)} test posts (CSV)" for d in downloads(at))
    own = on_page("views/evaluate.py", tiny_corpus, tiny_model)
    assert "Every test text, most confident first" in texts(own)


def test_before_any_file_the_page_points_one_text_to_explain(tiny_corpus, tiny_model):
    at = on_page("views/classify.py", tiny_corpus, tiny_model)
    assert not at.exception, at.exception
    assert "Just one text? Paste it on 4. Explain" in texts(at)
    assert "explain" in [link.proto.page for link in at.get("page_link")]  # the page's url path


def test_without_a_file_the_page_says_the_format_and_offers_a_sample(tiny_corpus, tiny_model):
    at = on_page("views/classify.py", tiny_corpus, tiny_model)
    assert not at.exception, at.exception
    assert "a CSV or TSV file with a header row and one text per row" in texts(at)
    (sample,) = [d for d in downloads(at) if d.proto.label == "Sample file: 20 test texts (CSV)"]
    [b for b in at.button if b.label == "Try with 20 sample texts"][0].click()
    at.run()
    assert not at.exception, at.exception
    assert at.selectbox(key="classify_text").value == "text"
    assert at.selectbox(key="classify_label").value == "(none)"  # a text column only
    [b for b in at.button if b.label == "Classify"][0].click()
    at.run()
    assert not at.exception, at.exception
    table = frame_with(at, "top words")
    assert len(table) == 20 and set(table["text"]) <= {t.strip()[:3000] for t in tiny_corpus.test_texts}
    assert "Using the sample: 20 test texts" in texts(at)


def test_the_test_post_table_is_short_and_its_toolbar_clear_of_the_filters(tiny_corpus, tiny_model, monkeypatch):
    import streamlit as st

    calls, original = [], st.dataframe

    def recording(data, *args, **kwargs):
        calls.append((data, kwargs))
        return original(data, *args, **kwargs)

    monkeypatch.setattr(st, "dataframe", recording)
    at = on_page("views/evaluate.py", tiny_corpus, tiny_model)
    assert not at.exception, at.exception
    (kwargs,) = [k for _, k in calls if k.get("key") == "test_posts"]
    # Short enough for the page to scroll on past it at 1280x720 (Streamlit's default is 400 px).
    assert 0 < kwargs.get("height", 400) <= 300
    # The table's hover toolbar overlaps what is just above it: a line of text, never the "True class" filter.
    shown = list(in_order(at.main))
    table_at = [i for i, e in enumerate(shown) if e.type == "dataframe" and "correct" in e.value.columns][0]
    assert shown[table_at - 1].type == "caption", shown[table_at - 1]
    assert f"of {len(tiny_corpus.test_texts)} test texts" in shown[table_at - 1].value


def classify(at):
    [b for b in at.button if b.label == "Classify"][0].click()
    at.run()
    assert not at.exception, at.exception
    return at


def test_rows_without_known_words_are_not_scored_against_the_labels(tiny_corpus, tiny_model):
    """60 rows the model knew no word of showed "Accuracy 33.3%" and a grid counting all 60 as one class."""
    rows = "".join(f"{i},zzz qqq number{i},{['hockey', 'fruit', 'cars'][i % 3]}\n" for i in range(60))
    at = classify(classify_page(tiny_corpus, tiny_model, ("id,text,label\n" + rows).encode()))
    assert "60 without any word the model knows" in texts(at)
    assert "Accuracy" not in [m.label for m in at.metric]
    assert not at.get("plotly_chart")  # no confusion grid of rows that have no prediction
    (warning,) = [w.value for w in at.warning if "cannot be measured" in w.value]
    assert "Compared 0 of 60 rows" in warning and "60 without any word the model knows" in warning


def test_the_label_comparison_says_what_it_scored_and_left_out(tiny_corpus, tiny_model):
    content = NEW_TEXTS + b"6,zzz qqq,hockey\n"
    at = classify(classify_page(tiny_corpus, tiny_model, content))
    shown = texts(at)
    assert "Compared 3 of 6 rows" in shown and "1 without any word the model knows" in shown
    assert "1 without text" in shown and "boats" in shown
    (metric,) = [m for m in at.metric if m.label == "Accuracy"]
    assert metric.value == "100.0%"


def test_the_sample_is_offered_only_for_a_model_of_the_chosen_data(tmp_path, monkeypatch, tiny_corpus, tiny_model):
    """A run trained on the user's tickets was offered newsgroup posts (here: the tiny corpus) as its sample."""
    from dataclasses import replace

    from tests.test_app import new_app
    from textclf.store.workspaces import new_workspace, workspace_store

    monkeypatch.setenv("TEXTCLF_RUNS_DIR", str(tmp_path / "runs"))
    tickets = {"source": "csv", "name": "tickets.csv", "fingerprint": "0" * 64}
    classifier = tiny_model.classifier
    other = replace(classifier, info={**classifier.info, "data": tickets})
    ws = new_workspace()
    run = workspace_store(ws).save(other, name="tickets run", data=tickets, history=[], metrics={},
                                   train_seconds=1.0, reason="completed")
    at = new_app()
    at.query_params["ws"] = ws
    at.session_state["custom_corpus"] = tiny_corpus
    at.session_state["model"] = tiny_model
    at.run()
    at.switch_page("views/classify.py").run()
    assert not at.exception, at.exception
    assert [d for d in downloads(at) if d.proto.label.startswith("Sample file")]  # the current model: same data
    at.selectbox(key="classify_model").set_value(run.id).run()
    assert not at.exception, at.exception
    assert not [d for d in downloads(at) if d.proto.label.startswith("Sample file")]
    assert not [b for b in at.button if b.label.startswith("Try with")]
    shown = texts(at).replace("\\", "")  # the caption escapes the data's name as markdown
    assert "the model in use was trained on tickets.csv, not on the data chosen on 1. Data" in shown
    assert "upload texts like those" in shown


def test_status_and_class_come_first_in_the_results_table(tiny_corpus, tiny_model, monkeypatch):
    """At 1280x720 the status column, last of eight, was cut off ("unsu...")."""
    import streamlit as st

    calls, original = [], st.dataframe

    def recording(data, *args, **kwargs):
        calls.append(kwargs)
        return original(data, *args, **kwargs)

    monkeypatch.setattr(st, "dataframe", recording)
    classify(classify_page(tiny_corpus, tiny_model))
    (kwargs,) = [k for k in calls if k.get("key") == "classified_table"]
    assert list(kwargs["column_order"])[:4] == ["status", "predicted class", "probability", "text"]
    assert kwargs["column_config"]["text"]["width"] == "medium"


def shown_after_classify(at):
    [b for b in at.button if b.label == "Classify"][0].click()
    at.run()
    assert not at.exception, at.exception
    return at


def test_the_file_and_its_results_stay_after_leaving_the_page(tiny_corpus, tiny_model):
    """Streamlit's uploader forgets its file on a page switch: leaving for 2. Train lost the file and its results."""
    at = shown_after_classify(classify_page(tiny_corpus, tiny_model))
    at.slider(key="classify_threshold").set_value(0.8).run()
    at.switch_page("views/train.py").run()
    at.switch_page("views/classify.py").run()
    assert not at.exception, at.exception
    assert at.file_uploader(key="classify_upload").value is None  # the widget itself has forgotten it
    assert "Using **new\\.csv** (uploaded earlier) — upload another to replace it." in texts(at)
    assert "5 rows" in texts(at) and len(frame_with(at, "top words")) == 5  # the results, without a new Classify
    assert at.selectbox(key="classify_label").value == "label" and at.slider(key="classify_threshold").value == 0.8
    assert "Accuracy" in [m.label for m in at.metric]
    at.run()  # any later click keeps them too
    assert "5 rows" in texts(at)

    at.file_uploader(key="classify_upload").upload("other.csv", b"text\npuck\napple\n", "text/csv").run()
    assert not at.exception, at.exception
    assert "uploaded earlier" not in texts(at) and not re.search(r"\b\d+ rows\b", texts(at))  # replaced: old results gone
    assert at.session_state["classify_kept"][1].name == "other.csv"
    at = shown_after_classify(at)
    assert "2 rows" in texts(at)
    at.switch_page("views/data.py").run()
    at.switch_page("views/classify.py").run()
    assert "Using **other\\.csv** (uploaded earlier)" in texts(at) and "2 rows" in texts(at)
    [b for b in at.button if b.label == "Clear"][0].click()
    at.run()
    assert not at.exception, at.exception
    assert "uploaded earlier" not in texts(at) and "2 rows" not in texts(at)
    assert "**Expected:** a CSV or TSV file" in texts(at)
    assert "classify_kept" not in at.session_state and "classified" not in at.session_state


def test_a_file_removed_from_the_uploader_is_forgotten(tiny_corpus, tiny_model):
    at = shown_after_classify(classify_page(tiny_corpus, tiny_model))
    at.file_uploader(key="classify_upload").clear().run()
    assert not at.exception, at.exception
    assert "uploaded earlier" not in texts(at) and "5 rows" not in texts(at)
    assert "classify_kept" not in at.session_state
