"""Errors raised by the storage layer.

    StorageError
    ├── NotFound                  a row or blob that should be there is not
    │   └── BlobNotFound
    ├── Conflict                  a write clashes with what is stored
    │   └── DuplicateSubmission
    ├── InvalidData               stored data would break an invariant (bad name, bad version)
    └── StorageUnavailable        the database or blob store cannot be reached, or is full

Every error carries a stable ``code`` (see ``StorageCode``) and a ``context`` dict; the code
implies the HTTP status (``converters/errors.py`` holds the base of every coded error).
"""

from __future__ import annotations

from enum import unique

from converters.errors import CodedError, ErrorCode


@unique
class StorageCode(ErrorCode):
    """The storage layer's codes, with Central's problem code for the same case. The three
    entity codes that never reach HTTP (an entity action refused while a submission is
    processed, audited as entity.error) carry Central's code for the case all the same."""

    NOT_FOUND = (404.1, "Could not find {what}.")
    BLOB_NOT_FOUND = (404.1, "The file with sha256 {sha256} is not in the blob store.")
    FORM_NOT_FOUND = (404.1, "Could not find the form '{form_id}'.")
    FORM_VERSION_NOT_FOUND = (404.6, "The form '{form_id}' has no version '{version}'.")
    PROJECT_NOT_FOUND = (404.1, "Could not find the project {project_id}.")
    USER_NOT_FOUND = (404.1, "Could not find the user {user}.")
    ALREADY_EXISTS = (409.3, "A {what} with {key} already exists.")
    VERSION_EXISTS = (
        409.6,
        "The form '{form_id}' already has a version '{version}': every version published needs "
        "a name of its own. Change the 'version' in the form (the settings sheet of an XLSForm, "
        "the version attribute of an XForm) and upload it again, or publish this one under a "
        "new version name.",
    )
    VERSION_UNCHANGED = (409.6, "The form '{form_id}' version '{version}' is already published.")
    SUBMISSION_EXISTS = (
        409.1,
        "A submission already exists with this ID, but with different XML. Resubmissions to "
        "attach additional multimedia must resubmit an identical xml_submission_file.",
    )
    # Central's wording (409.18): a resend of a submission in the trash, or purged from it.
    SUBMISSION_DELETED = (409.18, "This submission has been deleted. You may not resubmit it.")
    DEPRECATED_NOT_FOUND = (
        404.5,
        "The submission {instance_id} that this edit replaces (deprecatedID) does not exist.",
    )
    EDIT_STALE = (
        409.9,
        "This edit is based on {instance_id}, which has been edited since. Download the current "
        "version of the submission and edit that.",
    )
    DRAFT_NOT_FOUND = (404.1, "The form '{form_id}' has no draft.")
    FORM_ID_MISMATCH = (
        400.8,
        "The form definition's id is '{got}', but it was sent to form '{expected}'.",
    )
    FORM_CLOSED = (409.2, "The form '{form_id}' is closed and does not accept submissions.")
    INVALID_STATE = (400.8, "'{state}' is not a {kind}; use one of: {expected}.")
    INVALID_EMAIL = (400.8, "'{email}' is not an e-mail address.")
    INVALID_NAME = (400.8, "The name '{name}' cannot be used: {reason}.")
    ENTITY_STALE = (
        409.15,
        "The entity {uuid} is at version {current}, not {given}: fetch it again and apply your "
        "change to the current version (or send force=true).",
    )
    ENTITY_EXISTS = (409.3, "The entity {uuid} exists already in the list '{list}'.")
    ENTITY_VERSION_NOT_FOUND = (
        404.9,
        "The {field} {given} does not exist for the entity {uuid}, which is at version {current}.",
    )
    ENTITY_DELETED = (404.11, "The entity {uuid} of the list '{list}' has been deleted.")
    ENTITY_ID_DELETED = (
        409.19,
        "The id {uuid} belonged to an entity of the list '{list}' that was deleted: it cannot "
        "be used again.",
    )
    ENTITY_MULTI = (
        400.43,
        "Failed to process {count} of {total} entities in the submission: {errors}",
    )
    UNAVAILABLE = (503.0, "The {service} is unavailable: {reason}. Try again shortly.")
    BLOB_STORE_FULL = (507.0, "The blob store has no space left for {size} bytes: {reason}.")


class StorageError(CodedError):
    """Base class of the storage layer's errors: a code from ``StorageCode``."""

    code: StorageCode

    def __init__(self, code: StorageCode, **context: object) -> None:
        super().__init__(code, **context)


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
