"""A browser that remembers its workspace: which workspace a visit opens, and the page script that keeps it.

The workspace id sits in the address (`?ws=`) and, for visitors who are not signed in, in a cookie of the page,
so the plain address opens the same runs again in the same browser. The cookie holds the random id only.
"""

from __future__ import annotations

import json

from textclf.store.workspaces import new_workspace, valid_workspace

COOKIE = "textclf_ws"
REMEMBER_DAYS = 30


def choose_workspace(address: object, tab: object, cookie: object) -> tuple[str, str]:
    """Returns (the workspace a visit opens, where it came from: "address", "tab", "cookie" or "new").

    The address wins (a link opened on another device), then the workspace this tab already has (a page switch
    that dropped `?ws=`), then the one this browser remembers, and only then a new one. Malformed ids are ignored.
    """
    for source, value in (("address", address), ("tab", tab), ("cookie", cookie)):
        if valid_workspace(value):
            return str(value), source
    return new_workspace(), "new"


def page_script(workspace: str, remember: bool) -> str:
    """Returns the HTML whose script stores `workspace` in the page's cookie (or deletes the cookie when `remember`
    is False) and puts `?ws=` into the page's address when the address lacks it (no reload, no new history entry)."""
    if valid_workspace(workspace) is None:
        raise ValueError("not a workspace id")
    cookie = (f"{COOKIE}={workspace}; Max-Age={REMEMBER_DAYS * 24 * 3600}" if remember else f"{COOKIE}=; Max-Age=0")
    return f"""<script>
const page = window.parent, ws = {json.dumps(workspace)};
page.document.cookie = {json.dumps(cookie + "; Path=/; SameSite=Lax")} + (page.location.protocol === "https:" ? "; Secure" : "");
const address = new URL(page.location.href);
if (address.searchParams.get("ws") !== ws) {{
  address.searchParams.set("ws", ws);
  page.history.replaceState(page.history.state, "", address.toString());
}}
</script>"""
