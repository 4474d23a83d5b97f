"""`baobab serve` as its own process, the way it runs in production: started, killed (SIGKILL
as by the kernel's OOM killer or a power cut), restarted on the same port and data, measured
(resident memory from /proc). Used by the crash, outage and soak tests."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx

from scripts.test_services import free_port, stop_process

BAOBAB = Path(sys.executable).parent / "baobab"
READY_TIMEOUT = 30.0


class ServerProcess:
    """One `baobab serve` on 127.0.0.1; its stdout and stderr go to `log_path`."""

    def __init__(self, settings_env: dict[str, str], log_path: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = log_path
        self.env = {
            **os.environ,
            **settings_env,
            "BAOBAB_HOST": "127.0.0.1",
            "BAOBAB_PORT": str(self.port),
            "BAOBAB_ODK_VALIDATE": "off",
        }
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> ServerProcess:
        assert self.process is None or self.process.poll() is not None, "already running"
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                [str(BAOBAB), "serve"],
                env=self.env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=log,
            )
        deadline = time.monotonic() + READY_TIMEOUT
        while not self._ready():
            if self.process.poll() is not None:
                raise RuntimeError(f"baobab serve exited:\n{self.log()[-3000:]}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"baobab serve not ready in {READY_TIMEOUT} s:\n{self.log()}")
            time.sleep(0.1)
        return self

    def _ready(self) -> bool:
        try:
            return httpx.get(f"{self.url}/health", timeout=2).status_code == 200
        except httpx.HTTPError:
            return False

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def kill(self) -> None:
        """SIGKILL: no shutdown handler, no flush, no goodbye."""
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(10)

    def stop(self) -> None:
        if self.process is not None:
            stop_process(self.process, timeout=10)

    def rss_bytes(self) -> int:
        """Resident memory of the server process now."""
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
        raise RuntimeError("no VmRSS in /proc/<pid>/status")

    def peak_rss_bytes(self) -> int:
        """Peak resident memory since the process started (VmHWM)."""
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
        raise RuntimeError("no VmHWM in /proc/<pid>/status")

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def __enter__(self) -> ServerProcess:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def server_env(settings) -> dict[str, str]:
    return {
        "BAOBAB_DATABASE_URL": settings.database_url,
        "BAOBAB_BLOB_URL": settings.blob_url,
        "BAOBAB_DATA_DIR": str(settings.data_dir),
        "BAOBAB_LOG_LEVEL": "info",
    }
