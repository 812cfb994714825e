# Tessera's container image: built in one stage, run from a small one.
#   docker build -t tessera .
#   docker run -e TESSERA_DATABASE_URL=postgres://… -p 8080:8080 tessera
# deploy/compose.yaml runs it with PostgreSQL, pgbouncer, an S3 store and
# HAProxy; deploy/kubernetes/ on a cluster.

FROM rust:1.95-slim-bookworm AS build
# aws-lc (rustls' cryptography) builds with cmake and a C compiler.
RUN apt-get update \
 && apt-get install -y --no-install-recommends cmake pkg-config make g++ \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
# Queries are checked against .sqlx/, not a live database.
ENV SQLX_OFFLINE=true
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/src/target \
    cargo build --release --locked --bin tessera \
 && install -m 0755 target/release/tessera /usr/local/bin/tessera

FROM debian:bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates tzdata \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --user-group --home-dir /var/lib/tessera --create-home tessera
COPY --from=build /usr/local/bin/tessera /usr/local/bin/tessera
COPY themes /usr/share/tessera/themes
COPY tenants /usr/share/tessera/tenants
ENV TESSERA_DATA_DIR=/var/lib/tessera \
    TESSERA_THEMES_DIR=/usr/share/tessera/themes \
    TESSERA_TENANTS_DIR=/usr/share/tessera/tenants \
    TESSERA_HTTP__HOST=0.0.0.0 \
    TESSERA_HTTP__PORT=8080 \
    TESSERA_HTTP__DRAIN_SECS=5 \
    TESSERA_METRICS__HOST=0.0.0.0 \
    TESSERA_METRICS__PORT=9464 \
    TESSERA_LOG__FORMAT=json
USER tessera
WORKDIR /var/lib/tessera
VOLUME /var/lib/tessera
EXPOSE 8080 8443 9464
STOPSIGNAL SIGTERM
HEALTHCHECK --interval=10s --timeout=4s --start-period=60s --retries=3 \
    CMD ["tessera", "probe", "/healthz"]
ENTRYPOINT ["tessera"]
CMD ["serve"]
