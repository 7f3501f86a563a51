"""End-to-end fixtures: the bot as a subprocess, the Microsoft 365 Agents Playground pointed at
it, and `e2e/playground.mjs` working the Playground's web UI in headless Chromium.

    def test_tasks(playground: PlaygroundFactory) -> None:
        adele = playground(current_user="Adele Vance")
        adele.drive([{"send": "my tasks"}, {"waitText": "Information check", "in": "card"}])

The Playground cannot switch users: each `playground(...)` call starts one whose current user is
that person, on its own port, all pointed at the same bot (`bot`; override the `bot_env` fixture
for extra environment such as PANEL_CONFIG). Each keeps its page open for the whole test, as the
Playground forgets a conversation when its page reloads; messages the bot sends while no page is
connected are shown when one connects. The steps `drive` takes are listed at the top of
`e2e/playground.mjs`.

Without Node.js, `e2e/node_modules` or Chromium these tests skip, except with CI set, where
they fail.
"""

from __future__ import annotations

import http.client
import json
import os
import queue
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import pytest
import yaml
from cryptography.fernet import Fernet

from tests.e2e.people import playground_config

ROOT = Path(__file__).resolve().parents[2]
E2E = ROOT / "e2e"
DRIVER = E2E / "playground.mjs"
PLAYGROUND_CLI = E2E / "node_modules/@microsoft/m365agentsplayground/cli.js"
PLAYWRIGHT = E2E / "node_modules/playwright-core/package.json"
# The mock tenant's people, kept in step with config/demo.yaml by tests/adapters.

STARTUP_SECONDS = 30.0
STEP_MS = 10_000  # the driver's default step timeout

Step = dict[str, Any]
PlaygroundFactory = Callable[..., "Playground"]


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "e2e: drives the bot through the Agents Playground in headless Chromium"
    )


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in item.path.parents:
            item.add_marker(pytest.mark.e2e)


# -- Tools ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Tools:
    node: str
    chromium: str


@pytest.fixture(scope="session")
def e2e_tools() -> Tools:
    node = shutil.which("node")
    chromium = os.environ.get("CHROMIUM", "/usr/bin/chromium")
    missing = []
    if node is None:
        missing.append("Node.js 20+ (`node` on PATH)")
    if not (PLAYGROUND_CLI.is_file() and PLAYWRIGHT.is_file()):
        missing.append(
            "e2e/node_modules (`make test` runs `npm ci` in e2e/; or `cd e2e && npm ci`)"
        )
    if not os.access(chromium, os.X_OK):
        missing.append(f"Chromium at {chromium} (`apt-get install chromium`, or set CHROMIUM)")
    if missing:
        message = "End-to-end tests need " + "; ".join(missing) + "."
        if os.environ.get("CI", "").lower() not in ("", "0", "false", "no"):
            pytest.fail(message + " CI is set, so they fail rather than skip.", pytrace=False)
        pytest.skip(message)
    assert node is not None
    return Tools(node=node, chromium=chromium)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def tail(path: Path, lines: int = 25) -> str:
    if not path.exists():
        return "(no log)"
    return "\n".join(path.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:])


def http_status(port: int, path: str) -> int | None:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
    try:
        connection.request("GET", path)
        return connection.getresponse().status
    except OSError:
        return None
    finally:
        connection.close()


def stop(process: subprocess.Popen[Any], *, group: bool = False) -> None:
    if process.poll() is None:
        if group:
            os.killpg(process.pid, signal.SIGTERM)
        else:
            process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            if group:
                os.killpg(process.pid, signal.SIGKILL)
            else:
                process.kill()
            process.wait()


# -- The bot ----------------------------------------------------------------------------------


