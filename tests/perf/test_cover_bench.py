"""Making a cover from a phone's photo (a 3000 by 4000 JPEG) and from a publisher's picture
(600 by 900): decoding, resizing to both sizes and writing them as WebP, beside the floor of
decoding the same file whole with Pillow in the same run. Figures: the median of seven."""

import io
import statistics
import time
from collections.abc import Callable

import pytest
from PIL import Image, ImageDraw

from catalog.images import cover_images_make
from tests.perf.results import record

RUNS = 7


def _photo(width: int, height: int) -> bytes:
    image = Image.linear_gradient("L").resize((width, height)).convert("RGB")
    draw = ImageDraw.Draw(image)
    for x in range(0, width, max(1, width // 20)):
        draw.line([(x, 0), (width - x, height)], fill=(200, 30, 30), width=3)
    out = io.BytesIO()
    image.save(out, "JPEG", quality=85)
    return out.getvalue()


def _median_ms(work: Callable[[], object]) -> float:
    times = []
    for _ in range(RUNS):
        started = time.perf_counter()
        work()
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000


def _decode(data: bytes) -> None:
    with Image.open(io.BytesIO(data)) as image:
        image.load()


@pytest.mark.parametrize(("width", "height"), [(600, 900), (3000, 4000)])
def test_cover_making(width: int, height: int) -> None:
    data = _photo(width, height)
    made = _median_ms(lambda: cover_images_make(data, max_bytes=len(data)))
    floor = _median_ms(lambda: _decode(data))
    record(f"cover from a {width}x{height} JPEG", made, "ms", floor)
