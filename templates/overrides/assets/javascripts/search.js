// The search page. The build writes this language's pages, section by section,
// to search/index.json (generator/site/search_index.py), with the synonyms staff
// keep in content/search-synonyms.yml; this script indexes them here with
// MiniSearch. Every word, of the pages and of the query alike, is read by the
// same code (analyse(), words.js): its spelling, its stem (Snowball's Arabic
// stemmer, or the Porter stemmer for English) and, in Arabic, its root.
// A ?q= query runs at once, so a search can be linked to. Only this page loads
// any of it.
import MiniSearch from "./vendor/minisearch.js";
import { normalise, root } from "./words.js";

const LANG = document.documentElement.lang;
const { stemmer: STEM } = await import(LANG === "ar" ? "./vendor/stemmer-ar.js" : "./vendor/stemmer-en.js");
const MAX_PAGES = 10;
const MAX_SECTIONS = 3;
const EXCERPT_WORDS = 30;

// How a page's word can match a query's word, best first. Pages rank first by
// the best tier they match a query word in (tiered()): a word as typed is never
// drowned by other forms of its root (issue 26).
const EXACT = 0; // the same word, spelled alike (normalise()); a و or ف before ال aside
const STEMMED = 1; // the same stem: التطوع, تطوع
const ROOT = 2; // the same root (words.js root()): متطوع, التطوع; مريض, مرضى
const SYNONYM = 3; // a word staff listed as meaning the same (content/search-synonyms.yml)
const NONE = 4;

// How each word reads: its spellings, their stems, its roots. A و or ف before
// ال ("والتشهير") counts with and without it. A final ه may be the ة of a word
// typed without its dots (طبيه for طبية): spelled alike (normalise()), the two are
// the same word, and its roots are both readings', so a match that needs the ة/ه
// fold is a root match at worst. A word of one or two letters (عن، من، في), or a
// preposition with a pronoun (عنه، فيها، إليهم), has no root: its fold would join it
// to longer words (عنه and إعانة: عون). Words repeat: each is worked out once.
const known = new Map();

function analyse(word) {
  let found = known.get(word);
  if (found === undefined) {
    found = analysis(word);
    known.set(word, found);
  }
  return found;
}

function analysis(word) {
  const plain = normalise(word);
  if (!plain) return null;
  const spellings = [plain];
  if (LANG === "ar" && /^[وف]ال../.test(plain)) spellings.push(plain.slice(1));
  return { plain, spellings, stems: [...new Set(spellings.map(STEM))], roots: roots(word, plain) };
}

const PARTICLES = new Set(["عن", "من", "في", "الي", "علي", "مع", "لدي", "عند", "ل", "ب", "ك"].flatMap((particle) =>
  ["", "ه", "ها", "هم", "هما", "هن", "ك", "كم", "كن", "ي", "نا"].map((pronoun) => particle + pronoun)));

function roots(word, plain) {
  if (LANG !== "ar" || plain.length < 3 || PARTICLES.has(plain)) return [];
  const readings = word.endsWith("ه") ? [word, word.slice(0, -1) + "ة"] : [word];
  return [...new Set(readings.map(root))];
}

// Each word of the index as a page writes it (طبية, not the index's طبيه): the first
// spelling met without diacritics, else the first met.
const MARKED = /[\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed\u0640]/u;
const written = new Map();

// The index holds each word once, normalised (MiniSearch's processTerm).
// Stems and roots are not indexed: a query word is looked up in the site's
// vocabulary (vocabulary()) and becomes, tier by tier, the site's words with
// its spelling, its stem, its root: one term a word keeps indexing as cheap as
// plain stemming was.
export function terms(word) {
  const found = analyse(word);
  return found === null ? null : found.plain;
}

// The site's words by spelling, by stem and by root, from every word indexed.
function vocabulary() {
  const maps = [new Map(), new Map(), new Map()];
  const add = (map, key, word) => {
    const words = map.get(key);
    if (words === undefined) map.set(key, new Set([word]));
    else words.add(word);
  };
  for (const [word, found] of known) {
    if (found === null) continue;
    for (const spelling of found.spellings) add(maps[EXACT], spelling, found.plain);
    for (const stem of found.stems) add(maps[STEMMED], stem, found.plain);
    for (const key of found.roots) add(maps[ROOT], key, found.plain);
    const before = written.get(found.plain);
    if (before === undefined || (MARKED.test(before) && !MARKED.test(word))) written.set(found.plain, word);
  }
  return maps;
}

