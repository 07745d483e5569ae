# OpenCode Dashboard: one Node process (Next.js, socket.io and SQLite) on port 3000.
#
# No Docker engine runs where this project is developed, so tests/integration/dockerfile.test.ts
# runs this file's own steps (WORKDIR, ENV, COPY, RUN, then CMD and HEALTHCHECK) in a clean
# copy of the build context. Keep every RUN a plain shell command with relative paths; steps
# that start with apt-get (system packages, the data directory's owner) are the only ones it skips.

FROM node:22-bookworm-slim AS build
# better-sqlite3 compiles from source when no prebuilt binary matches the platform.
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
WORKDIR /app
ENV NEXT_TELEMETRY_DISABLED=1
# Dependencies first: a code change leaves these layers cached and rebuilds from `COPY . .` on.
COPY package.json package-lock.json .npmrc ./
# `npm install`, not `npm ci`: it installs the lockfile's versions all the same, but tolerates the
# lockfile lacking other platforms' optional binaries (the registry it was made against serves
# only linux-x64 ones), which `npm ci` rejects as out of sync.
RUN npm install --no-audit --no-fund
COPY . .
# NEXT_OUTPUT=standalone makes Next trace the files its server loads (next.config.ts says more);
# server.ts stays the entry point.
RUN mkdir -p public && NEXT_OUTPUT=standalone npm run build
# Loading next.config.ts at run time takes SWC (Next's compiler, about 100 MB): ship it compiled.
RUN npx esbuild next.config.ts --format=esm --outfile=next.config.js --log-level=warning
RUN npm prune --omit=dev --no-audit --no-fund
# Then leave behind what the server never loads: bundled, build-only and other platforms'
# packages, source maps, Next's cache (scripts/prune-runtime.mjs lists each with its reason).
RUN node scripts/prune-runtime.mjs

FROM node:22-bookworm-slim AS runtime
# espeak-ng: the speech fallback when no Kokoro model is mounted (TTS_MODEL_DIR).
RUN apt-get update && apt-get install -y --no-install-recommends espeak-ng && rm -rf /var/lib/apt/lists/* \
    && mkdir -p /app/data && chown node:node /app/data
WORKDIR /app
ENV NODE_ENV=production \
    NEXT_TELEMETRY_DISABLED=1 \
    PORT=3000 \
    HOST=0.0.0.0 \
    DATABASE_URL=/app/data/database.db \
    DISABLE_TTS=true
# Owned by root, read-only to the app user; only .next (Next's cache) and data/ are writable.
COPY --from=build /app/package.json /app/next.config.js ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build --chown=node:node /app/.next ./.next
COPY --from=build /app/public ./public
COPY --from=build /app/plugin ./plugin
COPY --from=build /app/dist ./dist
COPY --from=build /app/scripts/backup.mjs ./scripts/backup.mjs
USER node
VOLUME ["/app/data"]
EXPOSE 3000
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 3000) + '/health').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
CMD ["node", "dist/server.js"]
