/**
 * `saveSerialized`'s quick reading of a checkpoint text laid out exactly as `serializeCheckpoint` writes it (which is
 * what `listSerialized` and a backup give): the text is scanned once, without being parsed, and its state, metadata,
 * next and tasks columns are cut out of it as they are.
 *
 * Cutting is only right when each cut holds exactly what `JSON.stringify` writes for the value `JSON.parse` reads
 * from it, since that is what the parsing path (serialized-save.ts) and `saveMany` store. So the scan accepts only
 * that form, and says `undefined` for anything else, which the caller then parses:
 * - no whitespace between tokens, no raw control character, no lone surrogate;
 * - in strings, only the escapes `JSON.stringify` writes (`\"`, `\\`, `\b`, `\f`, `\n`, `\r`, `\t` and `\u00xx` for the
 *   other control characters);
 * - numbers written as `String(number)` writes them (so neither `-0`, `1.0` nor `1e400`);
 * - no key twice in an object, and no key starting with a digit (`JSON.parse` moves index-like keys first);
 * - no more than 512 levels of nesting;
 * - every object holding the value tag decodes: the parsing path checks the outermost ones (decoding checks what they
 *   hold), the scan checks each one where it ends, at every depth, so that a tag holding tags is not decoded again
 *   (only the body of an escaped object, `{"$lg":"esc","v":{…}}`, is read as plain keys, as decoding reads it).
 * On such a text the cut columns equal the parsed and written-back ones, and the field checks are the parsing path's.
 * The scan is stricter than parsing (a tag inside a tag that decoding would never reach must decode too): what it
 * refuses goes to the parsing path, never the other way round.
 *
 * @packageDocumentation
 */
import { TAG, decodeValue, type JsonValue } from "@lg/core/store";
import type { InsertParams } from "./rows.js";
import { hasLoneSurrogate, hasTaskShape, isId, isNameList, isTimestamp, isVersion } from "./text-checks.js";

// A run of string characters that stand for themselves: anything but a quote, a backslash or a control character
// (which JSON refuses raw).
// eslint-disable-next-line no-control-regex -- the control characters are what the run stops at
const PLAIN = /[^"\\\x00-\x1f]*/y;
// An array of strings without escapes: the canonical scan has already checked the rest.
const SIMPLE_NAMES = /^\[(?:"[^"\\]*"(?:,"[^"\\]*")*)?\]$/;
const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const COLON = 0x3a;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;

// The escapes JSON.stringify writes with one letter: \" \\ \b \f \n \r \t.
const SHORT_ESCAPES = new Set([QUOTE, BACKSLASH, 0x62, 0x66, 0x6e, 0x72, 0x74]);
// The control characters JSON.stringify writes with one letter, and so never as \u00xx.
const SHORT_CONTROLS = new Set([0x08, 0x09, 0x0a, 0x0c, 0x0d]);

// Deeper than this, a text is left to parsing: well short of where JSON.stringify and the decoding walk run out of
// stack (~4,000 levels), so that nothing the scan accepts makes them throw.
const MAX_DEPTH = 512;
// Keys of an object compared with an array; past this many, with a set (no quadratic cost for a wide object).
const KEYS_IN_ARRAY = 16;

/** What the scan knows of a tagged object once it is scanned: where its tag and its `v` start. */
interface TagPlaces {
  name: number;
  nameEnd: number;
  body: number;
  /** Whether `v` was an array whose every item is an array of two (a map's entries). */
  pairs: boolean;
}

/**
 * Whether decoding the tag `name` cannot fail, given the first character of its `v` (`NaN` when there is none) and
 * whether `v` is an array of pairs: the nested values have been scanned, and their tags checked, already. A string
 * `v` is what matters for a date or a number: another value is converted by its own `toString`, which a parsed
 * object's "toString" key can make throw. Any other tag, or `v`, is decoded to be checked.
 */
function safeTag(name: string, body: number, pairs: boolean): boolean {
  switch (name) {
    case "undef":
      return true;
    case "date":
    case "num":
    case "bytes":
    case "buffer":
      return body === QUOTE;
    case "set":
      return body === OPEN_BRACKET;
    case "map":
      return body === OPEN_BRACKET && pairs;
    case "esc":
      return body === OPEN_BRACE;
    default:
      return false;
  }
}

function isDigit(code: number): boolean {
  return code >= 0x30 && code <= 0x39;
}

/** The value of a hex digit in lowercase (as JSON.stringify writes them), or -1. */
function hexDigit(code: number): number {
  if (isDigit(code)) return code - 0x30;
  return code >= 0x61 && code <= 0x66 ? code - 0x57 : -1;
}

/** A scan of one text; each method takes the index a token starts at and gives the index after it, or -1. */
class Scan {
  private depth = 0;
  /** Of the array scanned last: its number of items, and whether each is an array of two. */
  private count = 0;
  private pairs = false;
  /**
   * Set just before the body of an escaped object (`{"$lg":"esc","v":{…}}`) is scanned: the body's own `"$lg"` key
   * is one of its keys, not a tag, as decoding reads it.
   */
  private escapedBody = false;

