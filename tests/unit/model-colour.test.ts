import assert from "node:assert/strict";
import { test } from "node:test";
import { modelColour, OTHER_MODELS } from "../../app/_components/analytics/model-colour";

test("a model's colour depends on its name only, not on the other models or their order", () => {
  const models = ["claude-sonnet-4", "gpt-5", "gpt-5-mini", "gemini-2.5-pro", "qwen3-coder"];
  const alone = models.map((m) => modelColour(m));
  const reversed = [...models].reverse().map((m) => modelColour(m));
  assert.deepEqual(reversed.reverse(), alone);
  assert.equal(modelColour("gpt-5"), modelColour("gpt-5"));
});

test("colours are valid CSS hex colours, spread over the palette", () => {
  const names = Array.from({ length: 40 }, (_, i) => `model-${i}`);
  const colours = new Set(names.map(modelColour));
  for (const c of colours) assert.match(c, /^#[0-9a-f]{6}$/);
  assert.ok(colours.size >= 6, `${colours.size} distinct colours for 40 models`);
});

test("the 'other' series is grey, never a model's colour", () => {
  const grey = modelColour(OTHER_MODELS);
  for (let i = 0; i < 40; i++) assert.notEqual(modelColour(`model-${i}`), grey);
});
