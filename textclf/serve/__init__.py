"""Serving a class from one web server: the fair training queue (queue), a run in the background with its
progress (jobs), worker processes that do the heavy work (workers), what happens when training ends
(outcome), which tabs follow which workspace's run (workspace_jobs), uploads let go with their browser
session (sessions), one call in a thread (background), teacher links (teacher_links) and signed-in
accounts' workspaces (accounts).

Import from the module itself: worker processes start as `python -m textclf.serve.workers` and load only
what they use, so this package imports nothing eagerly."""
