#!/usr/bin/env node
// The `peerfold` command: runs the TypeScript sources through tsx, so a fresh clone works after
// `npm ci` with no build step.
import { register } from 'tsx/esm/api';

register();
const { runCli } = await import('../src/cli/main.ts');
await runCli();
