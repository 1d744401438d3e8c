"""Real services for the test suite: a throwaway PostgreSQL, a Redis server
and an SMTP server (aiosmtpd), each on a free loopback port.

PostgreSQL refuses to run as root, so as root the server runs as the
``postgres`` user in its own temporary folder. Set KRINGWERK_TEST_POSTGRES_URL
or KRINGWERK_TEST_REDIS_URL to use servers you already run instead.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import Message
from pathlib import Path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _postgres_bin() -> Path:
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(p.split("/")[-2]))
    if candidates:
        return Path(candidates[-1])
    pg_ctl = shutil.which("pg_ctl")
    if pg_ctl:
        return Path(pg_ctl).parent
    raise RuntimeError("PostgreSQL is not installed; run `make test` or apt-get install postgresql")


@dataclass
class PostgresServer:
    url: str
    folder: Path | None = None
    bindir: Path | None = None
    as_user: str | None = None

    def stop(self) -> None:
        if self.folder is None:
            return
        _run(
            [str(self.bindir / "pg_ctl"), "-D", str(self.folder / "data"), "-m", "immediate", "stop"],
            self.as_user,
            check=False,
        )
        shutil.rmtree(self.folder, ignore_errors=True)


def _run(command: list[str], as_user: str | None, check: bool = True) -> subprocess.CompletedProcess:
    if as_user:
        command = ["runuser", "-u", as_user, "--", *command]
    return subprocess.run(command, check=check, capture_output=True, text=True)


def start_postgres() -> PostgresServer:
    if os.environ.get("KRINGWERK_TEST_POSTGRES_URL"):
        return PostgresServer(url=os.environ["KRINGWERK_TEST_POSTGRES_URL"])
    bindir = _postgres_bin()
    folder = Path(tempfile.mkdtemp(prefix="kringwerk-pg-"))
    as_user = "postgres" if os.geteuid() == 0 else None
    if as_user:
        shutil.chown(folder, user=as_user)
    port = free_port()
    _run(
        [
            str(bindir / "initdb"),
            "-D",
            str(folder / "data"),
            "-A",
            "trust",
            "-U",
            "postgres",
            "-E",
            "UTF8",
            "--locale=C",
            "--no-sync",
        ],
        as_user,
    )
    options = (
        f"-p {port} -k {folder} -c listen_addresses=127.0.0.1 -c fsync=off "
        "-c synchronous_commit=off -c full_page_writes=off -c max_connections=200"
    )
    result = _run(
        [
            str(bindir / "pg_ctl"),
            "-D",
            str(folder / "data"),
            "-o",
            options,
            "-l",
            str(folder / "log"),
            "-w",
            "-t",
            "60",
            "start",
        ],
        as_user,
        check=False,
    )
    if result.returncode != 0:
        log = (folder / "log").read_text() if (folder / "log").exists() else ""
        raise RuntimeError(f"PostgreSQL did not start: {result.stderr}\n{log}")
    return PostgresServer(
        url=f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres",
        folder=folder,
        bindir=bindir,
        as_user=as_user,
    )


@dataclass
class RedisServer:
    url: str
    process: subprocess.Popen | None = None
    folder: Path | None = None

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
        if self.folder is not None:
            shutil.rmtree(self.folder, ignore_errors=True)


def start_redis() -> RedisServer:
    if os.environ.get("KRINGWERK_TEST_REDIS_URL"):
        return RedisServer(url=os.environ["KRINGWERK_TEST_REDIS_URL"])
    binary = shutil.which("redis-server")
    if binary is None:
        raise RuntimeError("redis-server is not installed; run `make test` or apt-get install redis-server")
    folder = Path(tempfile.mkdtemp(prefix="kringwerk-redis-"))
    port = free_port()
    process = subprocess.Popen(
        [
            binary,
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(folder),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2) as sock:
                sock.sendall(b"PING\r\n")
                if sock.recv(16).startswith(b"+PONG"):
                    return RedisServer(url=f"redis://127.0.0.1:{port}/0", process=process, folder=folder)
        except OSError:
            time.sleep(0.05)
    process.kill()
    raise RuntimeError("redis-server did not start")


@dataclass
class SMTPServer:
    """aiosmtpd on a free port; ``messages`` holds what it received, parsed."""

    host: str
    port: int
    controller: object = None
    messages: list[Message] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"smtp://{self.host}:{self.port}"

    def clear(self) -> None:
        self.messages.clear()

    def wait_for(self, count: int, timeout: float = 5.0) -> list[Message]:
        deadline = time.monotonic() + timeout
        while len(self.messages) < count and time.monotonic() < deadline:
            time.sleep(0.02)
        return list(self.messages)

    def stop(self) -> None:
        self.controller.stop()


def start_smtp() -> SMTPServer:
    from aiosmtpd.controller import Controller

    server = SMTPServer(host="127.0.0.1", port=free_port())

    class Handler:
        async def handle_DATA(self, smtp, session, envelope):
            message = message_from_bytes(envelope.original_content or envelope.content)
            message["X-Envelope-To"] = ", ".join(envelope.rcpt_tos)
            server.messages.append(message)
            return "250 Message accepted for delivery"

    # aiosmtpd refuses port 0, hence the free port picked above.
    server.controller = Controller(Handler(), hostname=server.host, port=server.port)
    server.controller.start()
    return server
