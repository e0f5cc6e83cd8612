// The SPARQL editor of conflictkg: CodeMirror 6 with the SPARQL grammar of
// codemirror-lang-sparql, completion of PREFIX declarations and of the ontology's terms,
// and the error position the server reports. Built into one IIFE that defines
// `window.ckgEditor`; see frontend/README.md for the API and the reasons behind it.
//
// Progressive enhancement: the editor upgrades an existing <textarea>. The textarea stays
// in the form (hidden) and always holds the query, so the form submits as without script,
// and code that reads or writes `textarea.value` keeps working.

import { EditorState, Compartment } from "@codemirror/state";
import {
  EditorView,
  keymap,
  lineNumbers,
  highlightActiveLine,
  highlightActiveLineGutter,
  drawSelection,
  placeholder as placeholderText,
} from "@codemirror/view";
import { defaultKeymap, history, historyKeymap } from "@codemirror/commands";
import {
  LanguageSupport,
  syntaxHighlighting,
  HighlightStyle,
  bracketMatching,
  indentOnInput,
} from "@codemirror/language";
import {
  autocompletion,
  completionKeymap,
  closeBrackets,
  closeBracketsKeymap,
  startCompletion,
} from "@codemirror/autocomplete";
import { setDiagnostics, lintKeymap, lintGutter } from "@codemirror/lint";
import { styleTags, tags } from "@lezer/highlight";
import { SparqlLanguage } from "codemirror-lang-sparql";

import { sparqlCompletion, declaredPrefixes } from "./completion.js";
import { errorPosition, diagnosticAt } from "./errors.js";

// The grammar tags prefixed names only inside some parents; here every prefixed name, a
// PREFIX name and the `a` predicate get a style of their own.
const sparql = () =>
  new LanguageSupport(
    SparqlLanguage.configure({
      props: [styleTags({ Pname_ln: tags.typeName, Pname_ns: tags.namespace, A_predicate: tags.keyword })],
    }),
  );

// Colours chosen for a contrast of at least 4.5:1 on white (WCAG AA), so axe-core finds
// no contrast violation in highlighted code.
const highlight = HighlightStyle.define([
  { tag: tags.keyword, color: "#7c2d8e", fontWeight: "bold" },
  { tag: tags.comment, color: "#57606a", fontStyle: "italic" },
  { tag: tags.variableName, color: "#0b5394" },
  { tag: [tags.string, tags.annotation], color: "#0a6b32" },
  { tag: [tags.integer, tags.float, tags.bool], color: "#9a3412" },
  { tag: [tags.namespace, tags.url], color: "#1d4ed8" },
  { tag: tags.typeName, color: "#6d4c00" },
  { tag: tags.brace, color: "#24292f" },
]);

const theme = EditorView.theme({
  "&": {
    border: "1px solid #8b949e",
    borderRadius: "4px",
    backgroundColor: "#ffffff",
    color: "#1f2328",
    fontSize: "0.95rem",
  },
  "&.cm-focused": { outline: "3px solid #1d4ed8", outlineOffset: "1px" },
  ".cm-scroller": {
    fontFamily: "ui-monospace, SFMono-Regular, Menlo, Consolas, monospace",
    minHeight: "12em",
    maxHeight: "70vh",
    overflow: "auto",
  },
  ".cm-content": { padding: "6px 0" },
  ".cm-gutters": { backgroundColor: "#f6f8fa", color: "#57606a", borderRight: "1px solid #d0d7de" },
  ".cm-activeLine": { backgroundColor: "#f3f6fb" },
  ".cm-tooltip-autocomplete ul li[aria-selected]": { backgroundColor: "#1d4ed8", color: "#ffffff" },
  ".cm-completionDetail": { color: "inherit", opacity: "0.85", marginLeft: "0.8em" },
  ".cm-completionInfo": { maxWidth: "28em", whiteSpace: "pre-wrap" },
  // CodeMirror draws the error underline and gutter marker as data: images, which a
  // Content-Security-Policy without img-src data: blocks; plain CSS draws them here.
  ".cm-lintRange-error": {
    backgroundImage: "none",
    backgroundColor: "#fde2e1",
    textDecoration: "underline wavy #b91c1c",
  },
  ".cm-lint-marker-error": {
    content: "none",
    backgroundColor: "#b91c1c",
    borderRadius: "50%",
    width: "0.7em",
    height: "0.7em",
    margin: "0.15em",
  },
  ".cm-diagnostic-error": { borderLeftColor: "#b91c1c" },
});