  constructor(private readonly text: string) {}

  string(start: number): number {
    const text = this.text;
    let at = start + 1;
    for (;;) {
      PLAIN.lastIndex = at;
      PLAIN.test(text);
      const stop = PLAIN.lastIndex;
      const code = text.charCodeAt(stop);
      if (code === QUOTE) return stop + 1;
      if (code !== BACKSLASH) return -1;
      const letter = text.charCodeAt(stop + 1);
      if (SHORT_ESCAPES.has(letter)) at = stop + 2;
      else if (letter === 0x75 && this.controlEscape(stop + 2)) at = stop + 6;
      else return -1;
    }
  }

  /** True when the four characters at `at` are the hex digits of a control character written as `\u00xx`. */
  private controlEscape(at: number): boolean {
    const text = this.text;
    if (text.charCodeAt(at) !== 0x30 || text.charCodeAt(at + 1) !== 0x30) return false;
    const high = hexDigit(text.charCodeAt(at + 2));
    const low = hexDigit(text.charCodeAt(at + 3));
    return (high === 0 || high === 1) && low >= 0 && !SHORT_CONTROLS.has(high * 16 + low);
  }

  number(start: number): number {
    // Most numbers are integers below 2^53 (a version, a time, a count): their digits are canonical unless they start
    // with a 0, and nothing needs to be read back. Any other number is checked by writing it back.
    const text = this.text;
    let at = text.charCodeAt(start) === 0x2d ? start + 1 : start; // -
    const digits = at;
    while (at - digits < 16 && isDigit(text.charCodeAt(at))) at++;
    const next = text.charCodeAt(at);
    if (at - digits < 16 && at > digits && (text.charCodeAt(digits) !== 0x30 || at === digits + 1)) {
      // "-0" is the one integer that does not write back as itself.
      const minusZero = digits > start && at === digits + 1 && text.charCodeAt(digits) === 0x30;
      if (!minusZero && next !== 0x2e && next !== 0x65 && next !== 0x45) return at; // . e E
    }
    NUMBER.lastIndex = start;
    if (!NUMBER.test(this.text)) return -1;
    const end = NUMBER.lastIndex;
    const literal = this.text.slice(start, end);
    return String(Number(literal)) === literal ? end : -1;
  }

  value(start: number): number {
    const text = this.text;
    switch (text.charCodeAt(start)) {
      case QUOTE:
        return this.string(start);
      case OPEN_BRACE:
        return this.object(start);
      case OPEN_BRACKET:
        return this.array(start);
      case 0x74: // t
        return text.startsWith("true", start) ? start + 4 : -1;
      case 0x66: // f
        return text.startsWith("false", start) ? start + 5 : -1;
      case 0x6e: // n
        return text.startsWith("null", start) ? start + 4 : -1;
      default:
        return this.number(start);
    }
  }

  array(start: number): number {
    const text = this.text;
    if (++this.depth > MAX_DEPTH) return -1;
    let at = start + 1;
    let count = 0;
    let pairs = true;
    if (text.charCodeAt(at) !== CLOSE_BRACKET) {
      for (;;) {
        const item = at;
        at = this.value(at);
        if (at < 0) return -1;
        count++;
        // The item's own scan has just set `count` for it, when it is an array.
        pairs &&= text.charCodeAt(item) === OPEN_BRACKET && this.count === 2;
        const next = text.charCodeAt(at);
        if (next === CLOSE_BRACKET) break;
        if (next !== COMMA) return -1;
        at++;
      }
    }
    [this.count, this.pairs] = [count, pairs];
    this.depth--;
    return at + 1;
  }

  object(start: number): number {
    const text = this.text;
    if (++this.depth > MAX_DEPTH) return -1;
    const escaped = this.escapedBody;
    this.escapedBody = false;
    let at = start + 1;
    // A canonical escape is the only way to write its character, so raw keys compare as their values do.
    let keys: string[] | Set<string> = [];
    const tag: TagPlaces = { name: -1, nameEnd: -1, body: -1, pairs: false };
    if (text.charCodeAt(at) !== CLOSE_BRACE) {
      for (;;) {
        if (text.charCodeAt(at) !== QUOTE) return -1;
        const keyEnd = this.string(at);
        if (keyEnd < 0 || text.charCodeAt(keyEnd) !== COLON) return -1;
        if (isDigit(text.charCodeAt(at + 1))) return -1;
        const key = text.slice(at + 1, keyEnd - 1);
        if (Array.isArray(keys)) {
          if (keys.includes(key)) return -1;
          keys.push(key);
          if (keys.length > KEYS_IN_ARRAY) keys = new Set(keys);
        } else if (keys.has(key)) return -1;
        else keys.add(key);
        const valueStart = keyEnd + 1;
        const tagged = !escaped && (key === TAG || key === "v");
        if (tagged && key === "v" && tag.name >= 0 && text.charCodeAt(valueStart) === OPEN_BRACE) {
          this.escapedBody = text.slice(tag.name, tag.nameEnd) === '"esc"';
        }
        at = this.value(valueStart);
        if (at < 0) return -1;
        if (tagged && key === TAG) [tag.name, tag.nameEnd] = [valueStart, at];
        else if (tagged) [tag.body, tag.pairs] = [valueStart, this.pairs];
        const next = text.charCodeAt(at);
        if (next === CLOSE_BRACE) break;
        if (next !== COMMA) return -1;
        at++;
      }
    }
    this.depth--;
    const end = at + 1;
    return tag.name < 0 || this.tagDecodes(start, end, tag) ? end : -1;
  }

