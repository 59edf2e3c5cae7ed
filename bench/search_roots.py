"""Root extractors on the site's own Arabic words (issue 26): how often each is wrong.

The words are every Arabic word of the Arabic search index of the real content
(built into a temporary folder, or read from --index). Each word's right root
is in bench/search_roots_gold.tsv (word, root; "-" for a word without one,
such as في or التي, which is not scored). It was drafted from qalsadi's
dictionary analysis and corrected by hand; `--draft` prints the words the file
lacks, with qalsadi's answer, to add after checking them.

Extractors compared (each skipped with a note if its package is missing;
`make bench-setup` installs them from requirements-bench.txt):
- ours: templates/overrides/assets/javascripts/words.js, the code the search
  page runs, run here in Node;
- isri: NLTK's ISRIStemmer, the reference ours is ported from;
- tashaphyne: ArabicLightStemmer's root;
- qalsadi: the root most of qalsadi's analyses give (a dictionary; Python only);
- stem only: not a root extractor: the light stem the search already had
  (Snowball's Arabic stemmer), to show what roots add.

Two measures, both on the scored words:
- root: the extractor's root is the right one (ours folds weak letters and
  doubled letters, bench compares it with the right root folded the same way);
- search: a word is wrong for search if it is not joined to the other forms
  of its root (it gets another root than most of them do) or is joined to
  another root's forms (most words that get its root have another right root).
  This is what a visitor sees, whatever the roots are written like.

    .venv/bin/python bench/search_roots.py [--index site/search/index.json] [--show ours] [--draft]
"""
from __future__ import annotations

import argparse
import collections
import json
import re
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
WORDS_JS = REPO / "templates/overrides/assets/javascripts/words.js"
GOLD = Path(__file__).with_name("search_roots_gold.tsv")
ARABIC_WORD = re.compile(r"[\u0621-\u063a\u0640-\u065f\u0670\u0671]+")


def site_words(index: Path | None) -> list[str]:
    if index is None:
        sys.path.insert(0, str(REPO))
        from generator.site.build import build_site

        with tempfile.TemporaryDirectory() as tmp:
            build_site(REPO, site_dir=Path(tmp) / "site", record_translations=False)
            data = json.loads((Path(tmp) / "site/search/index.json").read_text(encoding="utf-8"))
    else:
        data = json.loads(index.read_text(encoding="utf-8"))
    # [page, anchor, title, text, weight(, form text)]
    text = " ".join(" ".join(str(part) for part in (section[2], section[3], *section[5:])) for section in data["sections"])
    return sorted(set(ARABIC_WORD.findall(text)))


