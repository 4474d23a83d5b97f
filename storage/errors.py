"""Errors raised by the storage layer.

    StorageError
    ├── NotFound                  a row or blob that should be there is not
    │   └── BlobNotFound
    ├── Conflict                  a write clashes with what is stored
    │   └── DuplicateSubmission
    ├── InvalidData               stored data would break an invariant (bad name, bad version)
    └── StorageUnavailable        the database or blob store cannot be reached, or is full

Every error carries a stable ``code`` (see ``StorageCode``) and a ``context`` dict; the server
maps codes to HTTP statuses in ``server/errors.py``.
"""

from __future__ import annotations

from enum import Enum


class StorageCode(Enum):
    """Stable codes with message templates, formatted with the error's context."""

    NOT_FOUND = "Could not find {what}."
    BLOB_NOT_FOUND = "The file with sha256 {sha256} is not in the blob store."
    FORM_NOT_FOUND = "Could not find the form '{form_id}'."
    FORM_VERSION_NOT_FOUND = "The form '{form_id}' has no version '{version}'."
    PROJECT_NOT_FOUND = "Could not find the project {project_id}."
    USER_NOT_FOUND = "Could not find the user {user}."
    ALREADY_EXISTS = "A {what} with {key} already exists."
    VERSION_EXISTS = (
        "The form '{form_id}' already has a version '{version}': every version published needs "
        "a name of its own. Change the 'version' in the form (the settings sheet of an XLSForm, "
        "the version attribute of an XForm) and upload it again, or publish this one under a "
        "new version name."
    )
    VERSION_UNCHANGED = "The form '{form_id}' version '{version}' is already published."
    SUBMISSION_EXISTS = (
        "A submission already exists with this ID, but with different XML. Resubmissions to "
        "attach additional multimedia must resubmit an identical xml_submission_file."
    )
    # Central's wording (409.18): a resend of a submission in the trash, or purged from it.
    SUBMISSION_DELETED = "This submission has been deleted. You may not resubmit it."
    DEPRECATED_NOT_FOUND = (
        "The submission {instance_id} that this edit replaces (deprecatedID) does not exist."
    )
    EDIT_STALE = (
        "This edit is based on {instance_id}, which has been edited since. Download the current "
        "version of the submission and edit that."
    )
    DRAFT_NOT_FOUND = "The form '{form_id}' has no draft."
    FORM_ID_MISMATCH = "The form definition's id is '{got}', but it was sent to form '{expected}'."
    FORM_CLOSED = "The form '{form_id}' is closed and does not accept submissions."
    INVALID_STATE = "'{state}' is not a {kind}; use one of: {expected}."
    INVALID_EMAIL = "'{email}' is not an e-mail address."
    INVALID_NAME = "The name '{name}' cannot be used: {reason}."
    ENTITY_STALE = (
        "The entity {uuid} is at version {current}, not {given}: fetch it again and apply your "
        "change to the current version (or send force=true)."
    )
    ENTITY_EXISTS = "The entity {uuid} exists already in the list '{list}'."
    ENTITY_VERSION_NOT_FOUND = (
        "The {field} {given} does not exist for the entity {uuid}, which is at version {current}."
    )
    ENTITY_DELETED = "The entity {uuid} of the list '{list}' has been deleted."
    ENTITY_ID_DELETED = (
        "The id {uuid} belonged to an entity of the list '{list}' that was deleted: it cannot "
        "be used again."
    )
    ENTITY_MULTI = "Failed to process {count} of {total} entities in the submission: {errors}"
    UNAVAILABLE = "The {service} is unavailable: {reason}. Try again shortly."
    BLOB_STORE_FULL = "The blob store has no space left for {size} bytes: {reason}."


class StorageError(Exception):
    """Base class: a code from ``StorageCode`` plus the values its message refers to."""

    def __init__(self, code: StorageCode, **context: object) -> None:
        self.code = code
        self.context = context
        super().__init__(self.message)

    @property
    def message(self) -> str:
        try:
            return self.code.value.format(**self.context)
        except (KeyError, IndexError):
            return self.code.value


class NotFound(StorageError):
    pass


class BlobNotFound(NotFound):
    pass


class Conflict(StorageError):
    pass


class DuplicateSubmission(Conflict):
    pass


class InvalidData(StorageError):
    pass


class StorageUnavailable(StorageError):
    pass
