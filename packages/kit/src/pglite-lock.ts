import { closeSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';

/**
 * PGlite has no postmaster to stop a second process opening the same on-disk cluster, and two
 * processes writing one cluster (npm start, and npm run load beside it) each keep their own
 * buffers and WAL position: the second's rows are invisible to the first and the files can be
 * corrupted. A lock file beside the data directory, holding the owner's pid, refuses the second.
 */
export interface PgliteLock {
  release(): void;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export function lockPgliteDataDir(dataDir: string): PgliteLock {
  const path = `${dataDir}.lock`;
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(path, 'wx');
      writeSync(fd, String(process.pid));
      closeSync(fd);
      const release = () => {
        try {
          if (readFileSync(path, 'utf8') === String(process.pid)) unlinkSync(path);
        } catch {
          // Already gone.
        }
      };
      // A process that exits without closing the database must not leave the cluster locked.
      process.once('exit', release);
      return {
        release() {
          process.removeListener('exit', release);
          release();
        },
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const owner = Number(readFileSync(path, 'utf8').trim());
      if (Number.isInteger(owner) && owner > 0 && owner !== process.pid && alive(owner)) {
        throw new Error(
          `The embedded database ${dataDir} is in use by process ${owner} (npm start?). Stop it first, or use PostgreSQL (DATABASE_URL): two processes writing one PGlite cluster do not see each other's rows and can corrupt it.`,
        );
      }
      // Left by a process that died (or by this one): take it over.
      unlinkSync(path);
    }
  }
  throw new Error(`Could not lock ${dataDir}`);
}
