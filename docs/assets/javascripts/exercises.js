// The chapters' exercises: check the reader's answer against the reference answer that the build printed
// from the SymPy object a derivation proved (derivations/exercises.py). The rules mirror
// `python -m derivations exercise ID --answer …` (derivations.exercises.decide): the same LaTeX
// translation, allowed characters and names, random points in the stated domain, the stated tolerance
// for numbers, and the same messages. mathjs (pinned in package-lock.json, served from the site's own
// assets) is loaded only when the reader first checks an answer.
(function () {
  "use strict";
  var script = document.currentScript;
  var MATHJS = new URL("../mathjs/math.js", script ? script.src : location.href).href;
  var loading = null;

  function loadMath() {
    if (window.math) return Promise.resolve(window.math);
    if (!loading) {
      loading = new Promise(function (resolve, reject) {
        var tag = document.createElement("script");
        tag.src = MATHJS;
        tag.async = true;
        tag.onload = function () { resolve(window.math); };
        tag.onerror = function () { loading = null; reject(new Error(MATHJS)); };
        document.head.appendChild(tag);
      });
    }
    return loading;
  }

  function format(template, values) {
    return template.replace(/\{(\w+)\}/g, function (whole, name) {
      return Object.prototype.hasOwnProperty.call(values, name) ? values[name] : whole;
    });
  }

  // Simple LaTeX to plain syntax: the rules of derivations.exercises.plain.
  function plain(text) {
    text = text.trim().replace(/^\$+|\$+$/g, "").trim();
    text = text.replace(/\\begin\{[pb]matrix\}([\s\S]*?)\\end\{[pb]matrix\}/g, function (whole, body) {
      return "[" + body.split(/\\\\/).map(function (row) { return "[" + row.replace(/&/g, ",") + "]"; }).join(", ") + "]";
    });
    text = text.replace(/\\(left|right|big|Big|bigl|bigr|Bigl|Bigr)\b\s*/g, "");
    text = text.replace(/\\operatorname\{(\w+)\}/g, "$1");
    text = text.split("\\cdot").join("*").split("\\times").join("*").split("\\,").join(" ").split("\\ ").join(" ");
    for (var i = 0; i < 10; i++) {
      text = text.replace(/\\[dt]?frac\{([^{}]*)\}\{([^{}]*)\}/g, "(($1)/($2))");
      text = text.replace(/\\sqrt\{([^{}]*)\}/g, "sqrt($1)");
      text = text.replace(/([\^_])\{([^{}]*)\}/g, function (whole, mark, inner) {
        return mark === "^" ? "^(" + inner + ")" : inner;
      });
    }
    text = text.replace(/\\(sin|cos|tan|sinh|cosh|tanh|exp|log|ln|min|max|pi|gamma|theta|lambda)\b/g, function (whole, name) {
      return name === "ln" ? "log" : name;
    });
    text = text.replace(/\b(sin|cos|tan|sinh|cosh|tanh)\^\(?(\d+)\)?\(([^()]*)\)/g, "$1($3)^$2");
    text = text.replace(/lambda_?1/g, "lambda1");
    return text.replace(/\{/g, "(").replace(/\}/g, ")").replace(/\\/g, "").split("**").join("^");
  }

  function normalised(text) { return text.replace(/\s+/g, "").split("**").join("^"); }

  // Four significant digits, as derivations.exercises.number_text prints them.
  function numberText(value) {
    if (value === 0) return "0";
    var exponent = Math.floor(Math.log10(Math.abs(value)));
    if (exponent < -4 || exponent >= 4) {
      var parts = value.toExponential(3).split("e");
      var mantissa = parts[0].indexOf(".") >= 0 ? parts[0].replace(/0+$/, "").replace(/\.$/, "") : parts[0];
      return mantissa + "e" + (parts[1][0] === "-" ? "-" : "+") + parts[1].replace(/^[+-]/, "");
    }
    var shown = value.toPrecision(4);
    return shown.indexOf(".") >= 0 ? shown.replace(/0+$/, "").replace(/\.$/, "") : shown;
  }

  function samplePoints(variables) {
    if (!variables.length) return [{}];
    var points = [];
    for (var i = 0; i < 8; i++) {
      var point = {};
      variables.forEach(function (v) {
        var low = v[1], high = v[2];
        point[v[0]] = v[3] ? low + Math.floor(Math.random() * (high - low + 1))
                           : Math.round((low + Math.random() * (high - low)) * 1000) / 1000;
      });
      points.push(point);
    }
    return points;
  }

  // The entries of a value mathjs computed, or null when one is not a finite real number.
  function entries(math, value) {
    var flat = math.isMatrix(value) ? math.flatten(value).toArray() : (Array.isArray(value) ? math.flatten(value) : [value]);
    var out = [];
    for (var i = 0; i < flat.length; i++) {
      var v = flat[i];
      if (typeof v !== "number" || !isFinite(v)) return null;
      out.push(v);
    }
    return out;
  }

  function shapeOf(math, value) {
    return math.isMatrix(value) ? value.size() : (Array.isArray(value) ? math.size(value) : []);
  }

  function decide(math, box, text) {
    var data = box.dataset, messages = JSON.parse(data.messages), example = data.example;
    var variables = JSON.parse(data.variables), allowed = JSON.parse(data.functions);
    var tolerance = data.tolerance === "" ? null : parseFloat(data.tolerance);
    var source = plain(text);
    if (!source.trim()) return ["empty", messages.empty];
    var bad = source.match(/[^A-Za-z0-9+\-*/^()\[\],. ]/);
    if (bad) return ["character", format(messages.character, {"char": bad[0], example: example})];
    var names = source.replace(/(^|[^A-Za-z0-9])\d*\.?\d+(?:[eE][+-]?\d+)?/g, "$1 ").match(/[A-Za-z][A-Za-z0-9]*/g) || [];
    var known = variables.map(function (v) { return v[0]; }).concat(allowed);
    for (var i = 0; i < names.length; i++) {
      if (known.indexOf(names[i]) < 0) return ["unknown", format(messages.unknown, {name: names[i], names: data.names})];
    }
    var syntax = ["syntax", format(messages.syntax, {answer: text.trim(), example: example})];
    var mine, expected;
    try {
      mine = math.parse(source).compile();
    } catch (error) {
      return syntax;
    }
    expected = math.parse(data.answer).compile();
    var points = samplePoints(variables);
    for (var p = 0; p < points.length; p++) {
      var scope = Object.assign({}, points[p]);
      var want = expected.evaluate(Object.assign({}, scope)), got;
      try {
        got = mine.evaluate(Object.assign({}, scope));
      } catch (error) {
        return syntax;
      }
      if (typeof got === "function" || got === undefined || (got && got.type === "ResultSet")) return syntax;
      var wantShape = shapeOf(math, want), gotShape = shapeOf(math, got);
      if (wantShape.join(",") !== gotShape.join(",")) {
        if (data.shape) {
          var dims = data.shape.split(",");
          return ["shape", format(messages["shape-matrix"], {rows: dims[0], cols: dims[1]})];
        }
        return ["shape", messages["shape-number"]];
      }
      var a = entries(math, want), b = entries(math, got);
      var close = a !== null && b !== null && a.every(function (x, j) {
        var limit = tolerance !== null ? tolerance : 1e-9 * Math.max(1, Math.abs(x), Math.abs(b[j]));
        return Math.abs(x - b[j]) <= limit;
      });
      if (!close) {
        var shown = b === null ? "—" : b.map(numberText).join(", ");
        if (gotShape.length && b !== null) shown = "[" + shown + "]";
        if (variables.length) {
          var at = Object.keys(points[p]).map(function (k) { return k + " = " + numberText(points[p][k]); }).join(", ");
          return ["wrong", format(messages.wrong, {point: at, mine: shown})];
        }
        if (tolerance) return ["wrong", format(messages["wrong-tolerance"], {mine: shown, tolerance: data.toleranceText})];
        return ["wrong", format(messages["wrong-number"], {mine: shown})];
      }
    }
    if (normalised(plain(text)) === normalised(data.answer)) return ["right", messages.right];
    return ["equivalent", format(messages.equivalent, {reference: data.answer})];
  }

  function setUp(box) {
    var form = box.querySelector("form"), input = box.querySelector("input"), result = box.querySelector(".exercise-result");
    var messages = JSON.parse(box.dataset.messages);
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var text = input.value;
      if (!window.math) result.textContent = messages.loading;
      loadMath().then(function (math) {
        var verdict = decide(math, box, text);
        input.setAttribute("aria-invalid", verdict[0] === "right" || verdict[0] === "equivalent" ? "false" : "true");
        delete result.dataset.outcome;
        result.textContent = "";  // a repeated message is announced again
        setTimeout(function () {
          result.textContent = verdict[1];
          result.dataset.outcome = verdict[0];
        }, 30);
      }, function (error) {
        result.dataset.outcome = "unavailable";
        result.textContent = format(messages.unavailable, {error: error.message});
      });
    });
  }

  function start() { document.querySelectorAll(".exercise-check").forEach(setUp); }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
