"""Single sign-on with OpenID Connect (BAOBAB_OIDC_ISSUER, client id and secret): the
authorization code flow with PKCE (S256), a state bound to the browser by a cookie and used
once, a nonce checked in the ID token, whose signature (the provider's published keys) and
claims (issuer, audience, expiry, issue time) are verified with joserfc, Authlib's JOSE library.

People are matched by their e-mail address, which the provider must say is verified; an
unknown address, a deactivated or deleted user, or an account the provider no longer signs in
get no session. The provider is reached with the standard library's HTTP client, within
TIMEOUT seconds; its discovery document is cached per process."""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import secrets
import urllib.error
import urllib.parse
import urllib.request
from datetime import timedelta
from typing import Any

from authlib.oauth2.rfc7636 import (  # type: ignore[import-untyped]
    create_s256_code_challenge,
)
from joserfc import jwt
from joserfc.errors import ExpiredTokenError, InvalidClaimError, JoseError, MissingClaimError
from joserfc.jwk import KeySet

from server.accounts.actions import limit
from server.accounts.sign_in import client_key, start_session
from server.services import Services
from storage.accounts.oidc_attempts import save_attempt, take_attempt
from storage.accounts.users import find_user_by_email
from storage.audit import record
from storage.db import transaction

log = logging.getLogger("baobab.oidc")
TIMEOUT = 10
ATTEMPT_TIME = timedelta(minutes=10)  # from leaving for the provider to coming back
CALLBACK_PER_CLIENT = 30  # callbacks from one client address in accounts.RATE_WINDOW
LEEWAY = 60  # seconds of clock difference with the provider
ALGORITHMS = ("RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512")
STATE_COOKIE = "baobab_oidc_state"
CALLBACK = "/login/oidc/callback"

_discovered: dict[str, dict[str, Any]] = {}


class Refused(Exception):
    """A sign-in that gives no session; `reason` goes to the audit log and the page: state,
    provider, code, token, signature, nonce, expired, claims, email_unverified, unknown_email,
    deactivated. `actor_id`: the user it was, when known."""

    def __init__(self, reason: str, actor_id: int | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.actor_id = actor_id


def enabled(settings: Any) -> bool:
    return bool(settings.oidc_issuer)


def redirect_uri(settings: Any) -> str:
    return str(settings.base_url) + CALLBACK


def _get_json(
    url: str,
    data: dict[str, str] | None = None,
    auth: str | None = None,
    bearer: object = None,
) -> Any:
    if not url.startswith(("https://", "http://")):
        raise Refused("provider")
    body = urllib.parse.urlencode(data).encode() if data is not None else None
    request = urllib.request.Request(url, data=body)  # noqa: S310  # http(s) only, checked
    request.add_header("Accept", "application/json")
    if auth:
        request.add_header("Authorization", f"Basic {auth}")
    elif isinstance(bearer, str) and bearer:
        request.add_header("Authorization", f"Bearer {bearer}")
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT) as response:  # noqa: S310
            return json.loads(response.read(1_000_000))
    except (urllib.error.URLError, OSError, ValueError) as error:
        log.warning("the OpenID provider did not answer %s: %s", url.split("?")[0], error)
        raise Refused("provider") from error


def discover(issuer: str) -> dict[str, Any]:
    found = _discovered.get(issuer)
    if found is None:
        found = _get_json(issuer.rstrip("/") + "/.well-known/openid-configuration")
        if not isinstance(found, dict) or found.get("issuer") != issuer:
            raise Refused("provider")
        _discovered[issuer] = found
    return found


def start(state: Services, next_path: str) -> tuple[str, str]:
    """The provider's authorization URL to send the browser to, and the state to keep in its
    cookie."""
    settings = state.settings
    meta = discover(settings.oidc_issuer)
    value, nonce = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    verifier = secrets.token_urlsafe(64)
    now = state.clock()
    with transaction(state.engine) as connection:
        save_attempt(
            connection,
            state_hash=_hash(value),
            nonce=nonce,
            code_verifier=verifier,
            next_path=next_path,
            now=now,
            forget_before=now - ATTEMPT_TIME,
        )
    query = urllib.parse.urlencode(
        {
            "response_type": "code",
            "client_id": settings.oidc_client_id,
            "redirect_uri": redirect_uri(settings),
            "scope": "openid email profile",
            "state": value,
            "nonce": nonce,
            "code_challenge": create_s256_code_challenge(verifier),
            "code_challenge_method": "S256",
        }
    )
    return f"{meta['authorization_endpoint']}?{query}", value


