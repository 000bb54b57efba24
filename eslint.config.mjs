/**
 * ESLint flat config for the whole workspace, run once from the root (`pnpm lint:code`, part of `pnpm lint`).
 *
 * Project rules, as errors: TSDoc on every exported declaration, no `any` as a type. Files over 400 lines warn: they
 * usually hold more than one job. TypeScript files get typescript-eslint's recommended rules. Its type-aware rules
 * (no-floating-promises among them) are left out: they build every package's TypeScript program a second time
 * (`tsc` already does in `pnpm typecheck`), which took lint of @lg/core alone from 7 s to 17 s of CPU.
 */
import js from "@eslint/js";
import { defineConfig } from "eslint/config";
import jsdoc from "eslint-plugin-jsdoc";
import globals from "globals";
import tseslint from "typescript-eslint";

/**
 * A leading underscore marks a binding that is there on purpose: a field dropped by destructuring, a parameter a
 * callback signature requires.
 */
const UNUSED_VARS = {
  argsIgnorePattern: "^_",
  varsIgnorePattern: "^_",
  caughtErrors: "none",
  ignoreRestSiblings: true,
};

export default defineConfig(
  // Hidden directories hold tool state and temporary builds, not sources.
  { ignores: ["**/dist/**", "**/coverage/**", "**/node_modules/**", "**/.*/**", "**/*.d.ts"] },
  js.configs.recommended,
  {
    linterOptions: { reportUnusedDisableDirectives: "error" },
    languageOptions: { globals: { ...globals.node } },
    plugins: { jsdoc },
    rules: {
      // A file over 400 lines usually holds more than one job: split it. A warning, since some tables are long.
      "max-lines": ["warn", { max: 400, skipBlankLines: false, skipComments: false }],
      // Every exported declaration carries its TSDoc, where readers of the API (and editors' hovers) look for it.
      // Re-exports are exempt: the symbol is documented where it is declared.
      "jsdoc/require-jsdoc": [
        "error",
        {
          publicOnly: { esm: true, cjs: true },
          require: { FunctionDeclaration: true, ClassDeclaration: true, ArrowFunctionExpression: false },
          contexts: [
            "TSInterfaceDeclaration",
            "TSTypeAliasDeclaration",
            "TSEnumDeclaration",
            "TSModuleDeclaration",
            "TSDeclareFunction",
            "ExportNamedDeclaration > VariableDeclaration",
          ],
          // The first signature of a run of overloads documents the whole set.
          exemptOverloadedImplementations: false,
          skipInterveningOverloadedDeclarations: true,
          // `--fix` must not insert empty comments that would satisfy the rule.
          enableFixer: false,
          checkConstructors: false,
          checkGetters: false,
          checkSetters: false,
        },
      ],
      "no-unused-vars": ["error", UNUSED_VARS],
      // An empty `/** */` documents nothing.
      "jsdoc/no-blank-blocks": ["error", { enableFixer: false }],
    },
  },
  {
    files: ["**/*.ts", "**/*.mts", "**/*.cts", "**/*.tsx"],
    extends: [tseslint.configs.recommended],
    rules: {
      "@typescript-eslint/no-explicit-any": "error",
      "@typescript-eslint/no-unused-vars": ["error", UNUSED_VARS],
    },
  },
  {
    // The inspector's front end runs in the browser.
    files: ["packages/cli/ui/src/**"],
    languageOptions: { globals: { ...globals.browser } },
  },
  {
    files: ["**/*.cjs"],
    languageOptions: { sourceType: "commonjs" },
  },
);
