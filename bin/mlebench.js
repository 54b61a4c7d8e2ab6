#!/usr/bin/env node
// The `mlebench` command: runs the compiled CLI (`npm run build`, done by scripts/setup.sh).
'use strict';
const path = require('node:path');
const fs = require('node:fs');
const main = path.join(__dirname, '..', 'dist', 'client', 'cli', 'main.js');
if (!fs.existsSync(main)) {
  process.stderr.write(`mlebench: ${main} is missing; run "bash scripts/setup.sh" (or "npm run build") first\n`);
  process.exit(1);
}
require(main);
