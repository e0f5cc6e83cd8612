// Completion for the SPARQL editor: PREFIX declarations from the site's prefix map, and the
// ontology's classes and properties by prefixed name, local name, label or full IRI. Picking
// a term whose prefix the query does not declare yet adds the PREFIX line as well.

import { syntaxTree } from "@codemirror/language";
import { pickedCompletion } from "@codemirror/autocomplete";

const PN_PREFIX = "[A-Za-z][\\w.-]*";
const DECLARATION = new RegExp(`PREFIX\\s+(${PN_PREFIX})?:\\s*<([^>\\s]*)>`, "gi");
const KEYWORDS = (
  "SELECT DISTINCT WHERE FILTER OPTIONAL UNION MINUS BIND VALUES GRAPH SERVICE ORDER BY " +
  "GROUP HAVING LIMIT OFFSET ASK CONSTRUCT DESCRIBE PREFIX BASE NOT EXISTS COUNT SUM MIN " +
  "MAX AVG SAMPLE GROUP_CONCAT STR LANG LANGMATCHES DATATYPE BOUND REGEX CONTAINS " +
  "STRSTARTS STRENDS STRAFTER STRBEFORE YEAR MONTH DAY COALESCE IF ASC DESC"
).split(" ");

/** The prefixes `text` declares, {name: namespace}; comments are ignored. */
export function declaredPrefixes(text) {
  const found = {};
  // A "#" starts a comment only outside IRIs and strings (namespaces often end in "#").
  const code = text.replace(/<[^<>\s]*>|"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*'|#[^\n]*/g, (token) =>
    token.startsWith("#") ? " ".repeat(token.length) : token,
  );
  for (const match of code.matchAll(DECLARATION)) found[match[1] || ""] = match[2];
  return found;
}

/** Where a new PREFIX line goes: after the last PREFIX/BASE line, else after leading comments. */
function prologueEnd(doc) {
  let afterComments = null;
  let afterPrologue = null;
  for (let n = 1; n <= doc.lines; n++) {
    const line = doc.line(n);
    const text = line.text.trim();
    if (/^(PREFIX|BASE)\b/i.test(text)) afterPrologue = line.to;
    else if (text === "" || text.startsWith("#")) {
      if (afterPrologue === null && text.startsWith("#")) afterComments = line.to;
    } else break;
  }
  if (afterPrologue !== null) return { at: afterPrologue, before: "\n", after: "" };
  if (afterComments !== null) return { at: afterComments, before: "\n", after: "" };
  return { at: 0, before: "", after: "\n" };
}

function insertWithPrefix(text, prefix, namespace) {
  return (view, completion, from, to) => {
    const changes = [{ from, to, insert: text }];
    if (prefix !== null) {
      const place = prologueEnd(view.state.doc);
      changes.push({ from: place.at, insert: `${place.before}PREFIX ${prefix}: <${namespace}>${place.after}` });
    }
    const set = view.state.changes(changes);
    view.dispatch({
      changes: set,
      selection: { anchor: set.mapPos(to, 1) },
      annotations: pickedCompletion.of(completion),
      scrollIntoView: true,
    });
  };
}

function localName(iri) {
  const cut = Math.max(iri.lastIndexOf("#"), iri.lastIndexOf("/"));
  return cut >= 0 ? iri.slice(cut + 1) : iri;
}

/** The term as `prefix:local` under the given prefixes (longest namespace wins), or null. */
function prefixedName(iri, prefixes) {
  let best = null;
  for (const [name, namespace] of Object.entries(prefixes)) {
    if (namespace && iri.startsWith(namespace) && (!best || namespace.length > best[1].length)) {
      const local = iri.slice(namespace.length);
      if (/^[\w.-]*$/.test(local) && !local.endsWith(".")) best = [name, namespace];
    }
  }
  return best ? { prefix: best[0], namespace: best[1], local: iri.slice(best[1].length) } : null;
}

function termInfo(term) {
  return [term.label, term.kind, term.iri].filter(Boolean).join("\n");
}

function isClass(term) {
  return /class/i.test(term.kind || "");
}

