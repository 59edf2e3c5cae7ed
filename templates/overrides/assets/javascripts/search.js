// The search page. The build writes this language's pages, section by section,
// to search/index.json (generator/search_index.py); this script indexes them
// here with MiniSearch, stemming with Snowball's Arabic stemmer or the Porter
// stemmer for English, so the query and the pages are stemmed by the same code.
// A ?q= query runs at once, so a search can be linked to. Only this page loads
// any of it.
import MiniSearch from "./vendor/minisearch.js";

const LANG = document.documentElement.lang;
const { stemmer: STEM } = await import(LANG === "ar" ? "./vendor/stemmer-ar.js" : "./vendor/stemmer-en.js");
const MAX_PAGES = 10;
const MAX_SECTIONS = 3;
const EXCERPT_WORDS = 30;

// Spellings people type for the same word: diacritics and tatweel dropped, every
// alef with hamza or madda as a bare alef, final ى as ي.
const MARKS = /[\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed\u0640]/g;

function normalise(word) {
  return word.toLowerCase().replace(MARKS, "").replace(/[أإآٱ]/g, "ا").replace(/ى/g, "ي");
}

// Every stem a word is indexed and searched under. Snowball's Arabic stemmer
// stems "سياسة" and "سياسه" alike but not "السياسة" and "السياسه", so a word
// ending in ة or ه counts under both spellings; and it takes off ال but not a
// و or ف in front of it ("والتشهير"), so such a word also counts without them.
// Words repeat: each is worked out once (indexing is ~3x faster).
const known = new Map();

export function terms(word) {
  let found = known.get(word);
  if (found === undefined) {
    found = stems(word);
    known.set(word, found);
  }
  return found;
}

function stems(word) {
  const plain = normalise(word);
  if (!plain) return null;
  const spellings = [plain];
  if (LANG === "ar") {
    if (/[ةه]$/.test(plain)) spellings.push(plain.slice(0, -1) + (plain.endsWith("ة") ? "ه" : "ة"));
    for (const spelling of [...spellings]) if (/^[وف]ال../.test(spelling)) spellings.push(spelling.slice(1));
  }
  const all = [...new Set(spellings.map(STEM))];
  return all.length === 1 ? all[0] : all;
}

const SEARCH_OPTIONS = {
  // The last word may still be being typed: it also matches longer words.
  prefix: (term, i, all) => i === all.length - 1 && term.length > 2,
  boostDocument: (id, term, stored) => stored.weight,
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
  return { pageIndex, sectionIndex, sections };
}

// Every page found, best first; the first MAX_PAGES with their best few sections.
export async function search(query) {
  const { pageIndex, sectionIndex, sections } = await index();
  const found = pageIndex.search(query).map((hit) => ({ id: hit.id, url: hit.url, title: hit.title, sections: [] }));
  const shown = new Map(found.slice(0, MAX_PAGES).map((result) => [result.id, result]));
  for (const hit of sectionIndex.search(query)) {
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
    return found !== null && [].concat(found).some((stem) => matched.has(stem));
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
