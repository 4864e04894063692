# syntax=docker/dockerfile:1
# The bridge as a container: build with the Swift toolchain image, run on a slim Debian 12 with
# only the binary and the shared libraries it loads.
#
#   docker build -t order-bridge .
#   docker run --rm -p 8080:8080 -e JWT_SECRET=... -e WEBHOOK_SOURCES=demo \
#       -e WEBHOOK_SECRET_DEMO=whsec_... -e ALLOWED_ORIGINS=https://app.example.com \
#       -v bridge-data:/var/lib/bridge/data order-bridge
#
# The builder image should carry the same Swift version as the toolchain the project is tested with.
ARG SWIFT_IMAGE=swift:6.3-bookworm
ARG RUNTIME_IMAGE=debian:bookworm-slim

FROM ${SWIFT_IMAGE} AS builder
RUN apt-get update \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
        pkg-config \
        libwebsockets-dev \
        libsqlite3-dev \
        libssl-dev \
        libpq-dev \
        libcurl4-openssl-dev \
        libhiredis-dev \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
# Package.swift names the test targets too, so their folders must be present for the build.
COPY Package.swift ./
COPY Sources ./Sources
COPY Tests ./Tests
RUN swift build -c release --product bridge --static-swift-stdlib \
    && install -D -m 0755 "$(swift build -c release --show-bin-path)/bridge" /out/bridge

FROM ${RUNTIME_IMAGE}
# Runtime halves of the -dev packages above; libstdc++6 is still loaded with a static Swift stdlib.
RUN apt-get update \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
        ca-certificates \
        libstdc++6 \
        libwebsockets17 \
        libsqlite3-0 \
        libssl3 \
        libpq5 \
        libcurl4 \
        libhiredis0.14 \
    && rm -rf /var/lib/apt/lists/*
RUN groupadd --system --gid 10001 bridge \
    && useradd --system --uid 10001 --gid bridge --home-dir /var/lib/bridge --create-home \
        --shell /usr/sbin/nologin bridge \
    && install -d -o bridge -g bridge -m 0750 /var/lib/bridge/data
COPY --from=builder /out/bridge /usr/local/bin/bridge

WORKDIR /var/lib/bridge
ENV HOST=0.0.0.0 \
    PORT=8080 \
    DATABASE_URL=sqlite:/var/lib/bridge/data/bridge.sqlite3 \
    LOG_FORMAT=json
VOLUME ["/var/lib/bridge/data"]
EXPOSE 8080
USER bridge:bridge

# Health: GET /api/health/live answers 200 while the process serves HTTP; GET /api/health/ready
# answers 503 while the store (or Redis) is down or the instance drains. The image has no HTTP
# client; probe from outside, e.g. Kubernetes `httpGet: {path: /api/health/live, port: 8080}` as
# the liveness probe and `/api/health/ready` as the readiness probe (docs/deployment.md).
ENTRYPOINT ["/usr/local/bin/bridge"]
CMD ["serve"]
