# syntax=docker/dockerfile:1
# The mdops console, for debugging sessions inside the cluster:
#   docker build -f agent/deploy/mdops.Dockerfile -t ghcr.io/mdops/mdops:0.1.0 .
#   kubectl -n market-data run mdops -it --rm --restart=Never \
#     --image=ghcr.io/mdops/mdops:0.1.0 \
#     --overrides='{"spec":{"serviceAccountName":"mdops-readonly"}}' \
#     -- --read-only --agent http://market-data-agent:8080
# An interactive terminal program: no HEALTHCHECK, no ports.

ARG RUST_VERSION=1.89

FROM rust:${RUST_VERSION}-bookworm AS builder
WORKDIR /src
COPY . .
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/src/target \
    cargo build --release --locked -p mdops --bin mdops \
 && install -D -m 0755 target/release/mdops /out/mdops

# crossterm writes ANSI sequences itself (no terminfo needed), so glibc and
# libgcc are all the console needs. The nonroot user has a home directory
# for the console's state and log files.
FROM gcr.io/distroless/cc-debian12:nonroot AS runtime
ARG VERSION=0.1.0
ARG REVISION=unknown
ARG CREATED=unknown
LABEL org.opencontainers.image.title="mdops" \
      org.opencontainers.image.description="Terminal operations console for the Market Data Agent" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.created="${CREATED}" \
      org.opencontainers.image.source="https://github.com/mdops/mdops" \
      org.opencontainers.image.licenses="MIT"
COPY --from=builder /out/mdops /usr/local/bin/mdops
ENV TERM=xterm-256color
USER 65532:65532
ENTRYPOINT ["/usr/local/bin/mdops"]
