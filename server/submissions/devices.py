"""The app users this process has let submit, by the hash of their key (issue 22): a device's
next submission is let in before its body is read without asking the database again, and the
database is asked instead in the submission's own transaction, in the same round trip as its
INSERTs (storage/submissions/pipelined.py). Should the answer differ from what was let in (the
key revoked, the app user deleted, its project trashed, its forms unassigned, through this
process or any other), nothing is written, the entry is forgotten and the submission goes the
step-by-step way, which authenticates the device afresh and refuses it (401/403) if it must.

So a revocation takes effect at once on every server, as before; what a revoked device still
gets from a server that knew it is one body read before its refusal, instead of none. Only app
users' keys are kept here (never a public link, a session or a password), and only for
OpenRosa's POST: Collect's pre-flight HEAD and every other route authenticate as before."""

from __future__ import annotations

import threading
from dataclasses import dataclass

from server.accounts.keys import TOKEN_PATTERN, token_hash
from server.auth import Caller
from storage.accounts.access import AppUserCheck


@dataclass(frozen=True, slots=True)
class KnownDevice:
    """A caller let in from memory, and what its transaction must find to go ahead."""

    caller: Caller
    token_hash: str

    @property
    def check(self) -> AppUserCheck:
        """The app user, its project and its assigned forms, as they were let in."""
        actor = self.caller.required_actor
        return AppUserCheck(self.token_hash, actor.id, actor.project_id, self.caller.assigned_forms)


class KnownDevices:
    def __init__(self, max_entries: int = 4096) -> None:
        self._callers: dict[str, Caller] = {}
        self._lock = threading.Lock()
        self._max = max_entries

    def recall(self, key: object) -> KnownDevice | None:
        """The device holding `key` (the token of the URL's /v1/key/ prefix), if known."""
        if not isinstance(key, str) or not TOKEN_PATTERN.match(key):
            return None
        hashed = token_hash(key)
        with self._lock:
            caller = self._callers.get(hashed)
        return KnownDevice(caller, hashed) if caller is not None else None

    def remember(self, key: object, caller: Caller) -> None:
        """An app user the database has just let in with `key`."""
        if not isinstance(key, str) or not TOKEN_PATTERN.match(key):
            return
        if not (caller.is_app_user and caller.via == "key" and caller.assigned_forms):
            return
        with self._lock:
            if len(self._callers) >= self._max:
                self._callers.clear()
            self._callers[token_hash(key)] = caller

    def forget(self, device: KnownDevice) -> None:
        with self._lock:
            self._callers.pop(device.token_hash, None)
