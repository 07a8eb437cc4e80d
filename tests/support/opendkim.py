"""OpenDKIM as a second, independent DKIM verifier for the tests.

`opendkim-testmsg` (Debian's opendkim-tools) verifies a message from standard
input with libopendkim, which looks the public key up in DNS through the
system resolver. There is no network here, so each check runs in a network
and mount namespace of its own (`unshare -n -m`, as root): loopback only,
``/etc/resolv.conf`` bind-mounted to say ``nameserver 127.0.0.1``, and this
module, run as a script inside it, answers the TXT queries from the records
it is given and runs `opendkim-testmsg`. Nothing outside the namespace sees
either the resolver or the DNS stub.

    ok, detail = verify(signed_message, {"sel._domainkey.example.org": "v=DKIM1; k=rsa; p=..."})

`unavailable()` says why this cannot run here (None when it can).
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

TESTMSG = "/usr/sbin/opendkim-testmsg"
REPO = Path(__file__).resolve().parents[2]


def unavailable() -> str | None:
    """Why OpenDKIM cannot verify here, or None."""
    if not Path(TESTMSG).exists():
        return f"{TESTMSG} is missing: apt-get install opendkim-tools (scripts/bootstrap installs it)"
    if not shutil.which("unshare") or not shutil.which("ip"):
        return "unshare (util-linux) and ip (iproute2) are needed to give opendkim-testmsg a private DNS"
    probe = subprocess.run(["unshare", "-n", "-m", "true"], capture_output=True, text=True)
    if probe.returncode != 0:
        return f"cannot make a network namespace for opendkim-testmsg's DNS: {probe.stderr.strip()}"
    return None


def verify(message: bytes, records: dict[str, str], timeout: float = 30) -> tuple[bool, str]:
    """(True, "") when opendkim-testmsg accepts ``message``; else (False, what it said)."""
    with tempfile.TemporaryDirectory(prefix="b40news-opendkim-") as tmp:
        resolv = Path(tmp) / "resolv.conf"
        resolv.write_text("nameserver 127.0.0.1\noptions timeout:2 attempts:1\n")
        (Path(tmp) / "records.json").write_text(json.dumps(records))
        script = (
            "ip link set lo up && mount --bind \"$1\" /etc/resolv.conf && "
            "exec \"$2\" -m tests.support.opendkim \"$3\""
        )
        done = subprocess.run(
            ["unshare", "-n", "-m", "sh", "-c", script, "sh", str(resolv), sys.executable, tmp],
            input=message, capture_output=True, timeout=timeout, cwd=REPO,
            env={**os.environ, "PYTHONPATH": str(REPO)},
        )
    said = (done.stdout + done.stderr).decode("utf-8", "replace").strip()
    ok = done.returncode == 0 and not said
    return ok, "" if ok else (said or f"exit status {done.returncode}")


# -- inside the namespace -------------------------------------------------------


def _qname(packet: bytes, at: int) -> tuple[str, int]:
    labels = []
    while packet[at]:
        length = packet[at]
        labels.append(packet[at + 1 : at + 1 + length].decode("ascii"))
        at += 1 + length
    return ".".join(labels), at + 1


def _answer(query: bytes, records: dict[str, str]) -> bytes:
    qid, flags = struct.unpack("!HH", query[:4])
    name, end = _qname(query, 12)
    qtype, _qclass = struct.unpack("!HH", query[end : end + 4])
    question = query[12 : end + 4]
    record = records.get(name.lower().rstrip("."))
    rd = flags & 0x0100
    if record is None or qtype != 16:  # TXT only; anything else: NXDOMAIN / no data
        rcode = 3 if record is None else 0
        return struct.pack("!HHHHHH", qid, 0x8400 | rd | rcode, 1, 0, 0, 0) + question
    data = record.encode("ascii")
    strings = b"".join(bytes([len(data[i : i + 255])]) + data[i : i + 255] for i in range(0, len(data), 255))
    answer = b"\xc0\x0c" + struct.pack("!HHIH", 16, 1, 60, len(strings)) + strings
    return struct.pack("!HHHHHH", qid, 0x8400 | rd, 1, 1, 0, 0) + question + answer


def _serve_udp(sock: socket.socket, records: dict[str, str]) -> None:
    while True:
        query, peer = sock.recvfrom(4096)
        sock.sendto(_answer(query, records), peer)


def _serve_tcp(sock: socket.socket, records: dict[str, str]) -> None:
    while True:
        conn, _ = sock.accept()
        with conn:
            length = struct.unpack("!H", conn.recv(2))[0]
            query = b""
            while len(query) < length:
                query += conn.recv(length - len(query))
            reply = _answer(query, records)
            conn.sendall(struct.pack("!H", len(reply)) + reply)


def _main(tmp: str) -> int:
    records = json.loads((Path(tmp) / "records.json").read_text())
    udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    udp.bind(("127.0.0.1", 53))
    tcp = socket.socket()
    tcp.bind(("127.0.0.1", 53))
    tcp.listen()
    for target, sock in ((_serve_udp, udp), (_serve_tcp, tcp)):
        threading.Thread(target=target, args=(sock, records), daemon=True).start()
    done = subprocess.run([TESTMSG, "-t", tmp], stdin=sys.stdin.buffer, capture_output=True)
    sys.stdout.buffer.write(done.stdout)
    sys.stderr.buffer.write(done.stderr)
    return done.returncode


if __name__ == "__main__":
    sys.exit(_main(sys.argv[1]))
