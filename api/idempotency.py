"""Idempotency-Key on POST: a retried request with the same key and body gets the first answer
again, and its write is done once. A JSON body is compared as the value it parses to, any
other byte for byte.

Keys are scoped to the library (its schema) and the caller (a hash of the credentials it sent,
or of its address when it sent none), and kept 24 hours. The same key with another body is a
422; while the first request with a key is still running, a second one is a 409.
"""

import hashlib
import json
from collections.abc import Callable
from typing import Any

from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase

from common.problems import problem_response

KEPT_SECONDS = 24 * 3600
MAX_KEY_LENGTH = 255
# Long enough for any write to finish; a crashed request frees its key after it.
_PENDING_SECONDS = 300
# The headers of the first answer that a replay repeats.
_REPLAYED_HEADERS = ("Content-Type", "Location", "ETag")


def _caller(request: HttpRequest) -> str:
    credentials = request.META.get("HTTP_AUTHORIZATION") or (
        "address:" + request.META.get("REMOTE_ADDR", "")
    )
    return hashlib.sha256(credentials.encode()).hexdigest()


def _fingerprint(request: HttpRequest) -> str:
    digest = hashlib.sha256(request.path.encode())
    if request.META.get("CONTENT_TYPE", "").startswith("multipart/"):
        # An upload is read as parsed parts (its files may be too big to hold as one body).
        for name, values in sorted(request.POST.lists()):
            digest.update(repr((name, values)).encode())
        for name, uploads in sorted(request.FILES.lists()):
            for upload in uploads:
                digest.update(repr((name, upload.name, upload.size)).encode())
                for chunk in upload.chunks():
                    digest.update(chunk)
                upload.seek(0)
    else:
        digest.update(_canonical_body(request))
    return digest.hexdigest()


def _canonical_body(request: HttpRequest) -> bytes:
    """A JSON body as its parsed value (a retry may send the same object with other spacing
    or key order, as another client library or a second serialisation does); any other body,
    or JSON that does not parse, byte for byte."""
    media_type = request.META.get("CONTENT_TYPE", "").split(";", 1)[0].strip().lower()
    if media_type != "application/json" and not media_type.endswith("+json"):
        return request.body
    try:
        parsed = json.loads(request.body)
    except (ValueError, RecursionError):  # not UTF-8, not JSON, or nested past parsing
        return request.body
    canonical = json.dumps(parsed, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return b"json:" + canonical.encode()


class IdempotencyKeyMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        key = request.headers.get("Idempotency-Key")
        tenant = getattr(request, "tenant", None)
        if (
            key is None
            or request.method != "POST"
            or tenant is None
            or not request.path.startswith("/api/")
        ):
            return self.get_response(request)
        if not 0 < len(key) <= MAX_KEY_LENGTH:
            return problem_response(
                400, "Invalid request", f"Idempotency-Key takes 1 to {MAX_KEY_LENGTH} characters.",
                "invalid", {"Idempotency-Key": ["Use 1 to 255 characters, e.g. a UUID."]},
            )  # fmt: skip
        hashed = hashlib.sha256(key.encode()).hexdigest()
        cache_key = f"idempotency:{tenant.schema_name}:{_caller(request)}:{hashed}"
        fingerprint = _fingerprint(request)
        if not cache.add(cache_key, {"fingerprint": fingerprint}, _PENDING_SECONDS):
            stored = cache.get(cache_key)
            if stored is not None:
                return self._replay(stored, fingerprint)
            # Gone since (the first request failed), or Redis is away: the cache fails open,
            # and so does the key, rather than refusing every write with one.
        response = self.get_response(request)
        if response.status_code >= 500 or response.status_code == 429 or response.streaming:
            # Nothing was done (or it cannot be told): the caller may retry with the same key.
            cache.delete(cache_key)
            return response
        answer: dict[str, Any] = {
            "fingerprint": fingerprint,
            "status": response.status_code,
            "content": response.content,  # type: ignore[attr-defined]
            "headers": {h: response[h] for h in _REPLAYED_HEADERS if response.has_header(h)},
        }
        cache.set(cache_key, answer, KEPT_SECONDS)
        return response

    def _replay(self, stored: dict[str, Any], fingerprint: str) -> HttpResponseBase:
        if stored["fingerprint"] != fingerprint:
            return problem_response(
                422, "Unprocessable request", "This Idempotency-Key was used with another "
                "request body: use a new key for a new request.", "idempotency_key_reused",
            )  # fmt: skip
        if "status" not in stored:
            return problem_response(
                409, "Conflict", "A request with this Idempotency-Key is still being carried "
                "out; try again in a moment.", "idempotency_in_progress",
            )  # fmt: skip
        response = HttpResponse(stored["content"], status=stored["status"])
        for header, value in stored["headers"].items():
            response[header] = value
        response["Idempotent-Replayed"] = "true"
        return response
