// The search page's first view (issue 25): the form and nothing else. It is not focused: the
// first Tab reaches "skip to content", as on every page, and the box is the next stop (issue 35).
// search.js, with MiniSearch and the stemmer (~24 KB gzip), is loaded when a
// search begins: a ?q= in the address, a key or a tap in the form, or a query
// sent before it arrived (then sent again once it is there). Without
// JavaScript the form still sends ?q= to this page.
const root = document.querySelector("[data-qalb-search]");
let loading = null;
let loaded = false;

function load() {
  loading ??= import("./search.js").then((module) => { loaded = true; return module; });
  return loading;
}

// The same ranking the page shows, for the tests: search.js puts itself here once loaded.
window.qalbSearch = async (query) => (await load()).search(query);

if (root) {
  const form = root.querySelector("form");
  const input = root.querySelector("input");
  if (new URLSearchParams(location.search).get("q")) {
    load();
  } else {
    const begin = () => {
      form.removeEventListener("keydown", begin, true);
      form.removeEventListener("pointerdown", begin, true);
      // Letters typed while it loads: search.js listens from now on, so tell it once.
      load().then(() => { if (input.value.trim()) input.dispatchEvent(new Event("input")); });
    };
    form.addEventListener("keydown", begin, true);
    form.addEventListener("pointerdown", begin, true);
    form.addEventListener("submit", (event) => {
      if (loaded) return; // search.js's own handler runs the search
      event.preventDefault();
      begin();
      load().then(() => form.requestSubmit());
    });
  }
}
