# persona-decider container image.
#
#   docker build -t persona-decider .
#   docker run --rm --init --read-only -p 127.0.0.1:3000:3000 -v persona-data:/app/data --env-file .env \
#     -e DATABASE_URL=sqlite:/app/data/decisions.db persona-decider          (more: docs/deployment.md)
#
# podman: `podman build --format docker …` keeps the HEALTHCHECK (the OCI image format has no such field).
# Two stages: `build` compiles the native SQLite addon and the TypeScript; the runtime stage gets only
# node_modules (production dependencies), dist/, console/ (the operator console's static files) and package.json,
# runs as the unprivileged `node` user (uid 1000),
# never runs npm, and needs no writable path except the /app/data volume (so `--read-only` works).

ARG NODE_IMAGE=node:24-bookworm-slim

# ---------------------------------------------------------------------------------------------------------------
FROM ${NODE_IMAGE} AS build
WORKDIR /app

# better-sqlite3 downloads a prebuilt addon when it can and otherwise compiles SQLite with node-gyp, which needs
# python3, make and g++. The official slim image has none of them; install them only when missing.
RUN if command -v python3 >/dev/null && command -v make >/dev/null && command -v g++ >/dev/null; then \
      echo "build toolchain already present"; \
    else \
      apt-get update \
      && apt-get install -y --no-install-recommends python3 make g++ \
      && rm -rf /var/lib/apt/lists/*; \
    fi

# node-gyp uses the headers shipped in the image instead of downloading them.
ENV npm_config_nodedir=/usr/local \
    npm_config_update_notifier=false \
    npm_config_fund=false \
    npm_config_audit=false

# Dependencies first, in their own layer, so a source change does not recompile SQLite (~90 s). Lifecycle scripts
# are skipped here (`prepare` would build the TypeScript, which is not copied yet); the native addon is built
# explicitly by `npm rebuild`, which runs only its install script.
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts \
    && npm rebuild better-sqlite3 \
    && node -e "new (require('better-sqlite3'))(':memory:').prepare('select 1').get()"

COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
# Build, drop the dev dependencies, and keep only the compiled addon of better-sqlite3 (its SQLite sources and
# object files are ~25 MB the runtime never reads).
RUN npm run build \
    && npm prune --omit=dev \
    && cd node_modules/better-sqlite3 \
    && mv build/Release/better_sqlite3.node /tmp/ \
    && rm -rf build deps src \
    && mkdir -p build/Release \
    && mv /tmp/better_sqlite3.node build/Release/ \
    && cd /app \
    && node -e "new (require('better-sqlite3'))(':memory:').prepare('select 1').get()"

# ---------------------------------------------------------------------------------------------------------------
FROM ${NODE_IMAGE} AS runtime
WORKDIR /app

# The service's live heap is about 30 MB (docs/benchmarks.md, memory); without a cap V8 sizes its heap from the
# host's memory and lets garbage pile up to a few hundred MB under sustained ingest. Override NODE_OPTIONS to change it.
ENV NODE_ENV=production \
    NODE_OPTIONS=--max-old-space-size=128 \
    PORT=3000 \
    HOST=0.0.0.0 \
    DATABASE_URL=sqlite:/app/data/decisions.db

# Application files stay owned by root (read-only for the service); only the data directory belongs to `node`.
COPY --from=build /app/package.json ./package.json
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
# GET /console serves these from /app/console (dist/http/routes/console.js looks three folders up)
COPY console ./console
RUN mkdir -p /app/data && chown node:node /app/data

USER node
VOLUME ["/app/data"]
EXPOSE 3000

# Liveness via Node's built-in fetch: no curl or wget in the image.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]

# main.ts handles SIGTERM itself (stop accepting, finish in-flight requests and jobs, close the database, exit 0),
# also as PID 1. `docker run --init` / compose `init: true` adds a reaper in front; both work.
STOPSIGNAL SIGTERM
CMD ["node", "dist/main.js"]
