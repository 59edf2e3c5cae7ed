// The search page. The build writes this language's pages, section by section,
// to search/index.json (generator/search_index.py), with the synonyms staff
// keep in content/search-synonyms.yml; this script indexes them here with
// MiniSearch. Every word, of the pages and of the query alike, is read by the
// same code (terms(), words.js): its spelling, its stem (Snowball's Arabic
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

// How a page's word can match a query's word, best first. A page that matches
// a query word in a better tier ranks above one that matches it only in a
// worse one, whatever their scores: the word as typed is never drowned by
// other forms of its root (issue 26).
const EXACT = 0; // the same word, spelled alike (normalise())
const STEMMED = 1; // the same stem: التطوع, تطوع
const ROOT = 2; // the same root: متطوع, التطوع; مريض, مرضى
const SYNONYM = 3; // a word staff listed as meaning the same
const NONE = 4;
// Each tier's terms live apart in the index: "~" before a stem, "#" before a root.
const MARK = ["", "~", "#"];

// Every term a word is indexed and searched under, by tier: its spellings,
// their stems, their roots. A و or ف before ال ("والتشهير") counts with and
// without it. Words repeat: each is worked out once (indexing is ~3x faster).
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
  const tiers = [spellings, [...new Set(spellings.map(STEM))].map((stem) => MARK[STEMMED] + stem)];
  if (LANG === "ar") tiers.push([MARK[ROOT] + root(word)]);
  return { tiers, all: tiers.flat() };
}

// The index's terms for a word (MiniSearch's processTerm).
export function terms(word) {
  const found = analyse(word);
  return found === null ? null : found.all;
}

const SEARCH_OPTIONS = {
  boostDocument: (id, term, stored) => stored.weight,
  tokenize: (terms) => terms.split(" "), // a tier's terms, worked out already
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
  const byPage = data.pages.map(([url, title], id) => ({ id, url, title, headings: [], text: [], weight: 1 }));
  const sections = data.sections.map(([page, anchor, title, text, weight], id) => {
    byPage[page].headings.push(title);
    byPage[page].text.push(text);
    byPage[page].weight = weight;
    return { id, page, anchor, title, text, weight };
  });
  const pageIndex = new MiniSearch({
    fields: ["title", "headings", "text"], storeFields: ["url", "title", "weight"], processTerm: terms,
    extractField: (doc, field) => (Array.isArray(doc[field]) ? doc[field].join(" ") : doc[field]),
    searchOptions: { ...SEARCH_OPTIONS, boost: { title: 3, headings: 2 } },
  });
  pageIndex.addAll(byPage);
  const sectionIndex = new MiniSearch({
    fields: ["title", "text"], storeFields: ["page", "anchor", "title", "weight"], processTerm: terms,
    searchOptions: { ...SEARCH_OPTIONS, boost: { title: 3 } },
  });
  sectionIndex.addAll(sections);
  return { pageIndex, sectionIndex, sections, synonyms: synonymTable(data.synonyms || []) };
}

// Staff's synonyms (content/search-synonyms.yml): each word's stem leads to
// the exact and stemmed terms of the other words of its groups.
function synonymTable(groups) {
  const table = new Map();
  for (const group of groups) {
    const members = group.map(analyse).filter((found) => found !== null);
    for (const member of members) {
      for (const stem of member.tiers[STEMMED]) {
        const others = table.get(stem) || new Set();
        for (const other of members) {
          if (other !== member) for (const term of [...other.tiers[EXACT], ...other.tiers[STEMMED]]) others.add(term);
        }
        table.set(stem, others);
      }
    }
  }
  return table;
}

const TOKENIZE = MiniSearch.getDefault("tokenize");

// For each word of the query, its terms in each tier.
function plan(query, synonyms) {
  const words = [];
  for (const word of TOKENIZE(query)) {
    const found = word ? analyse(word) : null;
    if (found === null) continue;
    const related = new Set();
    for (const stem of found.tiers[STEMMED]) for (const term of synonyms.get(stem) || []) related.add(term);
    const own = new Set(found.all);
    const [exact, stems, roots = []] = found.tiers; // English words have no root
    words.push([exact, stems, roots, [...related].filter((term) => !own.has(term))]);
  }
  return words;
}

// Every document that matches a word of the query, best first: first by the
// best tier any query word matched in (a page with a query word as typed
// always comes before pages that only have other forms of it, its root or a
// synonym), then by the sum over the query words of MiniSearch's score (BM25,
// with the field boosts and each page's weight) in the word's best tier,
// weighted by that tier.
const WEIGHT = [1, 0.5, 0.25, 0.2];

function tiered(miniSearch, words) {
  const found = new Map();
  words.forEach((tiers, w) => {
    const last = w === words.length - 1;
    tiers.forEach((list, tier) => {
      if (!list.length) return;
      // The last word may still be being typed: as typed, it also matches longer words.
      const prefix = (term) => last && tier === EXACT && term.length > 2;
      for (const hit of miniSearch.search(list.join(" "), { prefix })) {
        let doc = found.get(hit.id);
        if (doc === undefined) {
          doc = { hit, tiers: words.map(() => NONE), scores: words.map(() => 0), terms: new Set() };
          found.set(hit.id, doc);
        }
        if (tier < doc.tiers[w]) [doc.tiers[w], doc.scores[w]] = [tier, hit.score];
        else if (tier === doc.tiers[w]) doc.scores[w] = Math.max(doc.scores[w], hit.score);
        for (const term of hit.terms) doc.terms.add(term);
      }
    });
  });
  const rank = (doc) => [
    Math.min(...doc.tiers),
    -doc.scores.reduce((sum, score, w) => sum + (doc.tiers[w] < NONE ? score * WEIGHT[doc.tiers[w]] : 0), 0),
  ];
  const ranked = [...found.values()].map((doc) => ({ ...doc.hit, terms: [...doc.terms], tiers: doc.tiers, rank: rank(doc) }));
  return ranked.sort((a, b) => a.rank[0] - b.rank[0] || a.rank[1] - b.rank[1]);
}

// Every page found, best first; the first MAX_PAGES with their best few sections.
// Each result says, for each query word, the tier it matched in (tiers; 4: not at all).
export async function search(query) {
  const { pageIndex, sectionIndex, sections, synonyms } = await index();
  const words = plan(query, synonyms);
  const found = tiered(pageIndex, words).map((hit) => ({
    id: hit.id, url: hit.url, title: hit.title, tiers: hit.tiers, sections: [],
  }));
  const shown = new Map(found.slice(0, MAX_PAGES).map((result) => [result.id, result]));
  for (const hit of tiered(sectionIndex, words)) {
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
    return found !== null && found.some((term) => matched.has(term));
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

// A message from the page's data-* attributes (translated at build), its
// {placeholders} filled in one pass, so a query holding "{count}" or "$&" stays as typed.
function say(root, name, values = {}) {
  const digits = root.dataset.digits;
  return root.dataset[name].replace(/\{(query|count)\}/g, (_, key) =>
    key === "count" ? String(values.count).replace(/[0-9]/g, (d) => digits[d]) : values.query);
}

function show(root, query, results) {
  const status = root.querySelector(".qalb-search__status");
  const list = root.querySelector(".qalb-search__results");
  list.replaceChildren();
  if (!query) {
    status.textContent = "";
    return;
  }
  status.textContent = say(root, results.length ? "found" : "none", { query, count: results.length });
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
  input.focus();
  window.qalbSearch = search; // for the tests: the same ranking the page shows
}

start();
