#!/usr/bin/env node
// The CLI is bundled into one file by `pnpm build` (scripts/bundle.mjs): it starts faster.
import { main } from '../dist/bundle/cli.mjs';

main(process.argv.slice(2));
