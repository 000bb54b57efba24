#!/usr/bin/env node
/**
 * Project lint for TypeScript sources: `node scripts/lint.mjs <dir> [<dir> …]`.
 *
 * Errors (exit 1, one `file:line: message` per problem):
 * - an exported declaration (`export function|class|interface|type|const|let|var|enum|namespace`, `export default`,
 *   `export =`, and the local declarations behind `export { a, b }`) that is not immediately preceded by a TSDoc
 *   block comment (`/** … *\/`; decorators and blank lines may sit between). Re-exports from another module
 *   (`export * from`, `export { x } from`) are exempt: the symbol is documented where it is declared. Of a run of
 *   function overloads only the first signature needs the comment.
 * - `any` used as a type anywhere (`: any`, `as any`, `<any>`, `any[]`, `Array<any>`, `Record<string, any>` …):
 *   use `unknown`, a type parameter or a real type instead.
 * Warnings (no failure): files over 400 lines, which usually hold more than one job.
 *
 * The checks run on the TypeScript syntax tree (not on text), so strings, comments and multi-line declarations
 * cannot fool them.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import { join, relative, resolve } from "node:path";

const require = createRequire(import.meta.url);
const ts = require("typescript");

const MAX_LINES = 400;
const SOURCE_FILE = /\.(ts|mts|cts|tsx)$/;
const SKIPPED_DIRS = new Set(["node_modules", "dist", ".turbo", "coverage"]);

/** Lists TypeScript files under `dir`, sorted so the output is stable. */
function listSourceFiles(dir) {
  const found = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (!SKIPPED_DIRS.has(entry.name)) found.push(...listSourceFiles(path));
    } else if (entry.isFile() && SOURCE_FILE.test(entry.name)) {
      found.push(path);
    }
  }
  return found.sort();
}

/** True when the trivia right before `node` ends with a TSDoc block (`/** … *\/`) that documents it. */
function hasDocComment(node, text) {
  const comments = ts.getLeadingCommentRanges(text, node.pos) ?? [];
  const last = comments[comments.length - 1];
  if (!last || last.kind !== ts.SyntaxKind.MultiLineCommentTrivia) return false;
  const comment = text.slice(last.pos, last.end);
  if (!comment.startsWith("/**") || comment === "/**/") return false;
  const body = comment.slice(3, -2).replace(/^\s*\*/gm, "").trim();
  // A file header is not the declaration's documentation.
  return body.length > 0 && !body.includes("@packageDocumentation");
}

function hasModifier(node, kind) {
  return ts.canHaveModifiers(node) && (ts.getModifiers(node) ?? []).some((m) => m.kind === kind);
}

/** The names a top-level statement declares, for resolving `export { a, b }` lists. */
function declaredNames(statement) {
  if (ts.isVariableStatement(statement)) {
    return statement.declarationList.declarations.flatMap((d) => (ts.isIdentifier(d.name) ? [d.name.text] : []));
  }
  if (
    (ts.isFunctionDeclaration(statement) ||
      ts.isClassDeclaration(statement) ||
      ts.isInterfaceDeclaration(statement) ||
      ts.isTypeAliasDeclaration(statement) ||
      ts.isEnumDeclaration(statement) ||
      ts.isModuleDeclaration(statement)) &&
    statement.name &&
    ts.isIdentifier(statement.name)
  ) {
    return [statement.name.text];
  }
  return [];
}

function isImportBinding(statement) {
  return ts.isImportDeclaration(statement) || ts.isImportEqualsDeclaration(statement);
}

/** What an exported statement is called in messages. */
function describe(statement) {
  const names = declaredNames(statement);
  if (names.length > 0) return `\`${names.join("`, `")}\``;
  if (ts.isExportAssignment(statement)) return statement.isExportEquals ? "`export =`" : "`export default`";
  return "exported declaration";
}

