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
