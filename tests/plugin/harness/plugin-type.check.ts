// Compile-time check (tsc only, never run): the shipped plugin satisfies @opencode-ai/plugin's Plugin type.
import type { Plugin } from "@opencode-ai/plugin";
import { OpencodeDashboard } from "../../../plugin/opencode-dashboard.ts";

export const typed: Plugin = OpencodeDashboard;
