#!/usr/bin/env python3
"""Compare two folders of screenshots (`python -m generator screenshots`) pixel by pixel.

For every PNG in both folders: whether the sizes match, how many pixels differ
(any colour channel by more than --tolerance out of 255), and the box that
holds them. Optionally writes, for each differing pair, a picture of the
"after" screenshot with the differing pixels painted magenta (--diffs DIR),
to look at. The decoding and comparing happen in Debian's chromium (canvas),
so no imaging library is needed.

    .venv/bin/python -m generator screenshots --out /tmp/before   # on the old commit
    .venv/bin/python -m generator screenshots --out /tmp/after    # on the new one
    .venv/bin/python bench/screenshot_diff.py /tmp/before /tmp/after --diffs /tmp/diffs
"""
from __future__ import annotations

import argparse
import base64
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from generator.site.browser import launch_chromium

_COMPARE = """async ([a, b, tolerance, paint]) => {
  const load = (data) => new Promise((done, fail) => {
    const img = new Image(); img.onload = () => done(img); img.onerror = fail; img.src = data; });
  const [one, two] = await Promise.all([load(a), load(b)]);
  const pixels = (img) => {
    const c = new OffscreenCanvas(img.width, img.height); const g = c.getContext('2d');
    g.drawImage(img, 0, 0); return g.getImageData(0, 0, img.width, img.height);
  };
  const p = pixels(one), q = pixels(two);
  const w = Math.min(p.width, q.width), h = Math.min(p.height, q.height);
  let count = 0, x0 = w, y0 = h, x1 = -1, y1 = -1;
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) {
    const i = (y * p.width + x) * 4, j = (y * q.width + x) * 4;
    if (Math.abs(p.data[i] - q.data[j]) > tolerance || Math.abs(p.data[i + 1] - q.data[j + 1]) > tolerance
        || Math.abs(p.data[i + 2] - q.data[j + 2]) > tolerance) {
      count++; x0 = Math.min(x0, x); y0 = Math.min(y0, y); x1 = Math.max(x1, x); y1 = Math.max(y1, y);
      if (paint) { q.data[j] = 255; q.data[j + 1] = 0; q.data[j + 2] = 255; }
    }
  }
  let picture = null;
  if (paint && count) {
    const c = new OffscreenCanvas(q.width, q.height); c.getContext('2d').putImageData(q, 0, 0);
    const blob = await c.convertToBlob({type: 'image/png'});
    picture = await new Promise((done) => { const r = new FileReader(); r.onload = () => done(r.result); r.readAsDataURL(blob); });
  }
  return {size: [p.width, p.height, q.width, q.height], count, box: count ? [x0, y0, x1, y1] : null, picture};
}"""


def _data_url(path: Path) -> str:
    return "data:image/png;base64," + base64.b64encode(path.read_bytes()).decode()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("before", type=Path)
    parser.add_argument("after", type=Path)
    parser.add_argument("--tolerance", type=int, default=0, help="channel difference ignored (0-255, default 0)")
    parser.add_argument("--diffs", type=Path, help="write the differing screenshots, differences in magenta, here")
    args = parser.parse_args(argv)
    names = sorted({p.name for p in args.before.glob("*.png")} & {p.name for p in args.after.glob("*.png")})
    only = sorted({p.name for p in args.before.glob("*.png")} ^ {p.name for p in args.after.glob("*.png")})
    if args.diffs:
        args.diffs.mkdir(parents=True, exist_ok=True)
    same = 0
    with launch_chromium() as browser:
        page = browser.new_page()
        for name in names:
            result = page.evaluate(_COMPARE, [_data_url(args.before / name), _data_url(args.after / name),
                                              args.tolerance, bool(args.diffs)])
            w0, h0, w1, h1 = result["size"]
            if result["count"] == 0 and (w0, h0) == (w1, h1):
                same += 1
                continue
            size = f"{w0}x{h0}" + ("" if (w0, h0) == (w1, h1) else f" -> {w1}x{h1}")
            print(f"{name}: {result['count']} pixels differ, in box {result['box']} (size {size})")
            if args.diffs and result["picture"]:
                (args.diffs / name).write_bytes(base64.b64decode(result["picture"].split(",", 1)[1]))
    for name in only:
        print(f"{name}: only in {'before' if (args.before / name).exists() else 'after'}")
    print(f"{same}/{len(names)} screenshots identical (tolerance {args.tolerance})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
