#!/usr/bin/env python3
"""Build benchmark (issue 7): our generator against Hugo on the same synthetic guide.

For each N, a temporary project gets N services and N FAQ entries, each with
~600 words of Arabic and ~600 of English (from fixed word lists, fixed seed),
in the real content format; everything else (templates, settings, charter,
prose pages, forms) is copied from this repository. We build it with the real
CLI (`python -m generator --root DIR build --site-dir OUT`, a subprocess).

Hugo builds the SAME pages: the Markdown our generator hands to MkDocs (one
services page, one FAQ page, the prose pages, charter and forms, per language)
is written into a minimal two-language Hugo site (Arabic at /, English at
/en/) whose templates list every page in a nav on every page, add the page's
table of contents, and write a per-language search index (JSON: title and
text of every page). Page counts and bytes of both outputs are printed.

    .venv/bin/python bench/build.py           # N = 50, 200, 1000 (< 5 minutes)
    .venv/bin/python bench/build.py --quick   # N = 5, one run (the test suite)
"""
from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(1, str(Path(__file__).resolve().parents[1]))
from common import REPO, MeasureError, Run, copy_project, load_note, machine, measure, median_run, tree_stats

SEED = 7
WORDS_PER_ITEM = 600
FAQ_TOPICS = 10
TARGETS = {"ratio": 1.5, "rss_mb": 400.0, "real_cold_s": 3.0}

AR_WORDS = """
الجمعية المريض المرضى القلب الأسرة الطلب المساعدة الخدمة الخدمات الموظف اللجنة البحث
الاجتماعي البيانات المعلومات الصحيحة الكاملة التوقيع الإقرار الرعاية الطبية العلاج
المستشفى الطبيب الزيارة المتابعة الدعم المالي النفسي التطوع المتطوعين الشكوى الاقتراح
الاستفسار التقييم الرضا الحقوق الواجبات السياسة المجلس الإدارة الموافقة القبول الرفض
خلال أيام أسبوعين شهر بعد قبل عند إذا ثم حتى مع على في من إلى عن كل جميع بعض هذه هذا
التي الذي يقدم تقدم يستقبل يجيب يوضح يطابق يتأكد تدرس ترد تستكمل يحيل يحصل يحق يلتزم
المستفيد المستفيدين الفئات المكاتب الفرعية المناديب الهاتف الموقع النموذج الرسائل المقابلة
الشخصية الاتصال التواصل القنوات الوقت الكافي الاحترام اللباقة السرية الخصوصية الكرامة
المساواة العدالة الشفافية الجودة السرعة الدقة الوضوح المسؤولية المباشرة الصلاحية التسجيل
الإجراءات التنظيمية الجوانب الأسئلة الإجابة النتيجة القرار المدة التقرير الملف الوثائق
الهوية العنوان السكن الدخل العمل الأطفال الوالدين كبار السن النساء الشباب المجتمع المدينة
""".split()

EN_WORDS = """
association patient patients heart family request help service services officer committee
research social data information correct complete signature declaration care medical
treatment hospital doctor visit follow-up support financial psychological volunteering
volunteers complaint suggestion enquiry evaluation satisfaction rights duties policy board
directors approval acceptance rejection within days two weeks month after before when if
then until with on in from to about every all some this these which who provides receives
answers explains checks confirms studies replies completes refers obtains entitled commits
beneficiary beneficiaries groups offices branch representatives phone website form letters
interview personal contact channels time enough respect courtesy confidentiality privacy
dignity equality fairness transparency quality speed accuracy clarity responsibility direct
validity registration procedures organisational aspects questions answer result decision
period report file documents identity address housing income work children parents elderly
women young community city
""".split()


# --- synthetic content -------------------------------------------------------

