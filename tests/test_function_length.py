"""No function in app code (the apps, their management commands and the project package;
not tests, migrations or bench/) runs past the line limit in pyproject.toml, except the
declarative data listed there with a reason."""

from __future__ import annotations

import ast
import tomllib
from pathlib import Path

from django.apps import apps
from django.conf import settings

ROOT = Path(settings.BASE_DIR)
CONFIG = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["directory"]
LIMIT: int = CONFIG["max-function-lines"]
EXEMPT: dict[str, str] = CONFIG["long-functions"]


def _app_code() -> list[Path]:
    packages = [ROOT / "directory"] + [
        Path(c.path) for c in apps.get_app_configs() if Path(c.path).parent == ROOT
    ]
    return [
        path
        for package in packages
        for path in sorted(package.rglob("*.py"))
        if "migrations" not in path.relative_to(ROOT).parts
    ]


def long_functions(source: str, limit: int = LIMIT) -> dict[str, int]:
    """Each function (methods and nested ones too) longer than the limit, by name: its
    lines from `def` (decorators aside) to its last, docstring and comments included."""
    found = {}
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            span = (node.end_lineno or node.lineno) - node.lineno + 1
            if span > limit:
                found[node.name] = span
    return found


def _offenders() -> dict[str, int]:
    return {
        f"{path.relative_to(ROOT)}:{name}": span
        for path in _app_code()
        for name, span in long_functions(path.read_text()).items()
    }


def test_no_function_in_app_code_runs_past_the_limit():
    too_long = {where: span for where, span in _offenders().items() if where not in EXEMPT}
    assert too_long == {}, f"split these (or, for declarative data, exempt them): {too_long}"


def test_every_exemption_is_still_needed_and_says_why():
    offenders = _offenders()
    assert [where for where in EXEMPT if where not in offenders] == []
    assert all(reason.strip() for reason in EXEMPT.values())


def test_it_counts_a_functions_lines_from_def_to_its_end():
    body = "\n".join(f"    x{i} = {i}" for i in range(60))
    assert long_functions(f"def fits():\n{body[: body.rindex(chr(10))]}\n") == {}
    assert long_functions(
        f"class A:\n    def over(self):\n    {body.replace(chr(10), chr(10) + '    ')}\n"
    ) == {"over": 61}


def test_it_looks_at_every_app_and_their_commands():
    looked = {str(path.relative_to(ROOT)) for path in _app_code()}
    assert "groups/management/commands/generate_groups.py" in looked
    assert "directory/settings.py" in looked
    assert not any("/migrations/" in path for path in looked)
