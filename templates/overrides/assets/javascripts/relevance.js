// Follow-up questions (a field's `relevant:` in the form file): hidden while the
// answers above them do not call for them. The rules are the server's
// (generator/forms/relevance.py), given by the form's data-qalb-relevance
// attribute, and both pass the same cases (tests/fixtures/relevance_cases.yaml):
// fields are judged in the form's order; a field that does not apply, or whose
// answer cannot be read, counts as blank; a test on a blank answer is false,
// except "answered: false". A hidden follow-up's controls are disabled, so its
// value is not sent (the server would drop it anyway). Triggers get
// aria-controls (tick boxes aria-expanded too); focus never moves. Without JavaScript every
// follow-up is shown, its label saying when it applies.
(function () {
  var ARABIC_INDIC = /[\u0660-\u0669]/g, PERSIAN = /[\u06f0-\u06f9]/g;

  function western(text) {
    return text.replace(ARABIC_INDIC, function (d) { return String(d.charCodeAt(0) - 0x660); })
      .replace(PERSIAN, function (d) { return String(d.charCodeAt(0) - 0x6f0); });
  }

  // A posted answer (text, or a list for tick-box groups; null when absent) read as its type.
  function typed(type, raw) {
    if (raw === null || raw === undefined) return null;
    if (type === "array") {
      var items = [].concat(raw).filter(function (item) { return String(item).trim() !== ""; });
      return items.length ? items.map(function (item) { return String(item).trim(); }) : null;
    }
    if (Array.isArray(raw)) raw = raw.length === 1 ? raw[0] : null;
    if (raw === null) return null;
    var text = String(raw).trim();
    if (text === "") return null;
    if (type === "integer" || type === "number") {
      text = western(text).replace("\u066b", ".").replace(/\u066c/g, "");
      if (!(type === "integer" ? /^[+-]?\d+$/ : /^[+-]?(\d+\.?\d*|\.\d+)$/).test(text)) return null;
      return Number(text);
    }
    if (type === "boolean") return text === "true" ? true : (text === "false" ? false : null);
    if (type === "date") return /^\d{4}-\d{2}-\d{2}$/.test(text) && !isNaN(Date.parse(text)) ? text : null;
    return text;
  }

  function passes(op, operand, answer) {
    if (answer === null) return op === "answered" && !operand;
    if (op === "equals") return answer === operand;
    if (op === "answered") return !!operand;
    if (op === "in" || op === "not_in") {
      var found = [].concat(answer).some(function (item) { return operand.indexOf(item) !== -1; });
      return op === "in" ? found : !found;
    }
    return op === "gte" ? answer >= operand : answer <= operand;
  }

  function holds(condition, seen) {
    var results = condition.tests.map(function (test) {
      var answer = Object.prototype.hasOwnProperty.call(seen, test[0]) ? seen[test[0]] : null;
      return passes(test[1], test[2], answer);
    });
    return condition.mode === "any" ? results.indexOf(true) !== -1 : results.indexOf(false) === -1;
  }

  // rules: [[name, type, condition or null], ...] in the form's order; answers: name -> posted text
  // (or list). The names of the fields that apply, in order.
  function relevant(rules, answers) {
    var seen = {}, shown = [];
    rules.forEach(function (rule) {
      var name = rule[0];
      if (rule[2] && !holds(rule[2], seen)) { seen[name] = null; return; }
      seen[name] = typed(rule[1], Object.prototype.hasOwnProperty.call(answers, name) ? answers[name] : null);
      shown.push(name);
    });
    return shown;
  }
  window.qalbRelevance = { relevant: relevant };

  function answersOf(form) {
    var answers = {};
    Array.prototype.forEach.call(form.elements, function (el) {
      if (!el.name || el.disabled) return;
      if ((el.type === "radio" || el.type === "checkbox") && !el.checked) return;
      answers[el.name] = el.name in answers ? [].concat(answers[el.name], el.value) : el.value;
    });
    return answers;
  }

  Array.prototype.forEach.call(document.querySelectorAll("form[data-qalb-relevance]"), function (form) {
    var rules = JSON.parse(form.getAttribute("data-qalb-relevance"));
    var boxes = {}, triggers = {};
    rules.forEach(function (rule) {
      if (!rule[2]) return;
      var box = document.getElementById("f-" + rule[0] + "-when");
      if (!box) return;
      boxes[rule[0]] = box;
      rule[2].tests.forEach(function (test) {
        Array.prototype.forEach.call(form.querySelectorAll('[name="' + test[0] + '"]'), function (el) {
          var ids = (el.getAttribute("aria-controls") || "").split(" ").filter(Boolean);
          if (ids.indexOf(box.id) === -1) ids.push(box.id);
          el.setAttribute("aria-controls", ids.join(" "));
          (triggers[box.id] = triggers[box.id] || []).push(el);
        });
      });
    });
    function update() {
      var shown = relevant(rules, answersOf(form));
      Object.keys(boxes).forEach(function (name) {
        var box = boxes[name], open = shown.indexOf(name) !== -1;
        box.hidden = !open;
        Array.prototype.forEach.call(box.querySelectorAll("input, select, textarea"), function (el) {
          el.disabled = !open;
        });
      });
      // aria-expanded only where ARIA allows it (a tick box; not a radio button or a text box,
      // where axe rightly refuses it): there aria-controls alone names what the answer opens.
      Array.prototype.forEach.call(form.querySelectorAll('input[type="checkbox"][aria-controls]'), function (el) {
        var open = el.getAttribute("aria-controls").split(" ").some(function (id) {
          return document.getElementById(id) && !document.getElementById(id).hidden;
        });
        el.setAttribute("aria-expanded", open ? "true" : "false");
      });
    }
    // A follow-up's own answers can open the next one (a chain): judge again until nothing changes.
    function settle() {
      for (var i = 0; i < rules.length; i++) {
        var before = JSON.stringify(answersOf(form));
        update();
        if (JSON.stringify(answersOf(form)) === before) break;
      }
    }
    form.addEventListener("change", settle);
    form.addEventListener("input", settle);
    settle();
  });
})();
