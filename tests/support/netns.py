"""Worker "hosts" on this machine: network namespaces on a bridge of their own.

    reason = netns.unavailable()          # None, or why not (not root, no `ip netns`)
    with netns.Network() as net:          # bridge b40t<pid>br, 10.240.X.1/24 here
        a = net.add_host("a")             # namespace b40t<pid>-a, veth to the bridge, 10.240.X.2
        net.popen(a, ["celery", ...])     # a process inside it, in a process group of its own
        net.cut(a)                        # its link down: nothing goes in or out any more
        net.kill(a)                       # SIGKILL every process group started there, then the rest
    # on leaving, even after a failure: what runs in the namespaces is killed,
    # the namespaces, veth pairs and the bridge are deleted

Services for the hosts (Redis, PostgreSQL, an SMTP sink) run in this, the root
namespace, bound to ``net.gateway``, the bridge's address: the hosts reach
them over their veth, and nothing is reachable from outside the machine.

Addresses: one /24 in 10.240.0.0/16 that no interface or route on the machine
uses, picked from the process id. Names start with ``b40t<pid>`` (an interface
name holds 15 characters), so parallel runs never meet and leftovers say whose
they are. Needs root and iproute2.
"""

from __future__ import annotations

import ipaddress
import os
import shutil
import signal
import subprocess
import time
from dataclasses import dataclass, field

__all__ = ["Host", "Network", "unavailable"]


def _ip(*args: str, check: bool = True) -> subprocess.CompletedProcess:
    result = subprocess.run(["ip", *args], capture_output=True, text=True, timeout=30)
    if check and result.returncode != 0:
        raise RuntimeError(f"ip {' '.join(args)}: {result.stderr.strip() or result.returncode}")
    return result


def unavailable() -> str | None:
    """Why namespaces cannot be made here (a skip reason), or None."""
    if os.geteuid() != 0:
        return "needs root: it builds network namespaces and veth pairs (ip netns)"
    if shutil.which("ip") is None:
        return "iproute2's `ip` is not installed"
    probe = f"b40t{os.getpid()}-probe"
    made = _ip("netns", "add", probe, check=False)
    if made.returncode != 0:
        return f"`ip netns add` does not work here: {made.stderr.strip()}"
    _ip("netns", "del", probe, check=False)
    return None


def _subnet_in_use() -> set[int]:
    """Third octets of 10.240.X.0/24 networks already on an interface or a route."""
    used = set()
    text = _ip("-o", "-4", "addr", "show").stdout + _ip("-4", "route", "show", "table", "all").stdout
    for word in text.split():
        try:
            network = ipaddress.ip_network(word, strict=False)
        except ValueError:
            continue
        if network.version == 4 and network.overlaps(ipaddress.ip_network("10.240.0.0/16")):
            if network.prefixlen < 16:
                raise RuntimeError(f"{network} covers 10.240.0.0/16: pick other addresses for the test")
            used.update(range(network[0].packed[2], network[-1].packed[2] + 1))
    return used


@dataclass
class Host:
    """One namespace: its name, its address on the bridge, the root end of its veth."""

    name: str
    namespace: str
    address: str
    veth: str
    processes: list[subprocess.Popen] = field(default_factory=list)

    def argv(self, args: list[str]) -> list[str]:
        return ["ip", "netns", "exec", self.namespace, *args]