class Writer:
    """Deterministic sentences and paragraphs in one language."""

    def __init__(self, lang: str, key: str) -> None:
        self.words = AR_WORDS if lang == "ar" else EN_WORDS
        self.comma, self.lang = ("،" if lang == "ar" else ","), lang
        self.rng = random.Random(f"{SEED}-{lang}-{key}")

    def phrase(self, n: int) -> str:
        return " ".join(self.rng.choice(self.words) for _ in range(n))

    def sentence(self, n: int) -> str:
        words = [self.rng.choice(self.words) for _ in range(n)]
        if n > 8:
            words[n // 2] += self.comma
        text = " ".join(words)
        return (text[0].upper() + text[1:] if self.lang == "en" else text) + "."

    def text(self, n: int) -> str:
        """About n words, as sentences of 8-16 words."""
        out, left = [], n
        while left > 0:
            k = min(left, self.rng.randint(8, 16))
            out.append(self.sentence(k))
            left -= k
        return " ".join(out)

    def title(self) -> str:
        text = self.phrase(self.rng.randint(2, 4))
        return text[0].upper() + text[1:] if self.lang == "en" else text


def _q(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)  # a JSON string is a YAML double-quoted scalar


_PLAIN_UNSAFE = re.compile(r"^[-?:,\[\]{}#&*!|>'\"%@`]|: | #|:$")


def _s(value: str) -> str:
    """A YAML scalar written as staff write them (plain, as in content/*.yml), quoted only if needed."""
    return _q(value) if _PLAIN_UNSAFE.search(value) else value


CHANNELS = ("interview", "phone", "letters", "website", "branch-representatives")


def services_yaml(n: int) -> str:
    # Per language: title ~3 + summary 80 + audience 80 + prepare 5x24 + steps 8x30 + timeline 80 = ~603 words.
    lines = ["# Synthetic service guide for bench/build.py.", ""]
    for i in range(1, n + 1):
        rng = random.Random(f"{SEED}-channels-{i}")
        channels = rng.sample(CHANNELS, rng.randint(2, 4))
        lines += [f"- slug: service-{i:04d}", f"  channels: [{', '.join(channels)}]"]
        for lang in ("ar", "en"):
            w = Writer(lang, f"service-{i}")
            lines += [f"  {lang}:",
                      f"    title: {_s(w.title() + f' {i}')}",
                      f"    summary: {_s(w.text(80))}",
                      f"    audience: {_s(w.text(80))}",
                      "    prepare:", *[f"      - {_s(w.text(24))}" for _ in range(5)],
                      "    steps:", *[f"      - {_s(w.text(30))}" for _ in range(8)],
                      f"    timeline: {_s(w.text(80))}"]
        lines.append("")
    return "\n".join(lines)


def faq_yaml(n: int) -> str:
    # Per language: question ~10 words, answer 5 paragraphs of ~118 words (one bold phrase) = ~600 words.
    lines = ["# Synthetic FAQ for bench/build.py.", "", "topics:"]
    for t in range(1, FAQ_TOPICS + 1):
        ar, en = Writer("ar", f"topic-{t}"), Writer("en", f"topic-{t}")
        lines += [f"  - id: topic-{t:02d}", f"    ar: {_s(ar.title())}", f"    en: {_s(en.title())}"]
    lines += ["", "questions:"]
    for i in range(1, n + 1):
        lines += [f"  - anchor: question-{i:04d}", f"    topic: topic-{(i - 1) % FAQ_TOPICS + 1:02d}"]
        for lang in ("ar", "en"):
            w = Writer(lang, f"question-{i}")
            question = w.text(10)[:-1] + ("؟" if lang == "ar" else "?")
            lines += [f"    {lang}:", f"      question: {_s(question)}", "      answer: |"]
            for p in range(5):
                paragraph = w.text(118)
                if p == 1:
                    paragraph = f"**{w.phrase(4)}** {paragraph}"
                lines += [f"        {paragraph}", ""]
            lines.pop()
        lines.append("")
    return "\n".join(lines)


def synthetic_project(target: Path, n: int) -> Path:
    copy_project(target, skip=("content/services.yml", "content/faq.yml"))
    (target / "content" / "services.yml").write_text(services_yaml(n), encoding="utf-8")
    (target / "content" / "faq.yml").write_text(faq_yaml(n), encoding="utf-8")
    return target


def count_words(sample: int = 20) -> dict[str, int]:
    """Average words per service and per FAQ entry, per language (items are the same for every N)."""
    import yaml

    services = yaml.safe_load(services_yaml(sample))
    faq = yaml.safe_load(faq_yaml(sample))["questions"]

    def words(value) -> int:
        if isinstance(value, dict):
            return sum(words(v) for v in value.values())
        if isinstance(value, list):
            return sum(words(v) for v in value)
        return len(str(value).split())

    return {f"{kind} {lang}": round(sum(words(item[lang]) for item in items) / len(items))
            for kind, items in (("service", services), ("faq", faq)) for lang in ("ar", "en")}


# --- the same pages for Hugo ---------------------------------------------------

HUGO_CONFIG = """\
baseURL = {base}
defaultContentLanguage = "ar"
defaultContentLanguageInSubdir = false
disableKinds = ["taxonomy", "term", "RSS", "section"]
enableRobotsTXT = false

[languages.ar]
contentDir = "content/ar"
languageDirection = "rtl"
languageName = "العربية"
title = {title_ar}
weight = 1

[languages.en]
contentDir = "content/en"
languageDirection = "ltr"
languageName = "English"
title = {title_en}
weight = 2

[markup.goldmark.renderer]
unsafe = true                  # raw HTML in Markdown, as Python-Markdown passes it
[markup.goldmark.parser.attribute]
block = true
title = true                   # "## Heading {{ #id }}", as attr_list reads it
[markup.tableOfContents]
startLevel = 2
endLevel = 6

[outputFormats.SearchIndex]
mediaType = "application/json"
baseName = "search_index"
isPlainText = true
notAlternative = true

[outputs]
home = ["HTML", "SearchIndex"]
page = ["HTML"]
"""

HUGO_LAYOUTS = {
    "_default/baseof.html": """\
<!doctype html>
<html lang="{{ .Site.Language.Lang }}" dir="{{ .Site.Language.LanguageDirection }}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1">
<title>{{ .Title }} - {{ .Site.Title }}</title>
{{ with .Description }}<meta name="description" content="{{ . }}">{{ end }}
{{ range .AllTranslations }}<link rel="alternate" hreflang="{{ .Language.Lang }}" href="{{ .Permalink }}">
{{ end }}</head>
<body>
<header><a href="{{ .Site.Home.RelPermalink }}">{{ .Site.Title }}</a>
<ul class="languages">{{ range .AllTranslations }}<li><a href="{{ .RelPermalink }}" hreflang="{{ .Language.Lang }}">{{ .Language.LanguageName }}</a></li>{{ end }}</ul>
</header>
<nav class="menu"><ul>
{{ range .Site.Pages }}<li><a href="{{ .RelPermalink }}">{{ .Title }}</a></li>
{{ end }}</ul></nav>
<aside class="toc">{{ .TableOfContents }}</aside>
<main>{{ block "main" . }}{{ end }}</main>
</body>
</html>
""",
    "_default/single.html": '{{ define "main" }}<h1>{{ .Title }}</h1>\n{{ .Content }}{{ end }}\n',
    "_default/list.html": '{{ define "main" }}<h1>{{ .Title }}</h1>\n{{ .Content }}{{ end }}\n',
    "404.html": '{{ define "main" }}<h1>404</h1>{{ end }}\n',
    "index.searchindex.json": """\
{{- $docs := slice -}}
{{- range .Site.Pages -}}
{{- $docs = $docs | append (dict "location" .RelPermalink "title" .Title "text" .Plain) -}}
{{- end -}}
{{- jsonify (dict "docs" $docs) -}}
""",
}


def rendered_markdown(root: Path) -> tuple[dict[str, dict[str, str]], object]:
    """The Markdown files our generator hands to MkDocs, per language, with forms filled in."""
    from generator.core import i18n
    from generator.core.organisation import load_settings
    from generator.core.problems import Problems
    from generator.site.content import load_content
    from generator.site.pages import render_site

    problems = Problems()
    settings = load_settings(root, problems)
    content = load_content(root, problems)
    forms: dict = {}
    render_form = None
    try:
        from generator.forms import load_forms, render_form  # type: ignore[no-redef]

        forms = load_forms(root, problems)
    except ImportError:
        pass
    result: dict[str, dict[str, str]] = {}
    for lang in i18n.LANGUAGE_CODES:
        files = render_site(root, content, forms, settings, lang).files
        files.update(_markdown_pages(content, forms, lang, settings))
        if render_form is not None:  # what generator/site/mkdocs_hooks.py does in the HTML
            def fill(match: re.Match[str], lang: str = lang) -> str:
                form = forms[match.group(1)]
                return render_form(form, lang, action=f"{settings.endpoint_url}{form.id}")

            files = {p: re.sub(r"<!-- qalb:form ([a-z0-9-]+) -->", fill, t) for p, t in files.items()}
        result[lang] = files
    return result, settings


def _markdown_pages(content, forms: dict, lang: str, settings) -> dict[str, str]:
    """Services, FAQ and charter as Markdown, for Hugo to parse.

    Our generator writes these three pages as HTML (generator/site/markup.py), which
    Hugo would pass through without parsing; Hugo gets the same pages as the
    Markdown our templates wrote before that (bench/hugo/pages/, with their
    heading ids, lists and button), so it parses and builds the toc as MkDocs did.
    """
    from generator.site.pages import collection_pages, setting_lines, template_environment

    env = template_environment(Path(__file__).with_name("hugo"), lang)
    common = {"lang": lang, "forms": forms, "setting_lines": lambda key: setting_lines(settings, key, lang),
              "channel_names": {c.id: c.t(lang) for c in content.items("channels.yml")}}
    # The same pages and items as our generator's, each from its Markdown twin (x.html.j2 -> x.md.j2).
    return {path: env.get_template(name.replace(".html.j2", ".md.j2")).render(**common, **extra)
            for path, (name, extra) in collection_pages(content).items() if name.endswith(".html.j2")}


def hugo_project(target: Path, markdown: dict[str, dict[str, str]], settings) -> Path:
    target.mkdir(parents=True)
    (target / "hugo.toml").write_text(HUGO_CONFIG.format(
        base=_q(settings.site_url), title_ar=_q(settings.org("short_name", "ar")),
        title_en=_q(settings.org("short_name", "en"))), encoding="utf-8")
    for rel, text in HUGO_LAYOUTS.items():
        path = target / "layouts" / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    for lang, files in markdown.items():
        for rel, text in files.items():
            # `<dir>/index.md` becomes the page `<dir>.md` (same URL, /<dir>/): a leaf bundle
            # could not hold the pages under it (forms/<id>/ and forms/<id>/privacy/).
            name = "_index.md" if rel == "index.md" else re.sub(r"/index\.md$", ".md", rel)
            path = target / "content" / lang / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
    return target


# --- running -------------------------------------------------------------------

def ensure_hugo() -> str:
    hugo = shutil.which("hugo")
    if hugo is None:
        if os.geteuid() != 0:
            sys.exit("Hugo is not installed and we are not root: apt-get install -y hugo")
        print("Installing Hugo (apt-get install -y hugo)...", flush=True)
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        if subprocess.call(["apt-get", "install", "-y", "-qq", "hugo"], env=env) != 0:
            subprocess.check_call(["apt-get", "update", "-qq"], env=env)
            subprocess.check_call(["apt-get", "install", "-y", "-qq", "hugo"], env=env)
        hugo = shutil.which("hugo")
        if hugo is None:
            sys.exit("apt-get install hugo did not give a `hugo` command")
    return hugo


def hugo_version(hugo: str) -> str:
    out = subprocess.run([hugo, "version"], check=False, capture_output=True, text=True).stdout
    match = re.search(r"v(\d+\.\d+\.\d+)", out)
    return match.group(1) if match else out.strip()


def generator_env() -> dict[str, str]:
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(REPO), env.get("PYTHONPATH", "")) if p)
    return env


