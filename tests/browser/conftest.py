import os
import shutil

import pytest

# Playwright's sync API runs an event loop in this thread; the live server's ORM calls
# are in other threads, but Django's check looks at this one.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def _chromium() -> str | None:
    return (
        os.environ.get("CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
    )


def pytest_collection_modifyitems(config, items):
    if _chromium() is None and os.environ.get("CI") != "true":
        skip = pytest.mark.skip(reason="Chromium not installed (apt-get install -y chromium)")
        for item in items:
            if "browser" in str(item.fspath):
                item.add_marker(skip)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    # Playwright cannot download its own browsers here: drive the system Chromium,
    # with its background networking off (the machine has no internet).
    return {
        **browser_type_launch_args,
        "executable_path": _chromium(),
        "headless": True,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--disable-quic",
        ],
    }


@pytest.fixture
def demo_data(transactional_db):
    from django.core.management import call_command

    call_command("load_demo", stdout=open(os.devnull, "w"))  # noqa: SIM115
