"""What a newcomer reads on Train and Evaluate: settings, scores and methods in plain words, nothing said twice."""

import time

from tests.test_app import on_page, texts, tiny_model  # noqa: F401 - the model is a fixture
from views import server


def with_reference_models(at):
    """Reruns the page until the reference models (computed in the background) are shown."""
    assert server.baseline_work(at.session_state["custom_corpus"]).wait(120)
    for _ in range(20):
        at.run()
        if "the best simple model" in texts(at) or "Best setting on the validation" in texts(at) or at.exception:
            return at
        time.sleep(0.5)
    return at


def test_train_page_says_the_reference_models_winning_settings_in_words(tiny_corpus):
    at = with_reference_models(on_page("views/train.py", tiny_corpus))
    assert not at.exception, at.exception
    captions = [c.value for c in at.caption if c.value.startswith("Best setting on the validation texts: ")]
    assert len(captions) == 2, texts(at)
    for caption in captions:
        assert "=" not in caption and "words+pairs" not in caption, caption
        assert " on single words" in caption and ("smoothing (" in caption or "regularisation (" in caption)
    assert all("1 is perfect" in (m.help or "") for m in at.metric)  # macro F1 explained where it is named
    assert "Won on validation" not in texts(at)


def test_evaluate_headline_scores_are_named_in_plain_words(tiny_corpus, tiny_model):
    at = with_reference_models(on_page("views/evaluate.py", tiny_corpus, tiny_model))
    assert not at.exception, at.exception
    labels = [m.label for m in at.metric]
    assert "Macro F1" not in labels and "Average class score (macro F1)" in labels, labels
    (f1,) = [m for m in at.metric if m.label.startswith("Average class score")]
    assert "the average, over classes, of how well each class is found" in f1.help and "1 is perfect" in f1.help
    verdict = [m.value for m in at.main.markdown if "the best simple model" in m.value]
    assert verdict and "C=" not in verdict[0] and "alpha=" not in verdict[0] and "+pairs" not in verdict[0]
    (table,) = [e for e in at.expander if e.label.startswith("Compared with two simple models")]
    settings = table.dataframe[0].value["setting"].tolist()
    assert not any("=" in s for s in settings), settings


def test_label_errors_lead_with_plain_words_and_fold_the_method(tiny_corpus, tiny_model):
    at = on_page("views/evaluate.py", tiny_corpus, tiny_model)
    assert not at.exception, at.exception
    shown = texts(at)
    lead = [m.value for m in at.main.markdown if m.value.startswith("**Texts whose label the models disagree with")]
    assert lead and "they may be mislabelled" in lead[0] and "cleanlab" not in lead[0]
    (method,) = [e for e in at.expander if e.label.startswith("How they are found")]
    folded = " ".join(c.value for c in method.caption)
    assert "cleanlab" in folded and "confident joint" in folded and not method.proto.expanded
    assert shown.count("cleanlab") == folded.count("cleanlab")  # the jargon only behind the fold
