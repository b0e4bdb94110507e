# syntax=docker/dockerfile:1
#
# Tessera's container image. Two stages:
#   build    — compiles the TypeScript (src/ only) and better-sqlite3's native addon from source (no prebuilt
#              binary downloaded), then drops the development dependencies;
#   runtime  — the compiled server, production node_modules, the OpenAPI documents and the BIN table; runs as the
#              unprivileged `node` user, with a HEALTHCHECK on /livez.
#
#   docker build -t tessera .
#   docker run --rm -p 8080:8080 -e TESSERA_MASTER_KEY=… -e TESSERA_ADMIN_TOKEN=… -e TESSERA_DATABASE_URL=postgres://… tessera
#   docker run --rm tessera network-sim --port 9090 --host 0.0.0.0 --issuer-url http://tessera:8080
#
# compose.yaml runs Tessera on PostgreSQL with the network simulator as its own service.

ARG NODE_IMAGE=node:20-bookworm-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /app
# node-gyp's toolchain for better-sqlite3.
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
# Compile native addons here rather than fetching prebuilt binaries, against the image's own Node headers (no header
# download); skip the lifecycle scripts of everything else.
ENV npm_config_build_from_source=true \
    npm_config_nodedir=/usr/local
RUN npm ci --ignore-scripts --no-audit --no-fund \
 && npm rebuild better-sqlite3 \
 && node -e "new (require('better-sqlite3'))(':memory:').prepare('select 1').get()"
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
# src/ only (no tests or benchmarks); a type error fails the image build.
RUN node node_modules/typescript/bin/tsc -p tsconfig.build.json \
 && rm -f dist/.tsbuildinfo-server \
 && npm prune --omit=dev --no-audit --no-fund

FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=8080 \
    TESSERA_DATA_DIR=/var/lib/tessera
WORKDIR /app
COPY --from=build --chown=root:root /app/node_modules ./node_modules
COPY --from=build --chown=root:root /app/dist ./dist
COPY --chown=root:root package.json ./
COPY --chown=root:root openapi ./openapi
COPY --chown=root:root resources ./resources
# The code is root's and read-only to the server; only the data dir (SQLite, if used) is the server's.
RUN mkdir -p /var/lib/tessera && chown node:node /var/lib/tessera && chmod 0700 /var/lib/tessera
VOLUME ["/var/lib/tessera"]
USER node
EXPOSE 8080
# No curl in the slim image: Node's own fetch. PORT is read at check time, so an overridden port is checked.
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 8080) + '/livez').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
ENTRYPOINT ["node", "dist/src/cli/main.js"]
CMD ["serve"]
