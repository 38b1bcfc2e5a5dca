import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

/**
 * `<repo>/data/kb`, found by walking up from this file to the first directory holding a package.json:
 * works from the TypeScript sources (jest, ts-node) and from the compiled `dist/` tree alike.
 */
export function defaultKnowledgeBaseDir(from: string = __dirname): string {
  let dir = resolve(from);
  for (;;) {
    if (existsSync(join(dir, 'package.json'))) return join(dir, 'data', 'kb');
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`no package.json above ${from}: set KNOWLEDGE_BASE_DIR`);
    dir = parent;
  }
}
