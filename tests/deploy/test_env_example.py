"""deploy/.env.example names exactly the variables that the settings and processes read."""

import ast
import json
import re
import subprocess
import sys

from tests.conftest import ROOT

ENV_EXAMPLE = ROOT / "deploy" / ".env.example"
SETTINGS = ROOT / "config" / "settings.py"
PROCESS_SECTION = "=== Processes and containers"

# Imports config.settings with every env.<type>() read recorded, under development and
# production environments, so reads that only one branch makes are seen too.
_RECORD = """
import json, os, sys, environ
seen = set()
get_value = environ.Env.get_value
def recording(self, var, *args, **kwargs):
    seen.add(var)
    return get_value(self, var, *args, **kwargs)
environ.Env.get_value = recording
for name in ("DEBUG", "SECRET_KEY", "STACKS_HTTPS", "TRUST_X_FORWARDED_PROTO",
             "CELERY_IMPORTS_QUEUE"):
    os.environ.pop(name, None)
os.environ.update(json.loads(sys.argv[1]))
import config.settings
print(json.dumps(sorted(seen)))
"""


def _documented() -> tuple[set[str], set[str]]:
    """(settings variables, process variables) named in .env.example, set or commented."""
    settings_part, _, process_part = ENV_EXAMPLE.read_text().partition(PROCESS_SECTION)
    assert process_part, f".env.example lost its {PROCESS_SECTION!r} heading"

    def names(text: str) -> set[str]:
        return set(re.findall(r"^#? ?([A-Z][A-Z0-9_]+)=", text, flags=re.MULTILINE))

    return names(settings_part), names(process_part)


def _env_reads_in_source(path) -> set[str]:  # type: ignore[no-untyped-def]
    """Names read by env.<type>("NAME"), os.environ.get("NAME"), os.getenv, os.environ["NAME"]."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant):
            func = ast.unparse(node.func)
            if re.fullmatch(r"env(\.\w+)?|os\.environ\.(get|setdefault)|os\.getenv", func):
                found.add(node.args[0].value)
        if isinstance(node, ast.Subscript) and ast.unparse(node.value) == "os.environ":
            found.add(ast.literal_eval(node.slice))
    return found


def _env_reads_at_import() -> set[str]:
    seen: set[str] = set()
    for env in ({"DEBUG": "1"}, {"SECRET_KEY": "x" * 60, "TRUST_X_FORWARDED_PROTO": "1",
                                 "CELERY_IMPORTS_QUEUE": "imports"}):  # fmt: skip
        out = subprocess.run(
            [sys.executable, "-c", _RECORD, json.dumps(env)],
            cwd=ROOT, capture_output=True, text=True, check=True,
        ).stdout  # fmt: skip
        seen |= set(json.loads(out))
    return seen


def _compose_interpolations() -> set[str]:
    text = (ROOT / "deploy" / "compose.yaml").read_text()
    return set(re.findall(r"(?<!\$)\$\{([A-Z][A-Z0-9_]*)", text))


def test_settings_section_names_exactly_what_the_settings_read():
    documented, _ = _documented()
    read = _env_reads_in_source(SETTINGS) | _env_reads_at_import()
    assert documented - read == set(), "documented but never read by config/settings.py"
    assert read - documented == set(), "read by config/settings.py but not in .env.example"


def test_process_section_names_exactly_what_gunicorn_and_compose_read():
    documented_settings, documented = _documented()
    read = (
        _env_reads_in_source(ROOT / "deploy" / "gunicorn.conf.py")
        | _env_reads_in_source(ROOT / "config" / "entrypoint.py")
        | _compose_interpolations()
    ) - documented_settings
    read.discard("DJANGO_SETTINGS_MODULE")  # fixed in the image, not configuration
    assert documented - read == set(), "documented but read by no process or compose"
    assert read - documented == set(), "read by a process or compose but not in .env.example"


def test_a_new_setting_would_be_noticed(tmp_path):
    """The source scan sees each kind of read the settings use."""
    sample = tmp_path / "settings.py"
    sample.write_text(
        "import os\nA = env.bool('ONE', default=False)\nB = env('TWO')\n"
        "C = os.environ.get('THREE')\nD = os.environ['FOUR']\nE = os.getenv('FIVE')\n"
    )
    assert _env_reads_in_source(sample) == {"ONE", "TWO", "THREE", "FOUR", "FIVE"}