// A word and its plural are one word to a visitor (مريض, مرضى), though only their root
// joins them: a root match in one of these pairs of patterns (ف ع ل the root's letters,
// spelled as normalise() spells) ranks first among root matches and is not "less sure"
// (review of issue 35). Sound roots only; anything else stays less sure.
const NUMBER_PAIRS = new Set([
  "فعيل فعلي", "فعيل فعلاء", "فعيل فعال", "فعل فعول", "فعل افعال", "فعل فعال", "فعله فعال", "فعله فعل",
  "فاعل فواعل", "مفعل مفاعل", "مفعله مفاعل", "مفعول مفاعيل", "فعاله فعاءل", "فعيله فعاءل", "افعول افاعيل",
]);

// A word's pattern over a sound root ("مرضي" over مرض: فعلي), its article and a و or ف before it aside.
function pattern(plain, key) {
  if (key.length !== 3 || /[اويء]/.test(key)) return null;
  const base = plain.replace(/^[وف](?=ال)/, "").replace(/^(?:بال|كال|لل|ال)/, "");
  let out = "";
  let k = 0;
  for (const letter of base) {
    if (k < 3 && letter === key[k]) out += "فعل"[k++];
    else out += letter;
  }
  return k === 3 ? out : null;
}

// Whether two words are one's plural and the other's singular; a و or ف before either may be
// a conjunction (ومناديب).
function numberForms(a, b, key) {
  const patterns = (word) => [word, ...(/^[وف]/.test(word) ? [word.slice(1)] : [])].map((w) => pattern(w, key));
  return patterns(a).some((pa) => pa !== null && patterns(b).some((pb) => pb !== null
    && (NUMBER_PAIRS.has(`${pa} ${pb}`) || NUMBER_PAIRS.has(`${pb} ${pa}`))));
}

const SEARCH_OPTIONS = {
  boostDocument: (id, term, stored) => stored.weight,
  tokenize: (terms) => terms.split(" "), // a tier's words, worked out already
  processTerm: (term) => term,
};

// Two indexes over the same text. Pages are ranked as wholes (as Pagefind
// did): a short page about the query beats a long one that mentions it in
// passing. Sections only pick what each result shows.
let loading = null;

function index() {
  // One download and one indexing, however many searches wait for it; tried again after a failure.
  loading ??= load().catch((error) => {
    loading = null;
    throw error;
  });
  return loading;
}

async function load() {
  const response = await fetch(new URL("index.json", location.href));
  if (!response.ok) throw new Error(`search/index.json: ${response.status}`);
  const data = await response.json();
  // A page's title as the index reads it and, when it differs, as results show it.
  const byPage = data.pages.map(([url, title, shown], id) => ({
    id, url, title, shown: shown || title, headings: [], text: [], weight: 1,
  }));
  // A section's form text (labels, hints, choices) is searched but never shown:
  // a result's excerpt reads the page's sentences.
  const sections = data.sections.map(([page, anchor, title, text, weight, form = ""], id) => {
    byPage[page].headings.push(title);
    byPage[page].text.push(text, form);
    byPage[page].weight = weight;
    return { id, page, anchor, title, text, form, weight };
  });
  const pageIndex = new MiniSearch({
    fields: ["title", "headings", "text"], storeFields: ["url", "shown", "weight"], processTerm: terms,
    extractField: (doc, field) => (Array.isArray(doc[field]) ? doc[field].join(" ") : doc[field]),
    searchOptions: { ...SEARCH_OPTIONS, boost: { title: 3, headings: 2 } },
  });
  pageIndex.addAll(byPage);
  const sectionIndex = new MiniSearch({
    fields: ["title", "text", "form"], storeFields: ["page", "anchor", "title", "weight"], processTerm: terms,
    searchOptions: { ...SEARCH_OPTIONS, boost: { title: 3 } },
  });
  sectionIndex.addAll(sections);
  const words = vocabulary(); // before any query word joins `known`
  return { pageIndex, sectionIndex, sections, words, synonyms: synonymTable(data.synonyms || []) };
}

