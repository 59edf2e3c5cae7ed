"""Checks on uploaded files' content, on real files built by tests/support/samples.py."""
from __future__ import annotations

import io
import re
from pathlib import Path

import pikepdf
import pytest
from PIL import Image

from generator.uploads import checks
from generator.uploads.checks import HEAD_BYTES, MAX_PIXELS, FileRefused, check_pdf, clean_image, detect_type
from tests.support import samples

ACCEPTED = {"application/pdf", "image/jpeg", "image/png"}


@pytest.mark.parametrize(("build", "expected"), [
    (samples.pdf_file, "application/pdf"),
    (samples.jpeg_photo, "image/jpeg"),
    (samples.png_image, "image/png"),
    (samples.elf_executable, "application/x-sharedlib"),  # /bin/true, sent as report.pdf
    (samples.dos_executable, "application/vnd.microsoft.portable-executable"),  # sent as report.pdf
    (samples.html_page, "text/html"),  # sent as photo.png
])
def test_the_type_is_read_from_the_first_bytes(build, expected: str) -> None:
    data = build()
    assert detect_type(data) == expected
    assert detect_type(data[:HEAD_BYTES]) == expected
    assert (expected in ACCEPTED) == (build in (samples.pdf_file, samples.jpeg_photo, samples.png_image))


def test_a_pdf_is_told_by_its_first_bytes_not_its_length() -> None:
    big = samples.pdf_file(padding=HEAD_BYTES * 4)
    assert detect_type(big[:HEAD_BYTES]) == "application/pdf"
    assert detect_type(b"") == "application/x-empty"


def test_a_clean_pdf_passes_read_through_a_file(tmp_path: Path) -> None:
    path = tmp_path / "report.pdf"
    path.write_bytes(samples.pdf_file(pages=3, padding=200_000))  # with a link (a URI action): allowed
    with path.open("rb") as source:
        assert check_pdf(source) is None


@pytest.mark.parametrize("kind", samples.UNSAFE_PDF_KINDS)
def test_pdfs_with_code_programs_attachments_or_encryption_are_unsafe(kind: str) -> None:
    assert check_pdf(io.BytesIO(samples.unsafe_pdf(kind))) == "file-unsafe"


def test_what_the_unsafe_pdfs_hold_is_really_there() -> None:
    """The samples above would pass a checker that saw nothing: pikepdf finds what each holds."""
    with pikepdf.open(io.BytesIO(samples.unsafe_pdf("javascript"))) as pdf:
        assert pdf.Root.OpenAction.S == pikepdf.Name.JavaScript
    with pikepdf.open(io.BytesIO(samples.unsafe_pdf("launch"))) as pdf:
        assert pdf.Root.OpenAction.S == pikepdf.Name.Launch
    with pikepdf.open(io.BytesIO(samples.unsafe_pdf("embedded"))) as pdf:
        assert list(pdf.attachments) == ["report.exe"]
    with pikepdf.open(io.BytesIO(samples.unsafe_pdf("encrypted"))) as pdf:
        assert pdf.is_encrypted
    page = samples.unsafe_pdf("javascript-page")
    assert b"/JavaScript" not in page and b"/ObjStm" in page  # only inside a compressed object stream


