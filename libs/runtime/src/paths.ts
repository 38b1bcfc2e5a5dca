import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** The repository root (where nest-cli.json is), from source (ts) or from dist/ alike. */
export function repoRoot(start = __dirname): string {
  let dir = start;
  while (!existsSync(join(dir, 'nest-cli.json'))) {
    const parent = dirname(dir);
    if (parent === dir) return process.cwd();
    dir = parent;
  }
  return dir;
}
