#!/usr/bin/env node
// The `hdlm` command: runs the compiled CLI (dist/cli/main.js); build it first with `npm run build`.
"use strict";
const path = require("path");
const fs = require("fs");
const entry = path.join(__dirname, "..", "dist", "cli", "main.js");
if (!fs.existsSync(entry)) {
  process.stderr.write(`hdlm: ${entry} is missing; run \`npm run build\` first\n`);
  process.exit(1);
}
require(entry)
  .main(process.argv.slice(2))
  .then((code) => process.exit(code));