def ours_cmd(root: Path, out: Path) -> list[str]:
    return [sys.executable, "-m", "generator", "--root", str(root), "build", "--site-dir", str(out)]


def hugo_cmd(hugo: str, root: Path, out: Path, cache: Path) -> list[str]:
    return [hugo, "--quiet", "--source", str(root), "--destination", str(out), "--cacheDir", str(cache)]


# The whole benchmark must finish in under 5 minutes: past this many seconds from
# the start, each measurement stops after its first timed run (the table shows how many ran).
BUDGET_S = 210.0
_STARTED = time.perf_counter()


def timed(cmd: list[str], out: Path, runs: int, warmup: int, env: dict[str, str] | None,
          budget: bool = True) -> Run:
    """Median of `runs` timed runs after `warmup` untimed ones (fewer when over the time budget)."""
    results: list[Run] = []
    for i in range(warmup + runs):
        over = budget and time.perf_counter() - _STARTED > BUDGET_S
        if over and results:
            break
        if over and i < warmup:
            continue
        shutil.rmtree(out, ignore_errors=True)  # every run builds into an empty folder
        run = measure(cmd, env=env)
        if i >= warmup:
            results.append(run)
    return median_run(results)


def plan(n: int, quick: bool) -> tuple[int, int]:
    """(timed runs, warm-up runs) per tool for size n."""
    if quick:
        return 1, 0
    return (3, 0) if n >= 1000 else (3, 1)  # by N=1000 everything is warm already


