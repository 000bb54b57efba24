import type { Encoded } from "./api";

/**
 * How the page shows a value of the serializer's lossless encoding: its type (a `Date`, a `Map`, a `BigInt` stay
 * what they are, not their JSON look), a one-line preview, and its children when it is a container.
 */

/** A value ready to be drawn. */
export interface Shown {
  /** Type label: `string`, `number`, `Date`, `Map(2)`, `Uint8Array(3)` … */
  type: string;
  /** One line of text for the value itself (for containers, a summary). */
  preview: string;
  /** A CSS class for the preview's colour. */
  tone: "string" | "number" | "keyword" | "date" | "bytes" | "container";
  /** Children as [label, value] pairs, for containers. */
  children?: [string, Encoded][];
}

type Tagged = { $lg: string; v?: Encoded; n?: Encoded };

function isTagged(value: Encoded): value is Tagged & { [key: string]: Encoded } {
  return value !== null && typeof value === "object" && !Array.isArray(value) && typeof value.$lg === "string";
}

const PREVIEW_CHARS = 80;

function clip(text: string): string {
  return text.length > PREVIEW_CHARS ? `${text.slice(0, PREVIEW_CHARS - 1)}…` : text;
}

function bytesLength(base64: string): number {
  const padding = base64.endsWith("==") ? 2 : base64.endsWith("=") ? 1 : 0;
  return Math.floor((base64.length * 3) / 4) - padding;
}

/** A short text for a value, used as a map key's label and in diff lines. */
export function inline(value: Encoded): string {
  const shown = show(value);
  return shown.children === undefined ? shown.preview : shown.type;
}

function showTagged(value: Tagged): Shown {
  const v = value.v ?? null;
  switch (value.$lg) {
    case "undef":
      return { type: "undefined", preview: "undefined", tone: "keyword" };
    case "num":
      return { type: "number", preview: String(v), tone: "number" };
    case "bigint":
      return { type: "BigInt", preview: `${String(v)}n`, tone: "number" };
    case "date":
      return { type: "Date", preview: v === null ? "Invalid Date" : String(v), tone: "date" };
    case "map": {
      const entries = Array.isArray(v) ? v : [];
      const children = entries.map((pair): [string, Encoded] =>
        Array.isArray(pair) ? [inline(pair[0] ?? null), pair[1] ?? null] : ["?", null],
      );
      return { type: `Map(${entries.length})`, preview: `Map(${entries.length})`, tone: "container", children };
    }
    case "set": {
      const items = Array.isArray(v) ? v : [];
      return {
        type: `Set(${items.length})`,
        preview: `Set(${items.length})`,
        tone: "container",
        children: items.map((item, i): [string, Encoded] => [String(i), item]),
      };
    }
    case "bytes":
    case "buffer": {
      const name = value.$lg === "bytes" ? "Uint8Array" : "Buffer";
      const size = typeof v === "string" ? bytesLength(v) : 0;
      return { type: `${name}(${size})`, preview: `${name}(${size}) base64 ${clip(String(v))}`, tone: "bytes" };
    }
    case "type": {
      const inner = show(v);
      return { ...inner, type: String(value.n), preview: `${String(value.n)} ${inner.preview}` };
    }
    case "esc":
      return show(v);
    default:
      return { type: `unknown tag ${value.$lg}`, preview: JSON.stringify(value), tone: "keyword" };
  }
}

/** How to draw `value`. */
export function show(value: Encoded): Shown {
  if (value === null) return { type: "null", preview: "null", tone: "keyword" };
  if (typeof value === "string") return { type: "string", preview: clip(JSON.stringify(value)), tone: "string" };
  if (typeof value === "number") return { type: "number", preview: String(value), tone: "number" };
  if (typeof value === "boolean") return { type: "boolean", preview: String(value), tone: "keyword" };
  if (Array.isArray(value)) {
    return {
      type: `Array(${value.length})`,
      preview: `Array(${value.length})`,
      tone: "container",
      children: value.map((item, i): [string, Encoded] => [String(i), item]),
    };
  }
  if (isTagged(value)) return showTagged(value);
  const keys = Object.keys(value);
  return {
    type: "Object",
    preview: `{${keys.length} ${keys.length === 1 ? "key" : "keys"}}`,
    tone: "container",
    children: keys.map((key): [string, Encoded] => [key, value[key] ?? null]),
  };
}
