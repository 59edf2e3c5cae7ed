// The search page. The build writes this language's pages, section by section,
// to search/index.json (generator/search_index.py); this script indexes them
// here with MiniSearch and Snowball's stemmer for the page's language, so the
// query and the pages are stemmed by the same code. A ?q= query runs at once,
// so a search can be linked to. Only this page loads any of it.
import MiniSearch from "./vendor/minisearch.js";
import { stemmer as arabicStemmer } from "./vendor/stemmer-ar.js";
import { stemmer as englishStemmer } from "./vendor/stemmer-en.js";

const LANG = document.documentElement.lang;
const STEM = LANG === "ar" ? arabicStemmer : englishStemmer;
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
export function terms(word) {
  const plain = normalise(word);
  if (!plain) return null;
  const spellings = [plain];
  if (LANG === "ar") {
    if (/[ةه]$/.test(plain)) spellings.push(plain.slice(0, -1) + (plain.endsWith("ة") ? "ه" : "ة"));
    for (const spelling of [...spellings]) if (/^[وف]ال../.test(spelling)) spellings.push(spelling.slice(1));
  }
  const stems = [...new Set(spellings.map(STEM))];
  return stems.length === 1 ? stems[0] : stems;
}

const SEARCH_OPTIONS = {
  // The last word may still be being typed: it also matches longer words.
  prefix: (term, i, all) => i === all.length - 1 && term.length > 2,
  boostDocument: (id, term, stored) => stored.weight,
};

// Two indexes over the same text. Pages are ranked as wholes (as Pagefind
// did): a short page about the query beats a long one that mentions it in
// passing. Sections only pick what each result shows.
let pages = null;
let sections = null;

async function load() {
  const response = await fetch(new URL("index.json", location.href));
  const data = await response.json();
  const byPage = data.pages.map(([url, title], id) => ({ id, url, title, headings: "", text: "", weight: 1 }));
  const parts = data.sections.map(([page, anchor, title, text, weight], id) => {
    Object.assign(byPage[page], { headings: byPage[page].headings + " " + title, weight });
    byPage[page].text += " " + text;
    return { id, page, anchor, title, text, weight };
  });
  const pageIndex = new MiniSearch({
    fields: ["title", "headings", "text"], storeFields: ["url", "title", "weight"], processTerm: terms,
    searchOptions: { ...SEARCH_OPTIONS, boost: { title: 3, headings: 2 } },
  });
  pageIndex.addAll(byPage);
  const sectionIndex = new MiniSearch({
    fields: ["title", "text"], storeFields: ["page", "anchor", "title", "text", "weight"], processTerm: terms,
    searchOptions: { ...SEARCH_OPTIONS, boost: { title: 3 } },
  });
  sectionIndex.addAll(parts);
  [pages, sections] = [pageIndex, sectionIndex];
}

// The best pages, each with its best few sections.
export async function search(query) {
  if (!pages) await load();
  const found = pages.search(query).slice(0, MAX_PAGES)
    .map((hit) => ({ id: hit.id, url: hit.url, title: hit.title, sections: [] }));
  const byId = new Map(found.map((result) => [result.id, result]));
  for (const hit of sections.search(query)) {
    const result = byId.get(hit.page);
    if (result && result.sections.length < MAX_SECTIONS) result.sections.push(hit);
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
    const stems = core ? terms(core) : null;
    return stems !== null && [].concat(stems).some((stem) => matched.has(stem));
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

function localDigits(number, digits) {
  return String(number).replace(/[0-9]/g, (d) => digits[d]);
}

function show(root, query, results) {
  const status = root.querySelector(".qalb-search__status");
  const list = root.querySelector(".qalb-search__results");
  list.replaceChildren();
  if (!query.trim()) {
    status.textContent = "";
    return;
  }
  const template = results.length ? root.dataset.found : root.dataset.none;
  status.textContent = template.replace("{query}", query.trim())
    .replace("{count}", localDigits(results.length, root.dataset.digits));
  for (const result of results) {
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
  let latest = 0;
  async function run() {
    const query = input.value;
    const ticket = ++latest;
    const results = query.trim() ? await search(query) : [];
    if (ticket !== latest) return; // a newer query is already on its way
    show(root, query, results);
    const url = new URL(location.href);
    if (query.trim()) url.searchParams.set("q", query.trim());
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
