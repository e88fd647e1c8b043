"""The browser remembers its workspace: the cookie's id opens the same runs, a bad cookie is ignored, a signed-in
account's workspace is never remembered, and "Forget me on this browser" starts afresh."""

import pytest

from tests.test_app import new_app, texts
from textclf.learn.train import TrainConfig, run_to_end, train
from textclf.serve.accounts import Account
from textclf.serve.browser_memory import COOKIE, REMEMBER_DAYS, choose_workspace, page_script
from textclf.store.workspaces import new_workspace, valid_workspace, workspace_store

MINE, OTHER = "m" * 32, "o" * 32


@pytest.fixture
def runs_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("TEXTCLF_RUNS_DIR", str(tmp_path / "runs"))
    return tmp_path / "runs"


@pytest.fixture
def cookie(monkeypatch):
    """Sets what the browser's cookie holds (AppTest cannot send cookies): call it with a value."""
    import views.common

    def set_cookie(value):
        monkeypatch.setattr(views.common, "browser_cookie", lambda: value)
    return set_cookie


def script(at) -> str | None:
    """Returns the page script the sidebar renders (None when there is none)."""
    frames = at.get("iframe")
    return frames[0].proto.srcdoc if frames else None


def save_run(ws: str, tiny_corpus, name: str) -> None:
    finished = run_to_end(train(tiny_corpus, config=TrainConfig(hidden=(8,), epochs=1, batch_size=8)))
    workspace_store(ws).save(finished.classifier, name=name, data={"source": "tiny synthetic corpus"},
                             history=finished.history, metrics={"accuracy": 0.5}, train_seconds=1.0,
                             reason="completed")


def test_the_address_wins_then_the_tab_then_the_cookie_then_a_new_workspace():
    assert choose_workspace(MINE, OTHER, OTHER) == (MINE, "address")
    assert choose_workspace(None, MINE, OTHER) == (MINE, "tab")
    assert choose_workspace(None, None, MINE) == (MINE, "cookie")
    assert choose_workspace("../../etc", None, MINE) == (MINE, "cookie")  # a malformed address is ignored
    for bad in ("../../etc", "short", "x" * 65, "a;b" * 20, "", 42):
        ws, source = choose_workspace(None, None, bad)
        assert source == "new" and valid_workspace(ws) and ws != bad


def test_the_page_script_keeps_the_cookie_for_30_days_or_deletes_it():
    kept = page_script(MINE, remember=True)
    assert f"{COOKIE}={MINE}; Max-Age={REMEMBER_DAYS * 86400}; Path=/; SameSite=Lax" in kept
    assert "replaceState" in kept and f'"{MINE}"' in kept
    gone = page_script(MINE, remember=False)
    assert f"{COOKIE}=; Max-Age=0; Path=/" in gone and f"{COOKIE}={MINE}" not in gone
    assert "replaceState" in gone  # the new workspace still goes into the address
    with pytest.raises(ValueError):
        page_script('"; alert(1); "' + "x" * 32, remember=True)


def test_the_plain_address_opens_the_workspace_the_cookie_remembers(runs_dir, cookie, tiny_corpus):
    save_run(MINE, tiny_corpus, "remembered run")
    cookie(MINE)
    at = new_app().run()  # no ?ws= in the address
    assert at.session_state["workspace"] == MINE and at.query_params["ws"] == MINE
    assert "1 saved run" in texts(at)
    assert f"{COOKIE}={MINE}; Max-Age" in script(at)  # confirmed: remembered for another 30 days
    assert not at.exception


def test_an_address_with_ws_wins_over_the_cookie_and_becomes_the_remembered_one(runs_dir, cookie):
    cookie(MINE)
    at = new_app()
    at.query_params["ws"] = OTHER
    at.run()
    assert at.session_state["workspace"] == OTHER and f"{COOKIE}={OTHER}; Max-Age" in script(at)


def test_a_malformed_cookie_is_ignored(runs_dir, cookie):
    cookie("../../etc/passwd")
    at = new_app().run()
    ws = at.session_state["workspace"]
    assert valid_workspace(ws) and ws != "../../etc/passwd" and at.query_params["ws"] == ws
    assert f"{COOKIE}={ws}; Max-Age" in script(at)
    assert not at.exception


def test_a_signed_in_accounts_workspace_is_never_remembered(runs_dir, cookie, monkeypatch, tiny_corpus):
    import views.account

    account = Account(new_workspace(), "Ada")
    monkeypatch.setattr(views.account, "current_account", lambda: account)
    save_run(MINE, tiny_corpus, "before signing in")
    cookie(MINE)  # this browser remembers the workspace used before signing in
    at = new_app().run()
    assert at.session_state["workspace"] == account.workspace
    assert script(at) is None  # neither the cookie nor the address gets the account's workspace
    assert "ws" not in at.query_params
    assert not [b for b in at.sidebar.button if b.label == "Forget me on this browser"]
    # The remembered workspace was not opened from the address: no note about "the runs of the address you opened".
    assert at.session_state["account_note"] is None
    assert not at.exception


def test_forget_me_starts_an_empty_workspace_and_deletes_the_cookie(runs_dir, cookie, tiny_corpus):
    save_run(MINE, tiny_corpus, "on a shared computer")
    cookie(MINE)
    at = new_app().run()
    assert "1 saved run" in texts(at)
    at.sidebar.button(key="forget_me").click().run()
    ws = at.session_state["workspace"]
    assert ws != MINE and valid_workspace(ws) and at.query_params["ws"] == ws
    assert f"{COOKIE}=; Max-Age=0" in script(at) and MINE not in script(at)
    assert "no longer remembers" in texts(at) and "1 saved run" not in texts(at)
    assert len(workspace_store(MINE).list()) == 1  # the old runs stay on the server
    at.switch_page("views/runs.py").run()
    assert at.session_state["workspace"] == ws and f"{COOKIE}=; Max-Age=0" in script(at)  # not remembered again
    assert not at.exception
    assert "bookmark this address" in texts(at) and "This browser finds it again" not in texts(at)


def test_saved_runs_says_this_browser_finds_the_runs_again(runs_dir, cookie):
    cookie(None)
    at = new_app().run()
    at.switch_page("views/runs.py").run()
    assert f"This browser finds it again for {REMEMBER_DAYS} days" in texts(at)