@dataclass
class Bot:
    port: int
    log_path: Path
    database_url: str
    process: subprocess.Popen[bytes]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def messages_url(self) -> str:
        return f"{self.url}/api/messages"

    def log_text(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")


# Settings a developer's shell may hold that would change what the bot under test does.
_BOT_SETTINGS = re.compile(
    r"MICROSOFT_APP_\w+|HOST|PORT|DATABASE_URL|ENCRYPTION_KEYS|LOOKUP_KEY|PANEL_CONFIG"
    r"|ALLOWED_TENANTS"
)


@pytest.fixture
def bot_env() -> dict[str, str]:
    """Extra environment for the bot: override this fixture in a module, or parametrize it."""
    return {}


@pytest.fixture
def bot(bot_env: dict[str, str], tmp_path: Path) -> Iterator[Bot]:
    """`app.py --upgrade-db` on a free port with its own SQLite file; its log is `bot.log_path`."""
    port = free_port()
    database_url = f"sqlite+aiosqlite:///{tmp_path / 'panel.sqlite3'}"
    env = {k: v for k, v in os.environ.items() if not _BOT_SETTINGS.fullmatch(k)}
    env.update(
        HOST="127.0.0.1",
        PORT=str(port),
        DATABASE_URL=database_url,
        # Test keys, so the app never writes development keys into the repository's data/.
        ENCRYPTION_KEYS=Fernet.generate_key().decode(),
        LOOKUP_KEY="end-to-end-test-look-up-key-0123456789",
        PYTHONUNBUFFERED="1",  # the log file is current when a test reads it
    )
    env.update(bot_env)
    log_path = tmp_path / "bot.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "app.py", "--upgrade-db"],
            cwd=ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    running = Bot(port, log_path, database_url, process)
    try:
        wait_until_healthy(running)
        yield running
    finally:
        stop(process)


def wait_until_healthy(bot: Bot) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if bot.process.poll() is not None:
            pytest.fail(
                f"The bot exited with {bot.process.returncode} before it was healthy:\n"
                f"{tail(bot.log_path)}",
                pytrace=False,
            )
        if http_status(bot.port, "/healthz") == 200:
            return
        time.sleep(0.2)
    pytest.fail(
        f"GET /healthz did not answer 200 within {STARTUP_SECONDS:.0f} s:\n{tail(bot.log_path)}"
    )


# -- The driver -------------------------------------------------------------------------------


class Driver:
    """`playground.mjs --serve`: one Chromium for the test, a page per Playground."""

    def __init__(self, tools: Tools, log_path: Path) -> None:
        self.log_path = log_path
        with log_path.open("wb") as log:
            self.process = subprocess.Popen(  # noqa: S603 - our own script
                [tools.node, str(DRIVER), "--serve"],
                cwd=E2E,
                env={**os.environ, "CHROMIUM": tools.chromium},
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=log,
                text=True,
            )
        self._lines: queue.Queue[str] = queue.Queue()
        threading.Thread(target=self._read, args=(self.process.stdout,), daemon=True).start()

    def _read(self, stdout: IO[str]) -> None:
        for line in stdout:
            self._lines.put(line)
        self._lines.put("")  # the driver has exited

    def request(self, request: dict[str, Any], timeout: float) -> dict[str, Any]:
        assert self.process.stdin is not None
        self.process.stdin.write(json.dumps(request) + "\n")
        self.process.stdin.flush()
        try:
            line = self._lines.get(timeout=timeout)
        except queue.Empty:
            pytest.fail(f"The Playground driver gave no answer in {timeout:.0f} s", pytrace=False)
        if not line:
            pytest.fail(f"The Playground driver exited:\n{tail(self.log_path)}", pytrace=False)
        result: dict[str, Any] = json.loads(line)
        return result

    def close_page(self, url: str) -> None:
        """Closes a Playground's page, if the driver still runs; never fails the test."""
        if self.process.poll() is None and self.process.stdin is not None:
            try:
                self.process.stdin.write(json.dumps({"url": url, "close": True}) + "\n")
                self.process.stdin.flush()
                self._lines.get(timeout=STARTUP_SECONDS)
            except (OSError, queue.Empty):
                pass

    def close(self) -> None:
        if self.process.stdin is not None:
            self.process.stdin.close()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            stop(self.process)


@pytest.fixture
def driver(e2e_tools: Tools, tmp_path: Path) -> Iterator[Driver]:
    running = Driver(e2e_tools, tmp_path / "driver.log")
    yield running
    running.close()


# -- The Playground ---------------------------------------------------------------------------


@dataclass
class DriveResult:
    ok: bool
    steps: list[dict[str, Any]]
    error: str | None = None
    screenshot: str | None = None
    log: list[str] = field(default_factory=list)

    @property
    def reads(self) -> list[str]:
        """The text of each `read` step, in order (`"read": "cards"` has a list in `steps`)."""
        return [step["text"] for step in self.steps if "read" in step["step"] and "text" in step]


@dataclass
class Playground:
    user: str
    port: int
    work_dir: Path
    log_path: Path
    process: subprocess.Popen[bytes]
    driver: Driver
    bot: Bot
    config: dict[str, Any]  # the .m365agentsplayground.yml it runs with
    _failures: int = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    @property
    def service_url(self) -> str:
        """The serviceUrl the Playground puts in the activities it sends (its mock connector)."""
        return f"http://localhost:{self.port}/_connector"

    def drive(self, steps: list[Step], *, check: bool = True) -> DriveResult:
        """Runs the steps on this Playground's page; with `check`, fails the test on any error."""
        screenshot = self.work_dir / f"failure-{self._failures + 1}.png"
        budget = sum(step.get("timeout", STEP_MS) for step in steps) / 1000 + STARTUP_SECONDS
        raw = self.driver.request(
            {"url": self.url, "steps": steps, "screenshot": str(screenshot)}, timeout=budget
        )
        result = DriveResult(
            ok=raw["ok"],
            steps=raw["steps"],
            error=raw.get("error"),
            screenshot=raw.get("screenshot"),
            log=raw.get("log", []),
        )
        if not result.ok:
            self._failures += 1
            if check:
                pytest.fail(self.explain(result, steps), pytrace=False)
        return result

    def explain(self, result: DriveResult, steps: list[Step]) -> str:
        failed = next((s for s in result.steps if not s["ok"]), None)
        lines = [f"Playground as {self.user}: "]
        if failed is None:
            lines[0] += result.error or "failed"
        else:
            lines[0] += (
                f"step {len(result.steps)} of {len(steps)} failed: {json.dumps(failed['step'])}"
            )
            lines.append(f"  {failed['error']}")
        if result.screenshot:
            lines.append(f"screenshot: {result.screenshot}")
        if result.log:
            lines.append("Playground log panel:\n  " + "\n  ".join(result.log))
        lines.append(f"bot log ({self.bot.log_path}):\n{tail(self.bot.log_path)}")
        return "\n".join(lines)


# The Playground's own settings that would override what the fixture chooses.
_PLAYGROUND_SETTINGS = re.compile(
    r"(M365_AGENTS_PLAYGROUND|TEAMSAPPTESTER|TEAMS_APP_TEST_TOOL)_\w+|BOT_ENDPOINT"
)


@pytest.fixture
def playground(
    e2e_tools: Tools, bot: Bot, driver: Driver, tmp_path: Path
) -> Iterator[PlaygroundFactory]:
    """`playground(current_user="Adele Vance")` starts a Playground as that person."""
    started: list[Playground] = []

    def start(current_user: str = "Alex Wilber") -> Playground:
        work_dir = tmp_path / f"playground-{len(started) + 1}"
        work_dir.mkdir()
        config_path = work_dir / ".m365agentsplayground.yml"
        try:
            config = playground_config(current_user)
        except ValueError as error:
            pytest.fail(str(error))
        config_path.write_text(yaml.safe_dump(config, sort_keys=False))
        env = {k: v for k, v in os.environ.items() if not _PLAYGROUND_SETTINGS.fullmatch(k)}
        env.update(
            M365_AGENTS_PLAYGROUND_CONFIG_PATH=str(config_path),
            M365_AGENTS_PLAYGROUND_LOGFILE=str(work_dir / "playground-debug.log"),
            TEAMSAPPTESTER_BROWSER="none",  # it would try to open a browser of its own
        )
        log_path = work_dir / "playground.log"
        with log_path.open("wb") as log:
            # Its own session, as a Playground started from a shell exits with that shell;
            # the whole process group is stopped at teardown.
            process = subprocess.Popen(  # noqa: S603 - the pinned Playground
                [
                    *(e2e_tools.node, str(PLAYGROUND_CLI), "-e", bot.messages_url),
                    *("-c", "msteams", "--dt", "-p", str(free_port())),
                ],
                cwd=work_dir,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        try:
            port = wait_for_playground(process, log_path)
        except BaseException:
            stop(process, group=True)
            raise
        running = Playground(current_user, port, work_dir, log_path, process, driver, bot, config)
        started.append(running)
        return running

    yield start
    for running in reversed(started):
        driver.close_page(running.url)
        stop(running.process, group=True)


def wait_for_playground(process: subprocess.Popen[bytes], log_path: Path) -> int:
    """The port it listens on (it picks another if the one asked for is taken)."""
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"The Playground exited with {process.returncode}:\n{tail(log_path)}")
        found = re.search(r"Listening on (\d+)", log_path.read_text("utf-8", errors="replace"))
        if found and http_status(int(found.group(1)), "/") == 200:
            return int(found.group(1))
        time.sleep(0.1)
    pytest.fail(f"The Playground did not start within {STARTUP_SECONDS:.0f} s:\n{tail(log_path)}")
