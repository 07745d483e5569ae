import { cookies } from "next/headers";
import { redirect } from "next/navigation";
import { hasValidSession } from "./session";

/** For server components: signed-out visitors are sent to /login (the proxy did so already). */
export async function requireSignedIn(path: string) {
  const jar = await cookies();
  if (await hasValidSession(jar.toString())) return;
  redirect(path === "/" ? "/login" : `/login?callbackUrl=${encodeURIComponent(path)}`);
}

export async function isSignedIn() {
  return hasValidSession((await cookies()).toString());
}
