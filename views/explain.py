"""Explain page: any text in, predicted topic, class probabilities, LIME word weights and the trust panel out."""

import streamlit as st

from textclf.data import Corpus, Nouns, nouns, post_title
from textclf.data.corpus import origin_of_test_text
from textclf.explain import (MAX_EXPLAIN_CHARS, MAX_LIME_WORDS, MAX_SAMPLES, ExplainError, WordClasses, explain,
                             filler_hint, trust)
from textclf.explain.trust import SEEDS
from textclf.plots import probabilities_figure, weights_figure, without_bidi
from views import common, trust_panel
from textclf.markdown_text import plain


@st.cache_resource(max_entries=8, show_spinner=False)
def word_classes(fingerprint: str, _corpus: Corpus) -> WordClasses:
    """Returns the common words' counts per class in the training texts of the data with this fingerprint."""
    return WordClasses.count(_corpus.train_texts, _corpus.train_labels, len(_corpus.class_names))


def pick_test_text(corpus: Corpus, names: list[str], w: Nouns) -> None:
    """Offers the test texts; a chosen one becomes the text to explain."""
    sheet_rows = corpus.sheet_rows()  # own files: the test texts' rows as a spreadsheet numbers them
    pick = st.selectbox(f"Start from a test {w.text} (optional)", range(len(corpus.test_texts)), index=None,
                        format_func=lambda i: without_bidi(
                            f"{f'row {sheet_rows[1][i]}' if sheet_rows else f'#{i}'} [{names[corpus.test_labels[i]]}] "
                            f"{post_title(corpus.test_texts[i], 70)}"),
                        placeholder=f"Choose a test {w.text}, or type your own text below")
    if pick is not None and st.session_state.get("picked") != pick:
        st.session_state["picked"] = pick
        st.session_state["explain_text"] = corpus.test_texts[pick]
        st.session_state["explain_source"] = (corpus.test_texts[pick],
                                              origin_of_test_text(corpus, pick, names[corpus.test_labels[pick]]))


st.title("4. Explain: which words made the decision?")
model = common.require_model(alone=True)  # a bundle alone (no data) explains pasted texts just as well
names = list(model.classifier.class_names)
corpus = getattr(model, "corpus", None)  # None: a run loaded without its data
w = nouns(corpus.description if corpus else model.data)

# Input on the left, result on the right: at 1280x720 the prediction and its words show next to the button.
inputs, output = st.columns(2, gap="large")
with inputs:
    if corpus is None:
        st.caption(f'"{plain(model.name)}" is loaded without its data: paste any text below. To start from '
                   f"one of its test {w.texts}, {plain(model.data_step(model.data))}")
    else:
        pick_test_text(corpus, names, w)
    text = st.text_area("Text to explain", key="explain_text", height=130, persist_state="session",
                        placeholder="Paste a post, an e-mail or any sentence, e.g. 'The goalie made 40 saves "
                                    "and the Penguins won in overtime.'",
                        help=f"Up to {MAX_EXPLAIN_CHARS:,} characters.")
    source = st.session_state.get("explain_source")
    if source and source[0] == text:
        st.caption(source[1])  # where the text came from, in words its sender wrote (escaped there)
    with st.expander(f"Options: which {w.cls} to explain, how many words, LIME samples, the trust check"):
        c1, c2 = st.columns(2)
        target = c1.selectbox(f"Explain the {w.cls}", [f"the predicted {w.cls}"] + names, key="explain_class",
                              help=f"LIME explains one {w.cls} at a time: why the text is (or is not) this {w.cls}.")
        versus = c2.selectbox(f"…and not this {w.cls} (optional)", names, index=None, key="explain_versus",
                              placeholder=f"no second {w.cls}",
                              help=f"Why A and not B: the words that separate the two {w.classes} for this text.")
        c3, c4 = st.columns(2)
        num_features = c3.slider("Words to show", 3, 30, 10, key="num_features",
                                 help="How many of the most influential words to list.")
        num_samples = c4.select_slider("LIME samples", [250, 500, 1000, 2000, 5000, MAX_SAMPLES], 5000,
                                       key="num_samples",
                                       help="LIME deletes random words this many times and watches the prediction. "
                                            "More samples: steadier weights, slower.")
        check = st.toggle("Also check how far to trust the explanation", value=True, key="trust_on",
                          help=f"Repeats LIME with {SEEDS} seeds, removes the top words to see if the {w.cls} "
                               f"really drops, asks two other methods, and finds the fewest words whose removal "
                               f"changes the {w.cls} (about 1 s).")
    pressed = st.button("Explain", type="primary", icon=":material/search_insights:")

