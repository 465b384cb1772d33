# The gateway (and the sandbox, see docker-compose.yml): docker compose up --build
# Two stages: `build` compiles the TypeScript (npm run build → dist/); the image runs that plain
# JavaScript with `node`, production dependencies only (no tsx, no TypeScript), as the user `node`.
FROM node:22-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build

FROM node:22-slim
WORKDIR /app
ENV NODE_ENV=production
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist ./dist
# Only needed without DATABASE_URL (embedded PostgreSQL keeps its data there).
RUN mkdir -p /app/.data && chown node:node /app/.data
USER node
EXPOSE 4000 4100
# The gateway; the sandbox: node dist/src/sandbox/main.js; the CLI: node dist/src/cli/main.js; migrations: node dist/migrate.js
CMD ["node", "dist/main.js"]
