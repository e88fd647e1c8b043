"""The "likely label errors" panel, shown on the Data page (own file) and on Evaluate (any data)."""

import streamlit as st

from textclf.data import Corpus, nouns
from textclf.store.export import SAFE_HELP, to_csv_bytes
from textclf.analysis.label_issues import (METHOD, CannotCheck, LabelIssues, checked_rows, find_label_issues,
                                          panel_intro, row_origin)
from views import label_fix_panel
from textclf.markdown_text import plain


def render_label_errors(corpus: Corpus, key: str) -> None:
    """Shows a button that finds rows whose label is probably wrong, the list, a download and "Explain"."""
    own_file = corpus.file_rows is not None
    texts, labels, rows = checked_rows(corpus)
    checked = "rows" if own_file else f"training {nouns(corpus.description).texts}"  # as the intro names them
    st.markdown(panel_intro(corpus, len(texts)))
    with st.expander("How they are found (the technical method)"):
        st.caption("Five models, each trained without a fifth of the rows, judge the rows they never saw, and "
                   f"cleanlab lists the rows whose given label those models find unlikely. Method: {METHOD}.")
    label_fix_panel.render_outcome(corpus)
    state_key = "label_issues"  # one result per session, shown on Data and Evaluate alike
    stored = st.session_state.get(state_key)
    if stored is not None and stored[0] != corpus.fingerprint():
        stored = None  # computed on other data
    if stored is None:
        if not st.button("Find likely label errors", key=f"find_{key}", icon=":material/rule:"):
            return
        bar = st.progress(0.0, text="Starting ...")
        try:
            issues = find_label_issues(texts, labels, corpus.class_names, rows,
                                       progress=lambda fraction, text: bar.progress(min(fraction, 1.0), text=text))
        except CannotCheck as err:
            bar.empty()
            st.warning(plain(str(err)))
            return
        bar.empty()
        stored = (corpus.fingerprint(), issues)
        st.session_state[state_key] = stored
        # The button often sits at the screen's bottom edge (1280x720): say the answer where it is seen.
        st.toast(f"{issues.headline(checked)}: the list is below the button." if len(issues.rows) else
                 f"No likely label errors among {issues.n_rows:,} {checked}.", icon=":material/rule:")
    issues = stored[1]
    if not len(issues.rows):
        st.success(f"No likely label errors among {issues.n_rows:,} {checked} ({issues.seconds:.1f} s).")
        return
    number = ("*file row* is the row number your spreadsheet shows (the header is row 1)" if own_file
              else f"*row* is the training {nouns(corpus.description).text} number")
    st.markdown(f"**{issues.headline(checked)}**, most suspicious first. *quality* is the models' probability of the "
                f"given label: near 0, the label looks wrong. {number}.")
    if caution := issues.caution():
        st.warning(caution, icon=":material/warning:")
    table = issues.table(texts, own_file=own_file, ids=corpus.file_ids)
    event = st.dataframe(table, key=f"issues_table_{key}", hide_index=True, on_select="rerun",
                         selection_mode="single-row",
                         column_config={"quality": st.column_config.NumberColumn(format="%.3f")})
    st.download_button("Download the list (CSV)", to_csv_bytes(issues.table(texts, 32_000, own_file, corpus.file_ids)),
                       file_name="likely-label-errors.csv", mime="text/csv", key=f"issues_csv_{key}",
                       icon=":material/download:", help=SAFE_HELP)
    _picked_row(corpus, issues, texts, event.selection.rows if event and event.selection else [], key)
    label_fix_panel.render_fixes(corpus, issues, key)


def _picked_row(corpus: Corpus, issues: LabelIssues, texts: list[str], picked: list[int], key: str) -> None:
    """Shows the ticked row of the list, right under it, with a button that explains it."""
    if not picked:
        st.caption("Tick a row to read it and see why the model thinks so.")
        return
    i = int(picked[0])
    position = int(issues.positions[i])
    text = texts[position]
    given = corpus.class_names[int(issues.given[i])]
    suggested = corpus.class_names[int(issues.suggested[i])]
    # Explain would otherwise call it a test text with this true class: it is a row whose label is in doubt.
    origin = (f"{row_origin(corpus, int(issues.rows[i]))}, labelled **{plain(given)}**: the label the check "
              f"questions (the models suggest **{plain(suggested)}**).")
    model = st.session_state.get("model")
    can_explain = model is not None and tuple(model.classifier.class_names) == tuple(corpus.class_names)
    if st.button("Explain this row", key=f"explain_issue_{key}", icon=":material/search_insights:",
                 disabled=not can_explain, help=None if can_explain else "Train a model on this data first."):
        st.session_state["explain_text"] = text
        st.session_state["explain_now"] = True
        st.session_state["explain_source"] = (text, origin)
        st.switch_page("views/explain.py")
    st.text(text[:2000] + ("\n[... cut ...]" if len(text) > 2000 else ""))
