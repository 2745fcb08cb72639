// Lays out a Graphviz graph with Viz.js (Graphviz compiled to WebAssembly): DOT on stdin, SVG on stdout.
import { createRequire } from "node:module";

const require = createRequire(process.argv[2] + "/");
const viz = await require("@viz-js/viz").instance();
let source = "";
for await (const chunk of process.stdin) source += chunk;
const result = viz.render(source, { format: "svg", engine: "dot" });
if (result.status !== "success") {
  process.stderr.write(result.errors.map((e) => e.message).join("\n") + "\n");
  process.exit(1);
}
process.stdout.write(result.output);
