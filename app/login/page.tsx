import Image from "next/image";
import { redirect } from "next/navigation";
import { isSignedIn } from "@/lib/auth/page-guard";
import { sameOriginPath } from "@/lib/auth/redirect-target";
import { LoginForm } from "./login-form";

export const dynamic = "force-dynamic";

export default async function LoginPage({
  searchParams,
}: {
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  // A login page must not become an open redirect: only a path on this dashboard is followed.
  const target = sameOriginPath((await searchParams).callbackUrl);
  if (await isSignedIn()) redirect(target);
  return (
    <main className="grid min-h-dvh place-items-center px-4">
      <div className="w-full max-w-sm rounded-[var(--radius-card)] border border-line bg-surface p-8 shadow-[var(--shadow-card)]">
        <div className="mb-6 flex items-center gap-3">
          {/* The size size-9 draws, so nothing shifts; eager, as it is in view at once. */}
          <Image src="/icon.svg" alt="" width={36} height={36} className="size-9" loading="eager" />
          <div>
            <h1 className="text-lg font-semibold">OpenCode Dashboard</h1>
            <p className="text-sm text-muted">Sign in to watch your agents</p>
          </div>
        </div>
        <LoginForm target={target} />
      </div>
    </main>
  );
}
