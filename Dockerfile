# syntax=docker/dockerfile:1
# NeTracker's image is its Debian package: build it first with `./netracker.sh package`
# (artifacts/netracker_VERSION_amd64.deb, the self-contained publish output), then
# `docker compose build`. The image holds exactly what the .deb installs, with the .deb's own
# Depends (iproute2, bpftool, ...): no .NET runtime image, no SDK, no clang.
FROM debian:bookworm-slim
# One package in artifacts/ (packaging/build.sh removes older ones): the COPY needs one match.
COPY artifacts/netracker_*_amd64.deb /tmp/netracker.deb
# curl serves the health check.
RUN apt-get update \
 && apt-get install -y --no-install-recommends /tmp/netracker.deb curl ca-certificates \
 && rm -rf /var/lib/apt/lists/* /tmp/netracker.deb
# The systemd unit's content root and environment (packaging/systemd/netracker.service).
WORKDIR /opt/netracker/web
ENV ASPNETCORE_ENVIRONMENT=Production \
    NeTracker__DataDirectory=/var/lib/netracker
VOLUME ["/var/lib/netracker"]
EXPOSE 5080
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s \
  CMD curl -fsS http://127.0.0.1:5080/healthz || exit 1
ENTRYPOINT ["/opt/netracker/web/NeTracker.Web"]
