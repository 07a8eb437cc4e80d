"""The namespace plumbing of the two-host test: hosts reach the bridge, a cut host
reaches nothing, and nothing is left behind."""

from __future__ import annotations

import socket
import subprocess
import sys

import pytest

from tests.support import netns

PROBE = "import socket, sys; socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=2).close()"


@pytest.fixture
def listener():
    reason = netns.unavailable()
    if reason:
        pytest.skip(reason)
    with netns.Network() as net:
        server = socket.create_server((net.gateway, 0))
        with server:
            yield net, server.getsockname()[1]


def reaches(net: netns.Network, host: netns.Host, port: int) -> bool:
    return net.run(host, [sys.executable, "-c", PROBE, net.gateway, str(port)], timeout=30,
                   capture_output=True).returncode == 0


def test_hosts_reach_the_bridge_until_cut_and_leave_nothing_behind(listener):
    net, port = listener
    a, b = net.add_host("a"), net.add_host("b")
    assert a.address != b.address and a.namespace.startswith(net.prefix)
    assert reaches(net, a, port) and reaches(net, b, port)
    sleeper = net.popen(a, ["sleep", "600"])
    assert net.pids(a) == [sleeper.pid]

    net.cut(a)
    assert not reaches(net, a, port)
    assert reaches(net, b, port)
    net.kill(a)
    assert sleeper.returncode is not None and net.pids(a) == []

    namespaces = {a.namespace, b.namespace}
    net.close()
    assert not namespaces & set(subprocess.run(["ip", "netns", "list"], capture_output=True, text=True).stdout.split())
    links = subprocess.run(["ip", "-o", "link", "show"], capture_output=True, text=True).stdout
    assert net.bridge not in links and a.veth not in links
