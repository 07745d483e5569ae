/** Control buttons: large touch targets on a phone (≥ 44 px), compact from the `sm` breakpoint. */
const base =
  "inline-flex min-h-11 items-center justify-center rounded-md px-3 text-sm font-medium focus-visible:ring-2 focus-visible:ring-accent/40 focus-visible:outline-none disabled:opacity-50 sm:min-h-8";

export const primaryButton = `${base} bg-accent text-accent-ink hover:opacity-90`;
export const secondaryButton = `${base} border border-line bg-surface hover:bg-raised`;
export const dangerButton = `${base} border border-error/40 bg-surface text-error hover:bg-error-soft`;
export const field =
  "min-h-11 w-full rounded-md border border-line bg-surface px-2 py-1.5 text-sm focus-visible:ring-2 focus-visible:ring-accent/40 focus-visible:outline-none sm:min-h-8";

/** Marks the element that the board's `w` key focuses: the first waiting session's primary action. */
export const PRIMARY_ACTION = "data-primary-action";
