"""The compose stack: valid against the Compose specification, shaped as deploy/README.md says."""

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from django.conf import settings

from tests.conftest import ROOT

COMPOSE = ROOT / "deploy" / "compose.yaml"
APP_IMAGE = "${STACKS_IMAGE:-stacks:latest}"


@pytest.fixture(scope="module")
def services() -> dict[str, dict]:
    return yaml.safe_load(COMPOSE.read_text())["services"]


def _validate(path) -> subprocess.CompletedProcess[str]:  # type: ignore[no-untyped-def]
    """check-jsonschema carries the compose-spec project's JSON schema (vendor.compose-spec)."""
    here = str(Path(sys.executable).parent)
    tool = shutil.which("check-jsonschema", path=here) or shutil.which("check-jsonschema")
    assert tool, "check-jsonschema is missing: install the dev extra"
    return subprocess.run(
        [tool, "--builtin-schema", "vendor.compose-spec", str(path)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip


def test_compose_file_follows_the_compose_specification():
    result = _validate(COMPOSE)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_schema_check_rejects_a_mistake(tmp_path):
    broken = tmp_path / "compose.yaml"
    broken.write_text(COMPOSE.read_text().replace("stop_grace_period: 35s", "stop_grace: 35s"))
    result = _validate(broken)
    assert result.returncode != 0
    assert "stop_grace" in result.stdout + result.stderr


def test_every_long_running_service_has_a_healthcheck(services):
    for name, service in services.items():
        if service.get("restart") == "no":
            continue  # one-shot
        check = service.get("healthcheck") or {}
        assert check.get("test"), f"{name} has no healthcheck"
        assert not check.get("disable"), f"{name} disables its healthcheck"


def test_one_image_runs_every_role(services):
    roles = {
        name: service["command"][0]
        for name, service in services.items()
        if service.get("image") == APP_IMAGE
    }
    assert roles == {
        "migrate": "migrate",
        "web": "web",
        "worker": "worker",
        "worker-imports": "worker",
        "beat": "beat",
    }
    for name in roles:
        assert services[name]["env_file"] == ["${STACKS_ENV_FILE:-.env}"], (
            f"{name} must read deploy/.env unless STACKS_ENV_FILE names another file"
        )


def test_the_stack_builds_its_image_once(services):
    """One service builds the image, the others run it: compose builds once per `build:`."""
    builders = [name for name, service in services.items() if "build" in service]
    assert builders == ["migrate"]
    build = services["migrate"]["build"]
    assert build["dockerfile"] == "deploy/Dockerfile"
    assert build["context"] == ".."
    assert build["args"] == {"PYTHON_IMAGE": "${PYTHON_IMAGE:-python:3.12-slim-bookworm}"}
    # Every other service starts after migrate has succeeded, so after the build.
    for name in ("web", "worker", "worker-imports"):
        assert "migrate" in services[name]["depends_on"]


def test_migrate_runs_once_before_web_and_workers(services):
    assert services["migrate"]["restart"] == "no"
    for name in ("web", "worker", "worker-imports"):
        needs = services[name]["depends_on"]
        assert needs["migrate"] == {"condition": "service_completed_successfully"}
        assert needs["db"] == {"condition": "service_healthy"}
        assert needs["redis"] == {"condition": "service_healthy"}


def test_web_and_workers_share_the_media_volume(services):
    mount = "media:/srv/stacks/media"
    dockerfile = (ROOT / "deploy" / "Dockerfile").read_text()
    assert "MEDIA_ROOT=/srv/stacks/media" in dockerfile
    for name in ("web", "worker", "worker-imports"):
        assert mount in services[name]["volumes"], name


def test_workers_split_short_tasks_from_imports(services):
    assert services["worker"]["command"] == [
        "worker",
        "--queues",
        "${CELERY_DEFAULT_QUEUE:-celery}",
    ]
    imports = services["worker-imports"]["command"]
    assert imports[:3] == ["worker", "--queues", "${CELERY_IMPORTS_QUEUE:-imports}"]
    # Late acknowledgement and prefetch 1 come from the settings every worker loads.
    assert settings.CELERY_TASK_ACKS_LATE is True
    assert settings.CELERY_WORKER_PREFETCH_MULTIPLIER == 1


def test_only_the_imports_worker_gives_way_to_the_web(services):
    # Niced (config/worker_priority.py), so a large import leaves the processor to requests.
    assert services["worker-imports"]["environment"] == {
        "STACKS_WORKER_NICE": "${IMPORT_WORKER_NICE:-10}"
    }
    for name in ("web", "worker"):
        assert "STACKS_WORKER_NICE" not in services[name].get("environment", {}), name


def test_beat_runs_only_when_there_are_periodic_tasks(services):
    has_schedule = bool(getattr(settings, "CELERY_BEAT_SCHEDULE", None))
    beats = [n for n, s in services.items() if s.get("command", [None])[0] == "beat"]
    assert len(beats) == (1 if has_schedule else 0)


def test_redis_persists_and_never_evicts(services):
    command = " ".join(services["redis"]["command"])
    assert "--appendonly yes" in command
    assert "--maxmemory-policy noeviction" in command
    assert "redis:/data" in services["redis"]["volumes"]


def test_postgres_16_on_a_named_volume(services):
    db = services["db"]
    assert re.fullmatch(r"\$\{POSTGRES_IMAGE:-postgres:16(-[a-z]+)?\}", db["image"])
    assert "postgres:/var/lib/postgresql/data" in db["volumes"]
    assert set(yaml.safe_load(COMPOSE.read_text())["volumes"]) == {
        "postgres", "redis", "media", "uploads",
    }  # fmt: skip


def test_uploads_spool_to_a_disk_volume_not_to_memory(services):
    """The containers' temporary folder is a tmpfs (memory); uploads go to a volume instead."""
    dockerfile = (ROOT / "deploy" / "Dockerfile").read_text()
    assert "FILE_UPLOAD_TEMP_DIR=/srv/stacks/uploads" in dockerfile
    assert "/srv/stacks/uploads" in dockerfile.split("install -d", 1)[1].split("\n", 1)[0]
    assert "uploads:/srv/stacks/uploads" in services["web"]["volumes"]


def test_base_images_can_be_replaced_without_retagging(services):
    """A mirror's copy or a local stand-in is named by a variable, never tagged as official."""
    assert services["redis"]["image"] == "${REDIS_IMAGE:-redis:7.4-bookworm}"
    assert services["db"]["image"].startswith("${POSTGRES_IMAGE:-")