def test_a_pdf_cut_short_or_not_a_pdf_is_damaged_but_a_repairable_one_passes() -> None:
    whole = samples.pdf_file()
    for broken in (whole[: len(whole) // 2], whole[:300], b"%PDF-1.7\n" + b"x" * 2000 + b"\n%%EOF\n",
                   samples.html_page(), b""):
        assert check_pdf(io.BytesIO(broken)) == "file-damaged", broken[:40]
    # A wrong cross-reference offset (common from some scanners' software): qpdf repairs it.
    offset = re.search(rb"startxref\s+(\d+)", whole)
    assert offset
    moved = whole[:offset.start(1)] + str(int(offset[1]) + 7).encode() + whole[offset.end(1):]
    assert check_pdf(io.BytesIO(moved)) is None


def test_a_pdf_larger_in_structure_than_a_report_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    """Looking at each object costs time: past the bounds (lowered here) the file is refused."""
    report = samples.pdf_file(pages=3)
    with pikepdf.open(io.BytesIO(report)) as pdf:
        objects = len(pdf.objects)
    monkeypatch.setattr(checks, "MAX_OBJECTS", objects)
    assert check_pdf(io.BytesIO(report)) is None
    monkeypatch.setattr(checks, "MAX_OBJECTS", objects - 1)
    assert check_pdf(io.BytesIO(report)) == "file-damaged"
    monkeypatch.setattr(checks, "MAX_OBJECTS", objects)
    monkeypatch.setattr(checks, "MAX_ITEMS", 40)
    assert check_pdf(io.BytesIO(report)) == "file-damaged"


def test_a_photo_loses_its_metadata_and_keeps_its_orientation() -> None:
    photo = samples.jpeg_photo(orientation=6)
    with Image.open(io.BytesIO(photo)) as original:  # what the sample holds, so the test can fail
        assert original.size == (64, 32)
        assert original.getexif()[0x0112] == 6 and original.getexif().get_ifd(0x8825)
        assert {"exif", "xmp", "comment", "icc_profile"} <= set(original.info)

    cleaned = clean_image(io.BytesIO(photo), "image/jpeg")

    for trace in (b"Exif", b"QalbTest", b"xmpmeta", b"ICC_PROFILE"):
        assert trace not in cleaned
    with Image.open(io.BytesIO(cleaned)) as image:
        assert image.format == "JPEG"
        assert dict(image.getexif()) == {}
        assert not {"exif", "xmp", "comment", "icc_profile"} & set(image.info)
        assert image.size == (32, 64)  # turned right: upright
        red, _, blue = image.getpixel((16, 8))
        assert red > 180 and blue < 60  # the left (red) half is now on top
        red, _, blue = image.getpixel((16, 56))
        assert blue > 180 and red < 60


def test_a_photo_with_another_colour_profile_is_converted_to_srgb_before_the_profile_goes() -> None:
    cleaned = clean_image(io.BytesIO(samples.jpeg_photo(swapped_colours=True)), "image/jpeg")
    assert b"ICC_PROFILE" not in cleaned
    with Image.open(io.BytesIO(cleaned)) as image:
        red, _, blue = image.getpixel((16, 8))  # stored red, which its profile says is blue
        assert blue > 180 and red < 60


@pytest.mark.parametrize("mode", ["RGB", "P"])
def test_a_png_loses_its_text_exif_and_profile_and_keeps_its_transparency(mode: str) -> None:
    cleaned = clean_image(io.BytesIO(samples.png_image(mode=mode)), "image/png")
    assert b"QalbTest" not in cleaned and b"iCCP" not in cleaned and b"eXIf" not in cleaned
    with Image.open(io.BytesIO(cleaned)) as image:
        assert image.format == "PNG" and image.mode == mode and image.size == (40, 20)
        assert set(image.info) <= {"transparency"}
        if mode == "P":
            assert image.convert("RGBA").getpixel((39, 0))[3] == 0  # the white half stays transparent
        assert image.convert("RGB").getpixel((5, 5)) == (0, 160, 0)


def test_a_decompression_bomb_is_refused_before_it_is_decoded() -> None:
    bomb = samples.png_bomb()  # 64 megapixels in a 10 KB file
    assert len(bomb) < 100_000 and 8_000 * 8_000 > MAX_PIXELS
    assert detect_type(bomb) == "image/png"
    with pytest.raises(FileRefused) as refused:
        clean_image(io.BytesIO(bomb), "image/png")
    assert refused.value.code == "file-damaged" and refused.value.detail == "8000x8000 pixels"


@pytest.mark.parametrize(("data", "media_type"), [
    (samples.truncated_jpeg(), "image/jpeg"),
    (samples.html_page(), "image/png"),
    (samples.png_image(), "image/jpeg"),  # not what detect_type said: Pillow may not guess another format
    (samples.png_image()[:-30], "image/png"),
])
def test_an_image_that_cannot_be_read_whole_is_damaged(data: bytes, media_type: str) -> None:
    with pytest.raises(FileRefused) as refused:
        clean_image(io.BytesIO(data), media_type)
    assert refused.value.code == "file-damaged"
