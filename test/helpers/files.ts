import { readdir } from 'node:fs/promises';
import { join, relative } from 'node:path';

/** Every file below `root` (recursively), as sorted paths relative to it. */
export async function filesBelow(root: string): Promise<string[]> {
  const entries = await readdir(root, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile())
    .map((e) => relative(root, join(e.parentPath, e.name)))
    .sort();
}

/** Every stored file of a data dir's folder tiers, as sorted `tier/key` paths. */
export function storedFiles(dataDir: string): Promise<string[]> {
  return filesBelow(join(dataDir, 'tiers'));
}
