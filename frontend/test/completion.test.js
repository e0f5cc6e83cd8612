// Completion of PREFIX declarations and of ontology terms, on an editor state (no DOM).
import { test } from "node:test";
import assert from "node:assert/strict";
import { EditorState } from "@codemirror/state";
import { CompletionContext } from "@codemirror/autocomplete";
import { sparql } from "codemirror-lang-sparql";
import { sparqlCompletion, declaredPrefixes } from "../src/completion.js";

const CKG = "https://w3id.org/conflictkg/ontology#";
const PREFIXES = { ckg: CKG, geo: "http://www.opengis.net/ont/geosparql#" };
const TERMS = [
  { iri: `${CKG}Airstrike`, curie: "ckg:Airstrike", label: "airstrike", kind: "class" },
  { iri: `${CKG}MilitaryBase`, curie: "ckg:MilitaryBase", label: "military base", kind: "class" },
  { iri: `${CKG}claimant`, curie: "ckg:claimant", label: "claimant", kind: "object property" },
  { iri: `${CKG}startDate`, curie: "ckg:startDate", label: "start date", kind: "datatype property" },
  { iri: "http://www.opengis.net/ont/geosparql#asWKT", curie: "geo:asWKT", label: "as WKT", kind: "datatype property" },
];

/** Completion at the "|" of `doc`, and a way to apply an option and read the result. */
function complete(doc) {
  const pos = doc.indexOf("|");
  let state = EditorState.create({ doc: doc.replace("|", ""), selection: { anchor: pos }, extensions: [sparql()] });
  const result = sparqlCompletion(PREFIXES, TERMS)(new CompletionContext(state, pos, true));
  const view = {
    get state() {
      return state;
    },
    dispatch(spec) {
      state = state.update(spec).state;
    },
  };
  const pick = (label) => {
    const option = result.options.find((o) => o.label === label);
    assert.ok(option, `${label} is offered among ${result.options.map((o) => o.label).join(", ")}`);
    const to = result.to ?? pos;
    if (typeof option.apply === "function") option.apply(view, option, result.from, to);
    else view.dispatch({ changes: { from: result.from, to, insert: option.apply ?? option.label } });
    return state.doc.toString();
  };
  return { result, labels: result ? result.options.map((o) => o.label) : [], pick };
}

test("PREFIX names come from the map, with their namespace", () => {
  const { labels, pick } = complete("PREFIX c|\nSELECT * WHERE {}");
  assert.ok(labels.includes("ckg:"));
  assert.equal(pick("ckg:"), `PREFIX ckg: <${CKG}>\nSELECT * WHERE {}`);
});

test("a prefix already declared is not offered again", () => {
  const { labels } = complete(`PREFIX ckg: <${CKG}>\nPREFIX |`);
  assert.deepEqual(labels, ["geo:"]);
});

test("prefixed names complete to the terms of that namespace, classes first after 'a'", () => {
  const { result, labels } = complete(`PREFIX ckg: <${CKG}>\nSELECT * WHERE { ?x a ckg:|`);
  assert.deepEqual([...labels].sort(), ["ckg:Airstrike", "ckg:MilitaryBase", "ckg:claimant", "ckg:startDate"]);
  const boost = Object.fromEntries(result.options.map((o) => [o.label, o.boost]));
  assert.ok(boost["ckg:Airstrike"] > boost["ckg:claimant"]);
});

test("picking a term of an undeclared prefix adds its PREFIX line after the others", () => {
  const doc = `# a question\nPREFIX ckg: <${CKG}>\nSELECT * WHERE { ?p geo:as| }`;
  const { pick } = complete(doc);
  assert.equal(
    pick("geo:asWKT"),
    `# a question\nPREFIX ckg: <${CKG}>\nPREFIX geo: <http://www.opengis.net/ont/geosparql#>\nSELECT * WHERE { ?p geo:asWKT }`,
  );
});

test("a bare word finds terms by label and local name", () => {
  const { labels, pick } = complete(`PREFIX ckg: <${CKG}>\nSELECT * WHERE { ?e date| }`);
  assert.ok(labels.includes("ckg:startDate"), labels.join(", "));
  assert.equal(pick("ckg:startDate"), `PREFIX ckg: <${CKG}>\nSELECT * WHERE { ?e ckg:startDate }`);
  assert.ok(complete("SELECT * WHERE { ?e milit| }").labels.includes("ckg:MilitaryBase"));
});

test("full IRIs complete inside <…>", () => {
  const { labels } = complete("SELECT * WHERE { ?e a <https://w3id.org/conflictkg/ontology#Air| }");
  assert.ok(labels.includes(`<${CKG}Airstrike>`));
});

test("nothing is offered inside strings, comments or variables", () => {
  assert.equal(complete('SELECT * WHERE { ?e ?p "air| }').result, null);
  assert.equal(complete("# air|\nSELECT * WHERE {}").result, null);
  assert.equal(complete("SELECT ?air| WHERE {}").result, null);
});

test("declaredPrefixes reads PREFIX lines, not comments, and keeps '#' inside IRIs", () => {
  const text = `# PREFIX old: <a:>\nPREFIX ckg: <${CKG}>\nprefix : <http://e/#> # PREFIX x: <b:>`;
  assert.deepEqual(declaredPrefixes(text), { ckg: CKG, "": "http://e/#" });
});
