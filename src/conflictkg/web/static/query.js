// The SPARQL editor of /query: runs the query against /sparql with fetch, shows the results
// as a table (IRIs of this dataset link to their pages), keeps the download links in step.
// Without JavaScript the form still works: it submits to /sparql and the browser downloads.
(function () {
  "use strict";

  var form = document.getElementById("query-form");
  if (!form) { return; }
  var textarea = document.getElementById("query");
  var button = document.getElementById("run");
  var statusLine = document.getElementById("status");
  var errorBox = document.getElementById("error");
  var results = document.getElementById("results");
  var downloads = document.getElementById("downloads");
  var base = form.getAttribute("data-base");
  var formats = JSON.parse(form.getAttribute("data-formats"));
  var prefixes = JSON.parse(form.getAttribute("data-prefixes") || "{}");

  // An IRI as prefix:local when a known prefix covers it (the longest one wins).
  function shorten(iri) {
    var best = "", name = "";
    Object.keys(prefixes).forEach(function (p) {
      var ns = prefixes[p];
      if (iri.indexOf(ns) === 0 && ns.length > best.length) { best = ns; name = p; }
    });
    return best ? name + ":" + iri.slice(best.length) : iri;
  }

  function hrefFor(iri) {
    var ontology = base + "ontology";
    if (iri === ontology) { return "/ontology"; }
    if (iri.indexOf(ontology + "#") === 0) { return "/ontology#" + iri.slice(ontology.length + 1); }
    if (iri.indexOf(base) === 0) { return "/" + iri.slice(base.length); }
    return iri;
  }

  function queryForm(query) {
    var body = query.replace(/#[^\n]*/g, " ");
    var match = /\b(SELECT|ASK|CONSTRUCT|DESCRIBE)\b/i.exec(body);
    return match && /^(CONSTRUCT|DESCRIBE)$/i.test(match[1]) ? "graph" : "select";
  }

  function updateDownloads() {
    var query = textarea.value;
    var list = formats[queryForm(query)];
    downloads.textContent = "Download the results: ";
    list.forEach(function (pair, i) {
      var a = document.createElement("a");
      a.href = "/sparql?query=" + encodeURIComponent(query) + "&format=" + encodeURIComponent(pair[0]);
      a.setAttribute("data-format", pair[0]);
      a.textContent = pair[1];
      downloads.appendChild(a);
      if (i < list.length - 1) { downloads.appendChild(document.createTextNode(" · ")); }
    });
  }

  function cell(term) {
    var td = document.createElement("td");
    if (!term) { return td; }
    if (term.type === "uri") {
      var a = document.createElement("a");
      a.href = hrefFor(term.value);
      a.title = term.value;
      a.textContent = shorten(term.value);
      td.appendChild(a);
    } else if (term.type === "bnode") {
      td.textContent = "_:" + term.value;
    } else {
      td.appendChild(document.createTextNode(term.value));
      var note = term["xml:lang"] ? "@" + term["xml:lang"] :
        (term.datatype && !/#string$/.test(term.datatype) ? term.datatype.replace(/^.*[#/]/, "") : "");
      if (note) {
        var span = document.createElement("span");
        span.className = "dt";
        span.textContent = " " + note;
        td.appendChild(span);
      }
    }
    return td;
  }

  function showTable(json) {
    var vars = json.head && json.head.vars ? json.head.vars : [];
    var rows = json.results && json.results.bindings ? json.results.bindings : [];
    var table = document.createElement("table");
    table.className = "results";
    var caption = document.createElement("caption");
    caption.className = "hint";
    caption.textContent = rows.length + (rows.length === 1 ? " row" : " rows");
    table.appendChild(caption);
    var head = table.createTHead().insertRow();
    vars.forEach(function (v) {
      var th = document.createElement("th");
      th.scope = "col";
      th.textContent = "?" + v;
      head.appendChild(th);
    });
    var body = table.createTBody();
    rows.forEach(function (binding) {
      var tr = body.insertRow();
      vars.forEach(function (v) { tr.appendChild(cell(binding[v])); });
    });
    results.replaceChildren(table);
    statusLine.textContent = rows.length + (rows.length === 1 ? " row." : " rows.");
  }

  // The SPARQL editor (static/build/editor.js), when the page loaded it.
  function editor() {
    return window.ckgEditor ? window.ckgEditor.get(textarea) : null;
  }

  function showError(message) {
    errorBox.hidden = false;
    errorBox.textContent = message;
    statusLine.textContent = "The query failed.";
    var handle = editor();
    if (handle && handle.showServerError(message)) {
      statusLine.textContent = "The query failed; the editor marks where.";
    }
  }

  function errorText(response, body) {
    // The endpoint explains errors in plain text or as {"error": ...}; show either as such.
    try {
      var parsed = JSON.parse(body);
      if (parsed && (parsed.error || parsed.message)) {
        body = [parsed.error, parsed.message, parsed.detail].filter(Boolean).join(": ");
      }
    } catch (e) { /* not JSON: the text is the message */ }
    return "Error " + response.status + " " + response.statusText + "\n" + body.trim();
  }

  function run() {
    var query = textarea.value;
    updateDownloads();
    errorBox.hidden = true;
    errorBox.textContent = "";
    var handle = editor();
    if (handle) { handle.clearError(); }
    results.replaceChildren();
    statusLine.textContent = "Running…";
    button.disabled = true;
    fetch("/sparql", {
      method: "POST",
      headers: {
        "Content-Type": "application/x-www-form-urlencoded",
        "Accept": "application/sparql-results+json, text/turtle;q=0.9"
      },
      body: "query=" + encodeURIComponent(query)
    }).then(function (response) {
      return response.text().then(function (body) {
        if (!response.ok) { showError(errorText(response, body)); return; }
        var type = response.headers.get("Content-Type") || "";
        if (type.indexOf("json") >= 0) {
          var json = JSON.parse(body);
          if (typeof json.boolean === "boolean") {
            results.replaceChildren();
            statusLine.textContent = "Answer: " + (json.boolean ? "yes" : "no") + ".";
          } else {
            showTable(json);
          }
        } else {
          var pre = document.createElement("pre");
          pre.className = "graph";
          pre.textContent = body;
          results.replaceChildren(pre);
          statusLine.textContent = "Graph result (" + type.split(";")[0] + ").";
        }
      });
    }).catch(function (error) {
      showError("The server could not be reached: " + error.message);
    }).finally(function () {
      button.disabled = false;
    });
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    run();
  });
  textarea.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      run();
    }
  });
  textarea.addEventListener("input", updateDownloads);
  Array.prototype.forEach.call(document.querySelectorAll("a.example"), function (link) {
    link.addEventListener("click", function (event) {
      event.preventDefault();
      textarea.value = link.getAttribute("data-query");
      Array.prototype.forEach.call(document.querySelectorAll("a.example"), function (other) {
        other.removeAttribute("aria-current");
      });
      link.setAttribute("aria-current", "true");
      history.replaceState(null, "", "?example=" + encodeURIComponent(link.getAttribute("data-name")));
      textarea.focus();
      // On a narrow screen the examples come after the results: bring the editor back.
      form.scrollIntoView({ block: "start" });
      run();
    });
  });
}());
