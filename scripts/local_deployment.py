"""`deploy/run-local` started from a script: the proxy's address, each Streamlit process's PID, its memory, a kill.

Used by `scripts/load_test.py --replicas N`; tests/test_deploy.py has its own, stricter wrapper.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _status_kb(pid: int, field: str) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except OSError:
        pass
    return float("nan")


def _session_members(leader: int) -> list[int]:
    """Returns the live processes of `leader`'s session: the Streamlit process and its training workers."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if os.getsid(int(entry.name)) == leader:
                    found.append(int(entry.name))
            except OSError:
                continue
    return found


class LocalDeployment:
    """A running `deploy/run-local --replicas N`: `url`, `replicas` ({"st1": pid, ...}) and what it printed."""

    def __init__(self, replicas: int, port: int, runs_dir: Path, log_dir: Path, env: dict, wait: float = 300):
        self.log_dir = log_dir
        self.lines: list[str] = []
        self.proc = subprocess.Popen(
            [sys.executable, str(ROOT / "deploy" / "run-local"), "--replicas", str(replicas), "--port", str(port),
             "--runs-dir", str(runs_dir), "--log-dir", str(log_dir), "--wait", str(wait)],
            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True)
        threading.Thread(target=self._read, daemon=True).start()
        deadline = time.monotonic() + wait + 60
        while not any("ready at" in line for line in self.lines):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise SystemExit("deploy/run-local did not start:\n" + "\n".join(self.lines))
            time.sleep(0.2)
        self.url = re.search(r"ready at (\S+)/ ", next(x for x in self.lines if "ready at" in x)).group(1)
        found = [re.search(r"^run-local: (st\d+) pid (\d+) port \d+$", line) for line in self.lines]
        self.replicas = {m.group(1): int(m.group(2)) for m in found if m}
        self.peaks_at_kill: dict[str, float] = {}

    def _read(self) -> None:
        for line in self.proc.stdout:
            self.lines.append(line.rstrip("\n"))

    def peak_mb(self, name: str) -> tuple[float, list[float]]:
        """Returns the peak resident memory (VmHWM, MB) of process `name` and of each of its worker processes."""
        if name in self.peaks_at_kill:
            return self.peaks_at_kill[name], []
        leader = self.replicas[name]
        workers = [p for p in _session_members(leader) if p != leader]
        return _status_kb(leader, "VmHWM") / 1024, [_status_kb(p, "VmHWM") / 1024 for p in workers]

    def memory_now_mb(self) -> dict[str, float]:
        """Returns each live process's resident memory now (VmRSS, MB), its workers included."""
        return {name: sum(_status_kb(p, "VmRSS") for p in _session_members(pid)) / 1024
                for name, pid in self.replicas.items() if name not in self.peaks_at_kill}

    def kill(self, name: str) -> None:
        """Kills Streamlit process `name` with SIGKILL, as the kernel's out-of-memory killer would (its workers
        end by themselves); notes its memory peak first."""
        peak, workers = self.peak_mb(name)
        self.peaks_at_kill[name] = peak + sum(workers)
        os.kill(self.replicas[name], signal.SIGKILL)

    def tracebacks(self) -> dict[str, int]:
        """Returns how many tracebacks each Streamlit process's log holds."""
        return {p.stem.removeprefix("streamlit-"): p.read_text(errors="replace").count("Traceback")
                for p in sorted(self.log_dir.glob("streamlit-*.log"))}

    def stop(self) -> None:
        """Stops run-local and everything it started (SIGTERM, then SIGKILL after 60 s)."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(60)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
