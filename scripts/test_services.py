"""Run a command with a throwaway PostgreSQL database and SeaweedFS on loopback, then tear down.

Usage: python scripts/test_services.py -- CMD ARGS...  (exports TEST_DATABASE_URL, TEST_S3_URL)
The functions are importable by benches and crash tests (put `scripts/` on `sys.path`).
"""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING

import boto3
import psycopg
from botocore.config import Config
from psycopg import sql

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

ADMIN_DATABASE_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
BUCKET = "baobab-test"
REGION = "us-east-1"
READY_TIMEOUT = 30.0
STOP_TIMEOUT = 5.0


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    return _free_ports(1)[0]


def _free_ports(count: int, exclude: frozenset[int] = frozenset()) -> list[int]:
    # Hold every socket until all are chosen, so that the ports are distinct.
    ports: list[int] = []
    with contextlib.ExitStack() as stack:
        while len(ports) < count:
            sock = stack.enter_context(socket.socket())
            sock.bind(("127.0.0.1", 0))
            if (port := sock.getsockname()[1]) not in exclude:
                ports.append(port)
    return ports


def _port_is_free(port: int) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def ensure_postgres(url: str = ADMIN_DATABASE_URL, timeout: float = READY_TIMEOUT) -> None:
    """Make sure the local PostgreSQL cluster accepts connections, starting it if it does not."""
    if _can_connect(url):
        return
    versions = sorted(path.name for path in Path("/etc/postgresql").iterdir())
    if len(versions) != 1:
        raise RuntimeError(f"expected one PostgreSQL version in /etc/postgresql, found {versions}")
    subprocess.run(
        ["pg_ctlcluster", "--skip-systemctl-redirect", versions[0], "main", "start"], check=True
    )
    deadline = time.monotonic() + timeout
    while not _can_connect(url):
        if time.monotonic() > deadline:
            raise RuntimeError(f"PostgreSQL did not accept connections at {url} in {timeout:.0f} s")
        time.sleep(0.2)


def _can_connect(url: str) -> bool:
    try:
        with psycopg.connect(url, connect_timeout=2):
            return True
    except psycopg.OperationalError:
        return False


def create_database(url: str = ADMIN_DATABASE_URL) -> str:
    """Create an empty `baobab_test_<hex>` database and return its name."""
    name = f"baobab_test_{secrets.token_hex(4)}"
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    return name


def drop_databases(prefix: str, url: str = ADMIN_DATABASE_URL) -> list[str]:
    """Drop every database whose name starts with `prefix` (the tests make more of them)."""
    with psycopg.connect(url, autocommit=True) as conn:
        rows = conn.execute(
            "SELECT datname FROM pg_database WHERE starts_with(datname, %s)", [prefix]
        ).fetchall()
        names = [row[0] for row in rows]
        for name in names:
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )
    return names


def use_test_credentials() -> None:
    """Put throwaway S3 credentials in os.environ: weed mini makes its admin identity from them.

    They replace any real AWS credentials, which must never reach a test server.
    """
    for name in ("AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN", "AWS_PROFILE"):
        os.environ.pop(name, None)
    os.environ["AWS_ACCESS_KEY_ID"] = f"baobabtest{secrets.token_hex(5)}"
    os.environ["AWS_SECRET_ACCESS_KEY"] = secrets.token_hex(20)
    os.environ["AWS_DEFAULT_REGION"] = REGION


def find_weed() -> str:
    beside_python = Path(sys.executable).parent / "weed"
    if beside_python.is_file():
        return str(beside_python)
    found = shutil.which("weed")
    if found is None:
        raise RuntimeError("no `weed` binary next to the Python interpreter or on PATH")
    return found


