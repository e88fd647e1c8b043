"""Explain page with the trust panel, "why A and not B", bidi-safe display; What each topic looks for page."""

import dataclasses
from collections import Counter

from tests.test_app import explained, on_page, texts, tiny_model, wait_for_verdict  # noqa: F401
from tests.test_filler import FILLER_CONFIG, filler_corpus
from textclf.analysis.evaluate import evaluate_predictions
from textclf.markdown_text import plain
from textclf.data.features import FeatureConfig
from textclf.serve.jobs import TrainedModel
from textclf.learn.train import TrainConfig, run_to_end, train

VERDICTS = ("Stable and faithful", "Faithful but unstable", "Stable but not faithful", "Neither stable nor faithful",
            "Nothing to check")


def chart_keys(at) -> set[str]:
    return {e.proto.id for e in at.get("plotly_chart")}


def test_trust_panel_renders_for_a_test_post(tiny_corpus, tiny_model):
    at = on_page("views/explain.py", tiny_corpus, tiny_model)
    at.selectbox[0].set_value(2).run()
    assert at.toggle(key="trust_on").value is True
    [b for b in at.button if b.label == "Explain"][0].click()
    at.run()
    assert not at.exception, at.exception
    shown = texts(at)
    assert "Should you believe this explanation?" in shown
    assert any(v in shown for v in VERDICTS), shown
    assert "What flips it?" in shown and "Rank agreement" in shown
    # percentage points, from and to: "drops it by +35.3%" read as a relative change, and "-17.6%" as a drop
    assert "points: higher is better" in shown and "points: near zero is better" in shown and " by +" not in shown
    assert len(at.get("plotly_chart")) >= 7  # probabilities, weights, stability, deletion, three methods
    before = "".join(e.proto.body for e in at.get("html"))
    at.radio(key="highlight_method").set_value("Leave one word out").run()
    after = "".join(e.proto.body for e in at.get("html"))
    assert not at.exception and "<mark" in after and after != before


def test_pasted_unknown_words_give_a_clear_message_and_no_panel(tiny_corpus, tiny_model):
    at = explained("zzyzx qwerty xylophone", tiny_corpus, tiny_model)
    shown = texts(at)
    assert "None of these words are in the model's vocabulary" in shown
    assert "nothing to explain or check" in shown
    assert "Should you believe" not in shown and len(at.get("plotly_chart")) == 1  # only the probabilities


def test_why_a_and_not_b(tiny_corpus, tiny_model):
    at = on_page("views/explain.py", tiny_corpus, tiny_model)
    at.text_area(key="explain_text").set_value("goalie puck engine brake rink")
    at.selectbox(key="explain_class").set_value("hockey")
    at.selectbox(key="explain_versus").set_value("cars")
    at.toggle(key="trust_on").set_value(False)
    [b for b in at.button if b.label == "Explain"][0].click()
    at.run()
    assert not at.exception, at.exception
    shown = texts(at)
    assert "Why *hockey* and not *cars*?" in shown and "log-odds" in shown
    assert "Should you believe" not in shown


def test_right_to_left_override_is_not_displayed(tiny_corpus, tiny_model):
    at = explained("goalie \u202epuck rink\u202c faceoff", tiny_corpus, tiny_model)
    html = "".join(e.proto.body for e in at.get("html"))
    assert "\u202e" not in html and "\u202c" not in html and "puck rink" in html


def test_what_each_topic_looks_for_page(tiny_corpus, tiny_model):
    at = on_page("views/topic_words.py", tiny_corpus, tiny_model)
    assert not at.exception and "Find what each topic looks for" in [b.label for b in at.button]
    [b for b in at.button if b.label == "Find what each topic looks for"][0].click()
    at.run()
    assert not at.exception, at.exception
    frames = at.dataframe
    assert len(frames) == 3  # one per class, and no artefacts in the tiny corpus
    first = frames[0].value
    assert list(first.columns) == ["word", "average push", "in texts", "looks like"]
    assert set(first["word"][:3]) <= {"apple", "banana", "cherry", "grape", "melon", "peach", "plum", "lemon"}
    assert "None of the listed words looks like an artefact" in texts(at)
    stored = at.session_state["topic_words"]
    at.switch_page("views/explain.py").run()
    at.switch_page("views/topic_words.py").run()
    assert at.session_state["topic_words"][1] is stored[1] and len(at.dataframe) == 3  # kept for the model


