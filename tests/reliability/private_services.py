"""Services an outage test may take down and bring back without disturbing anyone else: a
PostgreSQL cluster of its own, a SeaweedFS restarted on the same ports and data, a tiny tmpfs."""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

from scripts.test_services import (
    BUCKET,
    REGION,
    free_port,
    seaweedfs_ports,
    start_seaweedfs,
    stop_process,
)

PG_BIN = Path("/usr/lib/postgresql/15/bin")


class PostgresCluster:
    """A throwaway cluster in `root` on 127.0.0.1:`port`, trust authentication. PostgreSQL
    refuses to run as root, so its commands run as the `postgres` OS user when we are root."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.port = free_port()
        self.data = root / "data"
        self.url = f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def init(self) -> None:
        self._run("initdb", "-A", "trust", "-U", "postgres", "-D", str(self.data), "--no-sync")

    def start(self) -> None:
        options = f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1"
        self._pg_ctl(
            "start", "-w", "-t", "30", "-l", str(self.root / "postgres.log"), "-o", options
        )

    def stop(self, mode: str = "fast") -> None:
        """`fast` ends every session (what a restart for an upgrade does); `immediate` is a
        crash without shutdown checkpoint."""
        self._pg_ctl("stop", "-w", "-t", "30", "-m", mode)

    def running(self) -> bool:
        status = subprocess.run(
            self._as_postgres(str(PG_BIN / "pg_ctl"), "status", "-D", str(self.data)),
            capture_output=True,
            check=False,
        )
        return status.returncode == 0

    def log(self) -> str:
        path = self.root / "postgres.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def _pg_ctl(self, *args: str) -> None:
        self._run("pg_ctl", *args[:1], "-D", str(self.data), *args[1:])

    def _run(self, program: str, *args: str) -> None:
        result = subprocess.run(
            self._as_postgres(str(PG_BIN / program), *args),
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode != 0:
            raise RuntimeError(
                f"{program} {' '.join(args)} failed ({result.returncode}):\n"
                f"{result.stdout}{result.stderr}\n{self.log()[-2000:]}"
            )

    @staticmethod
    def _as_postgres(*command: str) -> list[str]:
        return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else [*command]


@contextlib.contextmanager
def postgres_cluster() -> Iterator[PostgresCluster]:
    """An initialised, running cluster; stopped and deleted afterwards, whatever happened."""
    # Not under pytest's tmp_path: its directories are root's, mode 0700, closed to `postgres`.
    root = Path(tempfile.mkdtemp(prefix="baobab-pg-"))
    cluster = PostgresCluster(root)
    try:
        if os.geteuid() == 0:
            shutil.chown(root, "postgres", "postgres")
        cluster.init()
        cluster.start()
        yield cluster
    finally:
        try:
            if cluster.running():
                cluster.stop("immediate")
        finally:
            shutil.rmtree(root, ignore_errors=True)


class SeaweedFS:
    """`weed mini` with its data in `root`; stop() and start() again keep its ports and data,
    so a server's blob URL stays valid across the outage."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.ports = seaweedfs_ports()
        self.s3_port = self.ports["s3.port"]
        self.process: subprocess.Popen[bytes] | None = None

    def blob_url(self, prefix: str) -> str:
        endpoint = f"http://127.0.0.1:{self.s3_port}"
        return f"s3://{BUCKET}/{prefix}?endpoint_url={endpoint}&region={REGION}"

    def start(self) -> None:
        assert self.process is None or self.process.poll() is not None, "already running"
        self.process, port = start_seaweedfs(self.root, self.ports)
        assert port == self.s3_port

    def stop(self) -> None:
        if self.process is not None:
            stop_process(self.process)

    def remove_sockets(self) -> None:
        """weed leaves some of its /tmp/seaweedfs-*-grpc-<port>.sock behind even on SIGTERM;
        once it is stopped for good, those named by its ports are ours to remove."""
        for port in filter(None, self.ports.values()):
            for path in Path("/tmp").glob(f"seaweedfs-*-grpc-{port}.sock"):
                path.unlink(missing_ok=True)


@contextlib.contextmanager
def seaweedfs() -> Iterator[SeaweedFS]:
    """A running SeaweedFS of our own (S3 credentials from os.environ); gone afterwards."""
    root = Path(tempfile.mkdtemp(prefix="baobab-weed-"))
    weed = SeaweedFS(root)
    try:
        weed.start()
        yield weed
    finally:
        try:
            weed.stop()
            weed.remove_sockets()
        finally:
            shutil.rmtree(root, ignore_errors=True)


@contextlib.contextmanager
def tmpfs(mount_point: Path, size: str) -> Iterator[Path]:
    """A tmpfs of `size` (e.g. "2m") mounted on `mount_point` (needs root); unmounted afterwards."""
    mount_point.mkdir(parents=True, exist_ok=True)
    command = ["mount", "-t", "tmpfs", "-o", f"size={size},mode=0755", "tmpfs", str(mount_point)]
    mounted = subprocess.run(command, capture_output=True, text=True, check=False)
    if mounted.returncode != 0:
        raise RuntimeError(
            f"`{' '.join(command)}` failed ({mounted.returncode}): {mounted.stderr.strip()}; "
            "the disk-full test needs root (or CAP_SYS_ADMIN) to mount a small tmpfs"
        )
    try:
        yield mount_point
    finally:
        unmounted = subprocess.run(["umount", str(mount_point)], capture_output=True, check=False)
        if unmounted.returncode != 0:  # still busy: detach it anyway, then say so
            subprocess.run(["umount", "--lazy", str(mount_point)], check=False)
            raise RuntimeError(f"umount {mount_point}: {unmounted.stderr.decode().strip()}")