def read_gold() -> dict[str, str]:
    gold = {}
    for number, line in enumerate(GOLD.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        word, root = line.split("\t")
        if word in gold:
            raise SystemExit(f"{GOLD}:{number}: {word} is listed twice")
        gold[word] = root.strip()
    return gold


def in_node(module: Path, function: str, words: list[str]) -> list[str]:
    """An ES module's function over the words, in Node."""
    script = ("import { %s as f } from %s;\n"
              "let input = ''; process.stdin.on('data', (d) => (input += d));\n"
              "process.stdin.on('end', () => console.log(JSON.stringify(JSON.parse(input).map((w) => f(w)))));"
              % (function, json.dumps(module.as_uri())))
    done = subprocess.run(["node", "--input-type=module", "-e", script], input=json.dumps(words),
                          capture_output=True, text=True, check=True)
    return json.loads(done.stdout)


def ours(words: list[str]) -> list[str]:
    """The search page's root(), in Node."""
    with tempfile.TemporaryDirectory() as tmp:
        module = Path(tmp) / "words.mjs"  # .mjs: Node reads it as the ES module the browser loads
        module.write_text(WORDS_JS.read_text(encoding="utf-8"), encoding="utf-8")
        return in_node(module, "root", words)


def snowball(words: list[str]) -> list[str]:
    """Not a root: the light stem the search's stem tier uses (words.js normalise, then Snowball), for comparison."""
    with tempfile.TemporaryDirectory() as tmp:
        module = Path(tmp) / "words.mjs"
        module.write_text(WORDS_JS.read_text(encoding="utf-8"), encoding="utf-8")
        plain = in_node(module, "normalise", words)
    return in_node(REPO / "node_modules/@orama/stemmers/dist/ar.js", "stemmer", plain)


def fold(root: str) -> str:
    """A right root written as ours writes roots (words.js fold())."""
    if not 2 <= len(root) <= 4:
        return root
    out = re.sub("[اويىءأإآؤئ]", "و", root)
    out = out[:2] if len(out) == 3 and out[1] == out[2] else out
    return out[0] + "و" + out[1] if len(out) == 2 else out


def isri(words: list[str]) -> list[str]:
    from nltk.stem.isri import ISRIStemmer

    stemmer = ISRIStemmer()
    return [stemmer.stem(w) for w in words]


def tashaphyne(words: list[str]) -> list[str]:
    from tashaphyne.stemming import ArabicLightStemmer

    stemmer = ArabicLightStemmer()
    out = []
    for word in words:
        stemmer.light_stem(word)
        out.append(stemmer.get_root())
    return out


def qalsadi_roots(words: list[str]) -> list[str]:
    import qalsadi.analex

    analyser = qalsadi.analex.Analex()
    out = []
    for word in words:
        roots = collections.Counter(r.root for r in analyser.check_word(word) if getattr(r, "root", ""))
        out.append(roots.most_common(1)[0][0] if roots else "")
    return out


EXTRACTORS = {"ours": ours, "isri": isri, "tashaphyne": tashaphyne, "qalsadi": qalsadi_roots,
              "stem only": snowball}


def score(words: list[str], found: list[str], gold: dict[str, str], folded: bool) -> dict:
    scored = [(w, f) for w, f in zip(words, found) if gold.get(w, "-") != "-"]
    right_root = sum(1 for w, f in scored if f == (fold(gold[w]) if folded else gold[w]))
    by_gold: dict[str, list[str]] = collections.defaultdict(list)
    by_key: dict[str, list[str]] = collections.defaultdict(list)
    for w, f in scored:  # in the words' order, so ties are broken the same way every run
        by_gold[gold[w]].append(w)
        by_key[f].append(w)
    key_of = dict(scored)
    # A word is "not joined" when it is not where most forms of its root are, and
    # "joined wrongly" when most words sharing its root belong to another root.
    usual_key = {g: collections.Counter(key_of[w] for w in ws).most_common(1)[0][0] for g, ws in by_gold.items()}
    usual_gold = {k: collections.Counter(gold[w] for w in ws).most_common(1)[0][0] for k, ws in by_key.items()}
    missed = [w for w, f in scored if len(by_gold[gold[w]]) > 1 and f != usual_key[gold[w]]]
    joined = [w for w, f in scored if gold[w] != usual_gold[f]]
    wrong = [w for w, _ in scored if w in set(missed) | set(joined)]
    return {"words": len(scored), "root_errors": len(scored) - right_root, "search_errors": len(wrong),
            "missed": len(missed), "wrongly_joined": len(joined), "wrong": wrong}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index", type=Path, help="an Arabic search/index.json (default: build the real content)")
    parser.add_argument("--show", choices=sorted(EXTRACTORS), help="also list this extractor's search errors")
    parser.add_argument("--draft", action="store_true",
                        help="print words missing from the gold file, with qalsadi's root")
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args(argv)
    words = site_words(args.index)
    gold = read_gold()
    if args.draft:
        missing = [w for w in words if w not in gold]
        for word, root in zip(missing, qalsadi_roots(missing)):
            print(f"{word}\t{root or '-'}")
        return 0
    unknown = [w for w in words if w not in gold]
    print(f"{len(words)} Arabic words in the index; {len(words) - len(unknown)} in {GOLD.name}, "
          f"{sum(1 for w in words if gold.get(w, '-') != '-')} of them scored (the rest have no root)")
    if unknown:
        print(f"not in {GOLD.name} (not scored; add them, see --draft): {len(unknown)}")
    print("| extractor | words | wrong root | **wrong for search** | forms not joined | forms joined wrongly |")
    print("|---|---:|---:|---:|---:|---:|")
    results = {}
    for name, extractor in EXTRACTORS.items():
        try:
            found = extractor(words)
        except ImportError as error:
            print(f"| {name} | not installed ({error.name}) | | | | |")
            continue
        result = score(words, found, gold, folded=name == "ours")
        results[name] = {k: v for k, v in result.items() if k != "wrong"}
        n = result["words"]
        print(f"| {name} | {n} | {result['root_errors']} ({100 * result['root_errors'] / n:.1f}%) "
              f"| **{result['search_errors']} ({100 * result['search_errors'] / n:.1f}%)** "
              f"| {result['missed']} | {result['wrongly_joined']} |")
        if name == args.show:
            shown = dict(zip(words, found))
            for word in result["wrong"]:
                print(f"    {word}\t{shown[word]}\t(right: {gold[word]})")
    if args.json:
        args.json.write_text(json.dumps(results, ensure_ascii=False, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
