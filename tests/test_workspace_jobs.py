"""Every tab of a workspace finds the run going in it; other workspaces never see it."""

from dataclasses import dataclass

from textclf.serve.workspace_jobs import WorkspaceJobs


@dataclass
class FakeJob:
    done: bool = False
    result: object = None


@dataclass
class FakeResult:
    run_id: str | None


def test_a_workspace_finds_its_running_job_and_no_other():
    jobs, job = WorkspaceJobs(), FakeJob()
    jobs.started("ws-a", job)
    assert jobs.running("ws-a") is job
    assert jobs.running("ws-b") is None


def test_a_finished_job_is_let_go_and_a_new_one_replaces_the_old():
    jobs, first, second = WorkspaceJobs(), FakeJob(), FakeJob()
    jobs.started("ws-a", first)
    jobs.started("ws-a", second)
    assert jobs.running("ws-a") is second
    second.done = True
    assert jobs.running("ws-a") is None
    other = FakeJob(done=True)
    jobs.started("ws-b", other)
    jobs.started("ws-c", FakeJob())  # finished runs of other workspaces are dropped on the way
    assert "ws-b" not in jobs._jobs


def test_a_workspace_is_open_while_any_of_its_tabs_is():
    """Closing the tab that started a run stopped it, though another tab of the workspace was watching it."""
    jobs, open_tabs = WorkspaceJobs(), {"first": True, "second": True, "stranger": True}
    for tab in ("first", "second"):
        jobs.join("ws-a", tab, lambda tab=tab: open_tabs[tab])
    jobs.join("ws-b", "stranger", lambda: open_tabs["stranger"])
    alive = jobs.anyone_alive("ws-a")
    open_tabs["first"] = False
    assert alive()  # the second tab still shows the workspace
    open_tabs["second"] = False
    assert not alive()  # every tab gone: the run is abandoned (the stranger's tab is of another workspace)
    assert not jobs.anyone_alive("ws-never-seen")()


def test_a_reloaded_tab_keeps_the_workspace_open_and_closed_tabs_are_forgotten():
    now = [0.0]
    jobs, open_tabs = WorkspaceJobs(forget_after=30, clock=lambda: now[0]), {"old": True, "new": True, "moved": True}
    jobs.join("ws-a", "old", lambda: open_tabs["old"])
    jobs.join("ws-a", "moved", lambda: open_tabs["moved"])
    jobs.join("ws-b", "moved", lambda: open_tabs["moved"])  # that tab shows another workspace now
    alive = jobs.anyone_alive("ws-a")
    open_tabs["old"] = False
    assert not alive()
    jobs.join("ws-a", "new", lambda: open_tabs["new"])  # a reload is a new tab of the same workspace
    assert alive()
    assert set(jobs._tabs["ws-a"]) == {"old", "new"} and set(jobs._tabs["ws-b"]) == {"moved"}
    now[0] = 31  # "old" has been closed for longer than forget_after: the next join lets it go
    jobs.join("ws-b", "moved", lambda: open_tabs["moved"])
    assert set(jobs._tabs["ws-a"]) == {"new"}


def test_the_last_saved_run_of_a_workspace_is_remembered_after_its_job_is_let_go():
    """A reloaded tab could not tell which run its workspace had just trained."""
    jobs, first, second = WorkspaceJobs(), FakeJob(), FakeJob()
    jobs.started("ws-a", first)
    assert jobs.last_saved("ws-a") is None  # still going
    first.done, first.result = True, FakeResult("run-1")
    assert jobs.last_saved("ws-a") == "run-1" and "ws-a" not in jobs._jobs  # the job itself is let go
    jobs.started("ws-a", second)
    second.done = True  # stopped with nothing saved: the last saved run stays the one to load
    assert jobs.running("ws-a") is None and jobs.last_saved("ws-a") == "run-1"
    assert jobs.last_saved("ws-b") is None
