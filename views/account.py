"""Sign-in, offered only where .streamlit/secrets.toml configures OpenID Connect (Streamlit's [auth] section)."""

from __future__ import annotations

import streamlit as st

from textclf.markdown_text import plain
from textclf.serve.accounts import Account, account_secret, signed_in_account
from textclf.serve.browser_memory import REMEMBER_DAYS
from textclf.store.workspaces import workspace_store


def sign_in_offered() -> bool:
    """Returns True when the server has sign-in configured (Streamlit then reports is_logged_in for everyone)."""
    return "is_logged_in" in st.user


def current_account() -> Account | None:
    """Returns the signed-in visitor's account, or None (not signed in, or no sign-in on this server)."""
    if not sign_in_offered():
        return None
    auth = st.secrets.get("auth") if st.secrets.load_if_toml_exists() else None
    return signed_in_account(st.user, account_secret(auth.get("cookie_secret") if auth else None))


def follow_account(opened: bool) -> None:
    """Gives a signed-in visitor their account's workspace, which stays out of the address (and out of the cookie).

    `opened`: the workspace chosen so far came from the address (not from this tab or the browser's memory).
    """
    account = current_account()
    if account is None:
        return
    s = st.session_state
    if "account_note" not in s:  # the first run of this tab: was another workspace's address opened?
        opened_ws = s["workspace"]
        held = opened and opened_ws != account.workspace and len(workspace_store(opened_ws).list())
        s["account_note"] = (f"You are signed in, so your account's saved runs are shown, not the {held} of the "
                             "address you opened (open it in a browser that is not signed in to see them).") \
            if held else None
    s["workspace"] = account.workspace
    if "ws" in st.query_params:
        del st.query_params["ws"]


def where_runs_live() -> str:
    """Returns the Saved runs page's sentence on how to come back to these runs."""
    if current_account() is not None:
        return "Your runs are kept with your account: sign in on any device to come back to them."
    if st.session_state.get("remember", True):
        return (f"Your runs live in a private workspace. This browser finds it again for {REMEMBER_DAYS} days; on "
                "another device or browser, open this page's address: **bookmark it to come back to your runs**.")
    return ("Your runs live in a private workspace whose key is in this page's address: **bookmark this address "
            "to come back to your runs**.")


def render_sign_in() -> None:
    """Shows, in the sidebar, "Sign in", or who is signed in and "Sign out" (nothing without sign-in configured)."""
    if not sign_in_offered():
        return
    account = current_account()
    with st.sidebar:
        if account is not None:
            st.markdown(f"Signed in as **{plain(account.name)}**")
            if note := st.session_state.get("account_note"):
                st.info(note, icon=":material/account_circle:")
            if st.button("Sign out", key="sign_out"):
                st.logout()
        elif st.user.get("is_logged_in"):
            st.warning("You are signed in, but this server cannot keep runs for accounts (its sign-in secret is "
                       "missing or too short): your runs stay with this address.")
            if st.button("Sign out", key="sign_out"):
                st.logout()
        elif st.button("Sign in", key="sign_in", icon=":material/login:",
                       help="Sign in with your school account: your saved runs then follow you to any device."):
            st.login()