class Network:
    """A bridge in this namespace and hosts attached to it (see the module's docstring)."""

    def __init__(self, prefix: str | None = None) -> None:
        self.prefix = prefix or f"b40t{os.getpid()}"
        if len(self.prefix) > 12:
            raise ValueError(f"prefix {self.prefix!r} leaves no room in a 15-character interface name")
        self.bridge = f"{self.prefix}br"
        self.hosts: dict[str, Host] = {}
        self.subnet: ipaddress.IPv4Network | None = None

    @property
    def gateway(self) -> str:
        """The bridge's address in this namespace: where the services listen."""
        assert self.subnet is not None, "start() first"
        return str(self.subnet[1])

    def start(self) -> Network:
        used = _subnet_in_use()
        third = next((n for k in range(254) if (n := (os.getpid() + k) % 254 + 1) not in used), None)
        if third is None:
            raise RuntimeError("no free /24 in 10.240.0.0/16")
        self.subnet = ipaddress.ip_network(f"10.240.{third}.0/24")
        try:
            _ip("link", "add", self.bridge, "type", "bridge")
            _ip("addr", "add", f"{self.gateway}/24", "dev", self.bridge)
            _ip("link", "set", self.bridge, "up")
        except BaseException:
            self.close()
            raise
        return self

    def add_host(self, name: str) -> Host:
        """A namespace with loopback and one veth to the bridge, at the next address."""
        assert self.subnet is not None, "start() first"
        if not name.isalnum() or len(self.prefix) + len(name) + 1 > 15:
            raise ValueError(f"host name {name!r}: letters and digits, short enough for an interface name")
        host = Host(name, f"{self.prefix}-{name}", str(self.subnet[2 + len(self.hosts)]), f"{self.prefix}{name}")
        self.hosts[name] = host
        peer = f"{host.veth}p"
        _ip("netns", "add", host.namespace)
        _ip("link", "add", host.veth, "type", "veth", "peer", "name", peer)
        _ip("link", "set", peer, "netns", host.namespace)
        _ip("-n", host.namespace, "link", "set", "lo", "up")
        _ip("-n", host.namespace, "link", "set", peer, "name", "eth0")
        _ip("-n", host.namespace, "addr", "add", f"{host.address}/24", "dev", "eth0")
        _ip("-n", host.namespace, "link", "set", "eth0", "up")
        _ip("link", "set", host.veth, "master", self.bridge)
        _ip("link", "set", host.veth, "up")
        return host

    # -- processes ---------------------------------------------------------------
    def popen(self, host: Host, args: list[str], **kwargs) -> subprocess.Popen:
        """Start ``args`` inside ``host`` (`ip netns exec` replaces itself with it), in a new session."""
        process = subprocess.Popen(host.argv(args), start_new_session=True, **kwargs)
        host.processes.append(process)
        return process

    def run(self, host: Host, args: list[str], **kwargs) -> subprocess.CompletedProcess:
        kwargs.setdefault("timeout", 300)
        return subprocess.run(host.argv(args), **kwargs)

    @staticmethod
    def pids(host: Host) -> list[int]:
        """Every process whose network is the host's namespace."""
        return [int(pid) for pid in _ip("netns", "pids", host.namespace, check=False).stdout.split()]

    # -- faults ----------------------------------------------------------------
    def cut(self, host: Host) -> None:
        """Take the host's link down: packets neither leave nor arrive, no FIN, no RST."""
        _ip("link", "set", host.veth, "down")

    def kill(self, host: Host, timeout: float = 30) -> None:
        """SIGKILL the process group of everything started there, then anything left inside."""
        for process in host.processes:
            if process.poll() is None:
                try:
                    os.killpg(process.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
        deadline = time.monotonic() + timeout
        for process in host.processes:
            process.wait(timeout)  # reaped: its return code is known
        while True:
            left = self.pids(host)
            if not left:
                return
            if time.monotonic() > deadline:
                raise RuntimeError(f"processes in {host.namespace} survive SIGKILL: {left}")
            for pid in left:
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            time.sleep(0.05)

    # -- the end -----------------------------------------------------------------
    def close(self) -> None:
        """Kill what runs in the hosts, delete the namespaces, veths and bridge (errors collected)."""
        errors = []
        interfaces = {self.bridge, *(host.veth for host in self.hosts.values())}
        namespaces = {host.namespace for host in self.hosts.values()}
        for host in self.hosts.values():
            try:
                self.kill(host)
            except Exception as exc:  # reported below, after the rest is removed
                errors.append(str(exc))
            _ip("netns", "del", host.namespace, check=False)  # takes its end of the veth pair along
            _ip("link", "del", host.veth, check=False)
        self.hosts.clear()
        _ip("link", "del", self.bridge, check=False)
        links = {line.split(": ")[1].split("@")[0] for line in _ip("-o", "link", "show").stdout.splitlines()}
        left = sorted(links & interfaces) + sorted(set(_ip("netns", "list").stdout.split()) & namespaces)
        if left or errors:
            raise RuntimeError(f"network cleanup of {self.prefix}: {errors}; left behind: {left}")

    def __enter__(self) -> Network:
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.close()
