"""The Playground as any of the demo's people: `make playground AS="Adele Vance" UI=56151`.

The Agents Playground cannot switch users in its page; it takes the current user from its
configuration file. This writes the repository's `.m365agentsplayground.yml` with another
person as the current user (under data/playground/) and starts the Playground with it. The
end-to-end tests build their configurations with the same function.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]
PLAYGROUND_CONFIG = ROOT / ".m365agentsplayground.yml"
PLAYGROUND_CLI = ROOT / "e2e" / "node_modules" / "@microsoft" / "m365agentsplayground" / "cli.js"


def playground_config(current_user: str) -> dict[str, Any]:
    """The repository's Playground configuration with `current_user` as the current user.

    Each person keeps their id and aadObjectId whoever is current, and has a personal chat id
    of their own, as in Teams (the file's fixed id would otherwise be everybody's).
    """
    config: dict[str, Any] = yaml.safe_load(PLAYGROUND_CONFIG.read_text(encoding="utf-8"))
    people = [config["currentUser"], *config["users"]]
    chosen = next((p for p in people if p["name"] == current_user), None)
    if chosen is None:
        names = ", ".join(p["name"] for p in people)
        raise ValueError(f"No {current_user!r} in {PLAYGROUND_CONFIG.name}; it has {names}")
    config["currentUser"] = chosen
    config["users"] = [p for p in people if p is not chosen]
    config["personalChat"] = {"id": f"personal-chat-{chosen['id']}"}
    return config


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--as", dest="person", default="Alex Wilber")
    parser.add_argument("--ui-port", type=int, default=56150)
    parser.add_argument("--bot", default="http://127.0.0.1:3978/api/messages")
    args = parser.parse_args()
    try:
        config = playground_config(args.person)
    except ValueError as error:
        sys.exit(str(error))
    folder = ROOT / "data" / "playground"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{args.person.lower().replace(' ', '-')}.yml"
    path.write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    print(f"Playground as {args.person}: http://127.0.0.1:{args.ui_port}", flush=True)
    node = shutil.which("node")
    if node is None:
        sys.exit("Node.js is needed for the Playground (see the README).")
    os.execve(  # noqa: S606 - the pinned Playground, replacing this process
        node,
        # --dt: no telemetry leaves this machine, as in the end-to-end tests.
        [
            *(node, str(PLAYGROUND_CLI), "-e", args.bot),
            *("-c", "msteams", "--dt", "-p", str(args.ui_port)),
        ],
        {**os.environ, "M365_AGENTS_PLAYGROUND_CONFIG_PATH": str(path)},
    )


if __name__ == "__main__":
    main()
