"""The trust panel's widgets (used by the Explain page): the verdict, then five checks in reading order (stable,
fit, faithful, what flips it, second opinions), each a plain sentence with its numbers and charts folded away,
and the highlighted text coloured by any method."""

import streamlit as st

from textclf.explain import Explanation, Trust, plain_checks
from textclf.explain.trust import MAX_FLIP_WORDS, SEEDS
from textclf.plots import deletion_figure, highlighted_html, stability_figure, weights_figure, without_bidi
from textclf.markdown_text import plain

METHODS = {"LIME": "lime", "Leave one word out": "occlusion", "Integrated gradients": "gradients"}


def _agreement(rho: float | None) -> str:
    if rho is None:
        return "n/a (too few words)"
    word = "strong" if rho >= 0.7 else "moderate" if rho >= 0.4 else "weak"
    return f"{rho:+.2f} ({word})"


def render(report: Trust) -> None:
    """Shows the trust panel for one explanation: the verdict, then each check in one column, read top to bottom."""
    name = plain(report.class_name)
    st.markdown("### Should you believe this explanation?")
    good = report.verdict.startswith("Stable and faithful")
    (st.success if good else st.warning)(plain(without_bidi(report.verdict)),
                                        icon=":material/verified:" if good else ":material/help:")
    details = [(f"the {SEEDS} runs", _stable), ("LIME's fit", _fit), ("the deletion test", _faithful),
               ("how the words were found", _flips), ("three methods side by side", _second_opinions)]
    for number, ((question, verdict), (about, show)) in enumerate(zip(plain_checks(report), details), start=1):
        st.markdown(f"**{number}. {question}** {plain(without_bidi(verdict))}")
        with st.expander(f"Details for the curious: {about}"):
            show(report, name)


def _stable(report: Trust, name: str) -> None:
    st.markdown(f"LIME was run {SEEDS} times, each time on different random variations of the text: the listed "
                f"words overlap {report.jaccard:.0%} between runs (mean Jaccard overlap; 70% or more counts as "
                "stable).")
    st.plotly_chart(stability_figure(report.stability, report.class_name), key="trust_stability")
    st.caption(f"Bars: each word's average weight over the {SEEDS} runs (blue: towards {name}, orange: against); "
               "black lines: how much it moved (one standard deviation). Long lines mean the word's weight "
               "is luck of the draw.")


def _fit(report: Trust, name: str) -> None:
    st.caption(f"LIME fits a straight line to how the model's probability of {name} reacted to the variations; "
               f"its R² is {report.fit_r2:.2f} (good from 0.7, fair from 0.4).")


def _faithful(report: Trust, name: str) -> None:
    st.markdown(f"Remove the words LIME names and watch *{name}* fall.")
    st.plotly_chart(deletion_figure(report.deletion_top, report.deletion_random, report.class_name),
                    key="trust_deletion")
    full = report.deletion_top[0]  # the probability with every word in
    st.caption(f"Removing the {len(report.top_words)} top words takes {name} from {full:.0%} to "
               f"{report.deletion_top[-1]:.0%} (comprehensiveness {100 * report.comprehensiveness:+.1f} points: "
               f"higher is better); keeping only them gives {full - report.sufficiency:.0%} (sufficiency "
               f"{100 * report.sufficiency:+.1f} points: near zero is better). The dashed line removes as many "
               "random words: the blue line should fall much faster.")


def _flips(report: Trust, name: str) -> None:
    if report.flip is not None:
        words = ", ".join(f"'{plain(w)}'" for w in report.flip["words"])
        st.markdown(f"Removing {words} makes the model say **{plain(report.flip['new_class'])}**.")
    st.caption(f"Words are removed one at a time, each time the one that most narrows the gap between {name} "
               f"and its closest rival, until the prediction changes (at most {MAX_FLIP_WORDS} words).")


def _second_opinions(report: Trust, name: str) -> None:
    columns = st.columns(3)
    titles = {"lime": f"LIME (average of {SEEDS} runs)", "occlusion": "Leave one word out (exact)",
              "gradients": "Integrated gradients"}
    for column, (key, title) in zip(columns, titles.items()):
        with column:
            st.markdown(f"*{title}*")
            st.plotly_chart(weights_figure(_weights(report, key)[:10], report.class_name, compact=True),
                            key=f"trust_{key}")
    a = report.agreement
    st.caption(f"Rank agreement (Spearman, over the text's words): LIME vs leave-one-out "
               f"{_agreement(a['lime_occlusion'])}, LIME vs gradients {_agreement(a['lime_gradients'])}, "
               f"leave-one-out vs gradients {_agreement(a['occlusion_gradients'])}. Leave-one-out is the exact drop "
               f"in probability when a word is deleted everywhere; integrated gradients share out the whole "
               f"probability (checked: they add up to it within {max(report.completeness_error, 1e-6):.0e}). "
               f"The panel took {report.seconds:.2f} s.")


def _weights(report: Trust, method: str) -> list[tuple[str, float]]:
    if method == "lime":
        return [(w, m) for w, m, _ in report.stability]
    return report.occlusion if method == "occlusion" else report.gradients


def render_text(result: Explanation, report: Trust | None) -> None:
    """Shows the text with words coloured by the chosen method's weights (blue towards, orange against)."""
    st.markdown("**The text, with those words highlighted**")
    method = "lime"
    if report is not None:
        choice = st.radio("Colour the words by", list(METHODS), horizontal=True, key="highlight_method",
                          help="Blue: pushes towards the topic; orange: pushes away. Darker: stronger.")
        method = METHODS[choice]
    weights = result.weights if method == "lime" else _weights(report, method)[: len(result.weights)]
    st.html(highlighted_html(result.text, weights))
