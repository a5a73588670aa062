"""Browser tests: Chromium driven by Playwright against a real gunicorn and Celery worker."""

import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ROOT, WorkerProcess, free_port, gunicorn_start, process_stop
from tests.settings import RUN_ID

CHROMIUM = "/usr/bin/chromium"
SKIP_REASON = (
    f"Chromium not found at {CHROMIUM}: browser tests skipped; install Debian's chromium package"
)
ARTIFACTS = ROOT / "test-artifacts" / "browser"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Without Chromium the browser tests are skipped, with the reason in the summary."""
    if os.access(CHROMIUM, os.X_OK):
        return
    skip = pytest.mark.skip(reason=SKIP_REASON)
    for item in items:
        if item.get_closest_marker("browser"):
            item.add_marker(skip)


class Stack:
    """A gunicorn web server and a Celery worker on a queue of their own, sharing a mail box."""

    def __init__(self, tmp: Path) -> None:
        self.port = free_port()
        self.mail_dir = tmp / "mail"
        self.mail_dir.mkdir()
        self.env = {
            "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
            "EMAIL_FILE_PATH": str(self.mail_dir),
            # Tasks the server queues go to this stack's worker, not to another test's.
            "CELERY_DEFAULT_QUEUE": f"test-{RUN_ID}-browser",
            "DEBUG": "1",
        }
        self.log_path = ROOT / ".stacks" / f"web-browser-{RUN_ID}.log"
        self.web: subprocess.Popen[bytes] | None = None
        self.worker = WorkerProcess(concurrency=2, extra_env=self.env)
        self.worker.log_path = ROOT / ".stacks" / f"worker-browser-{RUN_ID}.log"

    def url(self, host: str, path: str = "/") -> str:
        return f"http://{host}:{self.port}{path}"

    def staff_sign_in(self, page: Any, host: str, email: str, password: str, path: str) -> None:
        """Sign in on the staff sign-in form, sent on to `path`, and wait to land there."""
        page.goto(self.url(host, f"/staff/login/?next={path}"))
        page.fill("#id_username", email)
        page.fill("#id_password", password)
        page.click("button[type=submit]")
        page.wait_for_url(self.url(host, path))

    def admin_sign_in(self, page: Any, library: Any, path: str) -> None:
        """Sign a ProvisionedLibrary's admin in on its own host, sent on to `path`."""
        self.staff_sign_in(
            page, library.domain.domain, library.admin_email, library.admin_password, path
        )

    def start(self) -> "Stack":
        self.worker.log_path.unlink(missing_ok=True)
        self.worker.start()
        self.web = gunicorn_start(port=self.port, log_path=self.log_path, workers=3, **self.env)
        return self

    def stop(self) -> None:
        process_stop(self.web)
        self.worker.stop()

    def mail_to(self, address: str, timeout: float = 60, containing: str = "") -> str:
        """The text of the first message sent to `address` (and containing `containing`),
        waiting for it to arrive."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for path in sorted(self.mail_dir.glob("*.log")):
                text = path.read_text(errors="replace")
                if f"To: {address}" in text and containing in text:
                    return text
            time.sleep(0.3)
        raise AssertionError(
            f"no mail to {address} after {timeout}s; worker log: {self.worker.log_path}"
        )


@pytest.fixture
def stack(live_db: None, tmp_path: Path) -> Iterator[Stack]:
    running = Stack(tmp_path).start()
    yield running
    running.stop()


class Shots:
    """Numbered full-page screenshots of each step, kept as test artifacts."""

    def __init__(self, page: Any, name: str) -> None:
        self.page = page
        self.dir = ARTIFACTS / name
        shutil.rmtree(self.dir, ignore_errors=True)
        self.dir.mkdir(parents=True)
        self.count = 0

    def __call__(self, step: str) -> Path:
        self.count += 1
        path = self.dir / f"{self.count:02d}-{step}.png"
        self.page.screenshot(path=str(path), full_page=True)
        return path


@contextmanager
def chromium_page(profile: Path, **options: Any) -> Iterator[Any]:
    """A Chromium page in a fresh profile (its own user-data-dir), with Playwright's context
    `options` (viewport, java_script_enabled...), closed afterwards."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(profile), executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS, **options
        )
        context.set_default_timeout(30_000)
        try:
            yield context.pages[0] if context.pages else context.new_page()
        finally:
            context.close()


@pytest.fixture
def page(tmp_path: Path) -> Iterator[Any]:
    """A Chromium page on a desktop-sized screen."""
    with chromium_page(
        tmp_path / "chromium-profile", viewport={"width": 1280, "height": 900}
    ) as page:
        yield page
