#!/usr/bin/env node
// `npm run screenshots`: copies the console screenshots the README links from the last browser test run
// (test-artifacts/screenshots/, written by `npm run test:browser`) into docs/screenshots/, so the README links
// stable, committed files. Fails, naming them, when some are missing (run the browser tests first).
import { copyFileSync, existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(fileURLToPath(new URL('.', import.meta.url)), '..');
const FROM = join(ROOT, 'test-artifacts', 'screenshots');
const TO = join(ROOT, 'docs', 'screenshots');
/** The screens the README shows, as test/browser/console.browser-spec.ts names them. */
export const LINKED = ['sign-in', 'conversation', 'passage', 'crm-proposal', 'insights', 'phone'];

const missing = LINKED.filter((name) => !existsSync(join(FROM, `${name}.png`)));
if (missing.length > 0) {
  process.stderr.write(
    `[screenshots] missing in ${FROM}: ${missing.map((n) => `${n}.png`).join(', ')} — run \`npm run test:browser\` first\n`,
  );
  process.exit(1);
}
mkdirSync(TO, { recursive: true });
for (const name of LINKED) copyFileSync(join(FROM, `${name}.png`), join(TO, `${name}.png`));
process.stdout.write(`[screenshots] copied ${LINKED.length} screenshots to docs/screenshots/\n`);