const mounted = new WeakMap();

function labelText(textarea) {
  const label = textarea.labels && textarea.labels[0];
  return (label && label.textContent.trim()) || textarea.getAttribute("aria-label") || "SPARQL query";
}

// `textarea.value` reads and writes go through the editor from now on: a script that sets
// the value (an example link, say) updates what the user sees.
function bindValue(textarea, view) {
  const native = Object.getOwnPropertyDescriptor(HTMLTextAreaElement.prototype, "value");
  Object.defineProperty(textarea, "value", {
    configurable: true,
    get() {
      return view.state.doc.toString();
    },
    set(text) {
      native.set.call(textarea, text);
      const current = view.state.doc.toString();
      if (text !== current) {
        view.dispatch({ changes: { from: 0, to: current.length, insert: String(text) } });
      }
    },
  });
  textarea.focus = () => view.focus();
  return () => {
    delete textarea.value;
    delete textarea.focus;
  };
}

/**
 * Upgrade `textarea` to the SPARQL editor and return its handle.
 *
 * options.prefixes: {name: namespace IRI} offered in PREFIX declarations and used to
 *   complete prefixed names; options.terms: [{iri, curie, label, kind}] completed by
 *   prefixed name, local name or label (kind "class" or a property kind);
 *   options.onRun(query): called on Ctrl+Enter / Cmd+Enter (default: submit the form);
 *   options.nonce: a CSP nonce, only needed where the browser lacks adoptedStyleSheets.
 */
export function mount(textarea, options = {}) {
  if (!(textarea instanceof HTMLTextAreaElement)) {
    throw new TypeError("ckgEditor.mount needs a <textarea> element");
  }
  if (mounted.has(textarea)) return mounted.get(textarea);
  const data = {
    prefixes: options.prefixes || {},
    terms: Array.isArray(options.terms) ? options.terms : [],
  };
  const onRun =
    options.onRun ||
    (() => {
      if (textarea.form) textarea.form.requestSubmit();
    });
  const readOnly = new Compartment();
  const completion = new Compartment();
  const completionFor = () =>
    autocompletion({ override: [sparqlCompletion(data.prefixes, data.terms)], icons: false });

  // The editor lives in a shadow root: there CodeMirror's styles go into a constructed
  // style sheet, which a Content-Security-Policy without 'unsafe-inline' still allows.
  const host = document.createElement("div");
  host.className = "ckg-editor";
  const shadow = host.attachShadow({ mode: "open" });
  textarea.insertAdjacentElement("afterend", host);

  const run = (view) => {
    onRun(view.state.doc.toString());
    return true;
  };
  const extensions = [
    lineNumbers(),
    highlightActiveLineGutter(),
    history(),
    drawSelection(),
    indentOnInput(),
    bracketMatching(),
    closeBrackets(),
    highlightActiveLine(),
    sparql(),
    syntaxHighlighting(highlight),
    completion.of(completionFor()),
    lintGutter(),
    keymap.of([
      { key: "Mod-Enter", run, preventDefault: true },
      ...closeBracketsKeymap,
      ...defaultKeymap,
      ...historyKeymap,
      ...completionKeymap,
      ...lintKeymap,
    ]),
    theme,
    readOnly.of(EditorState.readOnly.of(Boolean(textarea.readOnly))),
    EditorView.contentAttributes.of({
      "aria-label": labelText(textarea),
      "aria-multiline": "true",
      // Already focusable (contenteditable); said outright so that checkers such as
      // axe-core see the scrolling region's focusable content.
      tabindex: "0",
      spellcheck: "false",
      autocapitalize: "off",
      autocorrect: "off",
    }),
    EditorView.updateListener.of((update) => {
      if (!update.docChanged) return;
      const native = Object.getOwnPropertyDescriptor(HTMLTextAreaElement.prototype, "value");
      native.set.call(textarea, update.state.doc.toString());
      // Listeners on the textarea (download links, say) hear every edit.
      textarea.dispatchEvent(new Event("input", { bubbles: true }));
    }),
  ];
  if (textarea.placeholder) extensions.push(placeholderText(textarea.placeholder));
  if (options.nonce) extensions.push(EditorView.cspNonce.of(options.nonce));

  const view = new EditorView({
    state: EditorState.create({ doc: textarea.value, extensions }),
    parent: shadow,
    root: shadow,
  });
  textarea.style.display = "none";
  const unbind = bindValue(textarea, view);
  const labels = Array.from(textarea.labels || []);
  const focusEditor = (event) => {
    event.preventDefault();
    view.focus();
  };
  labels.forEach((label) => label.addEventListener("click", focusEditor));

  const handle = {
    view,
    /** The query text. */
    getValue: () => view.state.doc.toString(),
    /** Replace the query text (the textarea follows). */
    setValue(text) {
      textarea.value = text;
    },
    focus: () => view.focus(),
    /** Mark the error at {line, column} (1-based, as the server reports them). */
    showError({ line, column, message }) {
      const diagnostic = diagnosticAt(view.state.doc, line, column, message || "Syntax error");
      view.dispatch(setDiagnostics(view.state, [diagnostic]), {
        selection: { anchor: diagnostic.from },
        scrollIntoView: true,
      });
      return diagnostic;
    },
    /** Mark the position found in a server message ("error at 3:14", "line 3, column 14"). */
    showServerError(message) {
      const position = errorPosition(message);
      return position ? handle.showError({ ...position, message }) : null;
    },
    clearError() {
      view.dispatch(setDiagnostics(view.state, []));
    },
    /** The prefixes the query declares, {name: namespace}. */
    declaredPrefixes: () => declaredPrefixes(view.state.doc.toString()),
    /** Replace the term list that completion offers: [{iri, curie, label, kind}]. */
    setTerms(list) {
      data.terms = Array.isArray(list) ? list : [];
      view.dispatch({ effects: completion.reconfigure(completionFor()) });
    },
    /** Replace the prefix map that completion offers: {name: namespace}. */
    setPrefixes(map) {
      data.prefixes = map && typeof map === "object" ? map : {};
      view.dispatch({ effects: completion.reconfigure(completionFor()) });
    },
    /** Open the completion list at the cursor. */
    complete: () => startCompletion(view),
    /** Undo the upgrade: the textarea comes back with the current text. */
    destroy() {
      const text = view.state.doc.toString();
      unbind();
      labels.forEach((label) => label.removeEventListener("click", focusEditor));
      view.destroy();
      host.remove();
      textarea.value = text;
      textarea.style.display = "";
      mounted.delete(textarea);
    },
  };
  mounted.set(textarea, handle);
  return handle;
}

