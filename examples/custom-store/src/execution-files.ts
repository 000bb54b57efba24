import { createHash, randomBytes } from "node:crypto";
import { mkdirSync } from "node:fs";
import { readdir, readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { CheckpointCorruptError, StoreUnavailableError } from "@lg/core";
import type { ExecutionFile } from "./execution-rows.js";

function hashName(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}

function isMissing(error: unknown): boolean {
  return (error as NodeJS.ErrnoException | undefined)?.code === "ENOENT";
}

/** Parses an execution file, refusing text that is not one (a damaged file reads as corrupt, not as empty). */
function parseExecutionFile(text: string, what: string): ExecutionFile {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new CheckpointCorruptError(undefined, `${what} is not valid JSON`, { cause: error });
  }
  const file = parsed as Partial<ExecutionFile> | null;
  if (file === null || typeof file !== "object" || typeof file.executionId !== "string" || !Array.isArray(file.entries))
    throw new CheckpointCorruptError(undefined, `${what} is not an execution file`);
  return file as ExecutionFile;
}

/**
 * The files of a store directory, and nothing else (no ordering, no conflicts):
 *
 * - `executions/<sha256(executionId)>.json` holds one execution's rows; hashed names make any execution id (1 KB,
 *   `/`, `:`, `*`, Unicode) a valid file name.
 * - `ids/<sha256(id)>` names the execution a checkpoint id belongs to, so `load(id)` reads one file.
 * - Files are replaced atomically (write a temporary file, then rename), so a crash never leaves half a file.
 */
export class ExecutionFiles {
  /** Opens (and creates, if needed) the layout in `directory`. */
  constructor(readonly directory: string) {
    mkdirSync(join(directory, "executions"), { recursive: true });
    mkdirSync(join(directory, "ids"), { recursive: true });
  }

  /** Path of the file holding an execution's rows. */
  executionPath(executionId: string): string {
    return join(this.directory, "executions", `${hashName(executionId)}.json`);
  }

  /** Path of the file naming the execution of checkpoint `id`. */
  idPath(id: string): string {
    return join(this.directory, "ids", hashName(id));
  }

  /** The execution's file, or an empty one when there is none. */
  async read(executionId: string): Promise<ExecutionFile> {
    const path = this.executionPath(executionId);
    let text: string;
    try {
      text = await readFile(path, "utf8");
    } catch (error) {
      if (isMissing(error)) return { executionId, entries: [] };
      throw new StoreUnavailableError(`cannot read ${path}: ${String(error)}`, { cause: error });
    }
    return parseExecutionFile(text, `execution file of "${executionId}"`);
  }

  /** Replaces the execution's file; one without rows is removed. */
  async write(file: ExecutionFile): Promise<void> {
    const path = this.executionPath(file.executionId);
    if (file.entries.length === 0) await rm(path, { force: true });
    else await this.writeAtomically(path, JSON.stringify(file));
  }

  /** Removes the execution's file. */
  async remove(executionId: string): Promise<void> {
    await rm(this.executionPath(executionId), { force: true });
  }

  /** Every execution file with its size in bytes; files removed meanwhile are skipped. */
  async readAll(): Promise<{ file: ExecutionFile; bytes: number }[]> {
    const folder = join(this.directory, "executions");
    const names = (await readdir(folder)).filter((name) => name.endsWith(".json"));
    const all: { file: ExecutionFile; bytes: number }[] = [];
    for (const name of names) {
      try {
        const text = await readFile(join(folder, name), "utf8");
        all.push({
          file: parseExecutionFile(text, `execution file ${name}`),
          bytes: (await stat(join(folder, name))).size,
        });
      } catch (error) {
        if (!isMissing(error)) throw error; // removed by a concurrent clear: skip it
      }
    }
    return all;
  }

  /** Records that checkpoint `id` lives in `executionId`'s file. */
  async pointTo(id: string, executionId: string): Promise<void> {
    await this.writeAtomically(this.idPath(id), executionId);
  }

  /** The execution checkpoint `id` lives in, or `undefined`. */
  async executionOf(id: string): Promise<string | undefined> {
    try {
      return await readFile(this.idPath(id), "utf8");
    } catch (error) {
      if (isMissing(error)) return undefined;
      throw error;
    }
  }

  /** Forgets where the checkpoints `ids` live. */
  async forget(ids: Iterable<string>): Promise<void> {
    for (const id of ids) await rm(this.idPath(id), { force: true });
  }

  private async writeAtomically(path: string, text: string): Promise<void> {
    const temporary = `${path}.${randomBytes(6).toString("hex")}.tmp`;
    await writeFile(temporary, text, "utf8");
    await rename(temporary, path);
  }
}
