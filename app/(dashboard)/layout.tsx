import { LiveProvider } from "../_components/live/live-provider";
import { StaleBanner } from "../_components/live/stale-banner";
import { TopNav } from "../_components/nav/top-nav";

export default function DashboardLayout({ children }: { children: React.ReactNode }) {
  return (
    <LiveProvider>
      <TopNav />
      <StaleBanner />
      <main className="mx-auto max-w-7xl px-3 py-4 sm:px-6 sm:py-6">{children}</main>
    </LiveProvider>
  );
}