def start_seaweedfs(
    tmpdir: Path, ports: dict[str, int] | None = None
) -> tuple[subprocess.Popen[bytes], int]:
    """Start `weed mini` on loopback, every port free and chosen here, with its data and logs in
    `tmpdir`; wait until its S3 gateway serves `BUCKET`. Returns the process and the S3 port.
    Call `use_test_credentials()` first: the server and its clients share them via os.environ.

    To restart a stopped one where its clients expect it (the outage tests), pass the same
    `tmpdir` and the `ports` that `seaweedfs_ports()` chose for its first start."""
    if not os.environ.get("AWS_ACCESS_KEY_ID") or not os.environ.get("AWS_SECRET_ACCESS_KEY"):
        raise RuntimeError("set S3 credentials first, e.g. with use_test_credentials()")
    if ports is None:
        ports = seaweedfs_ports()
    s3 = ports["s3.port"]
    data = tmpdir / "data"
    data.mkdir(parents=True, exist_ok=True)
    command = [
        find_weed(),
        f"-logdir={tmpdir}",  # glog writes files to /tmp otherwise
        "mini",
        f"-dir={data}",
        "-ip=127.0.0.1",
        "-ip.bind=127.0.0.1",
        "-admin.ui=false",
        "-master.telemetry=false",
        f"-bucket={BUCKET}",
        f"-filer.localSocket={tmpdir / 'filer.sock'}",
        f"-s3.localSocket={tmpdir / 's3.sock'}",
        f"-webdav.cacheDir={tmpdir / 'webdav-cache'}",
        *(f"-{flag}={port}" for flag, port in ports.items()),
    ]
    # Its gRPC unix sockets (/tmp/seaweedfs-*-grpc-<port>.sock) cannot be moved; weed removes
    # them when it stops on SIGTERM.
    log_path = tmpdir / "weed.log"
    with log_path.open("ab") as log:  # appended: a restart keeps the log of the first run
        process = subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=log,
            start_new_session=True,
        )
    try:
        _wait_for_s3(process, s3, log_path)
    except BaseException:
        stop_process(process)
        raise
    return process, s3


def seaweedfs_ports() -> dict[str, int]:
    """Free ports for every listener of `weed mini`, keyed by its command-line flag."""
    admin = _admin_port()
    (s3, s3_grpc, master, master_grpc, volume, volume_grpc, filer, filer_grpc, webdav, metrics) = (
        _free_ports(10, exclude=frozenset({admin, admin + 10_000}))
    )
    return {
        "s3.port": s3,
        "s3.port.grpc": s3_grpc,
        "master.port": master,
        "master.port.grpc": master_grpc,
        "volume.port": volume,
        "volume.port.grpc": volume_grpc,
        "filer.port": filer,
        "filer.port.grpc": filer_grpc,
        "webdav.port": webdav,
        "admin.port": admin,
        "admin.port.grpc": admin + 10_000,
        "metricsPort": metrics,
        "s3.port.iceberg": 0,  # 0 disables them
        "s3.port.lance": 0,
    }


def _admin_port() -> int:
    # weed mini's plugin worker dials the admin server at its HTTP port + 10000, whatever
    # -admin.port.grpc says (SeaweedFS 4.48), so choose a pair that fits that rule.
    for _ in range(100):
        port = free_port()
        if port + 10_000 < 65_536 and _port_is_free(port + 10_000):
            return port
    raise RuntimeError("found no free port pair for the SeaweedFS admin server")


def s3_client(port: int) -> S3Client:
    """A boto3 client for the SeaweedFS S3 gateway on `port` (credentials from os.environ)."""
    return boto3.session.Session().client(
        "s3",
        endpoint_url=f"http://127.0.0.1:{port}",
        region_name=REGION,
        config=Config(
            s3={"addressing_style": "path"},
            retries={"max_attempts": 1},
            connect_timeout=2,
            read_timeout=5,
        ),
    )


def _wait_for_s3(process: subprocess.Popen[bytes], port: int, log_path: Path) -> None:
    client = s3_client(port)
    deadline = time.monotonic() + READY_TIMEOUT
    last_error: Exception | None = None
    try:
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise RuntimeError(f"weed exited with {process.returncode}:\n{_tail(log_path)}")
            try:
                client.head_bucket(Bucket=BUCKET)
                client.put_object(Bucket=BUCKET, Key="_ready", Body=b"ok")
                if client.get_object(Bucket=BUCKET, Key="_ready")["Body"].read() == b"ok":
                    client.delete_object(Bucket=BUCKET, Key="_ready")
                    return
            except Exception as exc:  # anything means "not ready yet"
                last_error = exc
            time.sleep(0.2)
    finally:
        client.close()
    raise RuntimeError(
        f"SeaweedFS S3 on port {port} was not ready in {READY_TIMEOUT:.0f} s "
        f"(last error: {last_error!r}); end of its log:\n{_tail(log_path)}"
    )


