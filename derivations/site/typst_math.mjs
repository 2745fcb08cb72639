// Translates LaTeX math to Typst math with tex2typst: one JSON request per line on stdin, one JSON
// answer per line on stdout. Request: {"latex": "..."}. Answer: {"typst": "..."} or {"error": "..."}.
import { createRequire } from "node:module";
import { createInterface } from "node:readline";

const require = createRequire(process.argv[2] + "/");
const { tex2typst } = require("tex2typst");

// What the project's printer writes that tex2typst 0.6.2 does not turn into Typst 0.15 math:
// \lVert…\rVert (a norm), \odot (Typst 0.15 names it dot.o), \limits (it would print the word; Typst
// sets an integral's limits at its side), and \big before a delimiter, as in diag's \big( \big)
// (Typst sizes matched parentheses by itself; a slash keeps its usual size).
const customTexMacros = { "\\lVert": "\\|", "\\rVert": "\\|", "\\odot": "⊙" };
const simplified = latex => latex.replace(/\\big(?=[()\/])/g, "").replaceAll("\\limits", "");

process.stdout.write(JSON.stringify({ version: require("tex2typst/package.json").version }) + "\n");
for await (const line of createInterface({ input: process.stdin })) {
  const { latex } = JSON.parse(line);
  let answer;
  try {
    answer = { typst: tex2typst(simplified(latex), { customTexMacros }) };
  } catch (error) {
    answer = { error: String(error.message || error) };
  }
  process.stdout.write(JSON.stringify(answer) + "\n");
}
