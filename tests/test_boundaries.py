"""Where things live: each app keeps its admin, its template tags and its URLs to itself,
so a newcomer finds a thing where its app is and can change it without breaking another."""

from __future__ import annotations

import ast
from pathlib import Path

from django.apps import apps
from django.conf import settings

ROOT = Path(settings.BASE_DIR)


def _our_apps() -> list[str]:
    return sorted(
        config.name for config in apps.get_app_configs() if Path(config.path).parent == ROOT
    )


def _imports(package: str) -> list[tuple[str, str]]:
    """(file, module imported) for every absolute import in the package's Python files,
    migrations left out."""
    found = []
    for path in (ROOT / package).rglob("*.py"):
        if "migrations" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                found.append((str(path.relative_to(ROOT)), node.module))
            elif isinstance(node, ast.Import):
                found += [(str(path.relative_to(ROOT)), alias.name) for alias in node.names]
    return found


def test_it_finds_every_app_of_ours():
    assert {"groups", "evidence", "exchange", "referrals", "accounts"} <= set(_our_apps())


def test_no_app_imports_another_apps_admin():
    crossing = [
        (path, module)
        for app in _our_apps()
        for path, module in _imports(app)
        if module.endswith(".admin")
        and module.split(".")[0] in _our_apps()
        and module.split(".")[0] != app
    ]
    assert crossing == []


def test_the_projects_urls_only_include_each_apps_own():
    from django.urls import URLResolver

    from directory import urls

    assert all(isinstance(pattern, URLResolver) for pattern in urls.urlpatterns)
    included = {getattr(p.urlconf_module, "__name__", "") for p in urls.urlpatterns}
    assert {f"{app}.urls" for app in _our_apps()} <= included


def test_the_readme_says_where_each_app_is():
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## What is here", 1)[1].split("\n## ", 1)[0]
    assert [app for app in _our_apps() if f"`{app}/" not in section] == []


def test_only_templates_use_template_tags():
    """What a page says (a language's name, a pause) lives in the app's own modules; the
    template tags only wrap it, so views, sheets and feeds never import them."""
    crossing = [
        (path, module)
        for app in _our_apps()
        for path, module in _imports(app)
        if ".templatetags" in module and "/templatetags/" not in path
    ]
    assert crossing == []


def test_language_name_lives_in_the_languages_module():
    from groups.languages import language_name
    from groups.templatetags.directory import register

    assert register.filters["language_name"] is language_name