def _tail(path: Path, lines: int = 40) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError as exc:
        return f"(cannot read {path}: {exc})"


def stop_process(process: subprocess.Popen[bytes], timeout: float = STOP_TIMEOUT) -> None:
    """SIGTERM, then SIGKILL after `timeout`; to the whole group if it leads its own."""
    if process.poll() is not None:
        return
    own_group = os.getpgid(process.pid) == process.pid != os.getpgrp()

    def send(sig: signal.Signals) -> None:
        with contextlib.suppress(ProcessLookupError):
            if own_group:
                os.killpg(process.pid, sig)
            else:
                process.send_signal(sig)

    send(signal.SIGTERM)
    try:
        process.wait(timeout)
    except subprocess.TimeoutExpired:
        send(signal.SIGKILL)
        process.wait()


@contextlib.contextmanager
def _terminate_on_sigterm() -> Iterator[None]:
    """Turn SIGTERM into SystemExit so that `finally` blocks tear the services down."""

    def handler(signum: int, frame: FrameType | None) -> None:
        raise SystemExit(128 + signum)

    previous = signal.signal(signal.SIGTERM, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def run_command(command: list[str]) -> int:
    """Run `command` with our stdio; return its exit status (128+N if signal N ended it)."""
    process = subprocess.Popen(command)
    try:
        status = process.wait()
    except KeyboardInterrupt:
        # Ctrl-C reached the command too (same process group): let it finish its report.
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            stop_process(process)
        raise
    except BaseException:
        stop_process(process)
        raise
    return 128 - status if status < 0 else status


def main(argv: list[str]) -> int:
    if "--" not in argv or argv.index("--") == len(argv) - 1:
        print("usage: python scripts/test_services.py -- CMD ARGS...", file=sys.stderr)
        return 2
    command = argv[argv.index("--") + 1 :]
    tmpdir = Path(tempfile.mkdtemp(prefix="baobab-services-"))
    database: str | None = None
    weed: subprocess.Popen[bytes] | None = None
    with _terminate_on_sigterm():
        try:
            ensure_postgres()
            database = create_database()
            use_test_credentials()
            weed, s3_port = start_seaweedfs(tmpdir)
            os.environ["TEST_DATABASE_URL"] = (
                f"postgresql+psycopg://postgres@127.0.0.1:5432/{database}"
            )
            os.environ["TEST_S3_URL"] = (
                f"s3://{BUCKET}?endpoint_url=http://127.0.0.1:{s3_port}&region={REGION}"
            )
            print(
                f"test_services: PostgreSQL database {database}, SeaweedFS (pid {weed.pid}) "
                f"S3 on 127.0.0.1:{s3_port}, files in {tmpdir}",
                file=sys.stderr,
            )
            return run_command(command)
        except KeyboardInterrupt:
            return 130
        except RuntimeError as exc:  # a service would not start: the message says why
            print(f"test_services: {exc}", file=sys.stderr)
            return 1
        finally:
            _teardown(weed, database, tmpdir)


def _teardown(weed: subprocess.Popen[bytes] | None, database: str | None, tmpdir: Path) -> None:
    # A second Ctrl-C or SIGTERM must not cut the teardown short; it takes 5 s at most.
    previous = {sig: signal.signal(sig, signal.SIG_IGN) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        if weed is not None:
            _attempt("stop SeaweedFS", lambda: stop_process(weed))
        if database is not None:
            _attempt("drop the test databases", lambda: drop_databases(database))
        _attempt("remove " + str(tmpdir), lambda: shutil.rmtree(tmpdir))
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _attempt(what: str, step: Callable[[], object]) -> None:
    """Run one teardown step; report a failure and go on, so that the others still run."""
    try:
        step()
    except Exception as exc:
        print(f"test_services: could not {what}: {exc!r}", file=sys.stderr)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
