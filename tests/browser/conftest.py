"""Browser tests: real headless Chromium against a real ASGI server on a fresh SQLite database.

The tests only speak HTTP to the server, so nothing here sets up Django in this process. Run them
in their own pytest invocation: `.venv/bin/pytest tests/browser -m browser`.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
BIN = Path(sys.executable).parent
# SAMSPILL_SCREENSHOTS puts them elsewhere, to look at one run's pictures together.
SCREENSHOTS = Path(os.environ.get("SAMSPILL_SCREENSHOTS") or ROOT / "test-artifacts" / "screenshots")
PASSWORD = "samspill"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
SERVER_START_SECONDS = 60
# Settings a developer's shell may carry that would point the server elsewhere or break plain HTTP.
LOCAL_SETTINGS = {"DATABASE_URL", "REDIS_URL", "DEBUG", "ALLOWED_HOSTS", "SECURE_COOKIES", "WEB_WORKERS"}

expect.set_options(timeout=10_000)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every test in this folder `browser`, so the main suite can leave them out."""
    for item in items:
        if item.path.is_relative_to(HERE):
            item.add_marker(pytest.mark.browser)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _server_env(var_dir: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in LOCAL_SETTINGS}
    env.setdefault("DJANGO_SETTINGS_MODULE", "samspill.settings")
    env.update(SAMSPILL_VAR_DIR=var_dir, PYTHONUNBUFFERED="1")
    return env


def _run(command: list[str], env: dict[str, str]) -> str:
    done = subprocess.run(command, env=env, cwd=ROOT, capture_output=True, text=True, timeout=180)
    if done.returncode:
        raise RuntimeError(f"{' '.join(command)} failed:\n{done.stdout}\n{done.stderr}")
    return done.stdout


def _server_command(port: int, env: dict[str, str]) -> list[str]:
    """Prefer `samspill serve`; fall back to plain uvicorn where the command does not exist yet."""
    commands = _run([str(BIN / "samspill"), "help", "--commands"], env).split()
    if "serve" in commands:
        return [str(BIN / "samspill"), "serve", "--host", "127.0.0.1", "--port", str(port), "--workers", "1"]
    return [
        sys.executable,
        "-m",
        "uvicorn",
        "samspill.asgi:application",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--no-access-log",
    ]


def _wait_until_healthy(server: subprocess.Popen[bytes], url: str, log: Path) -> None:
    deadline = time.monotonic() + SERVER_START_SECONDS
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{url}/healthz", timeout=2) as response:  # noqa: S310 (local URL)
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError):
            pass
        try:
            server.wait(timeout=0.1)
        except subprocess.TimeoutExpired:
            continue
        raise RuntimeError(f"The server stopped while starting:\n{log.read_text()}")
    raise RuntimeError(
        f"The server did not answer /healthz within {SERVER_START_SECONDS} s:\n{log.read_text()}"
    )


def _stop(server: subprocess.Popen[bytes]) -> None:
    if server.poll() is not None:
        return
    os.killpg(server.pid, signal.SIGTERM)
    try:
        server.wait(timeout=10)
    except subprocess.TimeoutExpired:
        os.killpg(server.pid, signal.SIGKILL)
        server.wait(timeout=10)


@pytest.fixture(scope="session")
def samspill_server() -> Iterator[str]:
    """Migrate a fresh SQLite database in a temporary folder, seed it, serve it with a task worker beside
    the server (as `samspill demo` does); yield the base URL."""
    with tempfile.TemporaryDirectory(prefix="samspill-browser-") as var_dir:
        env = _server_env(var_dir)
        _run([str(BIN / "samspill"), "migrate", "--no-input", "-v", "0"], env)
        _run([sys.executable, str(HERE / "seed.py")], env)
        port = _free_port()
        url = f"http://127.0.0.1:{port}"
        log = Path(var_dir) / "server.log"
        with log.open("wb") as output:
            server = subprocess.Popen(
                _server_command(port, env),
                env=env,
                cwd=ROOT,
                stdout=output,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        with (Path(var_dir) / "worker.log").open("wb") as output:
            worker = subprocess.Popen(
                [str(BIN / "samspill"), "worker", "--interval", "0.2"],
                env=env,
                cwd=ROOT,
                stdout=output,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        try:
            _wait_until_healthy(server, url, log)
            yield url
        finally:
            _stop(worker)
            _stop(server)


@pytest.fixture(scope="session")
def base_url(samspill_server: str) -> str:
    """pytest-playwright opens relative URLs (`page.goto("/customers/")`) against the test server."""
    return samspill_server


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    """Use Debian's Chromium; the browsers Playwright downloads are not available here."""
    return {**browser_type_launch_args, "executable_path": "/usr/bin/chromium", "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict[str, Any]) -> dict[str, Any]:
    """A Norwegian browser on a common office screen."""
    return {
        **browser_context_args,
        "viewport": {"width": 1366, "height": 768},
        "locale": "nb-NO",
        "timezone_id": "Europe/Oslo",
    }


@pytest.fixture
def log_in() -> Callable[[Page, str], None]:
    """Return a function that logs a person in through the login page and waits for the start page."""

    def _log_in(page: Page, username: str) -> None:
        page.goto("/accounts/login/")
        page.locator("input[name=login]").fill(username)
        page.locator("input[name=password]").fill(PASSWORD)
        page.get_by_test_id("login-form").locator("button[type=submit]").click()
        expect(page.get_by_test_id("user-menu")).to_be_visible()

    return _log_in


@pytest.fixture
def open_customer() -> Callable[[Page, str], None]:
    """Return a function that finds a customer through the list's search box and opens its page."""

    def _open_customer(page: Page, name: str) -> None:
        page.goto("/customers/")
        page.locator("#id_q").fill(name)
        page.locator("#id_q").press("Enter")
        page.get_by_test_id("customer-table").get_by_role("link", name=name, exact=True).click()
        expect(page.get_by_role("heading", level=1)).to_contain_text(name)

    return _open_customer


@pytest.fixture
def screenshot() -> Callable[[Page, str], Path]:
    """Return a function that saves the whole page under test-artifacts/screenshots/NAME.png."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def _screenshot(page: Page, name: str) -> Path:
        path = SCREENSHOTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return _screenshot
