"""Requests stamp their library in the readers' set that other libraries' imports give way
to; probes and the platform's sign-up pages do not, and a library's own requests never hold
back its own import."""

import pytest
from django.core.cache import caches

from common import readers
from common.readers import FLAG, readers_active, readers_note
from tests.conftest import LIBRARY_HOST


@pytest.fixture
def nobody_reading(monkeypatch):
    caches["default"].shared_forget(FLAG)  # type: ignore[attr-defined]
    # As a process that has stamped no library yet.
    monkeypatch.setattr(readers, "_raised_at", {})
    # Stamps count long enough to be seen however slowly this machine answers the request.
    monkeypatch.setattr(readers, "READERS_LINGER_SECONDS", 600)
    assert not readers_active()


def test_a_noted_request_is_seen_by_every_other_library(nobody_reading):
    readers_note("lib_a")

    assert readers_active()
    assert readers_active(other_than="lib_b")
    # Library a's own import does not give way to library a's own readers.
    assert not readers_active(other_than="lib_a")


def test_two_libraries_read_at_once_hold_back_each_others_import(nobody_reading):
    readers_note("lib_a")
    readers_note("lib_b")

    assert readers_active(other_than="lib_a")
    assert readers_active(other_than="lib_b")


def test_a_stamp_older_than_the_linger_no_longer_counts(nobody_reading, monkeypatch):
    readers_note("lib_a")
    monkeypatch.setattr(readers, "READERS_LINGER_SECONDS", 0.000001)

    assert not readers_active(other_than="lib_b")


def test_a_request_to_a_library_stamps_that_library(nobody_reading, client, library):
    client.get("/api/v1/records/", HTTP_HOST=LIBRARY_HOST)

    assert readers_active(other_than="some_other_library")
    assert not readers_active(other_than=library.schema_name)


def test_a_probe_is_no_reader(nobody_reading, client):
    assert client.get("/healthz").status_code == 200

    assert not readers_active()


def test_the_platform_hosts_sign_up_pages_are_no_readers(nobody_reading, client, library):
    # A new library's admin watching the sign-up is no reader for any library's import.
    assert client.get("/signup/", HTTP_HOST="localhost").status_code == 200
    status = client.get(f"/api/v1/signups/{'0' * 32}/", HTTP_HOST="localhost").status_code
    assert status == 404

    assert not readers_active(other_than=library.schema_name)


def test_the_union_search_is_a_reader_of_every_library(nobody_reading, client, library):
    assert client.get("/search/", {"q": "moon"}, HTTP_HOST="localhost").status_code == 200

    assert readers_active(other_than=library.schema_name)
