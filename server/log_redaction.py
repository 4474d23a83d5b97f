"""Secrets never reach the logs. App-user and draft-test keys travel in URL paths
(`/v1/key/{token}/...`, `/v1/test/{token}/...`, as ODK Collect requires), session tokens may
come as `?st=` and password reset links carry `?token=`; uvicorn's access log would print them,
so every handler gets a filter that blanks them out, whichever logger the record comes from."""

from __future__ import annotations

import logging
import re

# A URL may also reach a log percent-encoded, once or more (`/login?next=%2Fprojects%3Fst%3D...`
# or `%253F` inside another parameter): each separator is matched in every such form.
_ENCODED = r"%(?:25)*"
_SLASH = rf"(?:/|{_ENCODED}2[fF])"
_SECRET_END = rf"(?!{_ENCODED}(?:2[fF]|3[fF]|26))[^/?&\s\"]"
_SECRET_IN_URL = re.compile(
    rf"({_SLASH}v1{_SLASH}(?:key|test){_SLASH})(?:{_SECRET_END})+"
    rf"|((?:[?&]|{_ENCODED}(?:3[fF]|26))(?:st|token)(?:=|{_ENCODED}3[dD]))(?:{_SECRET_END})+"
)
REDACTED = "[redacted]"


def redact(text: str) -> str:
    return _SECRET_IN_URL.sub(lambda m: (m.group(1) or m.group(2)) + REDACTED, text)


class RedactSecrets(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if record.name == "uvicorn.access" and isinstance(record.args, tuple):
            # Its formatter reads the five arguments (client, method, path, version, status).
            record.args = tuple(redact(a) if isinstance(a, str) else a for a in record.args)
        else:
            record.msg, record.args = redact(record.getMessage()), ()
        if record.exc_info and not record.exc_text:
            # Formatters reuse exc_text once it is set: an exception's message may hold a URL.
            record.exc_text = redact(logging.Formatter().formatException(record.exc_info))
        return True


def redact_logs() -> None:
    """Put the filter on the handlers that exist now: the root's (`baobab` configures it) and
    uvicorn's (configured before it loads the app). Safe to call more than once."""
    names = ("", "uvicorn", "uvicorn.access", "uvicorn.error")
    for handler in {h for name in names for h in logging.getLogger(name).handlers}:
        if not any(isinstance(f, RedactSecrets) for f in handler.filters):
            handler.addFilter(RedactSecrets())
