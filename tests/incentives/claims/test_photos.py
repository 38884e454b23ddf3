"""Evidence photos: checked by content, resized, stripped of EXIF, stored once by content hash."""

import hashlib
import io

import pytest
from PIL import Image

from incentives.claims.errors import PhotoError
from incentives.claims.photos import MAX_SIDE, photo_path, store_photo
from tests.incentives.claims.conftest import jpeg


def stored_files(directory):
    return sorted(p for p in directory.rglob("*") if p.is_file())


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "照片是空文件"),
        (b"MZ\x90\x00 this is a program, not a picture", "只能上传 JPG、PNG 或 WebP 格式的照片"),
        (b"<svg xmlns='http://www.w3.org/2000/svg'></svg>", "只能上传 JPG、PNG 或 WebP 格式的照片"),
        (jpeg(fmt="GIF"), "只能上传 JPG、PNG 或 WebP 格式的照片"),
        (jpeg(fmt="BMP"), "只能上传 JPG、PNG 或 WebP 格式的照片"),
        (jpeg(400, 400)[:300], "照片文件已损坏"),
    ],
    ids=["empty", "program", "svg", "gif", "bmp", "truncated"],
)
def test_what_is_not_a_usable_picture_is_refused(tmp_path, data, message):
    with pytest.raises(PhotoError, match=message) as refused:
        store_photo(data, tmp_path)
    assert refused.value.status == 400
    assert stored_files(tmp_path) == []


def test_a_file_over_the_size_limit_is_refused(tmp_path):
    data = jpeg(200, 200)
    with pytest.raises(PhotoError, match="照片太大，每张不能超过 1 MB") as refused:
        store_photo(data + b"\0" * (1024 * 1024), tmp_path, max_bytes=1024 * 1024)
    assert refused.value.status == 413


def test_a_decompression_bomb_is_refused_before_decoding(tmp_path):
    out = io.BytesIO()
    Image.new("1", (8000, 8000)).save(out, format="PNG")  # 64 megapixels in a few KB
    assert len(out.getvalue()) < 100_000
    with pytest.raises(PhotoError, match="照片像素太大"):
        store_photo(out.getvalue(), tmp_path)


def test_a_big_photo_is_resized_and_re_encoded_as_jpeg(tmp_path):
    photo = store_photo(jpeg(4000, 3000, quality=95), tmp_path)
    assert (photo.width, photo.height) == (MAX_SIDE, 1200)
    path = photo_path(tmp_path, photo.sha256)
    data = path.read_bytes()
    assert hashlib.sha256(data).hexdigest() == photo.sha256  # the name proves the content
    assert photo.size == len(data)
    with Image.open(path) as stored:
        assert stored.format == "JPEG" and stored.size == (1600, 1200)


def test_exif_is_applied_then_stripped(tmp_path):
    exif = Image.Exif()
    exif[0x0112] = 6  # Orientation: the camera was held on its side
    exif[0x010F] = "VillagePhone"  # Make
    exif[0x8825] = {2: (30.0, 40.0, 50.0)}  # GPSInfo: where the family lives
    photo = store_photo(jpeg(300, 200, exif=exif.tobytes()), tmp_path)
    assert (photo.width, photo.height) == (200, 300)  # turned upright
    with Image.open(photo_path(tmp_path, photo.sha256)) as stored:
        assert not stored.getexif()
        assert "exif" not in stored.info and "icc_profile" not in stored.info


def test_png_with_transparency_and_webp_are_accepted(tmp_path):
    out = io.BytesIO()
    Image.new("RGBA", (50, 40), (0, 0, 0, 0)).save(out, format="PNG")
    png = store_photo(out.getvalue(), tmp_path)
    with Image.open(photo_path(tmp_path, png.sha256)) as stored:
        assert stored.mode == "RGB" and stored.getpixel((0, 0)) == (255, 255, 255)
    webp = store_photo(jpeg(30, 30, fmt="WEBP"), tmp_path)
    assert (webp.width, webp.height) == (30, 30)


def test_the_same_photo_twice_is_stored_once(tmp_path):
    data = jpeg(2000, 1500)
    first = store_photo(data, tmp_path)
    second = store_photo(data, tmp_path)
    assert first == second
    assert stored_files(tmp_path) == [photo_path(tmp_path, first.sha256)]
    other = store_photo(jpeg(2000, 1500, color=(0, 90, 0)), tmp_path)
    assert other.sha256 != first.sha256
    assert len(stored_files(tmp_path)) == 2  # no temporary files left behind
