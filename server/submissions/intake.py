"""The submission pipeline, without HTTP: parse the XML, find its form version, convert it to
rows, then store everything in one transaction while the files go to the blob store.

Each file is hashed first (its sha256 names it), then put in the blob store on a thread of its
own while the transaction writes the rows: a photo costs about the longer of the two instead of
their sum (issue 22). The transaction commits only once every put has succeeded, so a 201
always means the XML, the rows and the files are all durable; a failed put rolls the rows back.
A blob whose transaction then fails is harmless: it is content-addressed and simply unreferenced.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from datetime import timedelta
from typing import BinaryIO

from lxml import etree
from sqlalchemy.engine import Connection, Engine

from converters.errors import ConversionCode, SubmissionError
from converters.form_model import FormSchema
from converters.submission import Envelope, SubmissionRows, parse_submission, submission_rows
from server.auth import Caller, Permission
from server.clock import Clock
from server.errors import Problem, ProblemCode
from server.plugins import AfterStore
from server.settings import Settings
from server.submissions.devices import KnownDevice, KnownDevices
from server.submissions.stored import after_store
from server.submissions.targets import CachedTarget, FormTargets
from storage.blobs.store import BlobStore, copy_hashing
from storage.db import lookups, own_transaction, transaction
from storage.entities.actions import process_backlog
from storage.entities.backlog import any_held_before
from storage.errors import Conflict, NotFound, StorageCode, StorageError
from storage.forms.versions import FormRecord, find_published_version
from storage.submissions.attachments import ReceivedFile
from storage.submissions.pipelined import AppUserChanged
from storage.submissions.store import (
    StoredSubmission,
    Submitter,
    original_submitter,
    store_submission,
)

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class IntakeContext:
    engine: Engine
    blobs: BlobStore
    targets: FormTargets
    clock: Clock
    after_store: tuple[AfterStore, ...] = ()  # the programmes' (server/plugins.py)
    # BAOBAB_MAX_REPEAT_INSTANCES; the app passes its setting.
    max_repeat_instances: int = Settings().max_repeat_instances
    # BAOBAB_ENTITY_BACKLOG_DAYS: offline updates held longer are applied anyway.
    backlog_days: int = Settings().entity_backlog_days
    devices: KnownDevices = field(default_factory=KnownDevices)


# Held entity updates forced by one intake at most (see _force_due_backlog); the rest wait for
# the next intake or for `baobab entities process-backlog`.
FORCED_PER_INTAKE = 50


@dataclass(frozen=True, slots=True)
class IncomingFile:
    name: str  # the multipart field name, which Collect sets to the file name in the XML
    file: BinaryIO
    content_type: str | None


def receive_submission(
    context: IntakeContext,
    *,
    project_id: int,
    xml: bytes,
    files: Sequence[IncomingFile],
    identify: Caller | Callable[[Connection], Caller],
    device_id: str | None = None,
    user_agent: str | None = None,
    expected_form_id: str | None = None,
    takes_edits: bool = True,
    device: KnownDevice | None = None,
) -> StoredSubmission:
    """Store a submission. `identify`: the caller, known already (OpenRosa authorizes before
    the body is read), or how to find it on a connection. `device`: an app user let in from
    this process's memory (server/submissions/devices.py), whose key the write checks in its
    own transaction; `identify` then says how to authenticate it afresh should the write not
    go ahead."""
    envelope, root = parse_submission(xml)
    if expected_form_id is not None and envelope.form_id != expected_form_id:
        raise SubmissionError(
            ConversionCode.SUBMISSION_WRONG_FORM, got=envelope.form_id, expected=expected_form_id
        )
    if not takes_edits and envelope.deprecated_id is not None:
        raise Problem(
            ProblemCode.BAD_REQUEST,
            reason="this XML edits another submission (meta/deprecatedID): send it with PUT to "
            "that submission's URL",
        )
    puts = PendingPuts(context.blobs)
    write = _Write(context, project_id, xml, envelope, root, files, puts, device_id, user_agent)
    try:
        stored = None
        if isinstance(identify, Caller):
            stored = write.pipelined(identify)
        elif device is not None:
            stored = write.pipelined(device.caller, device)
        if stored is None:
            stored = write.step_by_step(identify)
    except Problem as refused:
        if device is not None and refused.code in _WHO_REFUSALS:  # authenticated afresh
            context.devices.forget(device)
        raise
    except StorageError as error:  # unavailable, full, a conflict: say which submission
        log.warning(
            "submission refused form_id=%s instanceID=%s: %s",
            envelope.form_id,
            envelope.instance_id,
            error,
        )
        raise
    finally:
        puts.settle()
    log.info(
        "submission %s form_id=%s instanceID=%s files=%d/%d",
        stored.outcome.value,
        envelope.form_id,
        envelope.instance_id,
        stored.attachments_present,
        stored.attachments_expected,
    )
    if write.schema is not None and write.schema.entities:
        _force_due_backlog(context)
    return stored


# What authenticating a device afresh may answer: it is no longer to be let in from memory.
_WHO_REFUSALS = frozenset(
    {ProblemCode.AUTH_FAILED, ProblemCode.AUTH_REQUIRED, ProblemCode.FORBIDDEN}
)


class _NotNew(Exception):
    """The pipelined write found this is not a new submission to the form as seen."""


class _Write:
    """One submission's way into storage: pipelined when it is a new one to a form version
    this process knows (PostgreSQL), else step by step, which handles every case."""

    def __init__(
        self,
        context: IntakeContext,
        project_id: int,
        xml: bytes,
        envelope: Envelope,
        root: etree._Element,
        files: Sequence[IncomingFile],
        puts: PendingPuts,
        device_id: str | None,
        user_agent: str | None,
    ) -> None:
        self.context, self.project_id, self.xml = context, project_id, xml
        self.envelope, self.root, self.files, self.puts = envelope, root, files, puts
        self.device_id, self.user_agent = device_id, user_agent
        self.received: dict[str, ReceivedFile] = {}
        self.schema: FormSchema | None = None

    def _convert(self, cached: CachedTarget) -> SubmissionRows:
        self.schema = cached.schema
        rows = submission_rows(
            self.root,
            cached.schema,
            cached.target.version_plan,
            max_repeat_instances=self.context.max_repeat_instances,
        )
        wanted = {ref.name for ref in rows.attachments}
        for incoming in self.files:
            if incoming.name in wanted and incoming.name not in self.received:
                self.received[incoming.name] = self.puts.start(incoming)
        return rows

    def _submitter(self, caller: Caller) -> Submitter:
        actor = caller.actor
        return Submitter(actor.id if actor else None, self.device_id, self.user_agent)

    def pipelined(
        self, caller: Caller, device: KnownDevice | None = None
    ) -> StoredSubmission | None:
        """The submission in one round trip and a commit, or None to go step by step."""
        envelope, context = self.envelope, self.context
        if envelope.deprecated_id is not None:
            return None
        known = context.targets.recall(self.project_id, envelope.form_id, envelope.version or "")
        if known is None:
            return None
        seen, cached = known
        if not caller.can(Permission.SUBMISSION_CREATE, self.project_id, seen.form.id):
            return None  # step by step says why
        assert cached.writer is not None
        rows = self._convert(cached)
        submitter = self._submitter(caller)
        try:
            with own_transaction(context.engine) as connection:
                stored = cached.writer.write(
                    connection,
                    seen,
                    envelope,
                    self.xml,
                    rows,
                    self.received,
                    submitter,
                    context.clock(),
                    device.check if device is not None else None,
                )
                if stored is None:
                    raise _NotNew
                self._after_store(connection, seen.form, cached, stored, submitter)
        except _NotNew:  # rolled back
            return None
        except AppUserChanged:  # rolled back; step by step authenticates the device afresh
            assert device is not None
            context.devices.forget(device)
            return None
        return stored

    def step_by_step(self, identify: Caller | Callable[[Connection], Caller]) -> StoredSubmission:
        context, envelope, project_id = self.context, self.envelope, self.project_id
        with lookups(context.engine) as connection:
            # Who is sending, and to which form version: independent reads, no transaction.
            caller = identify if isinstance(identify, Caller) else identify(connection)
            caller.require(Permission.SUBMISSION_CREATE, project_id)
            form, version_id = find_published_version(
                connection, project_id, envelope.form_id, envelope.version or ""
            )
            caller.require(Permission.SUBMISSION_CREATE, project_id, form.id)
            if envelope.deprecated_id is not None:
                _require_edit_rights(connection, caller, form, envelope)
            if form.state == "closed":
                raise Conflict(StorageCode.FORM_CLOSED, form_id=form.xml_form_id)
            if version_id is None:
                raise NotFound(
                    StorageCode.FORM_VERSION_NOT_FOUND,
                    form_id=form.xml_form_id,
                    version=envelope.version or "",
                )
            cached = context.targets.get(connection, form, version_id, envelope.version or "")
        rows = self._convert(cached)
        submitter = self._submitter(caller)
        with transaction(context.engine) as connection:
            stored = store_submission(
                connection,
                cached.target,
                envelope,
                self.xml,
                rows,
                self.received,
                submitter,
                context.clock(),
            )
            self._after_store(connection, form, cached, stored, submitter)
        context.targets.remember(form, envelope.version or "", version_id)
        return stored

    def _after_store(
        self,
        connection: Connection,
        form: FormRecord,
        cached: CachedTarget,
        stored: StoredSubmission,
        submitter: Submitter,
    ) -> None:
        after_store(
            connection,
            self.context,
            form=form,
            schema=cached.schema,
            root=self.root,
            stored=stored,
            submitter=submitter,
        )
        self.puts.finish()  # every file durable before the commit, hence before the 201


def _force_due_backlog(context: IntakeContext) -> None:
    """Apply the entity updates held longer than BAOBAB_ENTITY_BACKLOG_DAYS, once this
    submission is committed (its own actions came first: they may be what a held one waits
    for). Central runs this from a scheduled task; here the submissions that feed entities
    run it, so the embedded server needs no cron, and the probe is one indexed query. A
    failure is logged, never the device's concern: its submission is stored."""
    now = context.clock()
    age = timedelta(days=context.backlog_days)
    try:
        with lookups(context.engine) as connection:
            if not any_held_before(connection, now - age):
                return
        forced = process_backlog(context.engine, now, older_than=age, limit=FORCED_PER_INTAKE)
    except StorageError as error:
        log.warning("entity backlog not processed: %s", error)
        return
    log.info("entity backlog: %d held update(s) applied after %s", forced, age)