// Staff's synonyms: each word's stem leads to the other words of its groups.
function synonymTable(groups) {
  const table = new Map();
  for (const group of groups) {
    const members = group.map(analyse).filter((found) => found !== null);
    for (const member of members) {
      for (const stem of member.stems) {
        const others = table.get(stem) || new Set();
        for (const other of members) if (other !== member) others.add(other);
        table.set(stem, others);
      }
    }
  }
  return table;
}

const TOKENIZE = MiniSearch.getDefault("tokenize");

// For each word of the query, the site's words that match it in each tier
// (each word in its best tier only), and the word as typed (for prefixes).
function plan(query, words, synonyms) {
  const planned = [];
  for (const word of TOKENIZE(query)) {
    const found = word ? analyse(word) : null;
    if (found === null) continue;
    const seen = new Set([found.plain]);
    const take = (map, keys) => {
      const out = [];
      for (const key of keys) {
        for (const site of map.get(key) || []) {
          if (!seen.has(site)) {
            seen.add(site);
            out.push(site);
          }
        }
      }
      return out;
    };
    const tiers = [[found.plain, ...take(words[EXACT], found.spellings)], take(words[STEMMED], found.stems),
      take(words[ROOT], found.roots), []];
    const related = new Set();
    for (const stem of found.stems) for (const other of synonyms.get(stem) || []) related.add(other);
    for (const other of related) {
      tiers[SYNONYM].push(...take(words[EXACT], other.spellings), ...take(words[STEMMED], other.stems));
    }
    const sameWord = new Set(); // root matches that are the word's plural or singular
    for (const key of found.roots) {
      for (const site of words[ROOT].get(key) || []) if (numberForms(found.plain, site, key)) sameWord.add(site);
    }
    planned.push({ typed: found.plain, tiers, sameWord });
  }
  return planned;
}

// Every document that matches a word of the query, best first (issues 26, 35):
// 1. by how many query words it has as typed or with the same stem (a page
//    with both words of "لجنة البحث" before one with only the first);
// 2. by how many it has at least through a root, so that, word for word, a
//    root match ranks above a synonym's (review of issue 35);
// 3. by the best tier any query word matched in, the word as typed and its
//    stem counting as one ("suggestion" and "suggestions" are the same word):
//    a page found only through a root, which may be another word
//    ("تجهيزه" for "أجهزة"), comes after them, and one found only through a
//    synonym after that;
// 4. by the sum over the query words of MiniSearch's score (BM25, with the
//    field boosts and each page's weight) in the word's best tier, weighted
//    by that tier.
const WEIGHT = [1, 0.5, 0.25, 0.2];
const GROUP = [0, 0, 1, 2, 3]; // tier -> rank group: exact and stem together