def test_topic_words_speak_of_posts_for_the_newsgroups_and_texts_for_a_file(tiny_corpus, tiny_model):
    at = on_page("views/topic_words.py", tiny_corpus, tiny_model)
    assert "For each of the 30 test texts" in texts(at) and "class's probability" in texts(at)
    news = dataclasses.replace(tiny_model, corpus=dataclasses.replace(
        tiny_corpus, description={"source": "20newsgroups", "categories": ["a", "b", "c"], "remove_metadata": False}))
    at.session_state["model"] = news
    at.run()
    assert "For each of the 30 test posts" in texts(at) and "topic's probability" in texts(at)


def test_explain_options_are_folded_so_the_prediction_shows_under_the_button(tiny_corpus, tiny_model):
    at = on_page("views/explain.py", tiny_corpus, tiny_model)
    (options,) = [e for e in at.expander if e.label.startswith("Options:")]
    assert [s.label for s in options.selectbox] == ["Explain the class", "…and not this class (optional)"]
    assert [s.label for s in options.slider] + [s.label for s in options.select_slider] == \
        ["Words to show", "LIME samples"]
    assert [t.label for t in options.toggle] == ["Also check how far to trust the explanation"]
    assert not options.proto.expanded
    at.text_area[0].set_value("apple banana cherry").run()
    [b for b in at.button if b.label == "Explain"][0].click().run()
    assert not at.exception, at.exception
    assert "Predicted class: **fruit**" in texts(at)


def test_explain_and_evaluate_work_on_a_network_mixed_with_naive_bayes(tiny_corpus):
    """The recommended preset's model: the trust panel, the highlights and the yardstick sentence all work."""
    features = FeatureConfig("tfidf")
    config = TrainConfig(hidden=(16,), epochs=3, batch_size=8, learning_rate=1e-2, nb_mixture=True)
    finished = run_to_end(train(tiny_corpus, features, config))
    assert finished.classifier.spec.mixture
    ev = evaluate_predictions(tiny_corpus.test_labels, finished.classifier.predict(tiny_corpus.test_texts),
                              tiny_corpus.class_names)
    mixed = TrainedModel(finished, ev, tiny_corpus, features, config)
    at = explained("goalie puck rink faceoff engine", tiny_corpus, mixed)
    shown = texts(at)
    assert "Predicted class: **hockey**" in shown and "Should you believe this explanation?" in shown
    at.radio(key="highlight_method").set_value("Integrated gradients").run()
    assert not at.exception, at.exception
    at = on_page("views/evaluate.py", tiny_corpus, mixed)
    wait_for_verdict(at)
    assert not at.exception, at.exception
    assert "The network mixed with Naive Bayes" in texts(at)


def beside_the_button(at):
    """Returns the column right of the one holding the Explain button and the text box."""
    (inputs,) = [c for c in at.columns if "Explain" in [b.label for b in c.button]]
    assert [t.label for t in inputs.text_area] == ["Text to explain"]

    def row_of(block):
        for child in getattr(block, "children", {}).values():
            if child is inputs:
                return block
            if (found := row_of(child)) is not None:
                return found

    row = list(row_of(at.main).children.values())
    return row[row.index(inputs) + 1]


def test_the_result_shows_next_to_the_explain_button(tiny_corpus, tiny_model):
    """At 1280x720 the prediction and its words must not land below the fold: they sit beside the input."""
    at = on_page("views/explain.py", tiny_corpus, tiny_model)
    assert "the words that mattered appear here" in " ".join(c.value for c in beside_the_button(at).caption)
    at.text_area(key="explain_text").set_value("goalie puck rink faceoff").run()
    [b for b in at.button if b.label == "Explain"][0].click().run()
    assert not at.exception, at.exception
    beside = beside_the_button(at)
    shown = " ".join(m.value for m in beside.markdown)
    assert "Predicted class: **hockey**" in shown and "Words that mattered" in shown
    assert [c.proto.id for c in beside.get("plotly_chart")] == [c.proto.id for c in at.get("plotly_chart")
                                                                if c.proto.id.endswith("weights")] != []


