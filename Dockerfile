# Ringmaster controller image: `serve --kube` by default (see deploy/ and docs/kubernetes.md).
# Two stages: production dependencies are installed with npm's lockfile in the first, and
# only they, the sources and the runtime data (schemas, examples) reach the final image.
# Node.js runs the TypeScript sources directly (type stripping): there is no build step.

FROM node:24-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
# No dependency needs an install script; refusing them keeps the build hermetic.
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force

FROM node:24-slim
ENV NODE_ENV=production \
    RINGMASTER_DATA_DIR=/var/lib/ringmaster \
    RINGMASTER_PACKAGES_DIR=/var/lib/ringmaster/packages
WORKDIR /app
COPY --from=deps --chown=root:root /app/node_modules ./node_modules
COPY --chown=root:root package.json ./
COPY --chown=root:root bin ./bin
COPY --chown=root:root scripts/check-node.cjs ./scripts/check-node.cjs
COPY --chown=root:root src ./src
COPY --chown=root:root schemas ./schemas
COPY --chown=root:root crds ./crds
COPY --chown=root:root examples ./examples
# The code is root-owned and read-only to the process; it writes only to its data dir and /tmp.
RUN mkdir -p /var/lib/ringmaster/packages && chown -R node:node /var/lib/ringmaster
# `node` is uid/gid 1000 in the official image; numeric so runAsNonRoot can verify it.
USER 1000:1000
EXPOSE 4320
ENTRYPOINT ["node", "bin/ringmaster.js"]
CMD ["serve", "--kube"]
