"""Checks on an uploaded file's content, never its name or declared type.

- detect_type: the media type read from the first bytes by libmagic (python-magic over Debian's
  libmagic1), the same library as file(1).
- check_pdf: pikepdf (qpdf) parses the PDF and every object in it is looked at: JavaScript,
  actions that run or fetch something, embedded files and encryption make it `file-unsafe`;
  a file cut short (no "%%EOF" at its end) or that qpdf cannot read, even after its own
  repair of a broken cross-reference table, is `file-damaged`.
- clean_image: Pillow decodes the image (bounded in pixels), turns it the way its EXIF
  orientation says (ImageOps.exif_transpose), converts it to sRGB when it carries a colour
  profile, and encodes it again with nothing else: no EXIF (GPS, camera, dates), XMP,
  comments or text chunks, no ICC profile.

These read untrusted bytes and use the CPU: the endpoint calls them in a worker thread.
"""
from __future__ import annotations

import io
import itertools
from collections.abc import Iterator
from typing import BinaryIO

import magic
import pikepdf
from PIL import Image, ImageCms, ImageOps

#: How many first bytes detect_type needs. PDF, JPEG and PNG are told by their first bytes
#: (libmagic finds "%PDF-" within the first 1024); the rest gives libmagic's tests on text
#: (HTML, scripts) room, so a file dressed as another type is named as what it is.
HEAD_BYTES = 4096

#: The largest image accepted, in pixels (a 50-megapixel photo decodes to 150 MB in RGB).
#: Below Pillow's own bound (Image.MAX_IMAGE_PIXELS, ~89 Mpx), so a file is refused here
#: before Pillow would warn; above twice that Pillow refuses it in Image.open already.
MAX_PIXELS = 50_000_000

#: Pillow's format for each accepted image type, and how it is written again.
IMAGE_FORMATS = {"image/jpeg": "JPEG", "image/png": "PNG"}
JPEG_QUALITY = 90
SRGB = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))

#: How far from its end a PDF's "%%EOF" may stand (the window Acrobat and pdf.js look in).
EOF_WINDOW = 1024

#: Bounds on a PDF's structure: looking at an entry costs ~5 µs, a numbered object ~40 µs,
#: and 10 MB can hold millions of either. A 200-page report has a few thousand objects
#: (a scanned page: 3 to 5); within these bounds the check takes at most about a second.
MAX_OBJECTS = 20_000
MAX_ITEMS = 200_000

#: Keys that mean code or another file inside a PDF, wherever they stand.
UNSAFE_KEYS = frozenset({"/JS", "/JavaScript", "/EmbeddedFiles", "/EF", "/XFA", "/RichMedia"})
#: Action types (an action dictionary's /S) that run code, start a program or fetch data.
UNSAFE_ACTIONS = frozenset({"/JavaScript", "/Launch", "/ImportData", "/RichMediaExecute", "/GoToE"})


class _BeyondBounds(Exception):
    """A PDF larger in structure than any report (checking it would hold a worker for seconds)."""


class FileRefused(Exception):
    """A file the form will not take; `code` is the field's error code (forms/error_texts.py):
    file-type, file-unsafe, file-damaged, file-infected. `detail` is for the log (never personal)."""

    def __init__(self, code: str, *, detail: str = "") -> None:
        super().__init__(code if not detail else f"{code}: {detail}")
        self.code = code
        self.detail = detail


def detect_type(head: bytes) -> str:
    """The media type of a file from its first HEAD_BYTES bytes (or all of a shorter file),
    e.g. "application/pdf", "image/jpeg", "text/html", "application/x-dosexec"."""
    return str(magic.from_buffer(head[:HEAD_BYTES], mime=True))


def check_pdf(source: BinaryIO) -> str | None:
    """None for a PDF that is safe to hand to staff, else its refusal code. `source` is a
    seekable reader of the whole file (qpdf reads it where it needs, not all into memory)."""
    if not _ends_as_a_pdf(source):
        return "file-damaged"
    try:
        with pikepdf.open(source) as pdf:
            if pdf.is_encrypted:
                return "file-unsafe"  # its content cannot be checked (or read by staff without a password)
            if len(pdf.pages) == 0:
                return "file-damaged"
            return "file-unsafe" if any(_unsafe(obj) for obj in _every_object(pdf)) else None
    except pikepdf.PasswordError:
        return "file-unsafe"
    except (pikepdf.PdfError, RuntimeError, ValueError, _BeyondBounds):
        return "file-damaged"


def _ends_as_a_pdf(source: BinaryIO) -> bool:
    """A PDF ends with "%%EOF" (ISO 32000-1, 7.5.5); readers allow some bytes after it.
    Without it the file was cut short, and qpdf's repair would quietly give a part of it."""
    end = source.seek(0, io.SEEK_END)
    source.seek(max(0, end - EOF_WINDOW))
    tail = source.read(EOF_WINDOW)
    source.seek(0)
    return b"%%EOF" in tail


