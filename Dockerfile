# syntax=docker/dockerfile:1
# The tally binary in a slim Debian image, built in three stages so that the
# dependencies (librdkafka, Arrow/Parquet, aws-lc: most of the build's time) are a
# cached layer that only a change of Cargo.toml or Cargo.lock rebuilds (cargo-chef).
#
#   docker build -t tally:local .        (docker compose builds it as tally:local)
#
# The builder's Rust matches the toolchain the project is developed and tested with
# (1.95.0), on Debian 13 (trixie) like the runtime, so the binary's glibc is there.

FROM lukemathwalker/cargo-chef:0.1.77-rust-1.95.0-slim-trixie AS chef
WORKDIR /src
# rdkafka builds its bundled librdkafka with ./configure and make (C and C++), and
# links zlib; aws-lc and zstd build with the C compiler. No cmake: nothing here
# builds with it.
RUN apt-get update \
    && apt-get install -y --no-install-recommends build-essential pkg-config zlib1g-dev \
    && rm -rf /var/lib/apt/lists/*

# The recipe: the manifests and lock file only, so it changes only with them.
FROM chef AS planner
COPY . .
RUN cargo chef prepare --recipe-path recipe.json

FROM chef AS builder
COPY --from=planner /src/recipe.json recipe.json
RUN cargo chef cook --release --locked -p tally --recipe-path recipe.json
COPY . .
RUN cargo build --release --locked -p tally --bin tally

FROM debian:13.5-slim AS runtime
# ca-certificates: TLS to S3 and other endpoints (rustls reads the system roots).
# wget: the compose healthchecks' probe of /healthz; tally has no probe command.
# The binary itself needs only libc, libm, libgcc_s and zlib, all in the base image.
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates wget \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 --user-group --home-dir /var/lib/tally --create-home \
        --shell /usr/sbin/nologin tally
COPY --from=builder /src/target/release/tally /usr/local/bin/tally
# Numeric, so a runtime that enforces non-root (Kubernetes' runAsNonRoot) can check it.
USER 10001:10001
WORKDIR /var/lib/tally
# 8080: tally serve's API; 9187: /metrics and /healthz of ingest and schedule.
EXPOSE 8080 9187
ENTRYPOINT ["tally"]
CMD ["--help"]
