# syntax=docker/dockerfile:1
# Switchboard image: `docker build -t switchboard .`, or `docker compose up` (docker-compose.yml).
# The config is mounted at /etc/switchboard/config.yaml; the SQLite store lives in the volume
# /var/lib/switchboard (set `store.path: /var/lib/switchboard/switchboard.sqlite`).

# Shared base for the stages that run npm: better-sqlite3 builds from source (node-gyp) when no
# prebuilt binary matches the platform, so the compiler is here, and only here.
FROM node:22-bookworm-slim AS toolchain
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json ./

# Compile the TypeScript. tsconfig.json includes test/ and bench/ (bridges keep their tests next
# to them), so the whole tree is copied; .dockerignore keeps node_modules, dist and state out.
FROM toolchain AS build
RUN npm ci
COPY . .
RUN npm run build \
 && find dist/bridges -type d -name test -prune -exec rm -rf {} +

# Production dependencies only, installed where the compiler is, then copied into the runtime
# image, which therefore has no build tools.
FROM toolchain AS deps
RUN npm ci --omit=dev && npm cache clean --force

FROM node:22-bookworm-slim AS runtime
ENV NODE_ENV=production
WORKDIR /app
# A system user of its own, not root and not the image's generic `node` user.
RUN groupadd --system switchboard \
 && useradd --system --gid switchboard --home-dir /var/lib/switchboard --shell /usr/sbin/nologin switchboard \
 && mkdir -p /var/lib/switchboard /etc/switchboard \
 && chown switchboard:switchboard /var/lib/switchboard
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /app/dist/src ./dist/src
COPY --from=build /app/dist/bridges ./dist/bridges
# package.json carries "type": "module", which Node needs to load dist/ as ES modules.
COPY package.json config.example.yaml ./
USER switchboard
# Declared after the chown so a new named volume starts owned by the switchboard user.
VOLUME ["/var/lib/switchboard"]
# The HTTP listener (/healthz, /metrics, webhooks) when the config sets http.port: 8080.
EXPOSE 8080
# exec form: node is PID 1 and gets SIGTERM itself (graceful stop); SIGHUP reloads.
# --max-semi-space-size=2: a small young generation (README, "Running it").
ENTRYPOINT ["node", "--max-semi-space-size=2", "dist/src/cli.js"]
CMD ["--config", "/etc/switchboard/config.yaml"]