/** The handle of the editor on `textarea`, or null when it was not upgraded. */
export function get(textarea) {
  return mounted.get(textarea) || null;
}

function readJson(element, name) {
  const raw = element.getAttribute(name);
  if (!raw) return undefined;
  try {
    return JSON.parse(raw);
  } catch (error) {
    console.error(`ckgEditor: ${name} on #${element.id || "textarea"} is not JSON: ${error.message}`);
    return undefined;
  }
}

async function fetchJson(url) {
  const response = await fetch(url, { headers: { Accept: "application/json" } });
  if (!response.ok) throw new Error(`${url} answered HTTP ${response.status}`);
  return response.json();
}

/**
 * Upgrade every `textarea[data-ckg-editor]` under `root`. Options come from attributes, so
 * the page needs no inline script: data-prefixes (a JSON object) or data-prefixes-url, and
 * data-terms (a JSON list) or data-terms-url (a URL answering that JSON).
 * Resolves when the term lists have arrived.
 */
export async function mountAll(root = document) {
  const loading = [];
  for (const textarea of root.querySelectorAll("textarea[data-ckg-editor]")) {
    const handle = mount(textarea, {
      prefixes: readJson(textarea, "data-prefixes") || {},
      terms: readJson(textarea, "data-terms") || [],
    });
    for (const [attribute, apply] of [
      ["data-prefixes-url", handle.setPrefixes],
      ["data-terms-url", handle.setTerms],
    ]) {
      const url = textarea.getAttribute(attribute);
      if (!url) continue;
      loading.push(
        fetchJson(url).then(apply, (error) => {
          console.error(`ckgEditor: ${attribute}: ${error.message}`);
        }),
      );
    }
  }
  await Promise.all(loading);
  return Array.from(root.querySelectorAll("textarea[data-ckg-editor]"), get);
}

export { errorPosition };