  /** True when the tagged object `text[start, end)` decodes; the tags known not to fail are not decoded. */
  private tagDecodes(start: number, end: number, tag: TagPlaces): boolean {
    const text = this.text;
    const body = tag.body < 0 ? Number.NaN : text.charCodeAt(tag.body);
    // `pairs` describes `v` only when `v` is an array (it is the last array scanned before it ended).
    if (text.charCodeAt(tag.name) === QUOTE && safeTag(text.slice(tag.name + 1, tag.nameEnd - 1), body, tag.pairs)) {
      return true;
    }
    try {
      decodeValue(JSON.parse(text.slice(start, end)) as JsonValue);
      return true;
    } catch {
      return false;
    }
  }
}

/** The value of a string literal. */
function stringValue(literal: string): string {
  return literal.includes("\\") ? (JSON.parse(literal) as string) : literal.slice(1, -1);
}

/** True when the array literal holds strings only (`["a","b"]`, the usual `next`, is seen as such without parsing). */
function namesOnly(literal: string): boolean {
  return SIMPLE_NAMES.test(literal) || isNameList(JSON.parse(literal));
}

// What comes before each field's value (`{"id":`, then `,"executionId":` and so on, in `serializeCheckpoint`'s
// order), and the character the value must start with, where the layout fixes it: a quote for the string fields, a
// brace for metadata, a bracket for next.
const FIELDS: readonly (readonly [head: string, first: number | undefined])[] = [
  ['{"id":', QUOTE],
  [',"executionId":', QUOTE],
  [',"nodeName":', QUOTE],
  [',"state":', undefined],
  [',"metadata":', OPEN_BRACE],
  [',"timestamp":', undefined],
  [',"version":', undefined],
  [',"parentId":', undefined],
  [',"next":', OPEN_BRACKET],
  [',"tasks":', undefined],
];

/** The literal texts of the ten fields, cut out in `serializeCheckpoint`'s order, each scanned as canonical; or `undefined`. */
function cut(text: string): string[] | undefined {
  const scan = new Scan(text);
  const fields: string[] = [];
  let at = 0;
  for (const [head, first] of FIELDS) {
    if (!text.startsWith(head, at)) return undefined;
    const start = at + head.length;
    if (first !== undefined && text.charCodeAt(start) !== first) return undefined;
    at = scan.value(start);
    if (at < 0) return undefined;
    fields.push(text.slice(start, at));
  }
  return at === text.length - 1 && text.charCodeAt(at) === CLOSE_BRACE ? fields : undefined;
}

/** The task results' shape the parsing path checks, of their literal: `null`, or what `hasTaskShape` accepts. */
function tasksShape(literal: string): boolean {
  return literal === "null" || hasTaskShape(JSON.parse(literal));
}

/**
 * The INSERT parameters of a text laid out as `serializeCheckpoint` writes it (see the module's description), with
 * the same checks as the parsing path: ids non-empty strings, an integer timestamp a Date holds, a version from 1 to
 * 2^53 - 1, a non-empty parent id or null, an array of names, metadata an object, the task results' shape. `undefined`
 * when the text is laid out otherwise or a check fails: the caller then parses it, which decides.
 */
export function canonicalTextToParams(text: string): InsertParams | undefined {
  if (hasLoneSurrogate(text)) return undefined;
  let fields: string[] | undefined;
  try {
    fields = cut(text);
  } catch {
    return undefined; // a stack too small even for MAX_DEPTH: the parsing path decides
  }
  if (fields === undefined) return undefined;
  const [idText, executionIdText, nodeNameText, state, metadata, timestampText, versionText, parentText, next, tasks] =
    fields as [string, string, string, string, string, string, string, string, string, string];
  const id = stringValue(idText);
  const executionId = stringValue(executionIdText);
  const timestamp = Number(timestampText);
  const version = Number(versionText);
  const parentId = parentText.charCodeAt(0) === QUOTE ? stringValue(parentText) : null;
  const ok =
    isId(id) &&
    isId(executionId) &&
    isTimestamp(timestamp) &&
    isVersion(version) &&
    (parentId === null ? parentText === "null" : isId(parentId)) &&
    namesOnly(next) &&
    tasksShape(tasks);
  if (!ok) return undefined;
  return [
    id,
    executionId,
    stringValue(nodeNameText),
    state,
    metadata,
    timestamp,
    version,
    parentId,
    next,
    tasks === "null" ? null : tasks,
  ];
}
