import { LiveProvider } from "../_components/live/live-provider";
import { TopNav } from "../_components/nav/top-nav";

export default function DashboardLayout({ children }: { children: React.ReactNode }) {
  return (
    <LiveProvider>
      <TopNav />
      <main className="mx-auto max-w-7xl px-3 py-4 sm:px-6 sm:py-6">{children}</main>
    </LiveProvider>
  );
}
