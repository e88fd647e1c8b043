"""Private workspaces: each visitor's saved runs under an unguessable token, and the class's published runs."""

from __future__ import annotations

import hashlib
import hmac
import os
import re
import secrets
from pathlib import Path

from textclf.store.runs import RunStore, runs_dir

TEACHER_ENV = "TEXTCLF_TEACHER_TOKEN"
WORKSPACES = "workspaces"  # <runs dir>/workspaces/<token>/<run id>
PUBLISHED = "published"  # <runs dir>/published/<run id>: read-only for students
_TOKEN = re.compile(r"[A-Za-z0-9_-]{32,64}")
MIN_TEACHER_TOKEN = 16


def new_workspace() -> str:
    """Returns a fresh workspace id: 32 URL-safe characters (192 random bits), never guessable."""
    return secrets.token_urlsafe(24)


def valid_workspace(value: object) -> str | None:
    """Returns `value` if it has the form of a workspace id, else None (nothing on disk is touched)."""
    return value if isinstance(value, str) and _TOKEN.fullmatch(value) else None


def workspace_store(workspace: str, root: str | os.PathLike | None = None) -> RunStore:
    """Returns the runs store of one workspace; raises ValueError for a malformed id."""
    if valid_workspace(workspace) is None:
        raise ValueError("not a workspace id")
    return RunStore(Path(root if root is not None else runs_dir()) / WORKSPACES / workspace)


def published_store(root: str | os.PathLike | None = None) -> RunStore:
    """Returns the store of runs the teacher has published to the class."""
    return RunStore(Path(root if root is not None else runs_dir()) / PUBLISHED)


def is_teacher(given: object) -> bool:
    """Returns True when `given` equals $TEXTCLF_TEACHER_TOKEN (at least 16 characters), compared in constant time."""
    expected = os.environ.get(TEACHER_ENV, "")
    if len(expected) < MIN_TEACHER_TOKEN or not isinstance(given, str):
        return False
    return secrets.compare_digest(given.encode("utf-8", "replace"), expected.encode("utf-8", "replace"))


def teacher_pass(workspace: str) -> str:
    """Returns the address value that keeps teacher mode in `workspace` across reloads ("" without a token).

    It is a keyed hash of the workspace id under the teacher token: it reveals nothing of the token and opens
    teacher mode only in this one workspace, so a projected address bar never shows the token itself.
    """
    expected = os.environ.get(TEACHER_ENV, "")
    if len(expected) < MIN_TEACHER_TOKEN or valid_workspace(workspace) is None:
        return ""
    return hmac.new(expected.encode("utf-8", "replace"), workspace.encode(), hashlib.sha256).hexdigest()[:32]


def is_teacher_pass(workspace: str, given: object) -> bool:
    """Returns True when `given` is the teacher pass of `workspace` (see `teacher_pass`)."""
    expected = teacher_pass(workspace)
    return bool(expected) and isinstance(given, str) and secrets.compare_digest(given.encode("utf-8", "replace"),
                                                                                  expected.encode())
