import Link from "next/link";

export default function SessionNotFound() {
  return (
    <div className="mx-auto max-w-md py-16 text-center">
      <h1 className="text-lg font-semibold">No such session</h1>
      <p className="mt-2 text-muted">It may have been deleted, or its events have not reached the dashboard yet.</p>
      <Link href="/" className="mt-4 inline-block text-accent underline">
        Back to all sessions
      </Link>
    </div>
  );
}
