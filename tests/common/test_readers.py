"""Requests raise the readers' flag that imports give way to; probes do not."""

import time

import pytest
from django.core.cache import caches

from common import readers
from common.readers import FLAG, readers_active, readers_note
from tests.conftest import LIBRARY_HOST


@pytest.fixture
def flag_down(monkeypatch):
    caches["default"].shared_flag_raise(FLAG, 0.001)  # type: ignore[attr-defined]
    time.sleep(0.01)
    # As a process that has not raised the flag yet.
    monkeypatch.setattr(readers, "_raised_at", float("-inf"))
    # Up long enough to be seen however slowly this machine answers the request.
    monkeypatch.setattr(readers, "READERS_LINGER_SECONDS", 600)
    assert not readers_active()


def test_a_noted_request_raises_the_flag_every_process_sees(flag_down):
    readers_note()

    assert readers_active()


def test_a_request_to_a_library_raises_the_flag(flag_down, client, library):
    client.get("/api/v1/records/", HTTP_HOST=LIBRARY_HOST)

    assert readers_active()


def test_a_probe_is_no_reader(flag_down, client):
    assert client.get("/healthz").status_code == 200

    assert not readers_active()