def fmt_mb(value: float) -> str:
    return f"{value:.0f}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="N=5, one run per tool (for the tests)")
    parser.add_argument("--sizes", type=int, nargs="+", help="override N (default 50 200 1000)")
    parser.add_argument("--json", type=Path, help="also write the results here")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder and print it")
    args = parser.parse_args(argv)
    sizes = args.sizes or ([5] if args.quick else [50, 200, 1000])

    started = time.perf_counter()
    hugo = ensure_hugo()
    info = machine()
    info["hugo"] = hugo_version(hugo)
    print(f"Machine: {info['nproc']} CPUs ({info['cpu']}), {info['ram']} RAM, {info['os']}, "
          f"Python {info['python']}, Hugo {info['hugo']}")
    print(f"Command: {' '.join([os.path.relpath(sys.executable), 'bench/build.py', *(argv or sys.argv[1:])])}")
    print("Ours: `python -m generator --root DIR build --site-dir OUT` (fresh process, empty OUT);"
          " Hugo: `hugo --quiet` on the same Markdown pages.")
    print("Peak memory: largest single process (getrusage) and the whole process tree (sampled PSS).")
    print(f"At start: {load_note()}", flush=True)

    env = generator_env()
    tmp = Path(tempfile.mkdtemp(prefix="qalb-bench-build-"))
    rows: list[dict] = []
    try:
        for n in sizes:
            runs, warmup = plan(n, args.quick)
            here = tmp / f"n{n}"
            project = synthetic_project(here / "project", n)
            markdown, settings = rendered_markdown(project)
            hugo_site = hugo_project(here / "hugo", markdown, settings)
            ours_out, hugo_out = here / "out-ours", here / "out-hugo"
            ours = timed(ours_cmd(project, ours_out), ours_out, runs, warmup, env)
            theirs = timed(hugo_cmd(hugo, hugo_site, hugo_out, here / "hugo-cache"), hugo_out, runs, warmup, None)
            hugo_stats = tree_stats(hugo_out)
            row = {"n": n, "runs": runs, "warmup": warmup, "words": count_words(),
                   "markdown_bytes": sum(len(t.encode()) for f in markdown.values() for t in f.values()),
                   "ours": {**vars(ours), **tree_stats(ours_out)},
                   "hugo": {**vars(theirs), **hugo_stats}}
            rows.append(row)
            _print_row(row)
            shutil.rmtree(here, ignore_errors=True) if not args.keep else None

        # Our cold build of the real content (a copy, so the real lock file and site/ stay untouched).
        real_runs = 1 if args.quick else 3
        real = copy_project(tmp / "real")
        real_out = tmp / "real-out"
        cold = timed(ours_cmd(real, real_out), real_out, real_runs, 0, env, budget=False)
        real_row = {"runs": real_runs, **vars(cold), **tree_stats(real_out)}
    except MeasureError as exc:
        print(f"\nA build failed: {exc}", file=sys.stderr)
        return 1
    finally:
        if args.keep:
            print(f"Kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)

    print(f"At end: {load_note()}")
    print()
    _print_table(rows, real_row)
    _print_targets(rows, real_row)
    print(f"\nBenchmark took {time.perf_counter() - started:.0f} s.")
    if args.json:
        args.json.write_text(json.dumps({"machine": info, "sizes": rows, "real": real_row}, indent=2,
                                        ensure_ascii=False), encoding="utf-8")
    return 0


def _print_row(row: dict) -> None:
    o, h = row["ours"], row["hugo"]
    n_runs = len(o["walls"])
    runs = (f"median of {n_runs}, {min(o['walls']):.2f}-{max(o['walls']):.2f} s" if n_runs > 1 else "1 run")
    print(f"N={row['n']} ({runs}): wall ours {o['wall']:.2f} s, hugo {h['wall']:.2f} s, "
          f"ratio ours/hugo {o['wall'] / h['wall']:.1f}x; peak tree PSS ours {fmt_mb(o['tree_pss_mb'])} MB, "
          f"hugo {fmt_mb(h['tree_pss_mb'])} MB; pages ours {o['pages']}, hugo {h['pages']}", flush=True)


def _print_table(rows: list[dict], real: dict) -> None:
    """A Markdown table (pasted as is into docs/benchmarks.md)."""
    print("| N per language | pages ours / Hugo | HTML MB ours / Hugo | search index MB ours / Hugo "
          "| wall s ours | wall s Hugo | **ratio ours/Hugo** | CPU s ours / Hugo "
          "| peak MB ours: largest process / tree | peak MB Hugo |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for row in rows:
        o, h = row["ours"], row["hugo"]
        print(f"| {row['n']} | {o['pages']} / {h['pages']} "
              f"| {o['html_bytes'] / 1e6:.1f} / {h['html_bytes'] / 1e6:.1f} "
              f"| {o['search_bytes'] / 1e6:.1f} / {h['search_bytes'] / 1e6:.1f} "
              f"| {o['wall']:.2f} | {h['wall']:.2f} | **{o['wall'] / h['wall']:.1f}x** "
              f"| {o['cpu']:.1f} / {h['cpu']:.1f} "
              f"| {fmt_mb(o['maxrss_mb'])} / {fmt_mb(o['tree_pss_mb'])} | {fmt_mb(h['maxrss_mb'])} |")
    if rows:
        last = rows[-1]
        print("Words per item: " + ", ".join(f"{k} {v}" for k, v in last["words"].items())
              + f"; Markdown handed to each tool at N={last['n']}: {last['markdown_bytes'] / 1e6:.1f} MB;"
              + " runs per cell: " + ", ".join(f"N={r['n']}: {len(r['ours']['walls'])}"
                                               + (f" (+{r['warmup']} warm-up)" if r["warmup"] else "")
                                               for r in rows))
    walls = real["walls"]
    spread = f", {min(walls):.2f}-{max(walls):.2f} s" if len(walls) > 1 else ""
    print(f"Real content, cold build (median of {len(walls)}{spread}): {real['wall']:.2f} s, "
          f"{real['pages']} pages, peak {fmt_mb(real['maxrss_mb'])} MB largest process / "
          f"{fmt_mb(real['tree_pss_mb'])} MB tree PSS")


def _print_targets(rows: list[dict], real: dict) -> None:
    big = max(rows, key=lambda r: r["n"]) if rows else None
    print()
    if big is not None and big["n"] < 1000:
        print(f"(The wall-time and memory targets are for N=1000 per language; this run's largest N is {big['n']}.)")
    elif big is not None:
        o, h = big["ours"], big["hugo"]
        ratio = o["wall"] / h["wall"]
        memory = max(o["maxrss_mb"], o["tree_pss_mb"])
        print(f"Target at N={big['n']}: wall <= {TARGETS['ratio']}x Hugo: {ratio:.1f}x "
              f"-> {'met' if ratio <= TARGETS['ratio'] else 'MISSED'}")
        print(f"Target at N={big['n']}: peak RSS <= {TARGETS['rss_mb']:.0f} MB: {memory:.0f} MB "
              f"-> {'met' if memory <= TARGETS['rss_mb'] else 'MISSED'}")
    print(f"Target real content cold <= {TARGETS['real_cold_s']} s: {real['wall']:.2f} s "
          f"-> {'met' if real['wall'] <= TARGETS['real_cold_s'] else 'MISSED'}")


if __name__ == "__main__":
    sys.exit(main())
