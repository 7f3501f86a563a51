"""Builds the Teams app package: a zip with manifest.json, color.png and outline.png at its root.

    make package            # or python -m manifest.package, or python manifest/package.py
    python -m manifest.package --version 1.1.0 --output /tmp/panel.zip

MICROSOFT_APP_ID, when set, becomes both the app's id and its bot's id (the Azure Bot's Microsoft
App ID); without it the package keeps the committed demo id and says so. Standard library only,
and nothing from the bot's own packages: the package is built without the bot's settings.
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import re
import sys
import zipfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
MANIFEST = HERE / "manifest.json"
DEFAULT_OUTPUT = HERE.parent / "build" / "early-help-panel.zip"
DEMO_ID = "00000000-0000-0000-0000-000000000000"
PLACEHOLDER_HOST = "example.invalid"

# The schema's own pattern for `id` and `botId`.
_GUID = re.compile(r"[0-9a-fA-F]{8}-(?:[0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}")
_VERSION = re.compile(r"(?:0|[1-9][0-9]*)\.(?:0|[1-9][0-9]*)\.(?:0|[1-9][0-9]*)")
# A fixed time on every entry makes two builds from the same inputs byte for byte identical.
_ENTRY_TIME = (1980, 1, 1, 0, 0, 0)


class PackageRefused(Exception):
    """The package would be refused by Teams, or would point Teams at the wrong bot."""


def load_manifest(path: Path = MANIFEST) -> dict[str, Any]:
    manifest: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return manifest


def customised(
    manifest: Mapping[str, Any], *, app_id: str | None = None, version: str | None = None
) -> dict[str, Any]:
    """A copy of `manifest` with the app id (which is also the bot's id) and version replaced."""
    result = copy.deepcopy(dict(manifest))
    if app_id is not None:
        if not _GUID.fullmatch(app_id):
            raise PackageRefused(
                f"MICROSOFT_APP_ID {app_id!r} is not a GUID. Use the Azure Bot's Microsoft App "
                f"ID, e.g. 1b2c3d4e-0000-4000-8000-123456789abc."
            )
        result["id"] = app_id
        result["bots"][0]["botId"] = app_id
        # Resource-specific consent (read receipts in 1:1 chats) is granted to this app id.
        if "webApplicationInfo" in result:
            result["webApplicationInfo"]["id"] = app_id
    if version is not None:
        if not _VERSION.fullmatch(version):
            raise PackageRefused(f"--version {version!r} is not of the form X.Y.Z, e.g. 1.2.0.")
        result["version"] = version
    return result


def placeholders(manifest: Mapping[str, Any]) -> list[str]:
    """What a council must still change before people use this package."""
    found = []
    if manifest["id"] == DEMO_ID:
        found.append(f"the app id is the demo id {DEMO_ID}: set MICROSOFT_APP_ID")
    developer = manifest["developer"]
    urls = [
        key
        for key in ("websiteUrl", "privacyUrl", "termsOfUseUrl")
        if PLACEHOLDER_HOST in developer[key]
    ]
    if urls:
        found.append(
            f"developer {', '.join(urls)} still point at {PLACEHOLDER_HOST}: "
            f"edit manifest/manifest.json"
        )
    return found


def icon_files(manifest: Mapping[str, Any]) -> list[str]:
    """The icons the manifest names; Teams looks for them beside manifest.json in the zip."""
    names = [manifest["icons"]["color"], manifest["icons"]["outline"]]
    for name in names:
        if Path(name).name != name:
            raise PackageRefused(f"icon {name!r} must be a file name, beside manifest.json")
    return names


def build_package(manifest: Mapping[str, Any], output: Path = DEFAULT_OUTPUT) -> Path:
    """Writes the zip to `output` (whole or not at all) and returns its path."""
    entries = {
        "manifest.json": (json.dumps(manifest, indent=2, ensure_ascii=False) + "\n").encode()
    }
    entries |= {name: (HERE / name).read_bytes() for name in icon_files(manifest)}
    output.parent.mkdir(parents=True, exist_ok=True)
    partial = output.with_name(output.name + ".partial")
    with zipfile.ZipFile(partial, "w") as archive:
        for name, data in entries.items():
            entry = zipfile.ZipInfo(name, date_time=_ENTRY_TIME)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o644 << 16
            archive.writestr(entry, data)
    partial.replace(output)
    return output


def main(argv: Sequence[str] | None = None, environ: Mapping[str, str] = os.environ) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m manifest.package",
        description="Build the Teams app package (manifest.json, color.png, outline.png).",
    )
    parser.add_argument(
        "--version", help="the app version to publish, X.Y.Z (default: as committed)"
    )
    parser.add_argument(
        "--output", type=Path, default=DEFAULT_OUTPUT, help=f"default: {DEFAULT_OUTPUT}"
    )
    args = parser.parse_args(argv)
    try:
        manifest = customised(
            load_manifest(), app_id=environ.get("MICROSOFT_APP_ID") or None, version=args.version
        )
        path = build_package(manifest, args.output)
    except PackageRefused as refusal:
        print(f"Not packaged: {refusal}", file=sys.stderr)
        return 1
    for warning in placeholders(manifest):
        print(f"Warning: {warning}", file=sys.stderr)
    print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
