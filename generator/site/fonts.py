"""Self-hosted fonts, subset to the characters the site uses.

The @fontsource files cover every Arabic-script language (Persian, Urdu,
presentation forms): about 43 KB a weight. Arabic and English pages need far
less, so each file is cut down with fontTools (keeping every OpenType layout
feature, so letters still join and shape) to ~15 KB. Results are cached under
.build/fonts by the source's content, so only the first build pays.
"""
from __future__ import annotations

import hashlib
import os
import shutil
from pathlib import Path

FONT_PACKAGE = "node_modules/@fontsource/ibm-plex-sans-arabic/files"
WEIGHTS = (400, 700)

# subset name -> the characters kept (also the CSS unicode-range of that file).
# Only what Arabic and English text uses (tests/test_fonts.py fails when a page
# uses a character outside them): every file is read on the first view of a
# page, and each range kept costs bytes (73 KB of fonts -> 40 KB).
SUBSETS = {
    # Arabic letters and their marks, tatweel, the Arabic comma, semicolon and
    # question mark, Arabic-Indic digits and signs (the `arab` digits setting),
    # superscript alef, and the joiners and direction marks.
    "arabic": "U+060C,U+061B,U+061F,U+0621-063A,U+0640-0652,U+0660-066D,U+0670,U+200C-200F",
    # Basic Latin, no-break space, guillemets, the multiplication sign, dashes,
    # curly quotes, bullet and ellipsis.
    "latin": "U+0020-007E,U+00A0,U+00AB,U+00BB,U+00D7,U+2013-2014,U+2018-201D,U+2022,U+2026",
}


_OPTIONS_VERSION = b"no-hinting"  # part of the cache key: a change here makes new files


def font_files() -> list[tuple[str, int, str]]:
    """(subset, weight, file name) for every font file the site serves."""
    return [(subset, weight, f"ibm-plex-sans-arabic-{subset}-{weight}-normal.woff2")
            for subset in SUBSETS for weight in WEIGHTS]


def missing_fonts(root: Path) -> list[str]:
    return [name for _, _, name in font_files() if not (root / FONT_PACKAGE / name).exists()]


def subset_fonts(root: Path) -> list[tuple[Path, str]]:
    """(cached subset file, name to serve it under) for every font; made once per machine."""
    cache = root / ".build" / "fonts"
    cache.mkdir(parents=True, exist_ok=True)
    found = []
    for subset, _weight, name in font_files():
        source = root / FONT_PACKAGE / name
        key = hashlib.sha256(source.read_bytes() + SUBSETS[subset].encode() + _OPTIONS_VERSION).hexdigest()[:16]
        cached = cache / f"{key}-{name}"
        if not cached.exists():
            _subset(source, cached, SUBSETS[subset])
        found.append((cached, name))
    return found


def install_fonts(root: Path, target: Path) -> None:
    """Write the subset fonts into `target` (cached by source content and ranges)."""
    target.mkdir(parents=True, exist_ok=True)
    for cached, name in subset_fonts(root):
        shutil.copyfile(cached, target / name)


def _subset(source: Path, output: Path, unicodes: str) -> None:
    from fontTools import subset

    options = subset.Options()
    options.flavor = "woff2"
    options.layout_features = ["*"]  # Arabic joining and ligatures live in GSUB features
    # No TrueType hinting instructions (~30% of each file): Chromium and Firefox on
    # Linux and Android, and macOS/iOS, do not run them; screenshots before and
    # after are pixel for pixel the same here (docs/benchmarks.md).
    options.hinting = False
    options.name_IDs = ["*"]
    font = subset.load_font(str(source), options)
    try:  # load_font keeps the file open (read lazily) until the font is closed
        subsetter = subset.Subsetter(options)
        subsetter.populate(unicodes=subset.parse_unicodes(unicodes))
        subsetter.subset(font)
        partial = output.with_suffix(f".{os.getpid()}.partial")  # both language builds may subset at once
        subset.save_font(font, str(partial), options)
    finally:
        font.close()
    partial.replace(output)
