# syntax=docker/dockerfile:1
# Kaizala Migration Assistant — production image. Build: docker build -t kaizala-migration .
# Run:   docker run -p 3978:3978 --env-file .env kaizala-migration   (NODE_ENV=production is set here; the bot then
#        refuses to start without MicrosoftAppId, APPROVERS, https endpoints and the other production settings).

# --- build: compile TypeScript with the dev dependencies, then drop them ----------------------------------------
FROM node:20-bookworm-slim AS build
WORKDIR /app
# better-sqlite3 ships prebuilt binaries for linux-x64 glibc; the toolchain is the fallback for other platforms.
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY bot ./bot
COPY cards ./cards
COPY dialogs ./dialogs
COPY services ./services
COPY sandbox ./sandbox
COPY bench ./bench
COPY scripts ./scripts
RUN npm run build \
 && npm prune --omit=dev --no-audit --no-fund

# --- runtime: production dependencies and compiled code only, as the unprivileged "node" user ------------------
FROM node:20-bookworm-slim
ENV NODE_ENV=production \
    PORT=3978 \
    DATA_DIR=/app/data
WORKDIR /app
COPY --from=build --chown=root:root /app/package.json ./package.json
COPY --from=build --chown=root:root /app/node_modules ./node_modules
COPY --from=build --chown=root:root /app/dist ./dist
# Code stays root-owned and read-only to the process; only DATA_DIR (SQLite, STORE=sqlite) is writable.
RUN mkdir -p /app/data && chown node:node /app/data
USER node
EXPOSE 3978
# /healthz answers 200 while the process serves requests (readiness with dependencies is /readyz).
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 3978) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
CMD ["node", "dist/bot/index.js"]
