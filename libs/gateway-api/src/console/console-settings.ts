import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** The repository root (where nest-cli.json is), from source or from dist/ alike. */
function repoRoot(start = __dirname): string {
  let dir = start;
  while (!existsSync(join(dir, 'nest-cli.json'))) {
    const parent = dirname(dir);
    if (parent === dir) return process.cwd();
    dir = parent;
  }
  return dir;
}

/** Where `npm run build` writes the console (`npm run console:build`, Vite). */
export function defaultConsoleDir(): string {
  return join(repoRoot(), 'dist', 'console');
}

/**
 * Runtime settings of the console served at /console/. `developmentApiKey` is set ONLY by the embedded
 * launcher (after it created the development tenant), never from the environment, so a distributed
 * gateway never hands a key to anonymous callers of /console/config.json.
 */
export class ConsoleSettings {
  assetsDir: string = defaultConsoleDir();
  developmentApiKey: string | undefined = undefined;
}
