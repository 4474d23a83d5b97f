"""Tokens (sessions and app users), the server key that encrypts app-user tokens at rest, and the
settings payload ODK Collect scans from a QR code."""

from __future__ import annotations

import base64
import hashlib
import io
import json
import os
import re
import secrets
import string
import zlib
from pathlib import Path

import segno
from cryptography.fernet import Fernet, InvalidToken

# ODK Central's token alphabet and length: Collect and Enketo accept these in URL paths.
TOKEN_ALPHABET = string.ascii_letters + string.digits + "!$"
TOKEN_LENGTH = 64
TOKEN_PATTERN = re.compile(r"^[A-Za-z0-9!$]{64}$")


def new_token() -> str:
    return "".join(secrets.choice(TOKEN_ALPHABET) for _ in range(TOKEN_LENGTH))


def token_hash(token: str) -> str:
    """Tokens carry 380 bits of randomness, so a plain sha256 is enough to store them."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def load_server_key(data_dir: Path, configured: str = "") -> bytes:
    """The Fernet key: BAOBAB_SECRET_KEY if set, else `secret.key` in the data directory,
    created (readable by this user only) on first use."""
    if configured:
        return configured.encode("ascii")
    path = data_dir / "secret.key"
    if not path.exists():
        data_dir.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(Fernet.generate_key())
    return path.read_bytes().strip()


class TokenBox:
    """Encrypts app-user tokens so a database dump alone does not reveal them."""

    def __init__(self, key: bytes) -> None:
        self._fernet = Fernet(key)

    def seal(self, token: str) -> str:
        return self._fernet.encrypt(token.encode("utf-8")).decode("ascii")

    def open(self, cipher: str) -> str | None:
        try:
            return self._fernet.decrypt(cipher.encode("ascii")).decode("utf-8")
        except InvalidToken:
            return None  # sealed with another key: the QR code must be re-issued


def collect_settings(server_url: str, project_name: str) -> dict[str, object]:
    """The settings ODK Central puts in a managed app user's QR code."""
    return {
        "general": {
            "server_url": server_url,
            "form_update_mode": "match_exactly",
            "autosend": "wifi_and_cellular",
        },
        "project": {"name": project_name},
        "admin": {},
    }


def qr_payload(settings: dict[str, object]) -> str:
    """JSON, zlib-compressed (with its header), base64 without line breaks: what Collect reads."""
    data = json.dumps(settings, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    return base64.b64encode(zlib.compress(data)).decode("ascii")


def qr_image(payload: str, kind: str) -> bytes:
    code = segno.make(payload, error="l", micro=False)
    buffer = io.BytesIO()
    if kind == "svg":
        code.save(buffer, kind="svg", scale=4, border=4, xmldecl=True)
    else:
        code.save(buffer, kind="png", scale=6, border=4)
    return buffer.getvalue()
