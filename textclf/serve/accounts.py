"""Signed-in students: the workspace of an account (the same on every device and every server process).

A school's OpenID Connect sign-in names a person by the provider (`iss`) and a stable id there (`sub`). The
workspace is HMAC-SHA256 of both under a server secret, so it cannot be worked out from the `sub` alone
(which providers show to other apps, and which may be guessable), and it has the form of any other workspace.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
from collections.abc import Mapping
from dataclasses import dataclass

from textclf.store.workspaces import valid_workspace

SECRET_ENV = "TEXTCLF_ACCOUNT_SECRET"  # kept apart from the sign-in cookie secret, so that can change freely
MIN_SECRET = 16


@dataclass(frozen=True)
class Account:
    """A signed-in person: their workspace and the name to greet them by."""

    workspace: str
    name: str


def account_secret(cookie_secret: object) -> str | None:
    """Returns the secret accounts' workspaces are derived with: $TEXTCLF_ACCOUNT_SECRET, else the sign-in cookie
    secret; None when neither has 16 characters or more (then nobody is given an account workspace)."""
    for secret in (os.environ.get(SECRET_ENV, ""), cookie_secret):
        if isinstance(secret, str) and len(secret) >= MIN_SECRET:
            return secret
    return None


def account_workspace(issuer: str, subject: str, secret: str) -> str:
    """Returns the workspace id of the account `subject` at `issuer`: 43 URL-safe characters, the same each time."""
    if len(secret) < MIN_SECRET:
        raise ValueError("the account secret is too short")
    message = f"textclf-workspace\n{len(issuer)}:{issuer}\n{subject}".encode()  # the length keeps iss and sub apart
    digest = hmac.new(secret.encode(), message, hashlib.sha256).digest()
    workspace = base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")
    assert valid_workspace(workspace)
    return workspace


def signed_in_account(user: Mapping, secret: str | None) -> Account | None:
    """Returns the account of a signed-in user's claims (`iss`, `sub`, `name`/`email`), or None when the user is
    not signed in, the provider gave no stable id, or no secret is set."""
    issuer, subject = user.get("iss"), user.get("sub")
    if not user.get("is_logged_in") or secret is None or not isinstance(issuer, str) \
            or not isinstance(subject, str) or not issuer or not subject:
        return None
    name = next((str(user[k]) for k in ("name", "preferred_username", "email") if user.get(k)), "your account")
    return Account(account_workspace(issuer, subject, secret), name[:100])
