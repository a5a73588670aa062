"""axe-core's accessibility checks, run inside the page the browser test is on."""

from typing import Any

from tests.conftest import ROOT

AXE = ROOT / "tests" / "data" / "axe" / "axe.min.js"
BLOCKING = ("critical", "serious")


def axe_violations(page: Any) -> list[str]:
    """The page's critical and serious violations, one line each (rule, impact, elements).
    Evaluated through the browser's debugging protocol, so a page's CSP does not stop it."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(AXE.read_text(encoding="utf-8") + "\n;0")
    found = page.evaluate("async () => (await axe.run(document)).violations")
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at "
        + ", ".join(str(n["target"]) for n in v["nodes"][:5])
        for v in found
        if v.get("impact") in BLOCKING
    ]
