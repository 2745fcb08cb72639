// Typesets LaTeX with KaTeX: one JSON request per line on stdin, one JSON answer per line on stdout.
// Request: {"latex": "...", "display": true}. Answer: {"html": "..."} or {"error": "..."}.
import { createRequire } from "node:module";
import { createInterface } from "node:readline";

const require = createRequire(process.argv[2] + "/");
const katex = require("katex");

process.stdout.write(JSON.stringify({ version: katex.version }) + "\n");
for await (const line of createInterface({ input: process.stdin })) {
  const { latex, display } = JSON.parse(line);
  let answer;
  try {
    answer = {
      html: katex.renderToString(latex, {
        displayMode: display,
        throwOnError: true,
        strict: "error",
        output: "htmlAndMathml",
      }),
    };
  } catch (error) {
    answer = { error: String(error.message || error) };
  }
  process.stdout.write(JSON.stringify(answer) + "\n");
}
