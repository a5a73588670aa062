"""constraints.txt, the lock every install reads (the image, CI, `make`), matches pyproject.toml."""

import re
import tomllib
from pathlib import Path

from packaging.markers import Marker
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

from tests.conftest import ROOT

LOCK = ROOT / "constraints.txt"
REGENERATE = "constraints.txt does not match pyproject.toml: run `make lock` and commit the file"
# A line of `uv pip compile --annotation-style line`: name==version, markers, then who wants it.
PIN = re.compile(
    r"^(?P<name>[A-Za-z0-9._-]+)==(?P<version>\S+)\s*"
    r"(?:;\s*(?P<marker>[^#]+?))?\s*(?:#\s*via (?P<via>.*))?$"
)
PROJECT = "stacks (pyproject.toml)"


def _requirements() -> list[tuple[str, Requirement]]:
    """Every requirement of pyproject.toml, as written and parsed: the dependencies and every
    extra's."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    listed = list(project["dependencies"])
    for extra in project.get("optional-dependencies", {}).values():
        listed += extra
    return [(line, Requirement(line)) for line in listed]


def _pins(path: Path) -> dict[str, list[dict[str, str]]]:
    pins: dict[str, list[dict[str, str]]] = {}
    for line in path.read_text().splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        match = PIN.match(line.strip())
        assert match, f"constraints.txt: not a pinned line: {line!r}; {REGENERATE}"
        pins.setdefault(canonicalize_name(match["name"]), []).append(match.groupdict())
    return pins


def _mismatches(path: Path) -> list[str]:
    pins = _pins(path)
    problems = []
    direct = set()
    for written, requirement in _requirements():
        name = canonicalize_name(requirement.name)
        direct.add(name)
        if name not in pins:
            problems.append(f"{written} is not pinned")
            continue
        for pin in pins[name]:
            if not requirement.specifier.contains(Version(pin["version"]), prereleases=True):
                problems.append(f"{name}=={pin['version']} is outside {written}")
    for name, entries in pins.items():
        wanted_by_project = any(PROJECT in (entry["via"] or "") for entry in entries)
        if wanted_by_project and name not in direct:
            problems.append(f"{name} is pinned for pyproject.toml, which no longer asks for it")
    return problems


def test_every_requirement_of_pyproject_is_pinned_within_its_range():
    problems = _mismatches(LOCK)
    assert not problems, f"{REGENERATE}:\n" + "\n".join(problems)


def test_the_lock_was_written_by_make_lock():
    header = LOCK.read_text().splitlines()[:2]
    assert header[1].strip() == "#    make lock", REGENERATE
    makefile = (ROOT / "Makefile").read_text()
    assert "uv pip compile pyproject.toml --all-extras --universal" in makefile


def test_markers_are_understood_by_pip():
    for entries in _pins(LOCK).values():
        for entry in entries:
            if entry["marker"]:
                Marker(entry["marker"])


def test_the_check_finds_a_new_a_dropped_and_a_moved_requirement(tmp_path, monkeypatch):
    """The comparison above can fail: each way pyproject.toml and the lock drift apart."""
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    lock = LOCK.read_text()
    (tmp_path / "pyproject.toml").write_text((ROOT / "pyproject.toml").read_text().replace(
        '"Django>=5.2,<5.3",', '"Django>=5.3,<5.4",\n    "tablib>=3,<4",'
    ).replace('"orjson>=3.10,<4",', ""))  # fmt: skip
    (tmp_path / "constraints.txt").write_text(lock)
    monkeypatch.setattr(f"{__name__}.ROOT", tmp_path)
    problems = "\n".join(_mismatches(tmp_path / "constraints.txt"))
    assert "tablib>=3,<4 is not pinned" in problems
    assert re.search(r"^django==\S+ is outside Django>=5.3,<5.4$", problems, re.MULTILINE)
    assert "orjson is pinned for pyproject.toml, which no longer asks for it" in problems
    assert pyproject["project"]["dependencies"]  # the real file was not touched


def test_every_install_reads_the_lock():
    makefile = (ROOT / "Makefile").read_text()
    assert "pip install --quiet -e '.[dev,embedded]' --constraint $(CONSTRAINTS)" in makefile
    assert "CONSTRAINTS := constraints.txt" in makefile
    dockerfile = (ROOT / "deploy" / "Dockerfile").read_text()
    assert "COPY pyproject.toml constraints.txt ./" in dockerfile
    assert "--constraint constraints.txt" in dockerfile
    assert "!constraints.txt" in (ROOT / "deploy" / "Dockerfile.dockerignore").read_text()
    # CI installs through `make test`, which installs through the stamp above.
    assert "make test" in (ROOT / ".ci" / "run").read_text()
