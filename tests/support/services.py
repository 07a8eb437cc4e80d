"""Servers of a test's own, on an address of its own: Redis, PostgreSQL, Postfix's smtp-sink.

    with RedisServer(address, dir) as redis_server, PostgresServer(address, dir) as pg, \\
            SmtpSink(address, dir) as sink:
        redis_server.url, pg.url("b40news"), sink.url
        pg.create_database("b40news")
        sink.count()        # messages accepted so far (a cheap directory listing)
        sink.received()     # [(Message-ID, client address)] of every message accepted

Each is a child process of the test, stopped on leaving (PostgreSQL with a
fast shutdown, its cluster deleted). Used by tests/integration/test_hosts.py,
whose worker hosts (tests/support/netns.py) reach them on the bridge.

- PostgreSQL: a throw-away cluster (`initdb`, run as the `postgres` user as
  the server insists), trust authentication for the address's /24 only, no
  fsync. A client that vanished without a FIN or RST (a host cut off the
  network) inside a transaction keeps its row locks until the server ends its
  session: with PostgreSQL's defaults that is when TCP gives up, about 15
  minutes with data unacknowledged, over two hours when the line was idle.
  Here `idle_in_transaction_session_timeout` ends such a session after 20 s,
  and short keepalives and `tcp_user_timeout` end the others (README,
  Operations: what a deployment on several hosts should set).
- smtp-sink: every accepted message goes to a file of its own (``-d``); its
  header carries the client's address (``X-Client-Addr``), so a test knows
  which host sent it. The file of a transaction in progress stays open until
  the final "." (and is deleted if the client goes away first): a message
  counts as received only when smtp-sink no longer holds its file.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

__all__ = ["PostgresServer", "RedisServer", "SmtpSink"]


def _wait_port(address: str, port: int, process: subprocess.Popen, what: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{what} exited with {process.returncode} before listening on {address}:{port}")
        try:
            socket.create_connection((address, port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"{what} did not listen on {address}:{port} within {timeout} s")


def _stop(process: subprocess.Popen | None, how: signal.Signals = signal.SIGTERM, timeout: float = 30) -> None:
    if process is None or process.poll() is not None:
        return
    process.send_signal(how)
    try:
        process.wait(timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(10)


class _Server:
    process: subprocess.Popen | None = None

    def __enter__(self):
        try:
            self.start()
        except BaseException:
            self.stop()
            raise
        return self

    def _popen(self, args: list, log: Path, **kwargs) -> subprocess.Popen:
        with log.open("w") as out:
            self.process = subprocess.Popen(args, stdout=out, stderr=subprocess.STDOUT, **kwargs)
        return self.process

    def __exit__(self, *exc_info) -> None:
        self.stop()


class RedisServer(_Server):
    def __init__(self, address: str, directory: Path, port: int = 6379) -> None:
        self.address, self.port, self.directory = address, port, Path(directory)

    @property
    def url(self) -> str:
        return f"redis://{self.address}:{self.port}/0"

    def start(self) -> None:
        binary = shutil.which("redis-server")
        assert binary, "redis-server is not installed: ./scripts/bootstrap installs it"
        self.directory.mkdir(parents=True, exist_ok=True)
        self._popen([binary, "--bind", self.address, "--port", str(self.port), "--save", "", "--appendonly", "no",
                     "--protected-mode", "no", "--dir", str(self.directory)], self.directory / "redis.log")
        _wait_port(self.address, self.port, self.process, "redis-server")

    def stop(self) -> None:
        _stop(self.process)


def _postgres_bin() -> Path:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/postgres"), key=lambda p: int(p.split("/")[4]))
    assert found, "PostgreSQL's server binaries are not installed (/usr/lib/postgresql/*/bin/postgres)"
    return Path(found[-1]).parent


class PostgresServer(_Server):
    """A cluster of its own in ``directory`` (reachable for the `postgres` user), on ``address`` only."""

    def __init__(self, address: str, directory: Path, port: int = 5432, **settings) -> None:
        self.address, self.port, self.directory = address, port, Path(directory)
        self.data = self.directory / "pgdata"
        self.settings = settings  # more server settings (-c name=value), or other values for these

    def url(self, database: str = "postgres") -> str:
        return f"postgres://postgres@{self.address}:{self.port}/{database}"

    def start(self) -> None:
        bindir = _postgres_bin()
        owner = pwd.getpwnam("postgres")  # the server refuses to run as root
        self.directory.mkdir(parents=True, exist_ok=True)
        self.data.mkdir()
        os.chown(self.data, owner.pw_uid, owner.pw_gid)
        as_postgres = {"user": owner.pw_uid, "group": owner.pw_gid, "extra_groups": [], "cwd": self.data}
        initdb = subprocess.run([bindir / "initdb", "-D", self.data, "-U", "postgres", "--auth=trust",
                                 "--no-sync", "-E", "UTF8", "--locale=C.UTF-8"],
                                capture_output=True, text=True, timeout=300, **as_postgres)
        assert initdb.returncode == 0, initdb.stderr
        (self.data / "pg_hba.conf").write_text(
            "local all all trust\n"
            f"host all all {'.'.join(self.address.split('.')[:3])}.0/24 trust\n"
        )
        settings = {
            "listen_addresses": self.address, "port": self.port, "unix_socket_directories": self.data,
            "fsync": "off", "synchronous_commit": "off", "full_page_writes": "off",
            "max_connections": 80, "shared_buffers": "64MB",
            # A client gone without a word (a host cut off the network) holds its transaction's
            # locks until the server gives up on it: see the module's docstring.
            "idle_in_transaction_session_timeout": "20s", "tcp_user_timeout": 10_000,
            "tcp_keepalives_idle": 5, "tcp_keepalives_interval": 2, "tcp_keepalives_count": 3,
            **self.settings,
        }
        args = [str(bindir / "postgres"), "-D", str(self.data)]
        for name, value in settings.items():
            args += ["-c", f"{name}={value}"]
        self._popen(args, self.data / "server.log", **as_postgres)
        _wait_port(self.address, self.port, self.process, "postgres")

    def create_database(self, name: str) -> str:
        import psycopg

        deadline = time.monotonic() + 60
        while True:  # the port answers a moment before the server accepts connections
            try:
                with psycopg.connect(self.url(), autocommit=True, connect_timeout=5) as conn:
                    conn.execute(f'CREATE DATABASE "{name}"')
                return self.url(name)
            except psycopg.OperationalError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)

    def stop(self) -> None:
        _stop(self.process, signal.SIGINT)  # a fast shutdown: sessions are ended, not waited for


class SmtpSink(_Server):
    """Postfix's smtp-sink, one file per accepted message (see the module's docstring)."""

    def __init__(self, address: str, directory: Path, port: int = 2525) -> None:
        self.address, self.port, self.directory = address, port, Path(directory)
        self.dumps = self.directory / "dumps"

    @property
    def url(self) -> str:
        return f"smtp://{self.address}:{self.port}"

    def start(self) -> None:
        binary = shutil.which("smtp-sink") or "/usr/sbin/smtp-sink"
        assert os.path.exists(binary), "Postfix's smtp-sink is not installed (apt-get install postfix)"
        self.dumps.mkdir(parents=True)
        args = [binary]
        if os.geteuid() == 0:  # smtp-sink drops root: nobody writes the files (``directory`` must be
            args += ["-u", "nobody"]  # reachable for others, e.g. a tempfile.mkdtemp() made 0755)
            os.chmod(self.dumps, 0o777)
        self._popen([*args, "-d", f"{self.dumps}/%H%M%S.", f"inet:{self.address}:{self.port}", "256"],
                    self.directory / "smtp-sink.log")
        _wait_port(self.address, self.port, self.process, "smtp-sink")

    def count(self) -> int:
        """Messages accepted or in progress (an upper bound; cheap)."""
        return len(os.listdir(self.dumps))

    def _open_files(self) -> set[str]:
        found = set()
        for fd in Path(f"/proc/{self.process.pid}/fd").iterdir():
            try:
                found.add(os.readlink(fd))
            except OSError:
                continue
        return found

    def received(self) -> list[tuple[str, str]]:
        """(Message-ID, client address) of every message accepted (final "." received)."""
        in_progress = self._open_files()
        found = []
        for entry in os.scandir(self.dumps):
            if entry.path in in_progress:
                continue
            with open(entry.path, "rb") as dump:
                head = dump.read(65536).split(b"\n\n", 1)[0].decode("ascii", "replace")
            fields = {}
            for line in head.split("\n"):
                name, colon, value = line.partition(":")
                if colon and not line[:1].isspace():
                    fields.setdefault(name.strip().lower(), value.strip())
            found.append((fields.get("message-id", ""), fields.get("x-client-addr", "")))
        return found

    def stop(self) -> None:
        _stop(self.process)
