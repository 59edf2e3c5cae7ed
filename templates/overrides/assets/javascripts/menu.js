// The menu button on phones and tablets. Material writes it as a
// <label for="__drawer">: without JavaScript a tap on it still opens the
// navigation drawer (the label ticks the hidden box, CSS slides the drawer in),
// and keyboard users reach the drawer's links with Tab (qalb.css slides it in
// while the focus is inside). With JavaScript the label is swapped for a real
// <button> (no role override on a label, which axe's aria-allowed-role rule
// and the HTML standard forbid): focusable, named, saying whether the menu is
// open, working with Enter and Space as every button does. Its name comes from
// the script tag (data-label), so it is translated like the rest of the page.
(function () {
  var drawer = document.getElementById("__drawer");
  var label = document.querySelector('label.md-header__button[for="__drawer"]');
  if (!drawer || !label) return;
  var button = document.createElement("button");
  button.type = "button";
  button.className = label.className + " qalb-menu-button";
  button.setAttribute("aria-label", document.currentScript.dataset.label);
  while (label.firstChild) button.appendChild(label.firstChild);
  label.replaceWith(button);
  function expanded() { button.setAttribute("aria-expanded", drawer.checked ? "true" : "false"); }
  expanded();
  drawer.addEventListener("change", expanded);
  button.addEventListener("click", function () {
    drawer.click();  // ticks the box and fires "change": Material opens the drawer as for a tap on the label
  });
})();
