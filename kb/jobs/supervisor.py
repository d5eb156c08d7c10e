"""Job workers started beside the web server: ``make run`` (gunicorn.conf.py) needs no extra command.

The gunicorn master starts ``KB_JOB_WORKERS`` processes of ``flask --app kb worker`` once it is
ready, starts a new one when one dies (after a pause), and stops them when it exits. A deployment
may instead set ``KB_JOB_WORKERS=0`` and run the workers as processes of their own.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
COMMAND = [sys.executable, "-m", "flask", "--app", "kb", "worker"]
RESTART_PAUSE = 2.0
STOP_WAIT = 15.0


class Supervisor:
    def __init__(self, count: int) -> None:
        self.count = count
        self.processes: list[subprocess.Popen[bytes]] = []
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._watch, name="kb-job-supervisor", daemon=True)

    def start(self) -> None:
        self.processes = [self._spawn() for _ in range(self.count)]
        self.thread.start()

    def _spawn(self) -> subprocess.Popen[bytes]:
        # --parent: the worker stops by itself if this process dies without stopping it (SIGKILL)
        return subprocess.Popen([*COMMAND, "--parent", str(os.getpid())], cwd=ROOT)

    def _watch(self) -> None:
        while not self.stopping.wait(RESTART_PAUSE):
            for n, process in enumerate(self.processes):
                if process.poll() is not None and not self.stopping.is_set():
                    code = process.returncode
                    print(f"kb: job worker {process.pid} exited ({code}); restarting", flush=True)
                    self.processes[n] = self._spawn()

    def stop(self) -> None:
        """SIGTERM every worker (each gives its job back), then SIGKILL what is left after STOP_WAIT."""
        self.stopping.set()
        for process in self.processes:
            if process.poll() is None:
                process.terminate()
        deadline = time.monotonic() + STOP_WAIT
        for process in self.processes:
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
