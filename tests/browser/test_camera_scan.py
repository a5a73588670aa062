"""Camera scanning in Chromium: a fake camera plays a video of an EAN-13 barcode made here, and
the add page reads the ISBN from it; with JavaScript off, a typed ISBN still works."""

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PIL import Image, ImageDraw

from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, Shots, Stack
from tests.conftest import LIBRARY_HOST

pytestmark = pytest.mark.browser

ISBN = "9780141439518"  # found nowhere: the suite asks no outside source
_L = ["0001101", "0011001", "0010011", "0111101", "0100011",
      "0110001", "0101111", "0111011", "0110111", "0001011"]  # fmt: skip
_PARITY = ["LLLLLL", "LLGLGG", "LLGGLG", "LLGGGL", "LGLLGG",
           "LGGLLG", "LGGGLL", "LGLGLG", "LGLGGL", "LGGLGL"]  # fmt: skip


def ean13_modules(code: str) -> str:
    """The 95 modules (1 = bar) of an EAN-13 symbol."""
    right = ["".join("1" if b == "0" else "0" for b in pattern) for pattern in _L]
    left_g = [pattern[::-1] for pattern in right]
    parity = _PARITY[int(code[0])]
    left = "".join((_L if parity[i] == "L" else left_g)[int(d)] for i, d in enumerate(code[1:7]))
    return "101" + left + "01010" + "".join(right[int(d)] for d in code[7:]) + "101"


def barcode_video(code: str, path: Path, frames: int = 10) -> Path:
    """A Y4M video (the format Chromium's fake camera plays) of the barcode on white."""
    width, height, module = 640, 480, 4
    image = Image.new("L", (width, height), 255)
    draw = ImageDraw.Draw(image)
    x = (width - 95 * module) // 2
    for n, bit in enumerate(ean13_modules(code)):
        if bit == "1":
            draw.rectangle([x + n * module, 90, x + (n + 1) * module - 1, 390], fill=0)
    luma = image.tobytes()
    chroma = bytes([128]) * (width * height // 4)
    with path.open("wb") as out:
        out.write(f"YUV4MPEG2 W{width} H{height} F10:1 Ip A1:1 C420jpeg\n".encode())
        for _ in range(frames):
            out.write(b"FRAME\n" + luma + chroma + chroma)
    return path


def test_the_modules_are_an_ean13():
    modules = ean13_modules(ISBN)
    assert len(modules) == 95
    assert modules[:3] == modules[-3:] == "101"
    assert modules[45:50] == "01010"
    # The first digit (9) is carried by the left half's parity: L G G L G L.
    assert modules[3:10] == "0111011"  # 7 in L
    assert modules[10:17] == "0001001"  # 8 in G


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    video = barcode_video(ISBN, tmp_path / "barcode.y4m")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[*CHROMIUM_ARGS, "--use-fake-device-for-media-stream",
                  "--use-fake-ui-for-media-stream", f"--use-file-for-fake-video-capture={video}"],
        )  # fmt: skip
        try:
            yield chromium
        finally:
            chromium.close()


def _sign_in(page: Any, stack: Stack) -> None:
    stack.staff_sign_in(
        page, LIBRARY_HOST, "admin@alpha.example", "correct-horse-battery-staple", "/staff/add/"
    )


def test_the_camera_reads_the_isbn(stack: Stack, browser: Any):  # type: ignore[no-untyped-def]
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(30_000)
    page = context.new_page()
    shot = Shots(page, "camera_scan")
    _sign_in(page, stack)
    page.click("#camera-button")
    shot("camera-started")
    page.wait_for_url(re.compile(rf"/staff/add/\?isbn={ISBN}$"), timeout=60_000)
    assert page.input_value("#id_isbn") == ISBN
    shot("isbn-read")
    context.close()

    # JavaScript off: no camera button, and the typed ISBN works as before.
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    _sign_in(page, stack)
    assert page.locator("#camera-button").count() == 0
    page.fill("#id_isbn_scan", "0-14-143951-3")
    page.press("#id_isbn_scan", "Enter")
    page.wait_for_selector("#record-form")
    assert page.input_value("#id_isbn") == ISBN
    context.close()
