"""Python calls per warm request to the record list, through config.wsgi in this process.

    DATABASE_URL=... REDIS_URL=... python -m tests.perf.request_profile [--requests N]
        [--no-profile] [--top K] [--save FILE]

Makes (once) a library `profile` on profile.localhost with 1,000 records and a public catalog,
warms the process with 30 anonymous `GET /api/v1/records/`, then sends N more (200 unless
told) and prints the calls cProfile counted per request, with the functions that made most
of them. With `--no-profile` it only sends them, for an instruction count that subtracts a
run of `--requests 0` from a run of 200:

    valgrind --tool=callgrind --callgrind-out-file=/dev/null python -m \
        tests.perf.request_profile --no-profile --requests 200

The settings are the benchmark's server's: tests.settings, DEBUG off, logs as JSON, the
throttles running with their ceilings out of the way.
"""

import argparse
import cProfile
import io
import os
import pstats
import sys

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")
os.environ.setdefault("STACKS_TEST_RUN", "profile")
os.environ["DEBUG"] = "0"
os.environ["LOG_FORMAT"] = "json"
os.environ["API_RATE_PER_CALLER"] = "10000000/min"
os.environ["API_RATE_PER_ADDRESS"] = "10000000/min"
# The host's library is looked up again every few seconds: 200 requests take a second alone and
# a minute under callgrind, so with the default the figures would depend on the pace.
os.environ["STACKS_HOST_CACHE_SECONDS"] = "3600"

SCHEMA = "profile"
HOST = "profile.localhost"
PATH = "/api/v1/records/"


def library_ready() -> None:
    from django_tenants.utils import schema_context

    from catalog.models import Record
    from tenants.models import Library
    from tenants.services import library_create
    from tests.perf.test_api_bench import catalog_fill

    library = Library.objects.filter(schema_name=SCHEMA).first()
    if library is None:
        library = library_create(
            schema_name=SCHEMA, name="Profile", domain=HOST,
            admin_email="admin@profile.example", admin_password="Profile-pass-1234",
        ).library  # fmt: skip
    with schema_context(SCHEMA):
        if not Record.objects.exists():
            catalog_fill(SCHEMA, 1000)
    if not library.public_catalog:
        library.public_catalog = True
        library.save(update_fields=["public_catalog"])


def environ() -> dict[str, object]:
    return {
        "REQUEST_METHOD": "GET", "PATH_INFO": PATH, "QUERY_STRING": "", "SCRIPT_NAME": "",
        "SERVER_NAME": HOST, "SERVER_PORT": "80", "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_HOST": HOST, "HTTP_ACCEPT": "*/*", "HTTP_USER_AGENT": "python-requests/2.32",
        "HTTP_ACCEPT_ENCODING": "gzip, deflate", "HTTP_CONNECTION": "keep-alive",
        "REMOTE_ADDR": "127.0.0.1", "wsgi.url_scheme": "http", "wsgi.input": io.BytesIO(),
        "wsgi.errors": sys.stderr, "wsgi.multithread": False, "wsgi.multiprocess": True,
        "wsgi.run_once": False, "wsgi.version": (1, 0),
    }  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--no-profile", action="store_true")
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--save", help="write the profile to this file, for pstats")
    args = parser.parse_args()

    import django

    django.setup()
    library_ready()
    from common import readers
    from config.wsgi import application

    # Readers are stamped in Redis four times a second at most: once here, as a request's share
    # of that is in the benchmark, rather than every other request at callgrind's pace.
    readers._RAISE_EVERY_SECONDS = float("inf")

    def send() -> None:
        statuses = []
        body = application(environ(), lambda status, headers: statuses.append(status))
        b"".join(body)
        if hasattr(body, "close"):
            body.close()
        if not statuses[0].startswith("200"):
            raise SystemExit(f"{PATH} answered {statuses[0]}")

    for _ in range(30):
        send()
    if args.no_profile:
        for _ in range(args.requests):
            send()
        return
    profile = cProfile.Profile()
    profile.enable()
    for _ in range(args.requests):
        send()
    profile.disable()
    if args.save:
        profile.dump_stats(args.save)
    stats = pstats.Stats(profile)
    calls = stats.total_calls  # type: ignore[attr-defined]
    print(f"{calls / args.requests:,.0f} Python calls per request ({args.requests} requests)")
    stats.sort_stats("ncalls").print_stats(args.top)


if __name__ == "__main__":
    main()
