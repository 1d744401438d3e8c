"""The SMTP transport: SMTP_URL with credentials, STARTTLS and implicit TLS,
against real aiosmtpd servers started here (with a throwaway certificate)."""

from __future__ import annotations

import shutil
import ssl
import subprocess
from contextlib import contextmanager
from email import message_from_bytes

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult

from kringwerk.mail.services import OutgoingMail, deliver
from tests.support.services import free_port

USER, PASSWORD = "mailer@kring.test", "p@ss:wo/rd"
QUOTED = "mailer%40kring.test:p%40ss%3Awo%2Frd"


@pytest.fixture(scope="module")
def certificate(tmp_path_factory):
    if shutil.which("openssl") is None:
        pytest.skip("openssl is needed to make a test certificate")
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [
            "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
            "-keyout", str(key), "-out", str(cert),
            "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
        ],
        check=True,
        capture_output=True,
    )  # fmt: skip
    return cert, key


@pytest.fixture
def trust(app, certificate):
    """Trust the throwaway certificate, as SMTP_CA_FILE does for a private CA."""
    app.config["SMTP_CA_FILE"] = str(certificate[0])


def server_context(certificate) -> ssl.SSLContext:
    cert, key = certificate
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    return context


@contextmanager
def smtp_server(**options):
    received: list[tuple[object, object, bool]] = []

    class Handler:
        async def handle_DATA(self, server, session, envelope):
            encrypted = server.transport.get_extra_info("ssl_object") is not None
            received.append(
                (session, message_from_bytes(envelope.original_content or envelope.content), encrypted)
            )
            return "250 Message accepted for delivery"

    controller = Controller(Handler(), hostname="127.0.0.1", port=free_port(), **options)
    controller.start()
    try:
        yield controller.port, received
    finally:
        controller.stop()


def check_password(server, session, envelope, mechanism, auth_data):
    ok = auth_data.login == USER.encode() and auth_data.password == PASSWORD.encode()
    return AuthResult(success=ok, handled=False, auth_data=auth_data)


def mail() -> OutgoingMail:
    return OutgoingMail(
        to="anna@example.test", subject="Test", text="Hallo", html="<p>Hallo</p>", locale="nl"
    )


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
def test_plain_smtp_with_credentials(app):
    with smtp_server(authenticator=check_password, auth_required=True, auth_require_tls=False) as (port, got):
        app.config["SMTP_URL"] = f"smtp://{QUOTED}@127.0.0.1:{port}"
        deliver(mail())
    ((session, message, encrypted),) = got
    assert session.authenticated and session.auth_data.login == USER.encode()
    assert message["To"] == "anna@example.test"
    assert not encrypted


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
def test_wrong_password_is_an_error(app):
    import smtplib

    with smtp_server(authenticator=check_password, auth_required=True, auth_require_tls=False) as (port, got):
        app.config["SMTP_URL"] = f"smtp://mailer%40kring.test:wrong@127.0.0.1:{port}"
        with pytest.raises(smtplib.SMTPAuthenticationError):
            deliver(mail())
    assert got == []


def test_starttls(app, certificate, trust):
    options = {"tls_context": server_context(certificate), "require_starttls": True}
    with smtp_server(authenticator=check_password, **options) as (port, got):
        app.config["SMTP_URL"] = f"smtp+starttls://{QUOTED}@127.0.0.1:{port}"
        deliver(mail())
    ((session, message, encrypted),) = got
    assert encrypted and session.ssl is not None and session.authenticated
    assert message["Subject"] == "Test"


def test_implicit_tls(app, certificate, trust):
    with smtp_server(ssl_context=server_context(certificate)) as (port, got):
        app.config["SMTP_URL"] = f"smtps://127.0.0.1:{port}"
        deliver(mail())
    ((_, message, encrypted),) = got
    assert encrypted
    assert message["Content-Language"] == "nl"


def test_implicit_tls_refuses_an_untrusted_certificate(app, certificate):
    with smtp_server(ssl_context=server_context(certificate)) as (port, got):
        app.config["SMTP_URL"] = f"smtps://127.0.0.1:{port}"
        with pytest.raises(ssl.SSLCertVerificationError):
            deliver(mail())
    assert got == []


def test_unknown_scheme_is_refused(app):
    app.config["SMTP_URL"] = "http://127.0.0.1:25"
    with pytest.raises(ValueError, match="SMTP_URL"):
        deliver(mail())
