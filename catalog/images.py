"""Cover images: an uploaded or fetched file checked and made into the catalog's two sizes.

Nothing of the file is kept as it came: it is decoded, turned upright, resized to fit each
size's box (aspect kept) and written anew as WebP without its metadata (camera, place, date).
"""

import io
import warnings
from dataclasses import dataclass

from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from common.errors import ApplicationError

# The boxes each size fits in (width, height): a result list's thumbnail and the record page's.
SIZES: dict[str, tuple[int, int]] = {"thumb": (120, 180), "large": (400, 600)}
FORMATS = ("JPEG", "PNG", "WEBP", "GIF")
# A file that declares more pixels than this is refused before it is decoded: a small
# compressed file can unpack to gigabytes (a "decompression bomb").
MAX_PIXELS = 40_000_000
CONTENT_TYPE = "image/webp"
EXTENSION = "webp"


def cover_file_name(cover: str, size: str) -> str:
    """The storage name of one size of a record's cover (`cover` is Record.cover)."""
    return f"{cover}-{size}.{EXTENSION}"


class CoverRefused(ApplicationError):
    """The file cannot be a cover; the message says why in the librarian's words."""

    code = "cover_refused"


@dataclass(frozen=True)
class CoverImage:
    size: str  # a key of SIZES
    data: bytes
    width: int
    height: int


def cover_images_make(data: bytes, *, max_bytes: int) -> list[CoverImage]:
    """The file's image at every size of SIZES, or CoverRefused: too large, not an image of a
    kind browsers show, or one that would unpack to too many pixels."""
    if not data:
        raise CoverRefused(_("The file is empty: choose a picture of the cover."))
    cover_size_check(len(data), max_bytes=max_bytes)
    with warnings.catch_warnings():
        # Pillow only warns between MAX_IMAGE_PIXELS and twice that; a warning is a refusal.
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            with Image.open(io.BytesIO(data), formats=FORMATS) as image:
                if image.width * image.height > MAX_PIXELS:
                    raise _too_many_pixels(image.width, image.height)
                # A JPEG can be decoded at a half, a quarter or an eighth of its size: no
                # more than twice the largest size is needed (a third of a phone photo's time).
                large = SIZES["large"]
                image.draft("RGB", (large[0] * 2, large[1] * 2))
                image.load()
                picture = ImageOps.exif_transpose(image)
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise _too_many_pixels(0, 0) from None
        except UnidentifiedImageError:
            raise CoverRefused(
                _("This file is not a picture this catalog can show: use a JPEG, PNG, WebP or GIF.")
            ) from None
        except (OSError, ValueError, SyntaxError) as error:  # truncated or damaged
            raise CoverRefused(
                _("The picture could not be read (the file may be damaged or cut short).")
            ) from error
    mode = (
        "RGBA" if picture.mode in ("RGBA", "LA", "PA") or "transparency" in picture.info else "RGB"
    )
    picture = picture.convert(mode)
    made = []
    # Largest first, each size made from the one before: the smaller resizes read fewer pixels.
    for size, box in sorted(SIZES.items(), key=lambda entry: -entry[1][0]):
        picture = picture.copy()
        picture.thumbnail(box, Image.Resampling.LANCZOS, reducing_gap=3.0)
        out = io.BytesIO()
        # A new image carries no metadata; nothing (exif, icc_profile, xmp) is passed on.
        picture.save(out, "WEBP", quality=82, method=4)
        made.append(CoverImage(size, out.getvalue(), picture.width, picture.height))
    return made


def cover_size_check(size: int, *, max_bytes: int) -> None:
    """CoverRefused for a file of `size` bytes past the limit (checked before reading one)."""
    if size > max_bytes:
        raise CoverRefused(
            _(
                "The picture is too large: %(size)s MB, and covers may be up to %(limit)s MB. "
                "Save it smaller and try again."
            )
            % {"size": f"{size / 1e6:.1f}", "limit": f"{max_bytes / 1e6:g}"}
        )


def _too_many_pixels(width: int, height: int) -> CoverRefused:
    shown = f" ({width} by {height})" if width else ""
    return CoverRefused(
        _(
            "The picture has too many pixels%(shown)s to be a cover: use one under "
            "%(limit)s megapixels."
        )
        % {"shown": shown, "limit": MAX_PIXELS // 1_000_000}
    )
