import { statSync } from "node:fs";
import { resolve } from "node:path";
import { StoreUnavailableError } from "@lg/core";

/**
 * The database file as it was when the store opened it, to notice a file deleted or replaced under an open store.
 * SQLite keeps writing to the file it has open (in WAL mode without any check), so after `rm checkpoints.db*` every
 * save would still succeed, into a file no connection can open again, and be lost when the store closes.
 */
export class FileWatch {
  private constructor(
    private readonly path: string,
    private readonly device: number,
    private readonly inode: number,
  ) {}

  /** Watches `path` when it names a file on disk; `undefined` for an in-memory or temporary database. */
  static of(path: string, memory: boolean): FileWatch | undefined {
    if (memory || path === "") return undefined;
    const absolute = resolve(path); // a later process.chdir must not send the check elsewhere
    const stats = statSync(absolute, { throwIfNoEntry: false });
    return stats === undefined ? undefined : new FileWatch(absolute, stats.dev, stats.ino);
  }

  /**
   * Throws `StoreUnavailableError` when the path no longer leads to the file the store has open (one `stat`, a few
   * microseconds): what was just written is not in the database file.
   */
  assertInPlace(): void {
    const stats = statSync(this.path, { throwIfNoEntry: false });
    if (stats !== undefined && stats.dev === this.device && stats.ino === this.inode) return;
    throw new StoreUnavailableError(
      `the SQLite database ${this.path} was ${stats === undefined ? "deleted" : "replaced by another file"} while ` +
        "the store had it open: what it writes now goes to a file no other connection can open, and is lost when " +
        "the store closes. Close this store and open one on the file again (restore it from a backup if it is gone).",
    );
  }
}
