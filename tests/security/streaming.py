"""A chunked upload over a raw socket that stops as soon as the server answers: it shows how much
of a huge body a server read before refusing it, and never holds that body in memory."""

from __future__ import annotations

import select
import socket
from urllib.parse import urlsplit

CHUNK = b"x" * (1 << 20)


def stream_chunked(
    base: str, path: str, headers: dict[str, str], head: bytes, total: int
) -> tuple[int, bytes, int]:
    """POST `head` then `total` bytes of filler, chunked; (status, body, bytes sent)."""
    url = urlsplit(base)
    sock = socket.create_connection((url.hostname, url.port), timeout=30)
    with sock:
        lines = [f"POST {path} HTTP/1.1", f"Host: {url.netloc}", "Transfer-Encoding: chunked"]
        lines += [f"{name}: {value}" for name, value in headers.items()]
        sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
        sock.setblocking(False)
        sent = 0
        frames = [head] + [CHUNK] * (total // len(CHUNK))
        for frame in frames:
            if not _send(sock, b"%x\r\n%s\r\n" % (len(frame), frame)):
                break  # the server has answered (or hung up): stop sending
            sent += len(frame)
        else:
            _send(sock, b"0\r\n\r\n")
        sock.settimeout(30)
        return (*_read_response(sock), sent)


def _send(sock: socket.socket, data: bytes) -> bool:
    """Send all of `data` unless the server answers first (False then)."""
    view = memoryview(data)
    while view:
        readable, writable, _ = select.select([sock], [sock], [], 30)
        if readable:
            return False
        if not writable:
            raise TimeoutError("the server neither reads the body nor answers")
        try:
            view = view[sock.send(view) :]
        except (BrokenPipeError, ConnectionResetError):
            return False
    return True


def _read_response(sock: socket.socket) -> tuple[int, bytes]:
    data = b""
    while True:
        try:
            part = sock.recv(65536)
        except (ConnectionResetError, TimeoutError):
            break
        if not part:
            break
        data += part
        head, _, body = data.partition(b"\r\n\r\n")
        fields = dict(
            line.lower().split(b":", 1) for line in head.split(b"\r\n")[1:] if b":" in line
        )
        if b"content-length" in fields and len(body) >= int(fields[b"content-length"]):
            break
    status = int(data.split(b" ", 2)[1])
    return status, data.partition(b"\r\n\r\n")[2]
