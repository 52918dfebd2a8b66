import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

// The dependency rule of DESIGN.md section 1 is part of `npm run lint`; these cases prove it
// rejects what it must and accepts what is allowed, linting virtual files in each layer.
const eslint = new ESLint({ cwd: process.cwd() });

async function layerErrors(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath });
  const fatal = result?.messages.find((m) => m.fatal);
  if (fatal) throw new Error(`lint could not parse ${filePath}: ${fatal.message}`);
  return (result?.messages ?? [])
    .filter((m) => m.ruleId === '@typescript-eslint/no-restricted-imports')
    .map((m) => m.message);
}

describe('layer rule', () => {
  it.each([
    ['src/core/layer-probe.ts', "import { readFile } from 'node:fs';", /core imports nothing/],
    ['src/core/layer-probe.ts', "import * as x from 'idb-keyval';", /core imports nothing/],
    ['src/core/layer-probe.ts', "import { x } from '../net/wire';", /core imports nothing/],
    [
      'src/net/layer-probe.ts',
      "import { x } from '../storage/drive';",
      /may not import src\/storage/,
    ],
    ['src/storage/layer-probe.ts', "import { x } from '../net/wire';", /may not import src\/net/],
    ['src/engine/layer-probe.ts', "import { x } from '../net/wire';", /may not import src\/net/],
    ['src/engine/layer-probe.ts', "import { stat } from 'node:fs';", /no Node API/],
    ['src/ui/layer-probe.ts', "import { createShare } from '../core/capability';", /only types/],
    [
      'signaling/layer-probe.ts',
      "import { x } from '../src/net/wire';",
      /only core protocol types/,
    ],
  ])('%s rejects %s', async (file, code, message) => {
    const errors = await layerErrors(file, `${code}\nexport const y = 1;\n`);
    expect(errors.join('\n')).toMatch(message);
  });

  it.each([
    ['src/core/layer-probe.ts', "import { encode } from './bencode';"],
    ['src/net/layer-probe.ts', "import { encode } from '../core/bencode';"],
    ['src/storage/layer-probe.ts', "import { encode } from '../core/bencode';"],
    ['src/ui/layer-probe.ts', "import type { Role } from '../core/capability';"],
  ])('%s allows %s', async (file, code) => {
    expect(await layerErrors(file, `${code}\nexport const y = 1;\n`)).toEqual([]);
  });
});
