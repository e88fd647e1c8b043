"""Every tab of a workspace finds the run going in it; other workspaces never see it."""

from dataclasses import dataclass

from textclf.workspace_jobs import WorkspaceJobs


@dataclass
class FakeJob:
    done: bool = False


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
