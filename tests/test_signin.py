"""Sign-in: a signed-in student's workspace follows their account, tested against a small local OpenID Connect
provider (never a real one) and `streamlit run app.py` in Debian's Chromium."""

import base64
import hashlib
import json
import os
import secrets
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlparse

import pytest

from tests.test_browser import CHROMIUM, CHROMIUM_ARGS, free_port, streamlit_server
from textclf.learn.train import TrainConfig, run_to_end, train
from textclf.serve.accounts import account_secret, account_workspace, signed_in_account
from textclf.store.workspaces import valid_workspace, workspace_store

SECRET = "a-cookie-secret-of-thirty-two-chars!"
CLIENT_ID, CLIENT_SECRET = "textclf-test", "test-client-secret"
STUDENT = {"sub": "student-0042", "name": "Ada Lovelace", "email": "ada@school.example"}


# --- the id -> workspace derivation ---

def test_an_account_has_one_workspace_of_its_own_that_its_public_id_alone_does_not_give():
    iss = "https://login.school.example"
    ws = account_workspace(iss, "student-0042", SECRET)
    assert valid_workspace(ws) == ws and len(ws) == 43
    assert account_workspace(iss, "student-0042", SECRET) == ws  # any device, any server process
    assert account_workspace(iss, "student-0043", SECRET) != ws
    assert account_workspace("https://other.example", "student-0042", SECRET) != ws  # same sub, other provider
    assert account_workspace(iss, "student-0042", SECRET + "x") != ws  # another server's secret
    plain = [base64.urlsafe_b64encode(hashlib.sha256(s.encode()).digest()).rstrip(b"=").decode()
             for s in ("student-0042", iss + "student-0042", f"{iss}\nstudent-0042")]
    assert ws not in plain
    with pytest.raises(ValueError):
        account_workspace(iss, "student-0042", "short")


def test_only_a_signed_in_user_with_a_stable_id_and_a_secret_gets_an_account(monkeypatch):
    monkeypatch.delenv("TEXTCLF_ACCOUNT_SECRET", raising=False)
    user = {"is_logged_in": True, "iss": "https://login.school.example", **STUDENT}
    account = signed_in_account(user, SECRET)
    assert account.name == "Ada Lovelace" and account.workspace == account_workspace(user["iss"], STUDENT["sub"],
                                                                                    SECRET)
    assert signed_in_account({**user, "is_logged_in": False}, SECRET) is None
    assert signed_in_account({k: v for k, v in user.items() if k != "sub"}, SECRET) is None
    assert signed_in_account(user, None) is None
    assert signed_in_account({**user, "name": ""}, SECRET).name == "ada@school.example"
    assert account_secret(SECRET) == SECRET and account_secret("short") is None and account_secret(None) is None
    monkeypatch.setenv("TEXTCLF_ACCOUNT_SECRET", "a-separate-account-secret")
    assert account_secret(SECRET) == "a-separate-account-secret"


def test_without_sign_in_configured_the_app_shows_no_sign_in():
    from tests.test_app import new_app
    at = new_app()
    at.run()
    assert not at.exception
    assert [b.label for b in at.sidebar.button if b.label in ("Sign in", "Sign out")] == []
    assert valid_workspace(at.query_params["ws"])  # the address still carries the workspace


# --- a tiny OpenID Connect provider ---

class Provider:
    """An OpenID Connect provider on loopback that signs in STUDENT at once (authorization code flow, RS256)."""

    def __init__(self):
        from authlib.jose import JsonWebKey

        self.key = JsonWebKey.generate_key("RSA", 2048, is_private=True, options={"kid": "test-key"})
        self.codes: dict[str, dict] = {}
        self.sign_ins = 0
        self.port = free_port()
        self.issuer = f"http://127.0.0.1:{self.port}"
        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), self._handler())
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def metadata(self) -> dict:
        return {"issuer": self.issuer, "authorization_endpoint": self.issuer + "/authorize",
                "token_endpoint": self.issuer + "/token", "jwks_uri": self.issuer + "/jwks",
                "response_types_supported": ["code"], "subject_types_supported": ["public"],
                "id_token_signing_alg_values_supported": ["RS256"],
                "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"]}

    def id_token(self, nonce: str) -> str:
        from authlib.jose import jwt

        now = int(time.time())
        claims = {"iss": self.issuer, "aud": CLIENT_ID, "iat": now, "exp": now + 600, "nonce": nonce, **STUDENT}
        return jwt.encode({"alg": "RS256", "kid": "test-key"}, claims, self.key).decode()

    def _handler(self):
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _json(self, status: int, body: dict) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self):
                url = urlparse(self.path)
                query = {k: v[0] for k, v in parse_qs(url.query).items()}
                if url.path == "/.well-known/openid-configuration":
                    return self._json(200, provider.metadata())
                if url.path == "/jwks":
                    return self._json(200, {"keys": [provider.key.as_dict(is_private=False)]})
                if url.path == "/authorize" and query.get("client_id") == CLIENT_ID:
                    code = secrets.token_urlsafe(16)
                    provider.codes[code] = {"nonce": query.get("nonce", ""), "redirect_uri": query["redirect_uri"]}
                    provider.sign_ins += 1
                    self.send_response(302)
                    self.send_header("Location", query["redirect_uri"] + "?" +
                                     urlencode({"code": code, "state": query.get("state", "")}))
                    self.end_headers()
                    return None
                return self._json(404, {"error": "not_found"})

            def do_POST(self):
                form = {k: v[0] for k, v in parse_qs(self.rfile.read(int(self.headers["Content-Length"]))
                                                     .decode()).items()}
                basic = base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()
                client_ok = self.headers.get("Authorization") == f"Basic {basic}" or (
                    form.get("client_id") == CLIENT_ID and form.get("client_secret") == CLIENT_SECRET)
                grant = provider.codes.pop(form.get("code", ""), None)
                if urlparse(self.path).path != "/token" or not client_ok or grant is None \
                        or form.get("redirect_uri") != grant["redirect_uri"]:
                    return self._json(400, {"error": "invalid_grant"})
                return self._json(200, {"access_token": secrets.token_urlsafe(16), "token_type": "Bearer",
                                        "expires_in": 600, "id_token": provider.id_token(grant["nonce"])})

        return Handler