def _require_edit_rights(
    connection: Connection, caller: Caller, form: FormRecord, envelope: Envelope
) -> None:
    """Who may replace a submission (OpenRosa: meta/deprecatedID; REST: PUT, which comes here
    too). Central asks only for the right to submit, so any device or data collector of the
    project could overwrite another's case by naming its instanceID, even one it cannot read.
    For protection data an edit must come from the actor who sent the submission (a device
    correcting its own work) or from a role that may update submissions (a manager editing in
    Enketo): anyone else gets 403 and nothing is stored."""
    if caller.can(Permission.SUBMISSION_UPDATE, form.project_id, form.id):
        return
    assert envelope.deprecated_id is not None
    submitter = original_submitter(connection, form.id, envelope.deprecated_id)
    actor = caller.actor.id if caller.actor else None
    if actor is None or submitter != actor:
        log.warning(
            "edit refused form_id=%s instanceID=%s deprecatedID=%s actor=%s submitter=%s",
            envelope.form_id,
            envelope.instance_id,
            envelope.deprecated_id,
            actor,
            submitter,
        )
        raise Problem(ProblemCode.EDIT_FORBIDDEN, instance_id=envelope.deprecated_id)


def store_file(blobs: BlobStore, incoming: IncomingFile) -> ReceivedFile:
    incoming.file.seek(0)
    info = copy_hashing(incoming.file, lambda _chunk: None)
    incoming.file.seek(0)
    return ReceivedFile(incoming.name, blobs.put(incoming.file, known=info), incoming.content_type)


