"""Answers for any form, made from its schema: one valid post, and ways to break it.

The tests run over every form (the real ones in forms/ and the fixture), so
answers are derived from each field's type and constraints rather than
written by hand; `read_submission` confirms them before a test relies on them.
At the end: files for the attachment tests (PDFs safe and unsafe, programs, photos with
metadata, a decompression bomb), built by the test.
"""
from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

# Values people really send, tried in order against a field's pattern.
PATTERN_CANDIDATES = ("0512345678", "1012345678", "2012345678", "512345678", "966512345678",
                      "+966512345678", "12345", "123", "1", "A1", "AB12", "sara@example.org")


def valid_value(field: Any) -> Any:
    c = field.constraints
    if getattr(field, "files", None) is not None:
        return []  # a file field's answer is the numbers of the files a multipart post carried: none here
    if field.type == "array":
        return [str(field.options[0].value)] if field.options else ["x"]
    if field.options:
        return str(field.options[0].value)
    if field.type == "boolean":
        return "true"
    if field.type in ("integer", "number"):
        low, high = c.get("minimum"), c.get("maximum")
        value = low if low is not None else (min(1, high) if high is not None else 1)
        return str(value)
    if field.type == "date":
        low = c.get("minimum")
        return str(low) if low else "2024-03-05"
    if field.format == "email":
        return "sara@example.org"
    pattern = c.get("pattern")
    if pattern:
        for candidate in PATTERN_CANDIDATES:
            if re.fullmatch(f"(?a:{pattern})", candidate) and _length_ok(candidate, c):
                return candidate
        raise AssertionError(f"no sample value matches the pattern of {field.name!r}: {pattern}")
    text = "نص للتجربة"
    low = c.get("minLength") or 0
    text = (text * (low // len(text) + 1))[: max(low, len(text))]
    return text[: c.get("maxLength", len(text))]


def _length_ok(value: str, c: Any) -> bool:
    return c.get("minLength", 0) <= len(value) <= c.get("maxLength", 10**9)


def valid_answers(form: Any) -> dict[str, Any]:
    """Every field answered (optional ones too): the fullest valid post."""
    return {field.name: valid_value(field) for field in form.fields}


def broken_answers(form: Any) -> tuple[dict[str, Any], str]:
    """A post that breaks the schema, and the name of a field that must show an error."""
    answers = valid_answers(form)
    for field in form.fields:
        if field.type == "string" and not field.options and "maxLength" in field.constraints:
            answers[field.name] = "x" * (field.constraints["maxLength"] + 1)
            return answers, field.name
    field = next(f for f in form.fields if f.required)
    del answers[field.name]
    return answers, field.name


def shell_html(form: Any, lang: str) -> str:
    """A minimal built page in the site's shape: markers, a title, a relative
    stylesheet, an inline script (for the CSP hash), a skip link, the language
    switch and Material's <article> holding the heading, the introduction and the form."""
    from generator.forms import render_form

    direction = "rtl" if lang == "ar" else "ltr"
    up = "../../" if lang == "ar" else "../../../"
    other = "en/" if lang == "ar" else ""  # the language switch's prefix (Arabic: none)
    region = render_form(form, lang, action=f"/api/forms/{form.id}")
    region = region.replace("<form ", f'<form data-lang="{lang}" ', 1)
    return (f'<!doctype html><html lang="{lang}" dir="{direction}"><head><meta charset="utf-8">'
            f"<title>{form.title[lang]} - Qalb</title>"
            f'<link rel="stylesheet" href="{up}assets/stylesheets/qalb.css">'
            f"<script>var qalbShell = {{lang: '{lang}'}};</script></head>"
            f'<body><a href="#qalb-content" class="md-skip">skip</a><header class="md-header">'
            f'<a class="qalb-switcher__link" href="{up}{other}forms/{form.id}/">{other or "ar"}</a></header>'
            f'<main><article class="md-content__inner md-typeset"><h1 id="qalb-content">{form.title[lang]}</h1>'
            f'<p>{form.intro[lang].splitlines()[0]}</p>{region}<a href="{up}">home</a></article></main></body></html>')


def build_site(site_dir: Path, forms: dict[str, Any]) -> Path:
    for form in forms.values():
        for lang, prefix in (("ar", ""), ("en", "en/")):
            page = site_dir / prefix / "forms" / form.id / "index.html"
            page.parent.mkdir(parents=True, exist_ok=True)
            page.write_text(shell_html(form, lang), encoding="utf-8")
    pages = {"index.html": '<html lang="ar" dir="rtl"><title>الرئيسية</title>',
             "404.html": '<html lang="ar" dir="rtl"><title>غير موجودة</title>',
             "en/index.html": '<html lang="en" dir="ltr"><title>Home</title>',
             "en/404.html": '<html lang="en" dir="ltr"><title>Not found</title>'}
    for path, text in pages.items():
        (site_dir / path).parent.mkdir(parents=True, exist_ok=True)
        (site_dir / path).write_text("<!doctype html>" + text, encoding="utf-8")
    return site_dir


def submit(server: Any, forms: dict[str, Any], form_id: str, **answers: Any) -> str:
    """Post a valid answer (with `answers` over it) through the public form endpoint of a
    running server (anything with .url and .client()), as a browser in Arabic does; its reference."""
    data = {**valid_answers(forms[form_id]), **answers, "lang": "ar"}
    with server.client() as client:
        response = client.post(f"/api/forms/{form_id}", data=data,
                               headers={"Origin": server.url, "Accept": "text/html"})
    assert response.status_code == 303, response.text[:300]
    return parse_qs(urlsplit(response.headers["location"]).query)["ref"][0]


# Files for the attachment tests (issue 36): real files of each kind, built here (pikepdf,
# Pillow, zlib), so nothing binary is committed. Each returns the file's bytes.

def pdf_file(*, pages: int = 1, padding: int = 0) -> bytes:
    """A clean PDF: A4 pages with a line of text and a link; `padding` bytes of incompressible
    content (an image-like stream) make it as large as a test needs (10 MB for the benchmark)."""
    import os

    import pikepdf

    pdf = pikepdf.new()
    font = pdf.make_indirect(pikepdf.Dictionary(Type=pikepdf.Name.Font, Subtype=pikepdf.Name.Type1,
                                                BaseFont=pikepdf.Name.Helvetica))
    for number in range(pages):
        page = pdf.add_blank_page(page_size=(595, 842))
        page.Resources = pikepdf.Dictionary(Font=pikepdf.Dictionary(F1=font))
        page.Contents = pdf.make_stream(f"BT /F1 12 Tf 72 770 Td (Medical report, page {number + 1}) Tj ET".encode())
        page.Annots = pdf.make_indirect(pikepdf.Array([pikepdf.Dictionary(
            Type=pikepdf.Name.Annot, Subtype=pikepdf.Name.Link, Rect=[72, 700, 300, 720],
            A=pikepdf.Dictionary(S=pikepdf.Name.URI, URI=pikepdf.String("https://example.org/")))]))
    if padding:
        pdf.Root.QalbPadding = pdf.make_stream(os.urandom(padding))
    out = io.BytesIO()
    pdf.save(out, compress_streams=False)  # random bytes do not compress: quicker to build
    return out.getvalue()


def unsafe_pdf(kind: str) -> bytes:
    """A PDF that must be refused as file-unsafe. `kind`: javascript (an /OpenAction),
    javascript-names (the document-level /JavaScript name tree), javascript-page (a page's
    /AA, written inside an object stream), launch (an /OpenAction starting a program),
    embedded (an attached .exe), xfa (an XFA form), encrypted (an owner password only: it
    opens without one), password (a password to open)."""
    import pikepdf
    from pikepdf import Dictionary, Name, String

    pdf = pikepdf.open(io.BytesIO(pdf_file()))
    options: dict[str, Any] = {}
    script = Dictionary(Type=Name.Action, S=Name.JavaScript, JS=String("app.alert('hello');"))
    if kind == "javascript":
        pdf.Root.OpenAction = pdf.make_indirect(script)
    elif kind == "javascript-names":
        pdf.Root.Names = Dictionary(JavaScript=Dictionary(Names=[String("start"), pdf.make_indirect(script)]))
    elif kind == "javascript-page":
        pdf.pages[0].AA = Dictionary(O=script)  # written inline, in a compressed object stream
        options["object_stream_mode"] = pikepdf.ObjectStreamMode.generate
    elif kind == "launch":
        pdf.Root.OpenAction = Dictionary(Type=Name.Action, S=Name.Launch, F=String("cmd.exe"),
                                         Win=Dictionary(F=String("cmd.exe"), P=String("/c calc")))
    elif kind == "embedded":
        pdf.attachments["report.exe"] = pikepdf.AttachedFileSpec(pdf, dos_executable())
    elif kind == "xfa":
        pdf.Root.AcroForm = Dictionary(Fields=[], XFA=pdf.make_stream(b"<xdp:xdp xmlns:xdp='http://ns.adobe.com/xdp/'/>"))
    elif kind == "encrypted":
        options["encryption"] = pikepdf.Encryption(owner="owner-secret", user="")
    elif kind == "password":
        options["encryption"] = pikepdf.Encryption(owner="owner-secret", user="open-me")
    else:
        raise ValueError(f"no unsafe PDF of kind {kind!r}")
    out = io.BytesIO()
    pdf.save(out, **options)
    return out.getvalue()


UNSAFE_PDF_KINDS = ("javascript", "javascript-names", "javascript-page", "launch", "embedded", "xfa",
                    "encrypted", "password")


def elf_executable() -> bytes:
    """A real Linux program (/bin/true) — for a file named report.pdf that is not a PDF."""
    return Path("/bin/true").read_bytes()


def dos_executable() -> bytes:
    """The start of a Windows program: an MZ header pointing to a PE header."""
    header = bytearray(128)
    header[:2] = b"MZ"
    header[0x3C:0x40] = (64).to_bytes(4, "little")
    header[64:68] = b"PE\0\0"
    return bytes(header)


def html_page() -> bytes:
    """An HTML page with a script — for a file named photo.png."""
    return b"<!DOCTYPE html>\n<html><head><title>x</title></head><body><script>alert(1)</script></body></html>\n"


def icc_profile(*, swapped: bool = False) -> bytes:
    """An sRGB colour profile (lcms's); `swapped`: its red and blue primaries exchanged, a
    valid profile in which the pixel (200, 50, 50) is blue, as a phone's Display P3 differs from sRGB."""
    import struct

    from PIL import ImageCms

    profile = bytearray(ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes())
    if swapped:
        count = struct.unpack(">I", profile[128:132])[0]
        entries = {bytes(profile[at:at + 4]): at for at in range(132, 132 + 12 * count, 12)}
        red, blue = entries[b"rXYZ"] + 4, entries[b"bXYZ"] + 4  # each entry: name, offset, size
        profile[red:red + 8], profile[blue:blue + 8] = profile[blue:blue + 8], profile[red:red + 8]
    return bytes(profile)


def jpeg_photo(*, orientation: int = 6, swapped_colours: bool = False) -> bytes:
    """A phone photo: 64x32 pixels, the left half red and the right half blue, with EXIF
    (camera make, Orientation, GPS position in Riyadh), an XMP packet, a comment and an ICC profile.
    Orientation 6 means "turn right to view": upright it is 32x64, red on top, blue below.
    `swapped_colours`: its profile says red is blue and blue is red (icc_profile)."""
    from PIL import ExifTags, Image

    image = Image.new("RGB", (64, 32), (220, 20, 20))
    image.paste((20, 20, 220), (32, 0, 64, 32))
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "QalbTestCamera"
    exif[ExifTags.Base.Orientation] = orientation
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = (24.0, 42.0, 30.0)
    gps[ExifTags.GPS.GPSLongitudeRef] = "E"
    gps[ExifTags.GPS.GPSLongitude] = (46.0, 40.0, 20.0)
    out = io.BytesIO()
    image.save(out, "JPEG", quality=95, exif=exif, comment=b"QalbTestComment",
               xmp=b'<x:xmpmeta xmlns:x="adobe:ns:meta/">QalbTestXmp</x:xmpmeta>',
               icc_profile=icc_profile(swapped=swapped_colours))
    return out.getvalue()


def png_image(*, mode: str = "RGB") -> bytes:
    """A 40x20 PNG (left half green, right half white) with a text chunk naming its author,
    EXIF and an ICC profile; mode "P" gives a palette image whose white is transparent."""
    from PIL import Image, PngImagePlugin

    image = Image.new("RGB", (40, 20), (255, 255, 255))
    image.paste((0, 160, 0), (0, 0, 20, 20))
    options: dict[str, Any] = {}
    if mode == "P":
        image = image.convert("P", palette=Image.Palette.ADAPTIVE, colors=2)
        options["transparency"] = image.getpixel((39, 0))
    text = PngImagePlugin.PngInfo()
    text.add_text("Author", "QalbTestAuthor")
    exif = Image.Exif()
    exif[0x010F] = "QalbTestCamera"
    out = io.BytesIO()
    image.save(out, "PNG", pnginfo=text, exif=exif, icc_profile=icc_profile(), **options)
    return out.getvalue()


def png_bomb(width: int = 8_000, height: int = 8_000) -> bytes:
    """A valid black-and-white PNG of width x height pixels that compresses to almost nothing
    (8000 x 8000: 64 megapixels, 192 MB once decoded in RGB, a 10 KB file; built in ~0.05 s)."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    row = b"\0" * (1 + (width + 7) // 8)  # filter byte 0, then the row's bits
    packer = zlib.compressobj(9)
    body = b"".join(packer.compress(row * 100) for _ in range(height // 100))
    body += packer.compress(row * (height % 100)) + packer.flush()
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)  # 1 bit, greyscale
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", body) + chunk(b"IEND", b"")


def truncated_jpeg() -> bytes:
    """The first half of a photo: an upload cut short."""
    photo = jpeg_photo()
    return photo[: len(photo) // 2]


def eicar() -> bytes:
    """The EICAR anti-virus test file, which the tests' clamd knows (tests/support/clamd.py)."""
    from tests.support.clamd import EICAR

    return EICAR
