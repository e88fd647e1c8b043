"""The sidebar's "Your private address": this browser remembers the workspace, and "Forget me on this browser"."""

from __future__ import annotations

import streamlit as st

from textclf.serve.browser_memory import REMEMBER_DAYS, page_script
from textclf.store.workspaces import new_workspace
from views import account

SCRIPT_TITLE = "Keeps your private address in this browser"


def forget_me() -> None:
    """Starts this tab afresh in a new, empty workspace that this browser does not remember (the cookie goes)."""
    ws = new_workspace()
    st.session_state.clear()  # a shared computer: nothing of the last visitor stays in this tab
    st.session_state.update(workspace=ws, remember=False)
    st.query_params["ws"] = ws
    if "tp" in st.query_params:  # a teacher pass holds for the old workspace only
        del st.query_params["tp"]


def render_private_address() -> None:
    """Shows, in the sidebar, how this browser keeps the visitor's runs; keeps the address and the cookie up to date.

    A signed-in account's workspace is never put in the address or the cookie: it follows the account.
    """
    if account.current_account() is not None:
        return
    remember = st.session_state.get("remember", True)
    with st.sidebar:
        st.iframe(page_script(st.session_state["workspace"], remember), height=1, tab_index=-1, alt=SCRIPT_TITLE)
        st.markdown("**Your private address**")
        if remember:
            st.caption(f"This browser remembers your runs for {REMEMBER_DAYS} days, with a cookie that holds only a "
                       "random workspace id. Open this page's address on another device to see the same runs.")
            st.button("Forget me on this browser", key="forget_me", icon=":material/logout:", on_click=forget_me,
                      help="For a shared computer: this browser starts a new, empty workspace. Your runs stay on "
                           "the server under the old address.")
        else:
            st.caption("This browser no longer remembers your runs; this tab has a new, empty workspace. Your "
                       "earlier runs stay on the server under their old address.")
