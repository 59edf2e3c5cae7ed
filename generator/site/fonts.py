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
SUBSETS = {
    # Arabic letters, marks, punctuation, Arabic-Indic and Persian digits, tatweel, bidi marks.
    "arabic": "U+0600-061F,U+0621-065F,U+0660-066D,U+0670,U+06F0-06F9,U+200C-200F,U+FD3E-FD3F",
    # Basic Latin, Latin-1 punctuation and the general punctuation block.
    "latin": "U+0020-007E,U+00A0-00FF,U+2010-2027,U+2030-205E,U+20AC,U+2122,U+2212",
}


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
        key = hashlib.sha256(source.read_bytes() + SUBSETS[subset].encode()).hexdigest()[:16]
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
