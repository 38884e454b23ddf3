"""Evidence photos: checked by their content, shrunk, stripped and stored by content hash.

A phone photo is 3-10 MB with the place it was taken in its EXIF; a village notice needs a
picture a few hundred KB large and no location. So every upload is decoded with Pillow (the
file name and the browser's content type are not trusted), turned upright, scaled to at most
1600 px on its longest side and re-encoded as JPEG without metadata. The file is named by the
SHA-256 of what is stored: the same picture sent twice is one file, and a file can be checked
against its name at any time.
"""

import hashlib
import io
import os
import tempfile
import warnings
from dataclasses import dataclass
from pathlib import Path

from flask import Flask
from flask_babel import lazy_gettext as _l
from PIL import Image, ImageOps, UnidentifiedImageError

from incentives.claims.errors import PhotoError

ALLOWED_FORMATS = frozenset({"JPEG", "PNG", "WEBP"})
MAX_SIDE = 1600
MAX_PHOTOS = 6
DEFAULT_MAX_BYTES = 8 * 1024 * 1024
# A 50-megapixel phone camera is the most we expect; more is a decompression bomb.
MAX_PIXELS = 60_000_000
JPEG_QUALITY = 82


@dataclass(frozen=True)
class StoredPhoto:
    sha256: str
    width: int
    height: int
    size: int


def photo_dir(app: Flask) -> Path:
    """Where photos are stored (``PHOTO_DIR``; by default ``photos`` in the instance folder)."""
    return Path(app.config["PHOTO_DIR"])


def photo_path(directory: Path, sha256: str) -> Path:
    # Two hex digits of fan-out keep a directory to a few thousand files at a million photos.
    return directory / sha256[:2] / f"{sha256}.jpg"


def store_photo(data: bytes, directory: Path, *, max_bytes: int = DEFAULT_MAX_BYTES) -> StoredPhoto:
    """Check, shrink and store one uploaded picture; return what the claim records of it.

    Raises :class:`PhotoError` for an empty or too large file, or one that is not a JPEG, PNG
    or WebP picture. Storing the same picture again writes nothing new.
    """
    if not data:
        raise PhotoError(_l("照片是空文件，请重新选择。"))
    if len(data) > max_bytes:
        raise PhotoError(
            _l("照片太大，每张不能超过 %(mb)s MB。", mb=max_bytes // (1024 * 1024)), status=413
        )
    jpeg, width, height = _normalise(data)
    sha256 = hashlib.sha256(jpeg).hexdigest()
    _write_once(photo_path(directory, sha256), jpeg)
    return StoredPhoto(sha256, width, height, len(jpeg))


def _open_checked(data: bytes) -> Image.Image:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            # Only our three decoders ever see the bytes: fewer parsers, fewer ways in.
            image = Image.open(io.BytesIO(data), formats=sorted(ALLOWED_FORMATS))
            if image.format not in ALLOWED_FORMATS:
                raise PhotoError(_l("只能上传 JPG、PNG 或 WebP 格式的照片。"))
            if image.width * image.height > MAX_PIXELS:
                raise PhotoError(_l("照片像素太大，请换一张。"))
            image.load()
    except PhotoError:
        raise
    except (UnidentifiedImageError, Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise PhotoError(_l("只能上传 JPG、PNG 或 WebP 格式的照片。")) from None
    except (OSError, ValueError, SyntaxError):
        # Truncated or corrupt data that Pillow recognised but cannot decode.
        raise PhotoError(_l("照片文件已损坏，请重新拍摄或选择。")) from None
    return image


def _normalise(data: bytes) -> tuple[bytes, int, int]:
    image = _open_checked(data)
    # Phones store "rotate me" in EXIF; apply it now, because the EXIF is not kept.
    image = ImageOps.exif_transpose(image)
    image = _flatten(image)
    image.thumbnail((MAX_SIDE, MAX_SIDE), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    # No exif=, no icc_profile=: the stored file carries pixels only (no GPS, no camera serial).
    image.save(out, format="JPEG", quality=JPEG_QUALITY, optimize=True)
    return out.getvalue(), image.width, image.height


def _flatten(image: Image.Image) -> Image.Image:
    """RGB for JPEG: transparency becomes white, as the picture looks on a page."""
    if image.mode in ("RGBA", "LA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        background = Image.new("RGB", rgba.size, (255, 255, 255))
        background.paste(rgba, mask=rgba.getchannel("A"))
        return background
    return image.convert("RGB")


def _write_once(path: Path, data: bytes) -> None:
    if path.exists():
        # Stored again: mark it fresh, so the pruner (photo_cleanup) does not take it for an old
        # orphan while the row naming it is being committed.
        try:
            os.utime(path)
            return
        except FileNotFoundError:
            pass  # pruned just now: write it anew
    path.parent.mkdir(parents=True, exist_ok=True)
    # Write beside it and rename: a reader never sees half a file, and two uploads of the same
    # picture at once both end with the one complete file.
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".upload-")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