function tiered(miniSearch, planned) {
  const found = new Map();
  planned.forEach(({ typed, tiers, sameWord }, w) => {
    const last = w === planned.length - 1;
    tiers.forEach((list, tier) => {
      if (!list.length) return;
      // The last word may still be being typed: as typed, it also matches longer words.
      const prefix = (term) => last && term === typed && term.length > 2;
      for (const hit of miniSearch.search(list.join(" "), { prefix })) {
        // Other forms of the word can be many (all of a root's): a page scores by the
        // forms it has on average, not by how many different ones it uses.
        const score = tier === EXACT ? hit.score : hit.score / hit.terms.length;
        let doc = found.get(hit.id);
        if (doc === undefined) {
          doc = { hit, tiers: planned.map(() => NONE), scores: planned.map(() => [0, 0, 0, 0]), terms: new Set(),
            rootTerms: planned.map(() => []), sameWord: planned.map(() => false) };
          found.set(hit.id, doc);
        }
        doc.tiers[w] = Math.min(doc.tiers[w], tier);
        doc.scores[w][tier] = score;
        for (const term of hit.terms) doc.terms.add(term);
        if (tier === ROOT) {
          doc.rootTerms[w] = hit.terms.filter((term) => !sameWord.has(term));
          doc.sameWord[w] = doc.rootTerms[w].length < hit.terms.length;
        }
      }
    });
  });
  // A word's score: as typed and by its stem together ("suggestions" in the text and
  // "suggestion" in a heading both count), else in its best tier.
  const wordScore = (tier, scores) => (tier <= STEMMED ? scores[EXACT] + WEIGHT[STEMMED] * scores[STEMMED]
    : tier < NONE ? WEIGHT[tier] * scores[tier] : 0);
  // The words found only through a root, not the query word's plural or singular: the
  // ones a less sure result names, unless it has the plural or singular too.
  const rootOnly = (doc) => (doc.sameWord.some((same, w) => same && doc.tiers[w] === ROOT) ? []
    : [...new Set(doc.rootTerms.flatMap((terms, w) => (doc.tiers[w] === ROOT ? terms : [])))]);
  const rank = (doc) => [
    -doc.tiers.filter((tier) => tier <= STEMMED).length,
    -doc.tiers.filter((tier) => tier <= ROOT).length,
    GROUP[Math.min(...doc.tiers)],
    rootOnly(doc).length ? 1 : 0, // among root matches, a plural's or singular's first
    -doc.scores.reduce((sum, scores, w) => sum + wordScore(doc.tiers[w], scores), 0),
  ];
  const ranked = [...found.values()].map((doc) => ({
    ...doc.hit, terms: [...doc.terms], tiers: doc.tiers, rootTerms: rootOnly(doc), rank: rank(doc),
  }));
  return ranked.sort((a, b) => a.rank.reduce((order, key, i) => order || key - b.rank[i], 0));
}

// Every page found, best first; the first MAX_PAGES with their best few sections.
// Each result says, for each query word, the tier it matched in (tiers; 4: not at all).
export async function search(query) {
  const { pageIndex, sectionIndex, sections, words, synonyms } = await index();
  const planned = plan(query, words, synonyms);
  // unsure: found only through a root (no query word as typed or by its stem), which
  // may be another word ("تجهيزه" for "أجهزة"), not its plural or singular: the page
  // marks it (show()).
  const found = tiered(pageIndex, planned).map((hit) => ({
    id: hit.id, url: hit.url, title: hit.shown, tiers: hit.tiers, terms: hit.terms, rootTerms: hit.rootTerms,
    unsure: GROUP[Math.min(...hit.tiers)] === GROUP[ROOT] && hit.rootTerms.length > 0, sections: [],
  }));
  const shown = new Map(found.slice(0, MAX_PAGES).map((result) => [result.id, result]));
  for (const hit of tiered(sectionIndex, planned)) {
    const result = shown.get(hit.page);
    if (result && result.sections.length < MAX_SECTIONS) result.sections.push({ ...hit, text: sections[hit.id].text });
  }
  return found;
}

function link(url, anchor) {
  return "../" + url + (anchor ? "#" + anchor : "");
}

// A word as written: its letters and digits, with any punctuation around them.
const WORD = /^([^\p{L}\p{N}]*)(.*?)([^\p{L}\p{N}]*)$/su;

// About EXCERPT_WORDS words around the first word that matched, matches marked
// (their letters, not the comma after them).
function excerpt(text, matched) {
  const words = text.split(/(\s+)/).map((word) => WORD.exec(word));
  const hits = words.map(([, , core]) => {
    const found = core ? terms(core) : null;
    return found !== null && matched.has(found);
  });
  const first = Math.max(0, hits.indexOf(true));
  const start = Math.max(0, first - EXCERPT_WORDS);
  const end = Math.min(words.length, start + 2 * EXCERPT_WORDS);
  const out = document.createElement("p");
  if (start > 0) out.append("… ");
  for (let i = start; i < end; i++) {
    const [word, before, core, after] = words[i];
    if (hits[i]) {
      const mark = document.createElement("mark");
      mark.textContent = core;
      out.append(before, mark, after);
    } else {
      out.append(word);
    }
  }
  if (end < words.length) out.append(" …");
  return out;
}

