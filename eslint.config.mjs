// Next's rules (React, hooks, a11y, Core Web Vitals) and typescript-eslint's recommended rules over
// everything we write; eslint-config-prettier last, so layout is Prettier's alone.
import { defineConfig, globalIgnores } from "eslint/config";
import nextVitals from "eslint-config-next/core-web-vitals";
import prettier from "eslint-config-prettier/flat";
import tseslint from "typescript-eslint";

export default defineConfig([
  globalIgnores([".next/**", "dist/**", "data/**", "test-results/**", "tests/fixtures/**", "next-env.d.ts"]),
  ...nextVitals,
  ...tseslint.configs.recommended,
  {
    rules: {
      // An unused name is either dead code or a typo; `_`-prefixed ones are deliberate.
      "@typescript-eslint/no-unused-vars": [
        "error",
        {
          argsIgnorePattern: "^_",
          varsIgnorePattern: "^_",
          caughtErrorsIgnorePattern: "^_",
          // `const { id, ...rest } = row` is how a field is left out.
          ignoreRestSiblings: true,
        },
      ],
    },
  },
  {
    // Every page and layout here is a server component: it renders once per request, so the clock it
    // reads is the request's time, not an impurity (the rule cannot tell server components from
    // client ones: react/react#34834).
    files: ["app/**/page.tsx", "app/**/layout.tsx"],
    rules: { "react-hooks/purity": "off" },
  },
  prettier,
]);
