"""Teacher links in the pages: what a link locks or hides, its notes, and "Copy link to this setup"."""

import json
import os

import streamlit as st

from textclf.serve.teacher_links import link_base, only_this_computer, setup_query
from textclf.markdown_text import plain


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
                + "\n".join(f"- {plain(note)}" for note in setup.notes))


def setup_link(locks: list[str], hides: list[str]) -> str:
    """Returns a link to this app that recreates the current data and settings, locking and hiding parts."""
    keys = ("categories", "remove_metadata", "preset", "hidden_text", "epochs", "batch_size", "lr", "seed",
            "val_share", "dropout", "scaling")
    base = link_base(st.context.url or "", os.environ.get("TEXTCLF_PUBLIC_URL"))
    return f"{base}?{setup_query({k: st.session_state.get(k) for k in keys}, locks, hides)}"


def kept_choice(label: str, key: str, help: str) -> list[str]:
    """A lock/hide multiselect whose choice outlives the page: Streamlit forgets a widget's value when its page
    is left, so the choice is also kept under a key of its own and given back as the default."""
    chosen = st.multiselect(label, ["data", "hyperparameters"], default=st.session_state.get(f"{key}_kept", []),
                            key=key, help=help)
    st.session_state[f"{key}_kept"] = chosen
    return chosen


def copy_button(text: str) -> None:
    """Shows a "Copy link" button that puts `text` on the clipboard and says so ("Copied"), or, where the browser
    refuses (an http:// address other than this computer's), says to select the link and press Ctrl+C."""
    data = json.dumps(text).replace("</", "<\\/")  # no "</script>" inside the script
    st.iframe(f"""
<button id="copy" type="button" style="font: 15px 'Source Sans Pro', sans-serif; padding: 6px 14px;
  border: 1px solid #b0b0b0; border-radius: 8px; background: #fff; cursor: pointer">
  Copy link</button>
<span id="done" role="status" aria-live="polite" style="font: 15px sans-serif; margin-left: 10px"></span>
<script>
const text = {data};
const done = document.getElementById("done");
function fallback() {{  // http:// on another computer: no clipboard API, but a selected textarea copies
  const area = document.createElement("textarea");
  area.value = text; document.body.appendChild(area); area.select();
  let ok = false; try {{ ok = document.execCommand("copy"); }} catch (e) {{}}
  area.remove(); return ok;
}}
document.getElementById("copy").addEventListener("click", async () => {{
  let ok = false;
  try {{ await navigator.clipboard.writeText(text); ok = true; }} catch (e) {{ ok = fallback(); }}
  done.textContent = ok ? "\u2713 Copied: paste it for your class." :
                          "Could not copy here: select the link above and press Ctrl+C.";
}});
</script>""", height=48, alt="Copy link")


def share_setup() -> None:
    """Shows the "Copy link to this setup" popover (not to whoever opened a link that hides part of its setup)."""
    if st.session_state["link"].hidden:
        return  # its link would show what the teacher's link keeps out of sight
    with st.popover("Copy link to this setup", icon=":material/link:",
                    help="A link that opens the app with these topics and settings, e.g. for a class."):
        if st.session_state.get("custom_corpus") is not None:
            st.warning("A link cannot carry your own file. This link opens the newsgroups topics chosen on the "
                       "Data page, with the settings below; share the file separately.")
        locks = kept_choice("Lock for whoever opens the link", "share_locks",
                            "Locked controls are shown but cannot be changed.")
        hides = kept_choice("Hide for whoever opens the link", "share_hides",
                            "Hidden controls keep the link's values out of sight.")
        link = setup_link(locks, hides)
        st.code(link, language=None, wrap_lines=True)
        copy_button(link)
        if only_this_computer(link):
            st.warning("This address works only on this computer. Students need the server's address on your "
                       "network (such as `http://192.168.1.20:8501`): open the app with that address, or set "
                       "TEXTCLF_PUBLIC_URL when starting it, then copy the link again.")
