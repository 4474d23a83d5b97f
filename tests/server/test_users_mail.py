"""Account e-mails through a real SMTP server the tests start (aiosmtpd on 127.0.0.1 and a free
port, with a certificate of its own): STARTTLS on smtp://, TLS on smtps://, a password to sign
in to it; each message read from the server and its link followed. A send that fails leaves the
action done, and says so."""

from __future__ import annotations

import datetime as dt
import email
import ipaddress
import logging
import re
import ssl
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from email.header import decode_header, make_header

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from starlette.testclient import TestClient

from scripts.test_services import free_port
from server.app import create_app
from tests.support.accounts import PASSWORDS, create_admin

ADMIN = {"email": "admin@example.org", "password": "correct horse battery"}
LINK = re.compile(r"http://baobab\.test/account/reset\?token=([\w-]+)")


@dataclass
class Mailbox:
    """What the SMTP server received: one email.message.Message per mail."""

    messages: list[email.message.Message] = field(default_factory=list)
    logins: list[str] = field(default_factory=list)

    async def handle_DATA(self, server, session, envelope):  # aiosmtpd's name
        self.messages.append(email.message_from_bytes(envelope.content))
        return "250 OK"

    def subjects(self) -> list[str]:
        return [str(make_header(decode_header(m["Subject"]))) for m in self.messages]

    def body(self, index: int = -1) -> str:
        return self.messages[index].get_payload(decode=True).decode("utf-8")

    def authenticate(self, server, session, envelope, mechanism, auth_data):
        ok = isinstance(auth_data, LoginPassword) and auth_data.password == b"mail secret"
        if ok:
            self.logins.append(auth_data.login.decode())
        return AuthResult(success=ok)


