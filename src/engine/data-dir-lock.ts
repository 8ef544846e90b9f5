import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { TiercastError } from '../domain/errors.js';

/**
 * One embedded Tiercast per data dir: the SQLite catalog and the migration leases assume
 * a single process. The lock holds the owner's pid; a lock whose process is gone (after a
 * crash or kill -9) is taken over.
 */
export function lockDataDir(dataDir: string): () => void {
  try {
    mkdirSync(dataDir, { recursive: true });
  } catch (error) {
    throw new TiercastError('config_error', `cannot create the data dir ${dataDir}: ${(error as Error).message}`, {
      hint: 'choose a writable folder with --data-dir or TIERCAST_DATA_DIR',
    });
  }
  const path = join(dataDir, 'tiercast.lock');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(path, String(process.pid), { flag: 'wx' });
      return () => rmSync(path, { force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const holder = Number(readFileSync(path, 'utf8'));
      if (holder && holder !== process.pid && isAlive(holder)) {
        throw new TiercastError('config_error', `another Tiercast (pid ${holder}) is using the data dir ${dataDir}`, {
          hint: 'stop it first, or start this one with another --data-dir',
        });
      }
      rmSync(path, { force: true });
    }
  }
  throw new TiercastError('config_error', `cannot lock the data dir ${dataDir}`);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
