# The gateway (and the sandbox, with `npm run sandbox`): docker compose up --build
FROM node:20-slim
WORKDIR /app
ENV NODE_ENV=production
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY . .
# Only needed without DATABASE_URL (embedded PostgreSQL keeps its data there).
RUN mkdir -p /app/.data && chown node:node /app/.data
USER node
EXPOSE 4000 4100
CMD ["npm", "start"]
