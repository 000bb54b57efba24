import { parseRow, type ParsedRow, type RawDriver, type RawRow } from "./types.js";

/**
 * The floor of an in-memory store: a `Map` of per-execution arrays holding the rows' JSON text (a copy in on
 * write, a parse on read — the least a store that does not share objects with its caller can do).
 */
export function openRawMemory(): RawDriver {
  const rows = new Map<string, RawRow[]>();
  return {
    insert: async (row) => {
      const list = rows.get(row.executionId);
      if (list === undefined) rows.set(row.executionId, [row]);
      else list.push(row);
    },
    latest: async (executionId) => {
      const list = rows.get(executionId);
      const row = list?.[list.length - 1];
      return row === undefined ? undefined : readRow(row);
    },
    newest: async (executionId, limit) => {
      const list = rows.get(executionId) ?? [];
      const page = list.slice(Math.max(0, list.length - limit)).reverse();
      return page.map(readRow).length;
    },
    clear: async (executionId) => {
      rows.delete(executionId);
    },
    close: async () => {
      rows.clear();
    },
  };
}

function readRow(r: RawRow): ParsedRow {
  return parseRow([r.id, r.executionId, r.nodeName, r.state, r.metadata, r.timestamp, r.version, r.parentId, r.next]);
}
