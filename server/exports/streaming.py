"""Streamed answers (OData feeds, exports) that may fail part-way through. The first chunk is
made before the response starts, so that a failure there (a query the database refuses, a
table that is not there) is answered as any other error, with its status and code. A failure
after it is logged with the form and the reason, and breaks the response off: the exception
reaches the server, which closes the connection without the final chunk, so the client sees
an incomplete transfer, never a short body that parses."""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping

from sqlalchemy.exc import DBAPIError
from starlette.concurrency import run_in_threadpool
from starlette.responses import StreamingResponse

from storage.forms.versions import FormRecord

log = logging.getLogger(__name__)


async def streamed(
    chunks: Iterator[bytes],
    *,
    what: str,
    form: FormRecord,
    media_type: str,
    headers: Mapping[str, str] | None = None,
) -> StreamingResponse:
    """A response streaming `chunks` (`what` of `form` names it in the log), once the first
    chunk is made: an error until then raises here, for the error handlers to answer."""
    guarded = _Guarded(chunks, what, f"'{form.xml_form_id}' (project {form.project_id})")
    first = await run_in_threadpool(guarded.first)
    return StreamingResponse(
        guarded.rest(first), media_type=media_type, headers=dict(headers or {})
    )


class _Guarded:
    def __init__(self, chunks: Iterator[bytes], what: str, form: str) -> None:
        self.chunks = chunks
        self.what = what
        self.form = form
        self.sent = 0

    def first(self) -> bytes:
        return next(self.chunks, b"")

    def rest(self, first: bytes) -> Iterator[bytes]:
        yield first
        self.sent += len(first)
        try:
            for chunk in self.chunks:
                yield chunk
                self.sent += len(chunk)
        except Exception as error:
            log.error(
                "%s of form %s broke off after %d bytes were sent: %s",
                self.what,
                self.form,
                self.sent,
                reason(error),
            )
            raise


def reason(error: BaseException) -> str:
    """What went wrong, in a line: the database's own message where there is one (SQLAlchemy's
    carries the whole statement, and storage wraps it in its own errors)."""
    cause: BaseException | None = error
    while cause is not None:
        if isinstance(cause, DBAPIError) and cause.orig is not None:
            error = cause.orig
            break
        cause = cause.__cause__
    lines = str(error).strip().splitlines()
    return f"{type(error).__name__}: {lines[0] if lines else ''}"
