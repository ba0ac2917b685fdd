# syntax=docker/dockerfile:1
# NeTracker: the eBPF object and the dashboard, built in one stage, run in a small one.

FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
# clang + libbpf headers compile bpf/netracker.bpf.c during `dotnet publish` (bpf/bpf.targets).
RUN apt-get update \
 && apt-get install -y --no-install-recommends clang llvm libbpf-dev linux-libc-dev \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
RUN dotnet publish NeTracker.Web/NeTracker.Web.csproj -c Release -o /app \
 && dotnet publish NeTracker.Probe/NeTracker.Probe.csproj -c Release -o /app/probe

FROM mcr.microsoft.com/dotnet/aspnet:10.0 AS runtime
# tc and bpftool attach and load the programs; curl serves the health check.
RUN apt-get update \
 && apt-get install -y --no-install-recommends iproute2 bpftool curl \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY --from=build /app .
ENV ASPNETCORE_ENVIRONMENT=Production \
    NeTracker__DataDirectory=/var/lib/netracker
VOLUME ["/var/lib/netracker"]
EXPOSE 5080
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s \
  CMD curl -fsS http://127.0.0.1:5080/healthz || exit 1
ENTRYPOINT ["dotnet", "NeTracker.Web.dll"]
