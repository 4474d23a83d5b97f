"""Baobab's configuration: one frozen Settings built from BAOBAB_* environment variables.

Each setting is declared once below with its default and help text, from which
docs/reference/settings.md is generated (scripts/reference_docs.py). Nothing else reads the
environment.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields
from pathlib import Path


@dataclass(frozen=True, slots=True)
class Setting:
    env: str
    field: str
    default: str
    help: str


SETTINGS: tuple[Setting, ...] = (
    Setting(
        "BAOBAB_DATA_DIR",
        "data_dir",
        "data",
        "Directory for the embedded database and blob store (created if missing).",
    ),
    Setting(
        "BAOBAB_DATABASE_URL",
        "database_url",
        "sqlite:///{data_dir}/baobab.db",
        "SQLAlchemy URL of the database: sqlite:///path or postgresql://user@host/db "
        "(psycopg 3 is used for any PostgreSQL spelling).",
    ),
    Setting(
        "BAOBAB_BLOB_URL",
        "blob_url",
        "file://{data_dir}/blobs",
        "Where submission files and form media go: file://dir or "
        "s3://bucket[/prefix]?endpoint_url=http://host:port&region=us-east-1. S3 credentials "
        "come from the standard AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY variables (or any "
        "boto3 credential source), never from the URL.",
    ),
    Setting("BAOBAB_HOST", "host", "127.0.0.1", "Address the server listens on."),
    Setting("BAOBAB_PORT", "port", "8000", "Port the server listens on."),
    Setting(
        "BAOBAB_PUBLIC_URL",
        "public_url",
        "",
        "Base URL clients reach the server at, used in download links and QR codes "
        "(e.g. https://baobab.example.org behind a proxy). Default: http://HOST:PORT.",
    ),
    Setting("BAOBAB_WORKERS", "workers", "1", "Number of server worker processes."),
    Setting(
        "BAOBAB_MAX_SUBMISSION_SIZE",
        "max_submission_size",
        "100000000",
        "Largest submission body accepted, in bytes (advertised to ODK Collect as "
        "X-OpenRosa-Accept-Content-Length; larger bodies get 413).",
    ),
    Setting(
        "BAOBAB_ODK_VALIDATE",
        "odk_validate",
        "auto",
        "Run ODK Validate (Java) on uploaded forms: auto (when java is installed), on, off.",
    ),
    Setting(
        "BAOBAB_FORMS_DIR",
        "forms_dir",
        "forms",
        "Directory of XLSForms that `baobab serve --bootstrap` publishes in the default project.",
    ),
    Setting(
        "BAOBAB_ADMIN_EMAIL",
        "admin_email",
        "admin@baobab.local",
        "Email of the administrator created on first start.",
    ),
    Setting(
        "BAOBAB_ADMIN_PASSWORD",
        "admin_password",
        "",
        "Password of that administrator; when empty, one is generated and printed once.",
    ),
    Setting(
        "BAOBAB_SECRET_KEY",
        "secret_key",
        "",
        "Key that encrypts app-user tokens at rest, so their QR codes can be shown again (a "
        "Fernet key: `python -c 'from cryptography.fernet import Fernet; "
        "print(Fernet.generate_key().decode())'`). When empty, one is created in "
        "BAOBAB_DATA_DIR/secret.key (mode 0600); set it when several machines share a database.",
    ),
    Setting(
        "BAOBAB_MAX_REPEAT_INSTANCES",
        "max_repeat_instances",
        "5000",
        "Most repeat instances one submission may hold, all repeats together; a submission "
        "with more is refused (400) before anything is stored.",
    ),
    Setting(
        "BAOBAB_BODY_TIMEOUT",
        "body_timeout",
        "30",
        "Seconds a request body may pause between two chunks before the request is refused "
        "with 408; no database connection is held while a body arrives.",
    ),
    Setting(
        "BAOBAB_ENTITY_BACKLOG_DAYS",
        "entity_backlog_days",
        "5",
        "Days an offline entity update waits for the update it builds on (Central: 5); after "
        "that it is applied against the latest version and flagged.",
    ),
    Setting(
        "BAOBAB_TRASH_DAYS",
        "trash_days",
        "30",
        "Days deleted submissions, forms, projects and entities stay in the trash (restorable) "
        "before `baobab purge` removes them for good (Central: 30).",
    ),
    Setting("BAOBAB_SESSION_HOURS", "session_hours", "24", "Lifetime of a sign-in session."),
    Setting(
        "BAOBAB_SESSION_IDLE_MINUTES",
        "session_idle_minutes",
        "120",
        "A sign-in session unused for this many minutes ends (its lifetime aside).",
    ),
    Setting(
        "BAOBAB_SMTP_URL",
        "smtp_url",
        "",
        "Mail server for account e-mails (account created, password reset, password changed): "
        "smtp://user:password@host:587 (STARTTLS, required) or smtps://user:password@host:465 "
        "(TLS from the start); the server's certificate is checked against the system's "
        "authorities. Percent-encode @ or : in the user or password. When empty no e-mail is "
        "sent, and a reset link is shown to the administrator who asked for it.",
    ),
    Setting(
        "BAOBAB_MAIL_FROM",
        "mail_from",
        "baobab@localhost",
        "The From address of account e-mails.",
    ),
    Setting(
        "BAOBAB_OIDC_ISSUER",
        "oidc_issuer",
        "",
        "OpenID Connect provider for single sign-on (Microsoft Entra ID "
        "https://login.microsoftonline.com/TENANT/v2.0, Google https://accounts.google.com, "
        "a Keycloak realm's URL, ...); empty: no single sign-on. Register "
        "PUBLIC_URL/login/oidc/callback as the redirect URI there.",
    ),
    Setting(
        "BAOBAB_OIDC_CLIENT_ID",
        "oidc_client_id",
        "",
        "Client id registered at that provider (required with the issuer).",
    ),
    Setting(
        "BAOBAB_OIDC_CLIENT_SECRET",
        "oidc_client_secret",
        "",
        "Client secret at that provider (required with the issuer).",
    ),
    Setting(
        "BAOBAB_PASSWORD_SIGN_IN",
        "password_sign_in",
        "true",
        "Whether users may sign in with a password (the web page, POST /v1/sessions, Basic); "
        "turn it off when everyone signs in with single sign-on.",
    ),
    Setting(
        "BAOBAB_PROGRAMMES",
        "programmes",
        "returnees",
        "Programmes loaded on top of the ODK server, comma-separated: `returnees` adds the Mali "
        "returnee programme (reintegration scores, duplicate review of registrations, cases, "
        "the programme dashboard, its export and OData columns, `baobab scores` and `baobab "
        "duplicates`). Empty: a plain ODK server; the programme's tables stay, unused.",
    ),
    Setting(
        "BAOBAB_MAP_BOUNDARIES",
        "map_boundaries",
        "",
        "Extra boundary files drawn on the maps over Mali's regions, comma-separated paths to "
        "GeoJSON FeatureCollections of Polygon or MultiPolygon features in longitude/latitude "
        "(cercles from OCHA's COD-AB, say); each is checked at start. Empty: none.",
    ),
    Setting(
        "BAOBAB_MAP_ATTRIBUTION",
        "map_attribution",
        "",
        "Credit shown under the maps for those files, as their licence asks (e.g. "
        '"Cercles: OCHA, CC BY 3.0 IGO").',
    ),
    Setting("BAOBAB_LOG_LEVEL", "log_level", "info", "Logging level: debug, info, warning."),
    Setting(
        "BAOBAB_DEBUG",
        "debug",
        "false",
        "Show exception details in 500 responses. Never in production.",
    ),
)


@dataclass(frozen=True, slots=True)
class Settings:
    data_dir: Path = Path("data")
    database_url: str = "sqlite:///data/baobab.db"
    blob_url: str = "file://data/blobs"
    host: str = "127.0.0.1"
    port: int = 8000
    public_url: str = ""
    workers: int = 1
    max_submission_size: int = 100_000_000
    odk_validate: str = "auto"
    forms_dir: Path = Path("forms")
    admin_email: str = "admin@baobab.local"
    admin_password: str = ""
    secret_key: str = ""
    max_repeat_instances: int = 5000
    body_timeout: int = 30
    entity_backlog_days: int = 5
    trash_days: int = 30
    session_hours: int = 24
    session_idle_minutes: int = 120
    smtp_url: str = ""
    mail_from: str = "baobab@localhost"
    oidc_issuer: str = ""
    oidc_client_id: str = ""
    oidc_client_secret: str = ""
    password_sign_in: bool = True
    programmes: tuple[str, ...] = ("returnees",)
    map_boundaries: tuple[Path, ...] = ()
    map_attribution: str = ""
    log_level: str = "info"
    debug: bool = False

    @property
    def base_url(self) -> str:
        return (self.public_url or f"http://{self.host}:{self.port}").rstrip("/")

    @classmethod
    def from_env(cls, environ: Mapping[str, str], **overrides: object) -> Settings:
        """Build settings from BAOBAB_* variables; ``overrides`` (e.g. from CLI flags) win."""
        raw = {s.field: environ.get(s.env, s.default) for s in SETTINGS}
        for setting in SETTINGS:  # defaults may refer to the data directory
            raw[setting.field] = raw[setting.field].replace("{data_dir}", raw["data_dir"])
        values: dict[str, object] = {}
        for field in fields(cls):
            setting = next(s for s in SETTINGS if s.field == field.name)
            try:
                values[field.name] = _PARSERS.get(field.name, str)(raw[field.name])
            except ValueError as error:
                raise ValueError(f"{setting.env}={raw[field.name]!r}: {error}") from error
        values.update({k: v for k, v in overrides.items() if v is not None})
        settings = cls(**values)  # type: ignore[arg-type]
        if settings.smtp_url and not settings.smtp_url.startswith(("smtp://", "smtps://")):
            raise ValueError(
                f"BAOBAB_SMTP_URL must start with smtp:// or smtps://, not {settings.smtp_url!r}"
            )
        if settings.oidc_issuer and not (settings.oidc_client_id and settings.oidc_client_secret):
            raise ValueError(
                "BAOBAB_OIDC_ISSUER needs BAOBAB_OIDC_CLIENT_ID and BAOBAB_OIDC_CLIENT_SECRET"
            )
        if settings.odk_validate not in ("auto", "on", "off"):
            raise ValueError(
                f"BAOBAB_ODK_VALIDATE must be auto, on or off, not {settings.odk_validate!r}"
            )
        return settings


def _boolean(text: str) -> bool:
    lowered = text.strip().lower()
    if lowered in ("1", "true", "yes", "on"):
        return True
    if lowered in ("0", "false", "no", "off", ""):
        return False
    raise ValueError("expected true or false")


def _positive(text: str) -> int:
    value = int(text)
    if value <= 0:
        raise ValueError("expected a positive number")
    return value


_PARSERS: dict[str, Callable[[str], object]] = {
    "data_dir": Path,
    "forms_dir": Path,
    "port": _positive,
    "workers": _positive,
    "max_submission_size": _positive,
    "session_hours": _positive,
    "session_idle_minutes": _positive,
    "password_sign_in": _boolean,
    "max_repeat_instances": _positive,
    "body_timeout": _positive,
    "entity_backlog_days": _positive,
    "trash_days": _positive,
    "debug": _boolean,
    "odk_validate": lambda v: v.strip().lower(),
    "programmes": lambda v: tuple(n.strip() for n in v.split(",") if n.strip()),
    "log_level": lambda v: v.strip().lower(),
    "map_boundaries": lambda v: tuple(Path(p.strip()) for p in v.split(",") if p.strip()),
}
