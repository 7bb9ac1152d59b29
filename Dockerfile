# One image for the whole stack: gateway, mock-backend, mock-redis, charger-sim and client.
# The compose service picks the program with `command:` (see compose.yaml), e.g.
#   docker run --rm -p 8080:8080 -e JWT_SECRET=... IMAGE gateway --redis-url redis://...
#
# Build image: the official Swift image on Debian 12. `swift:6.3-bookworm` matches the
# toolchain the project is developed with (Swift 6.3.1); the tag could not be pulled on the
# machine this file was written on (no container engine), so override it if needed:
#   docker build --build-arg SWIFT_IMAGE=swift:6.2-bookworm .
ARG SWIFT_IMAGE=swift:6.3-bookworm

# ---- build ----
FROM ${SWIFT_IMAGE} AS build
RUN export DEBIAN_FRONTEND=noninteractive \
    && apt-get -q update \
    && apt-get -q install -y --no-install-recommends libsqlite3-dev \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src

# Dependencies first, in their own layer, so editing Sources/ does not fetch them again.
COPY Package.swift ./
RUN swift package resolve
COPY Sources ./Sources
COPY Tests ./Tests

# Swift's runtime and Foundation are linked statically; SQLite (GRDB) stays dynamic.
RUN swift build -c release --static-swift-stdlib \
    && mkdir -p /out \
    && bin="$(swift build -c release --static-swift-stdlib --show-bin-path)" \
    && for program in gateway mock-backend mock-redis charger-sim client; do \
           cp "$bin/$program" /out/ && strip /out/"$program"; \
       done

# ---- runtime ----
FROM debian:bookworm-slim
RUN export DEBIAN_FRONTEND=noninteractive \
    && apt-get -q update \
    && apt-get -q install -y --no-install-recommends libsqlite3-0 ca-certificates curl tzdata \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 --user-group --home-dir /data --no-create-home stack \
    && mkdir -p /data \
    && chown stack:stack /data
COPY --from=build /out/ /usr/local/bin/

# mock-backend's SQLite file lives here (DATABASE=/data/mock-backend.sqlite).
VOLUME /data
WORKDIR /data
USER stack:stack
ENV HOST=0.0.0.0 \
    LOG_LEVEL=info \
    DATABASE=/data/mock-backend.sqlite
# gateway 8080, mock-backend 8000, charger-sim 9000, mock-redis 6379
EXPOSE 8080 8000 9000 6379
# No ENTRYPOINT: the command is the program, e.g. `gateway` or `mock-redis --maxclients 500`.
CMD ["gateway", "--help"]
