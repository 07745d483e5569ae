/**
 * The board's tab title and favicon say how many sessions are blocked on the user, so a
 * background tab still tells.
 *
 * They are React 19 `<title>` and `<link rel="icon">` elements, which React hoists into `<head>`
 * and keeps in step with the count, and the board's page asks Next for neither (its metadata sets
 * both to null). Setting `document.title` from an effect, as this once did, lost on every direct
 * load: Next's metadata `<title>` is React's too, inside its own Suspense boundary
 * ("Next.Metadata"), which hydrates after the board's effects have run; hydrating it writes the
 * static title's text back into the element (seen in Chromium: the effect's title lasts ~80 ms).
 * One owner, no race; and the server-rendered HTML already carries the count.
 */

const BASE_TITLE = "OpenCode Dashboard";
/** Past this the badge says 9+: two digits is what fits on a tab's icon. */
const BADGE_MAX = 9;

/** public/icon.svg with an amber count badge, as a data URL (the CSP allows data: images). */
function badgeIcon(count: number): string {
  const label = count > BADGE_MAX ? `${BADGE_MAX}+` : String(count);
  const svg =
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 64 64">` +
    `<rect width="64" height="64" rx="14" fill="#2458d6"/>` +
    `<circle cx="44" cy="20" r="20" fill="#f59e0b"/>` +
    `<text x="44" y="21" fill="#111" font-family="system-ui,sans-serif" font-size="26" font-weight="bold" ` +
    `text-anchor="middle" dominant-baseline="central">${label}</text></svg>`;
  return `data:image/svg+xml,${encodeURIComponent(svg)}`;
}

function attentionTitle(blocked: number) {
  return blocked > 0 ? `(${blocked}) blocked · ${BASE_TITLE}` : BASE_TITLE;
}

export function AttentionSignals({ blocked }: { blocked: number }) {
  return (
    <>
      <title>{attentionTitle(blocked)}</title>
      <link rel="icon" href={blocked > 0 ? badgeIcon(blocked) : "/icon.svg"} />
    </>
  );
}
