/**
 * A box whose content may be wider than a phone: it scrolls sideways instead of the page, and
 * takes the keyboard focus so that it can be scrolled without a mouse (WCAG 2.1.1). Words in it
 * do not break anywhere (as they do elsewhere, app/globals.css): a header or a number broken
 * mid-word would be worse than scrolling; a cell holding a name opts back in (`wrap-anywhere`).
 */
export function ScrollsSideways({
  label,
  className = "",
  children,
}: {
  label: string;
  className?: string;
  children: React.ReactNode;
}) {
  return (
    <div
      role="group"
      aria-label={label}
      tabIndex={0}
      className={`overflow-x-auto rounded-sm [overflow-wrap:normal] focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-accent ${className}`}
    >
      {children}
    </div>
  );
}
