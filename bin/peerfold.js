#!/usr/bin/env node
// The `peerfold` command: runs the TypeScript sources through tsx, so a fresh clone works after
// `npm ci` with no build step.
import { setFlagsFromString } from 'node:v8';
import { register } from 'tsx/esm/api';

// Full garbage collections run when the heap reaches its limit, not incrementally from V8's
// soft limit. A transfer allocates a buffer per block, and the soft limit counts those bytes
// against a small heap's slack: it started a full collection every few MiB, up to 114 per
// 256 MiB over WebRTC on a side, whose marking took 1.2-1.6 s of CPU per side on two cores.
// Without it, a transfer runs 1-4. A pause marks the whole heap at once: ~15 MB while syncing.
// docs/PERFORMANCE.md has the measurements.
setFlagsFromString('--no-incremental-marking');
register();
const { runCli } = await import('../src/cli/main.ts');
await runCli();
