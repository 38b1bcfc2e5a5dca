import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { buildAsyncApiDocument } from '../docs/asyncapi';
import { buildJsonSchemas } from '../docs/json-schemas';

/**
 * Writes libs/contracts/generated (JSON Schemas + asyncapi.json) from the zod contracts, or with `--check`
 * exits 1 when the committed files are out of date (CI runs the check).
 */
function repoRoot(): string {
  let dir = __dirname;
  while (!existsSync(join(dir, 'nest-cli.json'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error('repository root (nest-cli.json) not found');
    dir = parent;
  }
  return dir;
}

function render(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}

function main(): void {
  const check = process.argv.includes('--check');
  const root = repoRoot();
  const outDir = join(root, 'libs/contracts/generated');
  const version = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string })
    .version;
  const files: Record<string, string> = { 'asyncapi.json': render(buildAsyncApiDocument(version)) };
  for (const [name, schema] of Object.entries(buildJsonSchemas()))
    files[`json-schema/${name}`] = render(schema);

  if (check) {
    const stale: string[] = [];
    for (const [name, content] of Object.entries(files)) {
      const path = join(outDir, name);
      if (!existsSync(path) || readFileSync(path, 'utf8') !== content) stale.push(name);
    }
    const schemaDir = join(outDir, 'json-schema');
    const extra = existsSync(schemaDir)
      ? readdirSync(schemaDir).filter((f) => !(`json-schema/${f}` in files))
      : [];
    if (stale.length || extra.length) {
      console.error(
        `Generated contract docs are out of date (${[...stale, ...extra.map((f) => `json-schema/${f} (obsolete)`)].join(', ')}).\n` +
          'Run `npm run contracts:generate` and commit the result.',
      );
      process.exit(1);
    }
    console.log(`contract docs up to date (${Object.keys(files).length} files)`);
    return;
  }
  rmSync(outDir, { recursive: true, force: true });
  for (const [name, content] of Object.entries(files)) {
    const path = join(outDir, name);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, content);
  }
  console.log(`wrote ${Object.keys(files).length} files to ${outDir}`);
}

main();