/** Checks one file; returns its problems as `{ line, severity, message }`. */
function lintFile(path) {
  const text = readFileSync(path, "utf8");
  const source = ts.createSourceFile(path, text, ts.ScriptTarget.Latest, true);
  const problems = [];
  const lineOf = (pos) => source.getLineAndCharacterOfPosition(pos).line + 1;
  const report = (node, message, severity = "error") =>
    problems.push({ line: lineOf(node.getStart(source)), severity, message });

  const lineCount = text.split("\n").length - (text.endsWith("\n") ? 1 : 0);
  if (lineCount > MAX_LINES) {
    problems.push({
      line: 1,
      severity: "warning",
      message: `${lineCount} lines (over ${MAX_LINES}): split it so each file has one job`,
    });
  }

  // Top-level declarations by name, so `export { a }` can be traced to where `a` is declared.
  const declarations = new Map();
  for (const statement of source.statements) {
    for (const name of declaredNames(statement)) if (!declarations.has(name)) declarations.set(name, statement);
  }
  const importedNames = new Set();
  for (const statement of source.statements) {
    if (!isImportBinding(statement)) continue;
    if (ts.isImportEqualsDeclaration(statement)) importedNames.add(statement.name.text);
    const clause = statement.importClause;
    if (clause?.name) importedNames.add(clause.name.text);
    const bindings = clause?.namedBindings;
    if (bindings && ts.isNamespaceImport(bindings)) importedNames.add(bindings.name.text);
    if (bindings && ts.isNamedImports(bindings)) for (const el of bindings.elements) importedNames.add(el.name.text);
  }

  const checked = new Set();
  const requireDoc = (statement, what) => {
    if (checked.has(statement)) return;
    checked.add(statement);
    if (!hasDocComment(statement, text)) report(statement, `${what} has no TSDoc comment (/** … */) right above it`);
  };

  let previous;
  for (const statement of source.statements) {
    const prior = previous;
    previous = statement;
    if (ts.isExportDeclaration(statement)) {
      if (statement.moduleSpecifier) continue; // re-export: documented at its declaration
      const clause = statement.exportClause;
      if (!clause || !ts.isNamedExports(clause)) continue;
      for (const element of clause.elements) {
        const local = (element.propertyName ?? element.name).text;
        if (importedNames.has(local)) continue;
        const declaration = declarations.get(local);
        if (declaration) requireDoc(declaration, `\`${local}\` (exported on line ${lineOf(element.getStart(source))})`);
      }
      continue;
    }
    if (ts.isExportAssignment(statement)) {
      requireDoc(statement, describe(statement));
      continue;
    }
    if (!hasModifier(statement, ts.SyntaxKind.ExportKeyword)) continue;
    // Overloads: the first signature carries the documentation for the whole set.
    if (
      ts.isFunctionDeclaration(statement) &&
      prior &&
      ts.isFunctionDeclaration(prior) &&
      prior.name &&
      statement.name &&
      prior.name.text === statement.name.text
    ) {
      continue;
    }
    requireDoc(statement, describe(statement));
  }

  const visit = (node) => {
    if (node.kind === ts.SyntaxKind.AnyKeyword) {
      report(node, "`any` used as a type: use `unknown`, a type parameter or a precise type");
    }
    ts.forEachChild(node, visit);
  };
  visit(source);

  return problems.sort((a, b) => a.line - b.line);
}

function main(args) {
  if (args.length === 0) {
    console.error("usage: node scripts/lint.mjs <dir> [<dir> …]");
    return 2;
  }
  const files = [];
  for (const arg of args) {
    const dir = resolve(arg);
    let stats;
    try {
      stats = statSync(dir);
    } catch {
      console.error(`lint: ${arg}: no such directory`);
      return 2;
    }
    files.push(...(stats.isDirectory() ? listSourceFiles(dir) : [dir]));
  }
  if (files.length === 0) {
    console.error(`lint: no TypeScript files under ${args.join(", ")}`);
    return 1;
  }

  let errors = 0;
  let warnings = 0;
  for (const file of files) {
    for (const problem of lintFile(file)) {
      const where = `${relative(process.cwd(), file)}:${problem.line}`;
      if (problem.severity === "error") {
        errors++;
        console.error(`${where}: error: ${problem.message}`);
      } else {
        warnings++;
        console.warn(`${where}: warning: ${problem.message}`);
      }
    }
  }
  const summary = `lint: ${files.length} files, ${errors} errors, ${warnings} warnings`;
  if (errors > 0) {
    console.error(summary);
    return 1;
  }
  console.log(summary);
  return 0;
}

process.exitCode = main(process.argv.slice(2));
