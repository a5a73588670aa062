"""The suite's servers on a machine that allows only a few ports: two started at once (neither
bound yet) must not be given the same port."""

import socket

from tests.conftest import free_port


def _free_range(length: int) -> str:
    for low in range(38700, 39700, length):
        try:
            for port in range(low, low + length):
                with socket.socket() as sock:
                    sock.bind(("127.0.0.1", port))
        except OSError:
            continue
        return f"{low}-{low + length - 1}"
    raise RuntimeError("no free run of ports")


def test_ports_of_a_range_are_handed_out_in_turn(monkeypatch) -> None:
    ports = _free_range(3)
    monkeypatch.setenv("STACKS_TEST_PORTS", ports)
    low = int(ports.split("-")[0])
    given = [free_port() for _ in range(4)]
    assert given[:3] == sorted(set(given[:3]))
    assert set(given) == {low, low + 1, low + 2}


def test_a_port_in_use_is_passed_over(monkeypatch) -> None:
    ports = _free_range(2)
    monkeypatch.setenv("STACKS_TEST_PORTS", ports)
    low = int(ports.split("-")[0])
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", low))
        busy.listen()
        assert {free_port(), free_port()} == {low + 1}
