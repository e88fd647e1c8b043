"""This browser remembers the workspace: the cookie and the address, kept up to date from the sidebar."""

from __future__ import annotations

import streamlit as st

from textclf.serve.browser_memory import page_script
from views import account

SCRIPT_TITLE = "Keeps your private address in this browser"


def render_private_address() -> None:
    """Keeps this browser's cookie and the page's address up to date with the workspace (from the sidebar).

    A signed-in account's workspace is never put in the address or the cookie: it follows the account.
    """
    if account.current_account() is not None:
        return
    remember = st.session_state.get("remember", True)
    with st.sidebar:
        st.iframe(page_script(st.session_state["workspace"], remember), height=1, tab_index=-1, alt=SCRIPT_TITLE)
