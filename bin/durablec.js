#!/usr/bin/env node
// The durablec command: a launcher for the compiled CLI (run `npm run build` first in a checkout).
import { main } from "../dist/compiler/cli/main.js";

process.exitCode = await main(process.argv.slice(2));