def finish(
    state: Services, params: dict[str, str], cookie: str | None, client: str, user_agent: str | None
) -> tuple[str, str]:
    """The provider sent the browser back: a new session token and the path to go on to, or
    Refused (audited)."""
    limit(state, {f"oidc:client:{client_key(client)}": CALLBACK_PER_CLIENT})
    try:
        user_id, next_path = _verify(state, params, cookie)
    except Refused as refused:
        _audit(state, refused.actor_id, refused.reason)
        raise
    token, _session = start_session(state, user_id, client, user_agent, via="oidc")
    return token, next_path


def _verify(state: Services, params: dict[str, str], cookie: str | None) -> tuple[int, str]:
    settings = state.settings
    given = params.get("state", "")
    if not given or not cookie or not secrets.compare_digest(given, cookie):
        raise Refused("state")
    now = state.clock()
    with transaction(state.engine) as connection:
        attempt = take_attempt(connection, _hash(given), now - ATTEMPT_TIME)
    if attempt is None:
        raise Refused("state")
    if params.get("error"):
        raise Refused("provider")
    if not params.get("code"):
        raise Refused("code")
    meta = discover(settings.oidc_issuer)
    credentials = ":".join(
        urllib.parse.quote(part, safe="")
        for part in (settings.oidc_client_id, settings.oidc_client_secret)
    )
    tokens = _get_json(
        meta["token_endpoint"],
        {
            "grant_type": "authorization_code",
            "code": params["code"],
            "redirect_uri": redirect_uri(settings),
            "code_verifier": attempt.code_verifier,
        },
        auth=_b64(credentials),
    )
    id_token = tokens.get("id_token") if isinstance(tokens, dict) else None
    if not isinstance(id_token, str):
        raise Refused("token")
    keys = KeySet.import_key_set(_get_json(meta["jwks_uri"]))
    try:
        decoded = jwt.decode(id_token, keys, algorithms=list(ALGORITHMS))
    except (JoseError, ValueError) as error:
        raise Refused("signature") from error
    claims = decoded.claims
    registry = jwt.JWTClaimsRegistry(
        now=int(now.timestamp()),
        leeway=LEEWAY,
        iss={"essential": True, "value": settings.oidc_issuer},
        aud={"essential": True, "value": settings.oidc_client_id},
        sub={"essential": True},
        exp={"essential": True},
        iat={"essential": True},
        nonce={"essential": True, "value": attempt.nonce},
    )
    try:
        registry.validate(claims)
    except ExpiredTokenError as error:
        raise Refused("expired") from error
    except (InvalidClaimError, MissingClaimError) as error:
        raise Refused("nonce" if "nonce" in str(error) else "claims") from error
    except JoseError as error:
        raise Refused("claims") from error
    if "email" not in claims and meta.get("userinfo_endpoint"):
        # Providers that keep the ID token small (as the spec lets them) give the e-mail at
        # the userinfo endpoint; its `sub` must be the ID token's.
        info = _get_json(meta["userinfo_endpoint"], bearer=tokens.get("access_token"))
        if not isinstance(info, dict) or info.get("sub") != claims.get("sub"):
            raise Refused("claims")
        claims = {**info, **claims}
    email = claims.get("email")
    if not isinstance(email, str) or claims.get("email_verified") is not True:
        raise Refused("email_unverified")
    with transaction(state.engine, read_only=True) as connection:
        user = find_user_by_email(connection, email)
    if user is None:
        raise Refused("unknown_email")
    if not user.active:
        raise Refused("deactivated", user.id)
    return user.id, attempt.next_path


def _audit(state: Services, actor_id: int | None, reason: str) -> None:
    with transaction(state.engine) as connection:
        record(
            connection,
            actor_id=actor_id,
            action="user.session.oidc.refused",
            actee_type="user" if actor_id else None,
            actee_id=actor_id,
            now=state.clock(),
            details={"reason": reason},
        )


def _hash(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def _b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()
