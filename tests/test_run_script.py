"""tests/run.sh without the 20 Newsgroups archive: its first and last lines say what was skipped and what to set."""

import os
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_missing_archive_is_said_first_and_last(tmp_path):
    env = {**os.environ, "TEXTCLF_20NEWS_ARCHIVE": str(tmp_path / "missing.tar.gz")}
    env.pop("TEXTCLF_SKIP_REPORT", None)
    done = subprocess.run(["bash", "tests/run.sh", "-q",
                           "tests/test_data.py::test_cache_built_from_archive_loads_offline"],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    lines = [line for line in done.stdout.splitlines() if line.strip()]
    assert done.returncode == 0, done.stdout + done.stderr
    assert lines[0].startswith("WARNING: no 20 Newsgroups archive at ") and "TEXTCLF_20NEWS_ARCHIVE=" in lines[0]
    assert lines[-1].startswith("WARNING: 1 test was skipped") and "TEXTCLF_20NEWS_ARCHIVE=" in lines[-1]
