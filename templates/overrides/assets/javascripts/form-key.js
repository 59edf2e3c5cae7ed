// The post's key: a random value made when a form page loads, sent with the
// answers in the hidden "post_key" field. A post sent again with the same key
// and the same answers (the connection broke before the answer came, the
// person pressed Send twice or reloaded) is stored once, on any server, and
// answered with the first reference. Answers changed after a send make a new
// key: that is another post. Without JavaScript the field stays empty and the
// form works as before, only without this protection. A form shown again with
// its errors keeps the key it was posted with (nothing was stored).
(function () {
  function newKey() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    var bytes = new Uint8Array(16);
    crypto.getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) { return (b + 256).toString(16).slice(1); }).join("");
  }
  Array.prototype.forEach.call(document.querySelectorAll("form[data-qalb-form]"), function (form) {
    var field = form.querySelector('input[name="post_key"]');
    if (!field) return;
    if (!field.value) field.value = newKey();
    var sent = false;
    form.addEventListener("submit", function () { sent = true; });
    function changed() {
      if (sent) { field.value = newKey(); sent = false; }
    }
    form.addEventListener("input", changed);
    form.addEventListener("change", changed);
  });
})();