@pytest.fixture(scope="module")
def certificate(tmp_path_factory) -> tuple[str, str]:
    """A self-signed certificate for 127.0.0.1 (the key and the certificate files)."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    folder = tmp_path_factory.mktemp("smtp-tls")
    key_file, cert_file = folder / "key.pem", folder / "cert.pem"
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return str(key_file), str(cert_file)


@contextmanager
def smtp_server(certificate, *, implicit_tls: bool) -> Iterator[tuple[Mailbox, int]]:
    key_file, cert_file = certificate
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert_file, key_file)
    mailbox, port = Mailbox(), free_port()
    # aiosmtpd knows of TLS it started itself (STARTTLS), not of TLS from the first byte.
    tls = (
        {"ssl_context": context, "auth_require_tls": False}
        if implicit_tls
        else {
            "tls_context": context,
            "require_starttls": True,
        }
    )
    controller = Controller(
        mailbox,
        hostname="127.0.0.1",
        port=port,
        authenticator=mailbox.authenticate,
        auth_required=True,
        **tls,
    )
    controller.start()
    try:
        yield mailbox, port
    finally:
        controller.stop()


@pytest.fixture
def trust(certificate, monkeypatch):
    """The mail client trusts the test server's certificate, as it would a real authority's."""
    monkeypatch.setenv("SSL_CERT_FILE", certificate[1])


@contextmanager
def app_with(settings, engine, clock, **changes) -> Iterator[TestClient]:
    create_admin(engine, clock)
    app = create_app(replace(settings, **changes), clock=clock, passwords=PASSWORDS)
    with TestClient(app, base_url="http://baobab.test") as client:
        token = client.post("/v1/sessions", json=ADMIN).json()["token"]
        client.headers["Authorization"] = f"Bearer {token}"
        yield client


# The SMTPS server is TLS from the first byte, which aiosmtpd's warning does not know.
@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS:UserWarning")
@pytest.mark.parametrize("scheme", ["smtp", "smtps"])
def test_account_created_reset_and_changed_mails_with_their_links(
    scheme, certificate, trust, settings, engine, clock
):
    with smtp_server(certificate, implicit_tls=scheme == "smtps") as (mailbox, port):
        url = f"{scheme}://baobab%40example.org:mail%20secret@127.0.0.1:{port}"
        with app_with(
            settings, engine, clock, smtp_url=url, mail_from="baobab@example.org"
        ) as client:
            made = client.post("/v1/users", json={"email": "awa@example.org"})
            assert made.status_code == 200
            assert mailbox.subjects() == ["Your Baobab account"]
            assert mailbox.messages[0]["To"] == "awa@example.org"
            assert mailbox.messages[0]["From"] == "baobab@example.org"
            token = LINK.search(mailbox.body()).group(1)
            client.headers.pop("Authorization")
            web = client.get(f"/account/reset?token={token}")
            assert web.status_code == 200 and 'name="token"' in web.text
            chosen = client.post(
                "/v1/users/reset/verify",
                json={"new": "my very own phrase"},
                headers={"Authorization": f"Bearer {token}"},
            )
            assert chosen.status_code == 200
            assert mailbox.subjects()[-1] == "Your Baobab password was changed"
            asked = client.post("/v1/users/reset/initiate", json={"email": "awa@example.org"})
            assert asked.json() == {"success": True}  # nothing more: the link went by e-mail
            assert mailbox.subjects()[-1] == "Reset your Baobab password"
            assert "within 24 hours" in mailbox.body()
    assert mailbox.logins and set(mailbox.logins) == {"baobab@example.org"}


def test_mails_are_in_the_user_s_language(certificate, trust, settings, engine, clock):
    with smtp_server(certificate, implicit_tls=False) as (mailbox, port):
        url = f"smtp://baobab:mail%20secret@127.0.0.1:{port}"
        with app_with(settings, engine, clock, smtp_url=url) as client:
            made = client.post(
                "/v1/users",
                json={
                    "email": "binta@example.org",
                    "password": "plain sailing 42",
                    "language": "fr",
                },
            )
            user = made.json()["id"]
            session = client.post(
                "/v1/sessions", json={"email": "binta@example.org", "password": "plain sailing 42"}
            ).json()
            client.post("/v1/users/reset/initiate", json={"email": "binta@example.org"})
            changed = client.put(
                f"/v1/users/{user}/password",
                json={"old": "plain sailing 42", "new": "une phrase bien à moi"},
                headers={"Authorization": f"Bearer {session['token']}"},
            )
            assert changed.status_code == 200
    assert mailbox.subjects() == [
        "Votre compte Baobab",
        "Réinitialiser votre mot de passe Baobab",
        "Votre mot de passe Baobab a été modifié",
    ]
    assert "Votre administrateur vous donnera votre mot de passe." in mailbox.body(0)
    assert "dans les 24 heures" in mailbox.body(1)


def test_a_failed_send_is_logged_and_reported_and_the_action_stands(
    trust, settings, engine, clock, caplog
):
    port = free_port()  # nobody listens there
    with app_with(settings, engine, clock, smtp_url=f"smtp://127.0.0.1:{port}") as client:
        made = client.post("/v1/users", json={"email": "awa@example.org"})
        assert made.status_code == 200
        with caplog.at_level(logging.WARNING, logger="baobab.mail"):
            asked = client.post("/v1/users/reset/initiate", json={"email": "awa@example.org"})
        assert asked.status_code == 200
        assert LINK.search(asked.json()["resetLink"])  # the administrator gets the link
    assert "could not send the e-mail 'Reset your Baobab password'" in caplog.text
    assert "awa@example.org" not in caplog.text


def test_a_server_without_the_right_certificate_gets_no_mail(
    certificate, settings, engine, clock, caplog
):
    """No SSL_CERT_FILE: the test server's own certificate is not trusted, nothing is sent."""
    with smtp_server(certificate, implicit_tls=False) as (mailbox, port):
        url = f"smtp://baobab:mail%20secret@127.0.0.1:{port}"
        with app_with(settings, engine, clock, smtp_url=url) as client:
            with caplog.at_level(logging.WARNING, logger="baobab.mail"):
                made = client.post("/v1/users", json={"email": "awa@example.org"})
            assert made.status_code == 200
    assert mailbox.messages == [] and "certificate verify failed" in caplog.text
