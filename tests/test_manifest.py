"""The Teams app package: manifest.json against Microsoft's schema, the icons, the zip."""

from __future__ import annotations

import json
import struct
import zipfile
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any, NamedTuple

import pytest
from jsonschema.validators import validator_for

from manifest.package import DEMO_ID, build_package, customised, load_manifest, main

ROOT = Path(__file__).resolve().parent.parent
MANIFEST_DIR = ROOT / "manifest"
# npm @microsoft/app-manifest, pinned in e2e/package-lock.json and installed by `make test`.
SCHEMAS = ROOT / "e2e/node_modules/@microsoft/app-manifest/build/json-schemas/teams"

APP_ID = "1b2c3d4e-5f60-4a7b-8c9d-0e1f2a3b4c5d"

# What the bot offers where; its help text is to cover the same commands. In a team channel or a
# group chat nothing may show a child's details, so only these are offered there.
PERSONAL_COMMANDS = [
    "help",
    "my tasks",
    "new case",
    "cases",
    "agenda",
    "readiness",
    "freeze now",
    "circulate",
    "remind now",
    "start panel",
]  # Teams shows at most 10 per scope; "panel" (the console) is in the help text only
CHANNEL_AND_GROUP_CHAT_COMMANDS = ["help", "agenda", "start panel"]


def official_schema(manifest_version: str) -> dict[str, Any]:
    path = SCHEMAS / f"v{manifest_version}" / "MicrosoftTeams.schema.json"
    if not path.is_file():
        pytest.fail(
            f"{path} is missing. Run `make test`: it installs the Node tools pinned in "
            f"e2e/package-lock.json (npm ci), the Teams manifest schemas among them."
        )
    schema: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return schema


def schema_errors(manifest: dict[str, Any]) -> list[str]:
    schema = official_schema(manifest["manifestVersion"])
    validator = validator_for(schema)(schema)
    return [
        f"{error.json_path}: {error.message}"
        for error in sorted(validator.iter_errors(manifest), key=str)
    ]


def commands_by_scope(manifest: dict[str, Any]) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for command_list in manifest["bots"][0]["commandLists"]:
        for scope in command_list["scopes"]:
            assert scope not in found, f"two command lists for {scope}"
            found[scope] = [command["title"] for command in command_list["commands"]]
    return found


# --- manifest.json ---------------------------------------------------------------------------


def test_the_manifest_is_valid_against_the_official_schema() -> None:
    assert schema_errors(load_manifest()) == []


def test_the_manifest_names_the_schema_of_the_version_it_declares() -> None:
    # jsonschema checks `$schema` is a string only (its "uri" check needs an extra package).
    manifest = load_manifest()
    version = manifest["manifestVersion"]

    assert manifest["$schema"] == (
        f"https://developer.microsoft.com/json-schemas/teams/v{version}/MicrosoftTeams.schema.json"
    )
    assert tuple(int(part) for part in version.split(".")) >= (1, 17)


def test_the_committed_manifest_carries_the_demo_id_for_the_app_and_the_bot() -> None:
    manifest = load_manifest()

    assert manifest["id"] == DEMO_ID
    assert [bot["botId"] for bot in manifest["bots"]] == [DEMO_ID]
    assert manifest["webApplicationInfo"]["id"] == DEMO_ID


def test_the_app_asks_for_read_receipts_in_its_chats_so_the_desk_can_show_a_list_was_read() -> None:
    permissions = load_manifest()["authorization"]["permissions"]["resourceSpecific"]

    assert {"name": "ChatMessageReadReceipt.Read.Chat", "type": "Application"} in permissions


def test_the_bot_converses_in_personal_chats_teams_and_group_chats() -> None:
    [bot] = load_manifest()["bots"]

    assert sorted(bot["scopes"]) == ["groupChat", "personal", "team"]
    assert bot["supportsFiles"] is False
    assert bot["isNotificationOnly"] is False


def test_each_scope_offers_exactly_the_commands_the_bot_answers_there() -> None:
    assert commands_by_scope(load_manifest()) == {
        "personal": PERSONAL_COMMANDS,
        "team": CHANNEL_AND_GROUP_CHAT_COMMANDS,
        "groupChat": CHANNEL_AND_GROUP_CHAT_COMMANDS,
    }


