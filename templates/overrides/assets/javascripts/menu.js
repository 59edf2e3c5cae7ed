// Material's menu button (phones and tablets) is a <label for="__drawer">: a
// mouse or a finger opens the navigation drawer with it, a keyboard cannot
// even reach it. Make it a button: focusable, named, saying whether the menu
// is open, and working with Enter and Space. The label's text comes from the
// script tag (data-label), so it is translated like the rest of the page.
(function () {
  var drawer = document.getElementById("__drawer");
  var button = document.querySelector('label.md-header__button[for="__drawer"]');
  if (!drawer || !button) return;
  button.setAttribute("role", "button");
  button.setAttribute("tabindex", "0");
  button.setAttribute("aria-label", document.currentScript.dataset.label);
  function expanded() { button.setAttribute("aria-expanded", drawer.checked ? "true" : "false"); }
  expanded();
  drawer.addEventListener("change", expanded);
  button.addEventListener("keydown", function (event) {
    if (event.key !== "Enter" && event.key !== " ") return;
    event.preventDefault();
    event.stopPropagation();  // Material's own keyboard handler would toggle it back
    drawer.click();  // fires "change": Material opens the drawer as for a tap
  });
})();
