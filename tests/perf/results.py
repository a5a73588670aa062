"""Benchmark results: printed beside their floor and kept in `.bench/results.json`."""

import json
from pathlib import Path

RESULTS_PATH = Path(__file__).resolve().parents[2] / ".bench" / "results.json"


def record(name: str, value: float, unit: str, floor: float) -> dict[str, object]:
    """Store one figure with the floor measured in the same run; `ratio` is value / floor."""
    entry = {
        "name": name,
        "value": round(value, 4),
        "unit": unit,
        "floor": round(floor, 4),
        "ratio": round(value / floor, 4) if floor else None,
    }
    RESULTS_PATH.parent.mkdir(parents=True, exist_ok=True)
    results = json.loads(RESULTS_PATH.read_text()) if RESULTS_PATH.exists() else []
    results = [r for r in results if r.get("name") != name] + [entry]
    RESULTS_PATH.write_text(json.dumps(results, indent=2) + "\n")
    print(f"\n{name}: {entry['value']} {unit} (floor {entry['floor']}, ratio {entry['ratio']})")
    return entry


def table() -> str:
    if not RESULTS_PATH.exists():
        return "no benchmark results"
    rows = json.loads(RESULTS_PATH.read_text())
    lines = [f"{'benchmark':<48} {'value':>12} {'unit':<8} {'floor':>12} {'ratio':>8}"]
    for r in rows:
        lines.append(
            f"{r['name']:<48} {r['value']:>12} {r['unit']:<8} {r['floor']:>12} {r['ratio']!s:>8}"
        )
    return "\n".join(lines)