def test_command_titles_and_descriptions_fit_the_lengths_teams_displays() -> None:
    # Teams documents 32 and 128 characters; the schema itself allows more.
    for command_list in load_manifest()["bots"][0]["commandLists"]:
        for command in command_list["commands"]:
            assert len(command["title"]) <= 32, command["title"]
            assert len(command["description"]) <= 128, command["description"]


# --- icons -----------------------------------------------------------------------------------

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


class PngHeader(NamedTuple):
    width: int
    height: int
    bit_depth: int
    colour_type: int
    interlace: int


def png_chunks(data: bytes) -> Iterator[tuple[bytes, bytes]]:
    assert data[:8] == PNG_SIGNATURE, "not a PNG file"
    at = 8
    while at < len(data):
        length, kind = struct.unpack(">I4s", data[at : at + 8])
        body = data[at + 8 : at + 8 + length]
        (crc,) = struct.unpack(">I", data[at + 8 + length : at + 12 + length])
        assert zlib.crc32(kind + body) == crc, f"bad CRC in {kind!r}"
        yield kind, body
        at += 12 + length


def png_header(data: bytes) -> PngHeader:
    kind, body = next(png_chunks(data))
    assert kind == b"IHDR", "a PNG starts with its IHDR chunk"
    width, height, bit_depth, colour_type, _, _, interlace = struct.unpack(">IIBBBBB", body)
    return PngHeader(width, height, bit_depth, colour_type, interlace)


def paeth(left: int, up: int, up_left: int) -> int:
    estimate = left + up - up_left
    distances = abs(estimate - left), abs(estimate - up), abs(estimate - up_left)
    if distances[0] <= distances[1] and distances[0] <= distances[2]:
        return left
    return up if distances[1] <= distances[2] else up_left


def rgba_pixels(data: bytes) -> list[tuple[int, int, int, int]]:
    """Every pixel of an 8-bit RGBA, non-interlaced PNG, row by row (PNG spec, filters 0-4)."""
    header = png_header(data)
    assert (header.bit_depth, header.colour_type, header.interlace) == (8, 6, 0), header
    raw = zlib.decompress(b"".join(body for kind, body in png_chunks(data) if kind == b"IDAT"))
    pixel, stride = 4, header.width * 4
    assert len(raw) == header.height * (1 + stride)
    previous = bytearray(stride)
    pixels = []
    for y in range(header.height):
        start = y * (1 + stride)
        filter_type, row = raw[start], bytearray(raw[start + 1 : start + 1 + stride])
        for x in range(stride):
            left = row[x - pixel] if x >= pixel else 0
            up_left = previous[x - pixel] if x >= pixel else 0
            predictor = {
                0: 0,
                1: left,
                2: previous[x],
                3: (left + previous[x]) // 2,
                4: paeth(left, previous[x], up_left),
            }[filter_type]
            row[x] = (row[x] + predictor) & 0xFF
        pixels += [(row[x], row[x + 1], row[x + 2], row[x + 3]) for x in range(0, stride, pixel)]
        previous = row
    return pixels


@pytest.mark.parametrize(
    ("left", "up", "up_left", "expected"),
    [(10, 20, 10, 20), (10, 2, 6, 6), (5, 5, 5, 5), (12, 6, 10, 6), (0, 255, 255, 0)],
)
def test_the_paeth_predictor_picks_the_nearest_neighbour_breaking_ties_left_then_up(
    left: int, up: int, up_left: int, expected: int
) -> None:
    assert paeth(left, up, up_left) == expected


def filtered(filter_type: int, row: bytes, previous: bytes) -> bytes:
    """`row` as a PNG encoder writes it with `filter_type`: each byte minus its prediction."""
    out = bytearray()
    for x, value in enumerate(row):
        left = row[x - 4] if x >= 4 else 0
        up_left = previous[x - 4] if x >= 4 else 0
        if filter_type == 0:
            prediction = 0
        elif filter_type == 1:
            prediction = left
        elif filter_type == 2:
            prediction = previous[x]
        elif filter_type == 3:
            prediction = (left + previous[x]) // 2
        else:
            prediction = paeth(left, previous[x], up_left)
        out.append((value - prediction) & 0xFF)
    return bytes(out)