// The words a less sure result was found through (its root matches only: not a synonym's,
// review of issue 35), as its excerpts write them (طبية, not the index's طبيه), else as
// the site writes them elsewhere (its headings, its form's labels).
function asWritten(result) {
  const matched = new Set(result.rootTerms);
  const out = new Map();
  for (const section of result.sections) {
    for (const word of section.text.split(/\s+/)) {
      const core = WORD.exec(word)[2];
      const found = core ? terms(core) : null;
      if (found !== null && matched.has(found) && !out.has(found)) out.set(found, core);
    }
  }
  return [...out.values(), ...result.rootTerms.filter((term) => !out.has(term)).map((term) => written.get(term) || term)];
}

// A message from the page's data-* attributes (translated at build), its
// {placeholders} filled in one pass, so a query holding "{count}" or "$&" stays as typed.
function say(root, name, values = {}) {
  const digits = root.dataset.digits;
  return root.dataset[name].replace(/\{(query|count|words)\}/g, (_, key) =>
    key === "count" ? String(values.count).replace(/[0-9]/g, (d) => digits[d]) : values[key]);
}

function show(root, query, results) {
  const status = root.querySelector(".qalb-search__status");
  const list = root.querySelector(".qalb-search__results");
  list.replaceChildren();
  if (!query) {
    status.textContent = "";
    root.querySelector(".qalb-search__none").hidden = true;
    return;
  }
  status.textContent = say(root, results.length ? "found" : "none", { query, count: results.length });
  root.querySelector(".qalb-search__none").hidden = results.length > 0;
  for (const result of results.slice(0, MAX_PAGES)) {
    const item = document.createElement("li");
    item.className = "qalb-search__result";
    const heading = document.createElement("h2");
    const title = document.createElement("a");
    title.className = "qalb-search__link";
    title.href = link(result.url, "");
    title.textContent = result.title;
    heading.append(title);
    item.append(heading);
    if (result.unsure) {
      item.classList.add("qalb-search__result--unsure");
      const note = document.createElement("p");
      note.className = "qalb-search__unsure";
      note.textContent = say(root, "unsure", { words: asWritten(result).join(root.dataset.separator) });
      item.append(note);
    }
    const sections = document.createElement("ul");
    sections.className = "qalb-search__sections";
    for (const section of result.sections) {
      const entry = document.createElement("li");
      if (section.anchor) {
        const to = document.createElement("a");
        to.href = link(result.url, section.anchor);
        to.textContent = section.title;
        entry.append(to);
      }
      entry.append(excerpt(section.text, new Set(section.terms)));
      sections.append(entry);
    }
    item.append(sections);
    list.append(item);
  }
}

function start() {
  const root = document.querySelector("[data-qalb-search]");
  if (!root) return;
  const form = root.querySelector("form");
  const input = root.querySelector("input");
  const status = root.querySelector(".qalb-search__status");
  let latest = 0;
  async function run() {
    const query = input.value.trim();
    const ticket = ++latest;
    if (query && !loading) status.textContent = say(root, "loading");
    let results = [];
    try {
      results = query ? await search(query) : [];
    } catch (error) {
      if (ticket === latest) status.textContent = say(root, "failed");
      console.error(error);
      return;
    }
    if (ticket !== latest) return; // a newer query is already on its way
    show(root, query, results);
    const url = new URL(location.href);
    if (query) url.searchParams.set("q", query);
    else url.searchParams.delete("q");
    history.replaceState(null, "", url);
  }
  let timer;
  input.addEventListener("input", () => { clearTimeout(timer); timer = setTimeout(run, 150); });
  form.addEventListener("submit", (event) => { event.preventDefault(); clearTimeout(timer); run(); });
  const query = new URLSearchParams(location.search).get("q");
  if (query) {
    input.value = query;
    run();
  }
  // The focus stays where the page starts it: the first Tab reaches "skip to content" as on every
  // page (issue 35); the box is the first thing after it.
  window.qalbSearch = search; // for the tests: the same ranking the page shows
}

start();
