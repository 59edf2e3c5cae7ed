// Material's bundle, loaded at the first sign of a person (generator/site/later_bundle.py):
// a pointer, a key, a touch, the wheel or a scroll. Until then the page is
// complete without it, and a first view does not pay for it.
(function () {
  document.documentElement.classList.add("qalb-later");  // qalb.css: the sidebars as the bundle sizes them
  var named = document.querySelector("script[data-qalb-later]");
  if (!named) return;
  // Not "focus": a page may focus a field itself (the search box) before anyone is there.
  var events = ["pointerdown", "pointermove", "keydown", "touchstart", "wheel", "scroll"];
  var options = { capture: true, passive: true };
  function load() {
    events.forEach(function (name) { removeEventListener(name, load, options); });
    var script = document.createElement("script");
    script.src = named.dataset.qalbLater;
    document.body.appendChild(script);
  }
  events.forEach(function (name) { addEventListener(name, load, options); });
})();
