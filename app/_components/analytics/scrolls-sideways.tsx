/**
 * A box whose content may be wider than a phone: it scrolls sideways instead of the page, and
 * takes the keyboard focus so that it can be scrolled without a mouse (WCAG 2.1.1).
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
      className={`overflow-x-auto rounded-sm focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-accent ${className}`}
    >
      {children}
    </div>
  );
}