@pytest.fixture(scope="module")
def provider():
    p = Provider()
    yield p
    p.server.shutdown()


@pytest.fixture(scope="module")
def signin_server(provider, archive_path, tmp_path_factory):
    """Returns (URL, runs dir) of `streamlit run app.py` with sign-in configured by a secrets file of its own."""
    tmp = tmp_path_factory.mktemp("signin")
    port = free_port()
    secrets_file = tmp / "secrets.toml"
    secrets_file.write_text(
        "[auth]\n"
        f'redirect_uri = "http://localhost:{port}/oauth2callback"\n'
        f'cookie_secret = "{SECRET}"\n'
        f'client_id = "{CLIENT_ID}"\n'
        f'client_secret = "{CLIENT_SECRET}"\n'
        f'server_metadata_url = "{provider.issuer}/.well-known/openid-configuration"\n')
    runs = tmp / "runs"
    env = dict(os.environ, TEXTCLF_20NEWS_ARCHIVE=str(archive_path), TEXTCLF_RUNS_DIR=str(runs),
               SCIKIT_LEARN_DATA=str(tmp / "sklearn_data"))
    env.pop("TEXTCLF_ACCOUNT_SECRET", None)
    for url, log in streamlit_server(env, tmp, port=port, extra_args=["--secrets.files", str(secrets_file)]):
        yield url.replace("127.0.0.1", "localhost"), runs  # the address of redirect_uri: the auth cookie's origin
        log.seek(0)
        server_log = log.read()
        assert "Traceback" not in server_log, server_log


def sign_in(page, url: str) -> None:
    page.goto(url)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_text("Signed in as").wait_for()


def run_row(page, name: str):
    """Returns the Saved runs table's cell holding `name` (the table is drawn on a canvas: its cells are hidden)."""
    return page.locator("[role=gridcell]", has_text=name).first


def test_a_signed_in_students_runs_follow_them_to_another_device(provider, signin_server, tiny_corpus):
    if not Path(CHROMIUM).exists():
        pytest.fail("Debian's chromium is required for the browser test: apt-get install chromium")
    from playwright.sync_api import sync_playwright

    url, runs = signin_server
    workspace = account_workspace(provider.issuer, STUDENT["sub"], SECRET)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        laptop = browser.new_context(viewport={"width": 1400, "height": 1000}).new_page()
        laptop.set_default_timeout(180_000)
        sign_in(laptop, url)
        assert laptop.get_by_text("Signed in as Ada Lovelace").count() == 1
        assert "ws=" not in laptop.url  # the account's workspace is not in the address
        laptop.get_by_role("button", name="Sign out").wait_for(timeout=30_000)
        # A run saved into this account's workspace, as the Train page saves it.
        finished = run_to_end(train(tiny_corpus, config=TrainConfig(hidden=(8,), epochs=1, batch_size=8)))
        workspace_store(workspace, runs).save(
            finished.classifier, name="Ada's first run", data={"source": "tiny synthetic corpus"},
            history=finished.history, metrics={"accuracy": 0.5}, train_seconds=1.0, reason="completed")
        laptop.goto(url + "/runs")
        run_row(laptop, "Ada's first run").wait_for(state="attached")
        laptop.get_by_text("Your runs are kept with your account").wait_for()

        phone = browser.new_context(viewport={"width": 1400, "height": 1000}).new_page()  # another device
        phone.set_default_timeout(180_000)
        phone.goto(url + "/runs")
        phone.get_by_role("button", name="Sign in").wait_for()
        phone.get_by_text("not trained yet").wait_for()  # not signed in: a workspace of its own, with no runs
        anonymous = parse_qs(urlparse(phone.url).query)["ws"][0]
        sign_in(phone, url)
        phone.get_by_role("link", name="Saved runs").first.click()
        run_row(phone, "Ada's first run").wait_for(state="attached")
        assert provider.sign_ins == 2

        # Signed in, an anonymous workspace's address shows the account's runs, and says so once it holds runs.
        workspace_store(anonymous, runs).save(
            finished.classifier, name="Before signing in", data={"source": "tiny synthetic corpus"},
            history=finished.history, metrics={"accuracy": 0.5}, train_seconds=1.0, reason="completed")
        other = browser.new_context().new_page()
        other.set_default_timeout(180_000)
        sign_in(other, url)
        other.goto(f"{url}/runs?ws={anonymous}")
        run_row(other, "Ada's first run").wait_for(state="attached")
        other.get_by_text("not the 1 of the address you opened").wait_for()
        assert run_row(other, "Before signing in").count() == 0

        phone.get_by_role("button", name="Sign out").click()
        phone.get_by_role("button", name="Sign in").wait_for()
        assert phone.get_by_text("Signed in as").count() == 0
        browser.close()
