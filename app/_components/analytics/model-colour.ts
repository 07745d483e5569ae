/** Mid-tone colours that read on light and dark surfaces alike. */
const PALETTE = ["#4f7cff", "#f59e0b", "#10b981", "#e5484d", "#a855f7", "#06b6d4", "#f97316", "#84cc16", "#ec4899"];

/** The series that gathers the models past the top few; grey, so it never looks like a model. */
export const OTHER_MODELS = "other";
const OTHER_COLOUR = "#64748b";

/** FNV-1a, 32 bits: a cheap, well-spread hash of the name. */
function hash(text: string) {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/**
 * A model's colour, from its name alone: the same model has the same colour in every chart,
 * whatever the range, the host filter or which other models are in the data.
 */
export function modelColour(name: string) {
  return name === OTHER_MODELS ? OTHER_COLOUR : PALETTE[hash(name) % PALETTE.length];
}
