import { getLog } from "../log";

/**
 * Wraps the one loader a page calls (next-learn's fetchX): whatever fails underneath, the page
 * fails with one message that names what it could not load, the cause attached and logged. The
 * browser sees Next's error page either way; the message is for whoever reads the log.
 */
export function pageLoader<A extends unknown[], R>(
  what: string | ((...args: A) => string),
  load: (...args: A) => Promise<R>,
) {
  return async (...args: A): Promise<R> => {
    try {
      return await load(...args);
    } catch (error) {
      const name = typeof what === "string" ? what : what(...args);
      getLog().error({ err: error }, `could not load ${name}`);
      throw new Error(`Could not load ${name}.`, { cause: error });
    }
  };
}
