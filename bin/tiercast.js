#!/usr/bin/env node
// The `tiercast` command. The TypeScript sources are compiled to dist/ at install time (npm's prepare step).
import { main } from '../dist/cli/main.js';

await main(process.argv);
