// Where a SPARQL error is: the position in the server's message, and the range to mark.

// "line 3, column 14" (the project's own guard) or "error at 3:14" (Oxigraph).
const PATTERNS = [/\bline (\d+),? column (\d+)/i, /\bat (\d+):(\d+)\b/];

/** {line, column} (1-based) named in `message`, or null when it names none. */
export function errorPosition(message) {
  for (const pattern of PATTERNS) {
    const match = pattern.exec(String(message || ""));
    if (match) return { line: Number(match[1]), column: Number(match[2]) };
  }
  return null;
}

const TOKEN = /[^\s{}();,]/;

/**
 * A lint diagnostic for the 1-based `line`:`column` of `doc`, clamped to the document.
 * It covers the token at that position; where the position is just after a token (Oxigraph
 * reports the column after the offending name), it covers that token.
 */
export function diagnosticAt(doc, line, column, message) {
  const number = Math.min(Math.max(1, Math.trunc(line) || 1), doc.lines);
  const text = doc.line(number).text;
  const start = doc.line(number).from;
  const column0 = Math.min(Math.max(0, (Math.trunc(column) || 1) - 1), text.length);
  let from = column0;
  if (!TOKEN.test(text.charAt(from)) && from > 0 && TOKEN.test(text.charAt(from - 1))) from -= 1;
  let to = from;
  if (TOKEN.test(text.charAt(from))) {
    while (from > 0 && TOKEN.test(text.charAt(from - 1))) from -= 1;
    while (to < text.length && TOKEN.test(text.charAt(to))) to += 1;
  } else if (from >= text.length && text.trimEnd().length > 0) {
    // Past the end of the line (Oxigraph's position after a closing brace at the end of
    // the query): mark the last character written, so the mark is never empty.
    to = text.trimEnd().length;
    from = to - 1;
  } else {
    to = Math.min(from + 1, text.length);
  }
  return {
    from: start + from,
    to: start + to,
    severity: "error",
    message: `Line ${number}, column ${column0 + 1}: ${message}`,
  };
}
