#!/usr/bin/env node
// Entry point of the `ringmaster` command. Plain JavaScript so that an old Node.js reaches
// the version check below instead of a syntax error; the CLI itself is TypeScript that
// Node.js (>= 22.18) runs directly by stripping types.
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
require('../scripts/check-node.cjs');
const { main } = await import('../src/cli/main.ts');
process.exitCode = await main(process.argv);
