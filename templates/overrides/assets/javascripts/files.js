// File fields (`ui.control: file` in the form file): lists each chosen file's name (isolated
// with <bdi>, as names may be Latin inside Arabic) and size in the page's language, and says
// before sending when a file is too large, empty or of a kind the form does not take (by the
// browser's type or the file's ending: the server reads the bytes and decides for real), when
// there are too many files or they are too large together. The words, limits and digits come
// from the input's data-qalb-files (generator/forms/controls.py), in the page's language. A
// form with such a problem is not sent: the list says why, and the field takes focus. The list
// is a live region, so screen readers hear it. Without JavaScript the server says the same.
(function () {
  function settings(input) {
    try { return JSON.parse(input.getAttribute("data-qalb-files")); } catch (e) { return null; }
  }

  function size(bytes, s) {
    var number = new Intl.NumberFormat(s.lang + "-u-nu-" + s.numbers, { maximumFractionDigits: 1 });
    if (bytes < 1024 * 1024) {
      return s.words.kilobytes.replace("%(size)s", number.format(Math.max(1, Math.ceil(bytes / 1024))));
    }
    return s.words.megabytes.replace("%(size)s", number.format(Math.round(bytes / 104857.6) / 10));
  }

  function kindTaken(file, s) {
    var dot = file.name.lastIndexOf(".");
    var ending = dot === -1 ? "" : file.name.slice(dot).toLowerCase();
    return s.types.indexOf(file.type) !== -1 || s.endings.indexOf(ending) !== -1;
  }

  // The problems with the chosen files, as the keys of s.words, most important first.
  function check(files, s) {
    var problems = [], total = 0;
    var each = { tooLarge: false, type: false, empty: false };
    var notes = files.map(function (file) {
      total += file.size;
      var note = "";
      if (!kindTaken(file, s)) { note = s.words.fileType; each.type = true; }
      else if (file.size === 0) { note = s.words.fileEmpty; each.empty = true; }
      else if (file.size > s.maxFile) { note = s.words.fileTooLarge; each.tooLarge = true; }
      return note;
    });
    if (each.type) problems.push("type");
    if (each.empty) problems.push("empty");
    if (each.tooLarge) problems.push("tooLarge");
    if (files.length > s.maxFiles) problems.push("tooMany");
    if (!each.tooLarge && total > s.maxTotal) problems.push("totalTooLarge");
    return { problems: problems, notes: notes };
  }

  function element(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text) node.textContent = text;
    return node;
  }

  function show(input, list, s) {
    var files = Array.prototype.slice.call(input.files || []);
    var found = check(files, s);
    list.textContent = "";
    if (files.length) {
      list.appendChild(element("p", "qalb-file-list__title", s.words.chosen));
      var items = element("ul", "qalb-file-list__items");
      files.forEach(function (file, i) {
        var item = element("li", found.notes[i] ? "qalb-file-list__item--wrong" : "");
        item.appendChild(element("bdi", "qalb-file-list__name", file.name));
        item.appendChild(document.createTextNode(" — "));
        item.appendChild(element("span", "qalb-file-list__size", size(file.size, s)));
        if (found.notes[i]) {
          item.appendChild(document.createTextNode(" — "));
          item.appendChild(element("strong", "qalb-file-list__note", found.notes[i]));
        }
        items.appendChild(item);
      });
      list.appendChild(items);
    }
    found.problems.forEach(function (key) {
      var message = element("p", "qalb-error-message");
      message.appendChild(element("span", "qalb-visually-hidden", s.words.error));
      message.appendChild(document.createTextNode(" " + s.words[key]));
      list.appendChild(message);
    });
    var group = input.closest(".qalb-form-group");
    var wrong = found.problems.length > 0 || input.getAttribute("data-qalb-server-error") === "true";
    if (group) group.classList.toggle("qalb-form-group--error", wrong);
    if (wrong) input.setAttribute("aria-invalid", "true"); else input.removeAttribute("aria-invalid");
    return found.problems.length === 0;
  }

  Array.prototype.forEach.call(document.querySelectorAll("input[type=file][data-qalb-files]"), function (input) {
    var s = settings(input);
    var list = document.getElementById(input.id + "-chosen");
    if (!s || !list) return;
    input.setAttribute("data-qalb-server-error", input.getAttribute("aria-invalid") === "true" ? "true" : "false");
    var described = (input.getAttribute("aria-describedby") || "").split(" ").filter(Boolean);
    if (described.indexOf(list.id) === -1) input.setAttribute("aria-describedby", described.concat(list.id).join(" "));
    input.addEventListener("change", function () { show(input, list, s); });
    if (input.form) {
      input.form.addEventListener("submit", function (event) {
        if (!show(input, list, s)) {
          event.preventDefault();
          input.focus();
        }
      });
    }
  });
})();
