import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import { test } from "node:test";

/** WCAG 2 contrast of the theme's text/background pairs, read from app/globals.css itself. */
const css = readFileSync(path.resolve(import.meta.dirname, "../../app/globals.css"), "utf8");

function tokens(block: string) {
  return Object.fromEntries([...block.matchAll(/--color-([\w-]+):\s*(#[0-9a-f]{6})/gi)].map((m) => [m[1], m[2]]));
}
const light = tokens(css.slice(css.indexOf("@theme {"), css.indexOf('[data-theme="dark"] {')));
const dark = {
  ...light,
  ...tokens(css.slice(css.indexOf('[data-theme="dark"] {'), css.indexOf('[data-theme="light"]'))),
};

function luminance(hex: string) {
  const [r, g, b] = [1, 3, 5]
    .map((i) => parseInt(hex.slice(i, i + 2), 16) / 255)
    .map((c) => (c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4));
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}
function contrast(a: string, b: string) {
  const [x, y] = [luminance(a), luminance(b)].sort((p, q) => q - p);
  return (x + 0.05) / (y + 0.05);
}

// Text colour on the backgrounds it is used on (status badges, attention rows, buttons, body).
const pairs: [string, string][] = [
  ["ink", "canvas"],
  ["ink", "surface"],
  ["ink", "raised"],
  ["muted", "canvas"],
  ["muted", "surface"],
  ["muted", "raised"],
  ["accent", "surface"],
  ["accent-ink", "accent"],
  ["busy", "busy-soft"],
  ["busy", "surface"],
  ["wait", "wait-soft"],
  ["wait", "surface"],
  ["error", "error-soft"],
  ["error", "surface"],
  ["retry", "retry-soft"],
];

for (const [theme, palette] of [
  ["light", light],
  ["dark", dark],
] as const) {
  test(`${theme} theme: every text colour on its background passes WCAG AA (4.5:1)`, () => {
    for (const [fg, bg] of pairs) {
      assert.ok(palette[fg] && palette[bg], `${fg} and ${bg} are defined`);
      const ratio = contrast(palette[fg], palette[bg]);
      assert.ok(ratio >= 4.5, `${theme}: ${fg} on ${bg} is ${ratio.toFixed(2)}:1`);
    }
  });
}

/**
 * Highlighted code (the `.hljs-*` rules): each class's colour in each theme, the dark rule where
 * there is one, else the light rule it inherits.
 */
function highlightColours() {
  const light = new Map<string, string>();
  const dark = new Map<string, string>();
  const rules = css.replace(/\/\*[\s\S]*?\*\//g, "");
  for (const [, selectors, body] of rules.matchAll(/([^{}]+)\{([^{}]*)\}/g)) {
    const colour = /(?:^|;|\s)color:\s*(#[0-9a-f]{6})/i.exec(body)?.[1];
    if (!colour) continue;
    for (const selector of selectors.split(",").map((s) => s.trim())) {
      if (!/\.hljs-[\w-]+$/.test(selector)) continue;
      (selector.includes('[data-theme="dark"]') ? dark : light).set(
        selector.replace('[data-theme="dark"] ', ""),
        colour,
      );
    }
  }
  return { light, dark: new Map([...light].map(([selector, colour]) => [selector, dark.get(selector) ?? colour])) };
}

const highlight = highlightColours();
for (const [theme, palette, colours] of [
  ["light", light, highlight.light],
  ["dark", dark, highlight.dark],
] as const) {
  test(`${theme} theme: highlighted code passes WCAG AA on the code block and raised surfaces`, () => {
    assert.ok(colours.size >= 5, "the highlight rules were found");
    for (const [selector, colour] of colours) {
      for (const bg of ["canvas", "raised", "surface"]) {
        const ratio = contrast(colour, palette[bg]);
        assert.ok(ratio >= 4.5, `${theme}: ${selector} (${colour}) on ${bg} is ${ratio.toFixed(2)}:1`);
      }
    }
  });
}
