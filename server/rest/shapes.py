"""ODK Central's JSON shapes, so that pyodk, ruODK and Power BI read Baobab's replies unchanged.
Keys Central always sends are always present here, null when there is no value."""

from __future__ import annotations

from datetime import UTC, datetime

from storage.accounts.access import ActorRecord, AppUserRecord
from storage.audit import AuditRecord
from storage.forms.versions import FormRecord, FormVersionRecord
from storage.projects import ProjectRecord
from storage.submissions.queries import CommentRecord, SubmissionRecord, VersionRecord

JsonObject = dict[str, object]


def iso(moment: datetime | None) -> str | None:
    """Central's timestamps: UTC, milliseconds, Z."""
    if moment is None:
        return None
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def project_json(project: ProjectRecord) -> JsonObject:
    return {
        "id": project.id,
        "name": project.name,
        "description": project.description,
        "archived": project.archived or None,
        "keyId": None,
        "createdAt": iso(project.created_at),
        "updatedAt": iso(project.updated_at),
        "deletedAt": None,
    }


def form_json(form: FormRecord, version: FormVersionRecord | None) -> JsonObject:
    return {
        "projectId": form.project_id,
        "xmlFormId": form.xml_form_id,
        "state": form.state,
        "enketoId": None,
        "enketoOnceId": None,
        "createdAt": iso(form.created_at),
        "updatedAt": iso(form.updated_at),
        "webformsEnabled": False,
        "keyId": None,
        "version": version.version if version else None,
        "hash": version.xform_md5 if version else None,
        "sha": version.xform_sha1 if version else None,
        "sha256": version.xform_sha256 if version else None,
        "draftToken": None,
        "publishedAt": iso(version.published_at) if version else None,
        "name": form.name or form.xml_form_id,
    }


def actor_json(actor: ActorRecord) -> JsonObject:
    body: JsonObject = {
        "id": actor.id,
        "type": actor.type,
        "displayName": actor.display_name,
        "createdAt": iso(actor.created_at),
        "updatedAt": None,
        "deletedAt": None,
    }
    if actor.email is not None:
        body["email"] = actor.email
    return body


def app_user_json(app_user: AppUserRecord, token: str | None = None) -> JsonObject:
    return {
        "projectId": app_user.project_id,
        "id": app_user.id,
        "type": "field_key",
        "displayName": app_user.display_name,
        "createdAt": iso(app_user.created_at),
        "updatedAt": iso(app_user.updated_at),
        "deletedAt": iso(app_user.deleted_at),
        "token": token,
    }


def version_json(
    version: VersionRecord, submitter: ActorRecord | None = None, *, name_hidden: bool = False
) -> JsonObject:
    """`name_hidden`: the instance name is computed from answers the caller may not read
    (server/sensitive.py), and is null for them."""
    body: JsonObject = {
        "submitterId": version.submitter_id,
        "createdAt": iso(version.created_at),
        "instanceName": None if name_hidden else version.instance_name,
        "instanceId": version.instance_id,
        "current": version.is_current,
        "deviceId": version.device_id,
        "userAgent": version.user_agent,
    }
    if submitter is not None:
        body["submitter"] = actor_json(submitter)
    return body


def submission_json(
    submission: SubmissionRecord,
    submitter: ActorRecord | None = None,
    *,
    name_hidden: bool = False,
) -> JsonObject:
    body: JsonObject = {
        "instanceId": submission.instance_id,
        "submitterId": submission.submitter_id,
        "deviceId": submission.device_id,
        "createdAt": iso(submission.created_at),
        "updatedAt": iso(submission.updated_at),
        "reviewState": submission.review_state,
        "userAgent": submission.user_agent,
        "deletedAt": iso(submission.deleted_at),
    }
    if submitter is not None:
        body["submitter"] = actor_json(submitter)
    body["currentVersion"] = version_json(submission.current, submitter, name_hidden=name_hidden)
    return body


def comment_json(comment: CommentRecord) -> JsonObject:
    return {"body": comment.body, "actorId": comment.actor_id, "createdAt": iso(comment.created_at)}


def audit_json(audit: AuditRecord) -> JsonObject:
    return {
        "actorId": audit.actor_id,
        "action": audit.action,
        "acteeId": audit.actee_id,
        "details": audit.details,
        "loggedAt": iso(audit.logged_at),
    }
