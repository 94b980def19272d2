# syntax=docker/dockerfile:1
# One image for the whole hub: the command chooses the process (infra/README.md):
#   node dist/gateway.mjs                       the gateway (default)
#   node dist/<name>.mjs                        subgraph <name>
#   node dist/<name>.mjs migrate                migrate and seed subgraph <name>, then exit (a Job)
# dist/*.mjs are the bundles `npm run build` makes (scripts/bundle.ts): a process loads a few dozen
# files instead of thousands, so a replica starts in about half the time.
# infra/tests/image.test.ts builds the same runtime tree (infra/image/layout.ts) and runs it on every npm test.
#
# Node 24 (LTS), pinned by digest: every build gets the same base, and a new one is a reviewed change
# of this line. The digest is node:24-slim's multi-platform index as the official images' record
# has it (docker-library/repo-info, repos/node/remote/24-slim.md, commit 2534b852: Node 24.19.0 on
# Debian bookworm, built 2026-08-03). To move to a newer build: take the index digest from that
# record (or `docker buildx imagetools inspect node:24-slim`) and change all three stages together.

FROM node:24-slim@sha256:cd84903a12dbd26b46f1f3b8144a2568c41c5d37ddd0c7a80a34c7a19786b35f AS build
WORKDIR /app
ENV APOLLO_TELEMETRY_DISABLED=1 TURBO_TELEMETRY_DISABLED=1
COPY . .
# --ignore-scripts: `prepare` would also warm an embedded database the image never ships; build explicitly.
RUN npm ci --no-audit --no-fund --ignore-scripts && npm run build
RUN node --import tsx infra/image/layout.ts /app /out

# Runtime dependencies only, installed from the lock file; no install scripts run (none is needed at run time).
FROM node:24-slim@sha256:cd84903a12dbd26b46f1f3b8144a2568c41c5d37ddd0c7a80a34c7a19786b35f AS deps
WORKDIR /app
COPY --from=build /out/ ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force

FROM node:24-slim@sha256:cd84903a12dbd26b46f1f3b8144a2568c41c5d37ddd0c7a80a34c7a19786b35f
# Nothing in the final image installs or compiles anything: drop the package managers.
RUN rm -rf /usr/local/lib/node_modules/npm /usr/local/lib/node_modules/corepack /usr/local/bin/npm /usr/local/bin/npx /usr/local/bin/corepack \
    /opt/yarn-v* /usr/local/bin/yarn /usr/local/bin/yarnpkg \
 && mkdir -p /var/lib/nhs-hub && chown 1000:1000 /var/lib/nhs-hub
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=4000 \
    APOLLO_TELEMETRY_DISABLED=1 \
    PGLITE_DATA_DIR=/var/lib/nhs-hub/pglite
WORKDIR /app
# Owned by root and not writable by the app user: the root filesystem can be mounted read-only.
COPY --from=deps /app /app
# The only place the processes write, and only on embedded PGlite (no DATABASE_URL); PostgreSQL needs none.
VOLUME /var/lib/nhs-hub
# The image's `node` user, by number so Kubernetes can check runAsNonRoot.
USER 1000:1000
EXPOSE 4000
HEALTHCHECK --interval=15s --timeout=3s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch(`http://127.0.0.1:${process.env.HUB_ADMIN_PORT || process.env.PORT}/health/live`).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
CMD ["node", "dist/gateway.mjs"]
