"""Teacher links: URL query parameters that preselect (and can lock) a lesson's data and settings."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping, Sequence
from urllib.parse import urlencode, urlsplit

from textclf.data.newsgroups import NEWSGROUPS
from textclf.data.features import SCALINGS
from textclf.learn.presets import PRESETS
from textclf.learn.train import parse_hidden_sizes

LOCKABLE = ("data", "hyperparameters")
# Addresses that name the teacher's own computer: a link built from them opens nothing on a student's.
LOCAL_HOSTS = {"localhost", "127.0.0.1", "::1", "0.0.0.0"}
_NUMBERS = {  # parameter: (session key, type, lowest, highest)
    "epochs": ("epochs", int, 1, 200),
    "batch_size": ("batch_size", int, 1, 2048),
    "lr": ("lr", float, 1e-6, 1.0),
    "seed": ("seed", int, 0, 2**31 - 1),
    "val_share": ("val_share", float, 0.0, 0.5),
    "dropout": ("dropout", float, 0.0, 0.8),
}
_FLAGS = ("true", "1", "yes", "on")


@dataclass
class Setup:
    """What a link asks for: session values to set, controls to lock, and notes on what was ignored."""

    values: dict = field(default_factory=dict)
    locked: set[str] = field(default_factory=set)
    hidden: set[str] = field(default_factory=set)
    notes: list[str] = field(default_factory=list)


def _one(value: str | Sequence[str]) -> str:
    return value if isinstance(value, str) else (value[-1] if value else "")


def parse_setup(params: Mapping[str, str | Sequence[str]]) -> Setup:
    """Returns the setup a URL's query parameters ask for; anything unknown or malformed becomes a note."""
    setup = Setup()
    for key, raw in params.items():
        value = _one(raw).strip()
        if key == "categories":
            cats = [c.strip() for c in value.split(",") if c.strip()]
            unknown = [c for c in cats if c not in NEWSGROUPS]
            known = list(dict.fromkeys(c for c in cats if c in NEWSGROUPS))
            if unknown:
                setup.notes.append(f"unknown newsgroup{'s' if len(unknown) > 1 else ''} ignored: {', '.join(unknown)}")
            if len(known) >= 2:
                setup.values["categories"] = known
            else:
                setup.notes.append("categories need at least two known newsgroups; kept the default ones")
        elif key == "preset":
            if value in PRESETS:
                setup.values["preset"] = value
            else:
                setup.notes.append(f"unknown preset {value!r} ignored (use {' or '.join(PRESETS)})")
        elif key == "hidden":
            try:
                setup.values["hidden_text"] = ",".join(map(str, parse_hidden_sizes(value)))
            except ValueError as err:
                setup.notes.append(f"hidden ignored: {err}")
        elif key in _NUMBERS:
            name, kind, low, high = _NUMBERS[key]
            try:
                number = kind(value)
            except ValueError:
                setup.notes.append(f"{key}={value!r} ignored: not a number")
                continue
            if not low <= number <= high:
                setup.notes.append(f"{key}={value} ignored: must be between {low} and {high}")
                continue
            setup.values[name] = number
        elif key == "remove_metadata":
            setup.values["remove_metadata"] = value.lower() in _FLAGS
        elif key == "scaling":
            if value in SCALINGS:
                setup.values["scaling"] = value
            else:
                setup.notes.append(f"scaling {value!r} ignored (use one of {', '.join(SCALINGS)})")
        elif key in ("ws", "teacher"):
            continue  # the visitor's workspace and the teacher's token: read by the app, not by a setup
        elif key in ("lock", "hide"):
            parts = [p.strip() for p in value.split(",") if p.strip()]
            (setup.locked if key == "lock" else setup.hidden).update(p for p in parts if p in LOCKABLE)
            bad = [p for p in parts if p not in LOCKABLE]
            if bad:
                setup.notes.append(f"{key}={','.join(bad)} ignored (use {' or '.join(LOCKABLE)})")
        else:
            setup.notes.append(f"unknown link parameter {key!r} ignored")
    return setup


def setup_query(values: Mapping, locked: Sequence[str] = (), hidden: Sequence[str] = ()) -> str:
    """Returns the query string (without "?") that recreates `values` (session keys), locks and hidden parts."""
    params: dict[str, str] = {}
    if values.get("categories"):
        params["categories"] = ",".join(values["categories"])
    if values.get("remove_metadata"):
        params["remove_metadata"] = "true"
    if values.get("preset") and values["preset"] != "tutorial":
        params["preset"] = values["preset"]
    try:
        params["hidden"] = ",".join(map(str, parse_hidden_sizes(values.get("hidden_text") or "")))
    except ValueError:
        pass  # a half-typed size is left out of the link rather than breaking it
    for key, (name, kind, _, _) in _NUMBERS.items():
        if values.get(name) is not None:
            params[key] = str(kind(values[name]))
    if values.get("scaling"):
        params["scaling"] = values["scaling"]
    if locked:
        params["lock"] = ",".join(sorted(locked))
    if hidden:
        params["hide"] = ",".join(sorted(hidden))
    return urlencode(params, safe=",")


def link_base(page_url: str, public_url: str | None = None) -> str:
    """Returns the address a shared link starts with: the page's own address without its query, or, when
    `public_url` (TEXTCLF_PUBLIC_URL) is set, the same page under that public address (e.g. behind a proxy)."""
    page = urlsplit(page_url or "")
    if not public_url:
        return f"{page.scheme}://{page.netloc}{page.path}" if page.netloc else ""
    return public_url.strip().rstrip("/") + (page.path or "/")


def only_this_computer(url: str) -> bool:
    """Returns True when `url` names the computer it is opened on (localhost, 127.0.0.1): useless to students."""
    host = (urlsplit(url).hostname or "").lower()
    return host in LOCAL_HOSTS or host.endswith(".localhost") or host.startswith("127.")