with output:
    asked = pressed or st.session_state.pop("explain_now", False)
    if asked:
        class_index = None if target == f"the predicted {w.cls}" else names.index(target)
        st.session_state.update(explanation=None, contrast=None, trust=None)
        then = (f", then checking how far to trust it (LIME {SEEDS} more times, and two other methods) ..." if check
                else " ...")
        try:
            # One spinner where the result will appear, saying in plain words what takes the time.
            with st.spinner(f"Explaining: trying {num_samples:,} variations of this text, each with some words "
                            f"removed{then}"):
                result = explain(model.classifier, text, class_index, num_features, num_samples)
                st.session_state["explanation"] = result
                if versus is not None and versus != names[result.explained_class]:
                    st.session_state["contrast"] = explain(model.classifier, text, result.explained_class,
                                                           num_features, num_samples, versus=names.index(versus))
                if check and result.n_known_words:
                    st.session_state["trust"] = trust(model.classifier, text, class_index, num_features,
                                                      num_samples)
        except ExplainError as err:
            st.warning(plain(str(err)))
    result = st.session_state.get("explanation")
    if result is None or result.class_names != tuple(names):
        if not asked:
            st.caption(f"Press **Explain**: the predicted {w.cls} and the words that mattered appear here.")
        st.stop()
    if result.text != text:
        # Shown in front of a class, an old result beside a new text would be read as the new text's.
        st.warning("This result is for the text explained before, not the one on the left now: press **Explain** "
                   "to explain that one.", icon=":material/history:")
    predicted, explained = names[result.predicted], names[result.explained_class]
    st.markdown(f"### Predicted {w.cls}: **{plain(predicted)}** "
                f"({result.probabilities[result.predicted]:.1%})")
    if result.n_known_words == 0:
        st.warning("None of these words are in the model's vocabulary, so it can only guess from what is "
                   "common overall, and there is nothing to explain or check. Try text about one of the topics.")
    explained_any = result.n_known_words > 0 and any(v for _, v in result.weights)
    if explained_any:
        st.markdown(f"**Words that mattered for *{plain(explained)}***")
        st.plotly_chart(weights_figure(result.weights, explained), key="weights")
        st.caption(f"Blue words push towards {plain(explained)}; orange words push away from it. "
                   f"LIME's local fit explains {max(result.score, 0):.0%} of the variation it saw "
                   f"({result.seconds:.2f} s, {result.n_samples:,} samples).")
        # Without the training texts nothing tells a filler word from one that carries a class: no hint.
        hint = corpus is not None and filler_hint(result.weights, word_classes(corpus.fingerprint(), corpus),
                                                  classes=w.classes)
        if hint:
            st.info(plain(hint), icon=":material/lightbulb:")
    else:
        st.caption("No word changed the prediction: the model does not know any of them.")
    if unknown := result.unknown_sentence():
        st.caption(plain(without_bidi(unknown)))

sure, versus_chart = st.columns(2, gap="large")
with sure:
    st.markdown("**How sure is the model?**")
    st.plotly_chart(probabilities_figure(names, result.probabilities, result.predicted), key="probabilities")
if not explained_any:
    st.stop()
contrast = st.session_state.get("contrast")
if contrast is not None and contrast.class_names == tuple(names):
    with versus_chart:
        a, b = names[contrast.explained_class], names[contrast.versus]
        st.markdown(f"**Why *{plain(a)}* and not *{plain(b)}*?**")
        st.plotly_chart(weights_figure(contrast.weights, f"{a} rather than {b}"), key="contrast")
        st.caption(f"Blue words make the model prefer {plain(a)} over {plain(b)}; orange words the "
                   f"reverse. LIME explains the log-odds, log p({plain(a)}) - log p({plain(b)}) "
                   f"(now {contrast.local_prediction:+.2f}).")
if result.n_known_words > MAX_LIME_WORDS:
    st.info(f"This text has {result.n_known_words:,} different words the model knows. To stay quick, LIME "
            f"removes only the {MAX_LIME_WORDS} whose removal alone changes the prediction most; the others stay "
            f"in every variant. Samples are limited to {MAX_SAMPLES:,}.")

report = st.session_state.get("trust")
if report is not None:
    trust_panel.render(report)
trust_panel.render_text(result, report)