def test_the_png_decoder_undoes_each_of_the_five_row_filters() -> None:
    # The outline check below is only as good as this decoder, so give it every filter type.
    rows = [bytes((37 * x + 101 * y * y + 59 * (x % 4)) % 256 for x in range(12)) for y in range(5)]
    raw, previous = b"", bytes(12)
    for filter_type, row in enumerate(rows):
        raw += bytes([filter_type]) + filtered(filter_type, row, previous)
        previous = row
    png = PNG_SIGNATURE
    for kind, body in [
        (b"IHDR", struct.pack(">IIBBBBB", 3, 5, 8, 6, 0, 0, 0)),
        (b"IDAT", zlib.compress(raw)),
        (b"IEND", b""),
    ]:
        png += (
            struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
        )

    assert rgba_pixels(png) == [tuple(row[x : x + 4]) for row in rows for x in range(0, 12, 4)]


@pytest.mark.parametrize(("icon", "size"), [("color", 192), ("outline", 32)])
def test_each_icon_is_a_square_png_of_the_size_teams_asks_for(icon: str, size: int) -> None:
    file_name = load_manifest()["icons"][icon]
    header = png_header((MANIFEST_DIR / file_name).read_bytes())

    assert (header.width, header.height) == (size, size)


def test_the_outline_icon_has_only_white_or_transparent_pixels() -> None:
    pixels = rgba_pixels((MANIFEST_DIR / load_manifest()["icons"]["outline"]).read_bytes())

    assert len(pixels) == 32 * 32
    assert [p for p in pixels if p[3] != 0 and p[:3] != (255, 255, 255)] == []
    # Not blank: a glyph in opaque white on a transparent background.
    assert any(p[3] == 255 for p in pixels)
    assert any(p[3] == 0 for p in pixels)


# --- the package -----------------------------------------------------------------------------


def packaged(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def test_the_package_holds_the_manifest_and_its_icons_at_the_root_with_the_app_id(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    output = tmp_path / "app.zip"

    status = main(["--output", str(output)], environ={"MICROSOFT_APP_ID": APP_ID})

    assert status == 0
    assert capsys.readouterr().out.strip() == str(output)
    files = packaged(output)
    assert sorted(files) == ["color.png", "manifest.json", "outline.png"]
    manifest = json.loads(files["manifest.json"])
    assert manifest["id"] == APP_ID
    assert manifest["bots"][0]["botId"] == APP_ID
    assert manifest["webApplicationInfo"]["id"] == APP_ID  # consent is granted to this app
    assert schema_errors(manifest) == []
    for icon in ("color.png", "outline.png"):
        assert files[icon] == (MANIFEST_DIR / icon).read_bytes()


@pytest.mark.parametrize("app_id", ["my-panel-bot", APP_ID + "0", "{" + APP_ID + "}", " " + APP_ID])
def test_an_app_id_that_is_not_a_guid_is_refused_and_nothing_is_written(
    app_id: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    output = tmp_path / "app.zip"

    status = main(["--output", str(output)], environ={"MICROSOFT_APP_ID": app_id})

    assert status == 1
    assert "is not a GUID" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


def test_without_an_app_id_the_package_keeps_the_demo_id_and_says_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    output = tmp_path / "app.zip"

    status = main(["--output", str(output)], environ={})

    assert status == 0
    assert json.loads(packaged(output)["manifest.json"])["id"] == DEMO_ID
    assert f"the app id is the demo id {DEMO_ID}" in capsys.readouterr().err


def test_the_version_option_sets_the_version_teams_sees(tmp_path: Path) -> None:
    output = tmp_path / "app.zip"

    assert main(["--output", str(output), "--version", "1.4.0"], environ={}) == 0
    assert json.loads(packaged(output)["manifest.json"])["version"] == "1.4.0"


@pytest.mark.parametrize("version", ["1.4", "v1.4.0", "1.04.0", "1.4.0-beta"])
def test_a_version_that_is_not_x_y_z_is_refused(
    version: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status = main(["--output", str(tmp_path / "app.zip"), "--version", version], environ={})

    assert status == 1
    assert "is not of the form X.Y.Z" in capsys.readouterr().err


def test_building_twice_from_the_same_inputs_gives_the_same_bytes(tmp_path: Path) -> None:
    manifest = customised(load_manifest(), app_id=APP_ID)

    first = build_package(manifest, tmp_path / "first.zip").read_bytes()
    second = build_package(manifest, tmp_path / "second.zip").read_bytes()

    assert first == second
