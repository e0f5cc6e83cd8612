// The error position of a server message, and the range the editor marks for it.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Text } from "@codemirror/state";
import { errorPosition, diagnosticAt } from "../src/errors.js";

test("positions are read from Oxigraph's and the guard's messages", () => {
  assert.deepEqual(errorPosition("SPARQL syntax error: error at 6:20: expected"), { line: 6, column: 20 });
  assert.deepEqual(errorPosition("too deep at line 3, column 14"), { line: 3, column: 14 });
  assert.equal(errorPosition("the store could not answer"), null);
});

const doc = Text.of(["SELECT *", "  rdfs:label ?x ."]);
const marked = (line, column) => {
  const d = diagnosticAt(doc, line, column, "bad");
  return doc.sliceString(d.from, d.to);
};

test("the token at the position is marked, or the one just before it", () => {
  assert.equal(marked(2, 3), "rdfs:label");
  assert.equal(marked(2, 8), "rdfs:label");
  assert.equal(marked(2, 13), "rdfs:label"); // Oxigraph points just after the name
  assert.equal(marked(2, 14), "?x");
});

test("positions outside the text are clamped to it", () => {
  assert.equal(marked(9, 99), ".");
  assert.equal(marked(0, 0), "SELECT");
  assert.match(diagnosticAt(doc, 2, 3, "bad").message, /^Line 2, column 3: bad$/);
});

test("a position after the last brace of a line marks that brace", () => {
  const query = Text.of(["SELECT * WHERE { ?s ?p }"]);
  const d = diagnosticAt(query, 1, 25, "bad");
  assert.equal(query.sliceString(d.from, d.to), "}");
});
