import pino from "pino";
import { runtime } from "./runtime";

/**
 * One structured logger for the process (server.ts and route handlers share it). Secrets are
 * redacted by key name wherever they might be logged by accident.
 */
export function getLog(): pino.Logger {
  runtime.log ??= pino({
    level: process.env.LOG_LEVEL || "info",
    base: undefined,
    redact: {
      paths: [
        "apiKey",
        "password",
        "frontendPassword",
        "authSecret",
        "*.apiKey",
        "*.password",
        "headers['x-api-key']",
        "headers.cookie",
      ],
      censor: "[redacted]",
    },
  });
  return runtime.log;
}