def _every_object(pdf: pikepdf.Pdf) -> Iterator[pikepdf.Object]:
    """Every dictionary in the file: the trailer, each numbered object, and the dictionaries
    and arrays written inside them (numbered ones are reached through pdf.objects, once).
    Raises _BeyondBounds past MAX_OBJECTS numbered objects or MAX_ITEMS entries in all."""
    if len(pdf.objects) > MAX_OBJECTS:
        raise _BeyondBounds(f"{len(pdf.objects)} objects")
    budget = MAX_ITEMS
    for numbered in itertools.chain([pdf.trailer], pdf.objects):
        pending = [numbered]
        while pending:
            obj = pending.pop()
            if isinstance(obj, pikepdf.Stream):
                obj = obj.stream_dict
            if not isinstance(obj, (pikepdf.Dictionary, pikepdf.Array)):
                continue
            budget -= 1 + len(obj)
            if budget < 0:
                raise _BeyondBounds(f"over {MAX_ITEMS} entries")
            if isinstance(obj, pikepdf.Dictionary):
                yield obj
            children = obj.values() if isinstance(obj, pikepdf.Dictionary) else list(obj)
            pending.extend(child for child in children
                           if isinstance(child, (pikepdf.Dictionary, pikepdf.Array)) and not child.is_indirect)


def _unsafe(obj: pikepdf.Object) -> bool:
    keys = set(obj.keys())
    if keys & UNSAFE_KEYS:
        return True
    if "/S" in keys and str(obj.get("/S")) in UNSAFE_ACTIONS:
        return True
    return "/Type" in keys and str(obj.get("/Type")) == "/EmbeddedFile"


def clean_image(source: BinaryIO, media_type: str) -> bytes:
    """The image at `source` (of `media_type`, as detect_type found), the right way up and in
    sRGB, encoded again in the same format without any metadata. FileRefused("file-damaged")
    when Pillow cannot read it whole or it has more than MAX_PIXELS pixels."""
    image_format = IMAGE_FORMATS[media_type]
    try:
        with Image.open(source, formats=[image_format]) as opened:
            if opened.width * opened.height > MAX_PIXELS:
                raise FileRefused("file-damaged", detail=f"{opened.width}x{opened.height} pixels")
            opened.load()  # a truncated file fails here (ImageFile.LOAD_TRUNCATED_IMAGES stays off)
            image = ImageOps.exif_transpose(opened)
            image = _in_srgb(image, opened.info.get("icc_profile"))
            return _encoded(image, image_format, opened.info.get("transparency"))
    except FileRefused:
        raise
    except Image.DecompressionBombError as bomb:
        raise FileRefused("file-damaged", detail=str(bomb)[:200]) from None
    except Exception as problem:  # Pillow's decoders raise many kinds on hostile bytes (OSError, SyntaxError, ...)
        raise FileRefused("file-damaged", detail=type(problem).__name__) from None


def _in_srgb(image: Image.Image, icc_profile: bytes | None) -> Image.Image:
    """An image with a colour profile (a phone's Display P3, a CMYK scan) converted to sRGB, so
    it looks the same once the profile is left out; unreadable profiles are simply left out."""
    if not icc_profile or image.mode not in ("RGB", "RGBA", "CMYK"):
        return image
    mode = "RGBA" if image.mode == "RGBA" else "RGB"
    try:
        profile = ImageCms.ImageCmsProfile(io.BytesIO(icc_profile))
        if image.mode != "CMYK" and _primaries(profile) == _primaries(SRGB):
            return image  # sRGB already (most cameras but Apple's): converting would change nothing, slowly
        converted = ImageCms.profileToProfile(image, profile, SRGB, outputMode=mode)
    except (ImageCms.PyCMSError, OSError, ValueError, TypeError):
        return image
    return converted if converted is not None else image


def _primaries(profile: ImageCms.ImageCmsProfile) -> tuple[float, ...] | None:
    """A profile's red, green and blue in XYZ, to two decimals (None for other colour spaces)."""
    colorants = [getattr(profile.profile, f"{name}_colorant") for name in ("red", "green", "blue")]
    if any(colorant is None for colorant in colorants):
        return None
    return tuple(round(value, 2) for colorant in colorants for value in colorant[0])


def _encoded(image: Image.Image, image_format: str, transparency: object) -> bytes:
    image.info = {}  # Pillow writes some of info again (a PNG's ICC profile, a JPEG's comment)
    options: dict[str, object] = {}
    if image_format == "JPEG":
        if image.mode not in ("L", "RGB", "CMYK"):
            image = image.convert("RGB")
        options = {"quality": JPEG_QUALITY}
    elif transparency is not None and image.mode in ("P", "L", "RGB", "I", "I;16"):
        options = {"transparency": transparency}  # a palette's transparent colour is the image, not metadata
    out = io.BytesIO()
    image.save(out, image_format, **options)
    return out.getvalue()
