#!/usr/bin/env node
// Entry point: runs the TypeScript sources through tsx in a checkout, the compiled dist/ when installed.
import { existsSync } from 'node:fs';

const source = new URL('../src/cli/main.ts', import.meta.url);
const built = new URL('../dist/cli/main.js', import.meta.url);

if (existsSync(source)) {
  const { register } = await import('tsx/esm/api');
  register();
  await import(source.href);
} else if (existsSync(built)) {
  await import(built.href);
} else {
  process.stderr.write('keyloss: neither src/ nor dist/ found; run `npm run build` or reinstall\n');
  process.exit(1);
}
