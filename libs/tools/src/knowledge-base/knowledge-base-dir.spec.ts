import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { defaultKnowledgeBaseDir } from './knowledge-base-dir';

const REPO_ROOT = resolve(__dirname, '../../../..');

describe('defaultKnowledgeBaseDir', () => {
  it('finds <repo>/data/kb from the sources', () => {
    expect(defaultKnowledgeBaseDir()).toBe(join(REPO_ROOT, 'data', 'kb'));
  });

  it('finds it from a compiled dist/ tree too', () => {
    const root = mkdtempSync(join(tmpdir(), 'kb-root-'));
    writeFileSync(join(root, 'package.json'), '{}');
    const compiled = join(root, 'dist', 'libs', 'tools', 'src', 'knowledge-base');
    mkdirSync(compiled, { recursive: true });
    expect(defaultKnowledgeBaseDir(compiled)).toBe(join(root, 'data', 'kb'));
  });
});
