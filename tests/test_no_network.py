"""The test run reaches nothing beyond this machine (pytest-socket, set in pyproject.toml's addopts):
a test that tries fails at once instead of waiting on, or depending on, the network."""

from __future__ import annotations

import socket

import pytest
import requests
from pytest_socket import SocketConnectBlockedError

# TEST-NET-1 (RFC 5737): never routed, so without the guard these would hang until their timeout.
OUTSIDE = ("192.0.2.1", 80)
# The plugin also warns when it blocks; here the block is the expected outcome.
pytestmark = pytest.mark.filterwarnings("ignore:A test tried to use socket")


def test_a_connection_to_another_host_fails():
    with pytest.raises(SocketConnectBlockedError):
        socket.create_connection(OUTSIDE, timeout=5)


def test_an_http_request_to_another_host_fails():
    with pytest.raises(SocketConnectBlockedError):
        requests.get(f"http://{OUTSIDE[0]}/", timeout=5)


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost"])
def test_loopback_stays_reachable(host: str):
    with socket.create_server(("127.0.0.1", 0)) as listener:
        with socket.create_connection((host, listener.getsockname()[1]), timeout=5):
            connection, _ = listener.accept()
            connection.close()
