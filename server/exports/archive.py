"""A zip archive written as a stream: each chunk goes out as soon as it is made, so an export
of any size needs the memory of a few buffers, not of the export."""

from __future__ import annotations

import zipfile
from collections.abc import Callable, Iterable, Iterator
from typing import IO, cast

CHUNK = 256 * 1024

# A member writer writes into its zip member and yields now and then so the stream can flush.
MemberWriter = Callable[[IO[bytes]], Iterable[None]]


class _Pipe:
    """A write-only file whose contents are taken out piece by piece."""

    def __init__(self) -> None:
        self._parts: list[bytes] = []
        self.size = 0

    def write(self, data: bytes) -> int:
        self._parts.append(bytes(data))
        self.size += len(data)
        return len(data)

    def flush(self) -> None:
        pass

    def take(self) -> bytes:
        data = b"".join(self._parts)
        self._parts.clear()
        self.size = 0
        return data


def zip_stream(members: Iterable[tuple[str, MemberWriter]], level: int = 1) -> Iterator[bytes]:
    """Zip bytes for (name, writer) members; deflate level 1 is ~3x faster than 6 for 25% more
    bytes, the better trade for a download that is streamed as it is made."""
    pipe = _Pipe()
    with zipfile.ZipFile(
        cast(IO[bytes], pipe),
        "w",
        compression=zipfile.ZIP_DEFLATED,
        compresslevel=level,
    ) as archive:
        for name, write in members:
            with archive.open(name, "w", force_zip64=True) as member:
                for _ in write(member):
                    if pipe.size >= CHUNK:
                        yield pipe.take()
            if pipe.size >= CHUNK:
                yield pipe.take()
    yield pipe.take()
