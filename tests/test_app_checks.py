"""Data that the Data page accepts but that cannot train: the Data and Train pages say why, before training."""

from test_checks import table_corpus
from tests.test_app import on_page, texts
from textclf.markdown_text import plain


def test_too_few_rows_per_class_are_explained_on_data_and_train_pages():
    corpus = table_corpus(3, 5)
    at = on_page("views/data.py", corpus)
    assert not at.exception, at.exception
    assert plain("The validation share (10%)") in texts(at)
    at.switch_page("views/train.py").run()
    [b for b in at.button if b.label == "Train"][0].click()
    at.run()
    assert not at.exception, at.exception
    assert plain("The validation share (10%)") in "\n".join(e.value for e in at.error)
    assert at.session_state["job"] is None


def test_punctuation_only_texts_stop_the_train_page_without_a_traceback():
    corpus = table_corpus(3, 10, text=lambda c, i: "!?" * (i + 1))
    at = on_page("views/train.py", corpus)
    assert not at.exception, at.exception  # the reference models used to raise "empty vocabulary" here
    assert "contain no words" in "\n".join(e.value for e in at.error)
    assert not [b for b in at.button if b.label == "Train"]