/** Which kind the cursor wants: a class after `a` / rdf:type, a property after `;`. */
function wantedKind(before) {
  const text = before.replace(/\s+$/, "");
  if (/(^|[\s;{.])a$/.test(text) || /rdf:type$|<http:\/\/www\.w3\.org\/1999\/02\/22-rdf-syntax-ns#type>$/.test(text)) {
    return "class";
  }
  if (/[;{]$/.test(text) || /[;{.]\s*\S+$/.test(text)) return "property";
  return null;
}

function boost(term, wanted, exact) {
  let score = exact ? 20 : 0;
  if (wanted === "class") score += isClass(term) ? 10 : -10;
  else if (wanted === "property") score += isClass(term) ? -10 : 10;
  return score;
}

function inStringOrComment(state, pos) {
  for (let node = syntaxTree(state).resolveInner(pos, -1); node; node = node.parent) {
    if (node.name === "String" || node.name === "Comment") return true;
  }
  const line = state.doc.lineAt(pos);
  return /(^|\s)#/.test(line.text.slice(0, pos - line.from).replace(/<[^<>\s]*>/g, ""));
}

/** A CodeMirror completion source over `prefixes` ({name: namespace}) and `terms`. */
export function sparqlCompletion(prefixes, terms) {
  const usable = terms.filter((t) => t && typeof t.iri === "string");
  return (context) => {
    const { state, pos } = context;
    const line = state.doc.lineAt(pos);
    const before = line.text.slice(0, pos - line.from);
    // An IRI being typed: the parser may read its "#" as a comment, so look at where the
    // IRI starts.
    const iri = /<([^\s<>"{}|^`\\]*)$/.exec(before);
    if (inStringOrComment(state, iri ? pos - iri[0].length : pos)) return null;
    const declared = declaredPrefixes(state.doc.toString());
    const known = { ...prefixes, ...declared };

    // PREFIX decl: the name, then the namespace.
    const declName = new RegExp(`^\\s*PREFIX\\s+(${PN_PREFIX})?$`, "i").exec(before);
    if (declName) {
      const typed = declName[1] || "";
      const options = Object.entries(prefixes)
        .filter(([name]) => !(name in declared))
        .map(([name, namespace]) => ({
          label: `${name}:`,
          apply: `${name}: <${namespace}>`,
          detail: namespace,
          type: "namespace",
        }));
      return { from: pos - typed.length, options, validFor: /^[\w.-]*$/ };
    }
    const declSpace = new RegExp(`^\\s*PREFIX\\s+(${PN_PREFIX})?:\\s*(<[^>\\s]*)?$`, "i").exec(before);
    if (declSpace) {
      const typed = declSpace[2] || "";
      const namespace = prefixes[declSpace[1] || ""];
      const options = (namespace ? [namespace] : Object.values(prefixes)).map((ns) => ({
        label: `<${ns}>`,
        type: "namespace",
      }));
      return { from: pos - typed.length, to: skipClosing(state, pos), options };
    }

    // A full IRI: <http://…
    if (iri) {
      const options = usable.map((term) => ({
        label: `<${term.iri}>`,
        detail: term.label || "",
        info: termInfo(term),
        type: isClass(term) ? "class" : "property",
      }));
      return { from: pos - iri[0].length, to: skipClosing(state, pos), options };
    }

    // A prefixed name: ckg:Air…
    const pname = new RegExp(`(?:^|[^\\w?$:.-])(${PN_PREFIX})?:([\\w.-]*)$`).exec(before);
    if (pname) {
      const prefix = pname[1] || "";
      const namespace = known[prefix];
      if (namespace === undefined) return null;
      const wanted = wantedKind(before.slice(0, before.length - prefix.length - 1 - pname[2].length));
      const options = [];
      for (const term of usable) {
        if (!term.iri.startsWith(namespace)) continue;
        const local = term.iri.slice(namespace.length);
        if (!/^[\w.-]*$/.test(local)) continue;
        options.push({
          label: `${prefix}:${local}`,
          apply: insertWithPrefix(`${prefix}:${local}`, prefix in declared ? null : prefix, namespace),
          detail: term.kind || "",
          info: termInfo(term),
          type: isClass(term) ? "class" : "property",
          boost: boost(term, wanted, false),
        });
      }
      return { from: pos - prefix.length - 1 - pname[2].length, options, validFor: /^[\w.:-]*$/ };
    }

    // A bare word: match terms by local name or label, and keywords.
    const word = context.matchBefore(/(?<![?$\w:<"'-])[A-Za-z][\w-]*/);
    if (!word || (word.from === word.to && !context.explicit)) return null;
    const typed = word.text.toLowerCase();
    const wanted = wantedKind(before.slice(0, before.length - word.text.length));
    const options = [];
    for (const term of usable) {
      const local = localName(term.iri);
      const label = (term.label || "").toLowerCase();
      const hit = local.toLowerCase().startsWith(typed) || label.startsWith(typed) || label.includes(` ${typed}`);
      if (!hit) continue;
      const name = prefixedName(term.iri, known);
      const text = name ? `${name.prefix}:${name.local}` : `<${term.iri}>`;
      options.push({
        label: text,
        displayLabel: term.label && term.label.toLowerCase() !== local.toLowerCase() ? `${text} — ${term.label}` : text,
        apply: insertWithPrefix(text, name && !(name.prefix in declared) ? name.prefix : null, name && name.namespace),
        detail: term.kind || "",
        info: termInfo(term),
        type: isClass(term) ? "class" : "property",
        boost: boost(term, wanted, local.toLowerCase() === typed),
      });
    }
    if (typed.length >= 2) {
      for (const keyword of KEYWORDS) {
        if (keyword.toLowerCase().startsWith(typed)) options.push({ label: keyword, type: "keyword", boost: -20 });
      }
      for (const name of Object.keys(known)) {
        if (name.toLowerCase().startsWith(typed) && name !== "") {
          options.push({ label: `${name}:`, detail: known[name], type: "namespace", boost: -5 });
        }
      }
    }
    return options.length ? { from: word.from, options, filter: false } : null;
  };
}

// closeBrackets may have put a ">" right after the cursor: replace it too.
function skipClosing(state, pos) {
  return state.sliceDoc(pos, pos + 1) === ">" ? pos + 1 : pos;
}
