"""The code's layout: no module of the catalog (migrations aside) grows past 500 lines, so that
each reads as one concern; a longer one is split along a seam of its own."""

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MAX_LINES = 500


def _modules_too_long(package: str) -> dict[str, int]:
    """The modules of `package` over MAX_LINES, by their path from the root, with their length."""
    found = {}
    for path in sorted((ROOT / package).rglob("*.py")):
        if "migrations" in path.relative_to(ROOT).parts:
            continue
        with path.open(encoding="utf-8") as module:
            lines = sum(1 for _ in module)
        if lines > MAX_LINES:
            found[path.relative_to(ROOT).as_posix()] = lines
    return found


def test_no_catalog_module_is_over_500_lines():
    too_long = _modules_too_long("catalog")
    said = "; ".join(f"{name}: {lines} lines" for name, lines in too_long.items())
    assert not too_long, f"over {MAX_LINES} lines: {said}"