# The blob puts of the submissions in flight in this process. A put is I/O (S3's HTTP, a local
# fsync) that releases the GIL; the pool bounds how many run at once, and a submission's own puts
# run side by side.
_PUT_THREADS = ThreadPoolExecutor(max_workers=16, thread_name_prefix="blob-put")


class PendingPuts:
    """A submission's files on their way to the blob store while its rows are written."""

    def __init__(self, blobs: BlobStore) -> None:
        self._blobs = blobs
        self._futures: list[Future[object]] = []

    def start(self, incoming: IncomingFile) -> ReceivedFile:
        """Hash the file (its sha256 is its name in the store), start its put, and return what
        the rows refer to."""
        incoming.file.seek(0)
        info = copy_hashing(incoming.file, lambda _chunk: None)
        incoming.file.seek(0)
        self._futures.append(_PUT_THREADS.submit(self._blobs.put, incoming.file, info))
        return ReceivedFile(incoming.name, info, incoming.content_type)

    def finish(self) -> None:
        """Wait for every put; the first failure is raised (StorageUnavailable, DiskFull)."""
        for future in self._futures:
            future.result()

    def settle(self) -> None:
        """Wait for the puts still running, whatever happened: they read the request's files,
        which close once the request ends. Their errors, if the transaction failed before
        finish(), are the store's to log; the submission's failure is the one that is raised."""
        wait(self._futures)