def test_the_spinner_says_what_is_being_computed(tiny_corpus, tiny_model, monkeypatch):
    import streamlit

    said, spinner = [], streamlit.spinner

    def recording(text="", *args, **kwargs):
        said.append(text)
        return spinner(text, *args, **kwargs)

    monkeypatch.setattr(streamlit, "spinner", recording)
    explained("goalie puck rink faceoff", tiny_corpus, tiny_model)
    assert "Explaining: trying 5,000 variations of this text, each with some words removed, then checking how " \
           "far to trust it (LIME 5 more times, and two other methods) ..." in said, said


def test_trust_checks_read_top_to_bottom_in_plain_words(tiny_corpus, tiny_model):
    at = explained("goalie puck rink faceoff the engine", tiny_corpus, tiny_model)
    checks = ("**1. ", "**2. ", "**3. ", "**4. ", "**5. ")
    numbered = [m.value for m in at.markdown if m.value.startswith(checks)]
    for column in at.columns:  # one column: side by side, 1, 3 / 2, 4 read across the rows
        assert not any(m.value.startswith(checks) for m in column.markdown), column
    assert [m.split("**")[1] for m in numbered] == ["1. Stable?", "2. Good fit?", "3. Faithful?", "4. What flips it?",
                                                    "5. Do other methods agree?"]
    plain = ("Stable", "Somewhat unstable", "Unstable", "Good fit", "Fair fit", "Poor fit", "Faithful", "Not faithful",
             "Nothing to test", "Easy to flip", "Hard to flip", "Very hard to flip", "Yes", "Partly", "No",
             "Not enough words")
    for m in numbered:
        assert m.split("** ", 1)[1].startswith(plain), m
    details = [e for e in at.expander if e.label.startswith("Details for the curious")]
    assert len(details) == 5 and not any(e.proto.expanded for e in details)
    inside = Counter(e.value for d in details for kind in ("markdown", "caption") for e in getattr(d, kind))
    outside = Counter(e.value for kind in ("markdown", "caption", "success", "warning") for e in getattr(at, kind))
    outside.subtract(inside)
    seen = " ".join(v for v, n in outside.items() if n > 0).lower()
    assert "rank agreement" in " ".join(inside).lower() and "comprehensiveness" in " ".join(inside).lower()
    for jargon in ("spearman", "comprehensiveness", "sufficiency", "jaccard", "within", "r²"):
        assert jargon not in seen, jargon


def test_filler_words_at_the_top_get_a_plain_hint(tiny_corpus, tiny_model):
    corpus = filler_corpus()
    finished = run_to_end(train(corpus, config=FILLER_CONFIG))
    ev = evaluate_predictions(corpus.test_labels, finished.classifier.predict(corpus.test_texts), corpus.class_names)
    model = TrainedModel(finished, ev, corpus, FeatureConfig(), FILLER_CONFIG)
    at = explained("the the the banana engine", corpus, model)
    hints = [i.value for i in at.info if "rank high" in i.value]
    assert len(hints) == 1 and hints[0].startswith("Words like 'the' rank high") and "how often words occur" in hints[0]
    at = explained("goalie puck rink faceoff", tiny_corpus, tiny_model)
    assert not [i.value for i in at.info if "rank high" in i.value]


def test_a_result_beside_a_changed_text_says_it_belongs_to_the_text_before(tiny_corpus, tiny_model):
    at = explained("goalie puck rink faceoff", tiny_corpus, tiny_model)
    assert not [w for w in at.warning if "explained before" in w.value]
    at.text_area(key="explain_text").set_value("engine brake clutch").run()
    assert not at.exception, at.exception
    assert [w for w in at.warning if "This result is for the text explained before" in w.value]
    [b for b in at.button if b.label == "Explain"][0].click()
    at.run()
    assert not [w for w in at.warning if "explained before" in w.value]


def test_words_the_model_never_learnt_are_named(tiny_corpus, tiny_model):
    at = explained("Goalie puck zzyzx rink qwerty zzyzx", tiny_corpus, tiny_model)
    captions = [c.value for c in at.caption if "Not among the words the model learnt" in c.value]
    assert captions == [plain("Not among the words the model learnt, so they cannot count: zzyzx, qwerty.")]
    at = explained("goalie puck rink faceoff", tiny_corpus, tiny_model)
    assert not [c for c in at.caption if "Not among the words" in c.value]
