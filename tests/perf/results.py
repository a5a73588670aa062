"""Benchmark results: printed beside their floor and kept in `.bench/results.json`."""

import json
import statistics
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


def p50_p95(times: list[float]) -> tuple[float, float]:
    """The median of `times` and their 95th percentile."""
    return statistics.median(times), statistics.quantiles(times, n=100)[94]


def record_p50_p95(
    name: str, latency: tuple[float, float], floor: tuple[float, float], suffix: str = ""
) -> None:
    """Store `<name>_p50<suffix>` and `<name>_p95<suffix>` in ms, each beside its floor's."""
    for label, value, floor_value in zip(("p50", "p95"), latency, floor, strict=True):
        record(f"{name}_{label}{suffix}", value, "ms", floor_value)


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
