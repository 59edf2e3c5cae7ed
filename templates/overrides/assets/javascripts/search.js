// The search page: Pagefind's UI over the index built for this page's language
// (Pagefind picks the index from <html lang>). A ?q= query runs at once, so the
// search can be linked to.
document.addEventListener("DOMContentLoaded", function () {
  var element = document.querySelector("[data-qalb-search]");
  if (!element || typeof PagefindUI === "undefined") return;
  var ui = new PagefindUI({ element: element, showSubResults: true, showImages: false, resetStyles: false });
  var query = new URLSearchParams(window.location.search).get("q");
  if (query) ui.triggerSearch(query);
  var input = element.querySelector("input");
  if (input) input.focus();
});
