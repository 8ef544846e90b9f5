# Tiercast image: `docker build -t tiercast .`, then `docker run -p 8000:8000 tiercast`
# (embedded default), or the scale-out stack with docker-compose.yml. Same settings as
# outside Docker: TIERCAST_*, DATABASE_URL, KAFKA_*, MINIO_*, AWS_* (see .env.example).

# --- build: compile TypeScript and the dashboard, then keep only runtime dependencies ---
FROM node:24-bookworm-slim AS build
WORKDIR /app
# better-sqlite3 compiles from source when no prebuilt binary can be downloaded.
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
# No scripts yet: the package's own `prepare` (the build) needs the sources copied below.
RUN npm ci --ignore-scripts --no-audit --no-fund && npm rebuild better-sqlite3 esbuild
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY web ./web
RUN npm run build && npm prune --omit=dev --no-audit --no-fund

# --- runtime ---
FROM node:24-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production \
    TIERCAST_HOST=0.0.0.0 \
    TIERCAST_DATA_DIR=/data \
    TIERCAST_LOG_FORMAT=json
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY bin ./bin
COPY profiles ./profiles
RUN chmod +x bin/tiercast.js && ln -s /app/bin/tiercast.js /usr/local/bin/tiercast \
 && mkdir -p /data/tiers && chown -R node:node /data
USER node
VOLUME /data
EXPOSE 8000
ENTRYPOINT ["tiercast"]
CMD ["serve"]
