"""Teacher links in the pages: what a link locks or hides, its notes, and "Copy link to this setup"."""

import streamlit as st

from views import common
from textclf.serve.teacher_links import setup_query


def hidden(part: str) -> bool:
    """Returns True when the teacher's link hides `part` ("data" or "hyperparameters")."""
    return part in st.session_state["link"].hidden


def locked(part: str) -> bool:
    """Returns True when the teacher's link locks `part` ("data" or "hyperparameters")."""
    return part in st.session_state["link"].locked


def link_notes() -> None:
    """Shows what a teacher's link set, locked or ignored (once per page)."""
    setup = st.session_state["link"]
    if setup.locked | setup.hidden:
        st.caption(f"Your teacher's link fixes the {' and '.join(sorted(setup.locked | setup.hidden))} for this "
                   "lesson.")
    if setup.notes:
        st.info("Parts of this page's address were not understood and were ignored:\n\n"
                + "\n".join(f"- {common.plain(note)}" for note in setup.notes))


def setup_link(locks: list[str], hides: list[str]) -> str:
    """Returns a link to this app that recreates the current data and settings, locking and hiding parts."""
    keys = ("categories", "remove_metadata", "preset", "hidden_text", "epochs", "batch_size", "lr", "seed",
            "val_share", "dropout", "scaling")
    base = (st.context.url or "").split("?")[0]
    return f"{base}?{setup_query({k: st.session_state.get(k) for k in keys}, locks, hides)}"


def share_setup() -> None:
    """Shows the "Copy link to this setup" popover (not to whoever opened a link that hides part of its setup)."""
    if st.session_state["link"].hidden:
        return  # its link would show what the teacher's link keeps out of sight
    with st.popover("Copy link to this setup", icon=":material/link:",
                    help="A link that opens the app with these topics and settings, e.g. for a class."):
        if st.session_state.get("custom_corpus") is not None:
            st.warning("A link cannot carry your own file. This link opens the newsgroups topics chosen on the "
                       "Data page, with the settings below; share the file separately.")
        locks = st.multiselect("Lock for whoever opens the link", ["data", "hyperparameters"],
                               key="share_locks", help="Locked controls are shown but cannot be changed.")
        hides = st.multiselect("Hide for whoever opens the link", ["data", "hyperparameters"],
                               key="share_hides", help="Hidden controls keep the link's values out of sight.")
        st.code(setup_link(locks, hides), language=None, wrap_lines=True)
        st.caption("Use the copy button at the right of the link.")
