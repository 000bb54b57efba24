import { StorePackageMissingError } from "./errors.js";
import { STORE_PACKAGES, type StoreKind } from "./store-url.js";

/**
 * Loading the package of a kind of store: each is an optional peer of `@lg/cli`, loaded at run time from where the
 * user installed it, and only the one a URL names has to be installed.
 *
 * @packageDocumentation
 */

/** Keeps `@lg/store-…` out of the bundle: it is loaded at run time from where the user installed it. */
export type StoreModule = Record<string, unknown>;

/** The package of `kind` stores; rejects with `StorePackageMissingError` when it is not installed. */
export async function importStorePackage(kind: StoreKind): Promise<StoreModule> {
  const name = STORE_PACKAGES[kind];
  try {
    switch (kind) {
      case "sqlite":
        return (await import("@lg/store-sqlite")) as unknown as StoreModule;
      case "postgres":
        return (await import("@lg/store-postgres")) as unknown as StoreModule;
      case "redis":
        return (await import("@lg/store-redis")) as unknown as StoreModule;
      case "memory":
        return (await import("@lg/store-memory")) as unknown as StoreModule;
    }
  } catch (error) {
    if (isMissingModule(error, name)) throw new StorePackageMissingError(name, { cause: error });
    throw error;
  }
}

/** True when `error` says that `name` itself (not one of its own dependencies) could not be found. */
function isMissingModule(error: unknown, name: string): boolean {
  const e = error as { code?: unknown; message?: unknown } | null;
  const code = e?.code;
  if (code !== "ERR_MODULE_NOT_FOUND" && code !== "MODULE_NOT_FOUND") return false;
  const message = typeof e?.message === "string" ? e.message : "";
  return message.includes(`'${name}'`) || message.includes(`"${name}"`);
}
