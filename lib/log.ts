import pino from "pino";

const globalForLog = globalThis as unknown as { __ocdLog?: pino.Logger };

/**
 * One structured logger for the process (server.ts and route handlers share it). Secrets are
 * redacted by key name wherever they might be logged by accident.
 */
export function getLog(): pino.Logger {
  globalForLog.__ocdLog ??= pino({
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
  return globalForLog.__ocdLog;
}
