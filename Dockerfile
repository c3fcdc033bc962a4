# The service's image, for operators with a Docker engine: docker build -t openmeet-appservice .
# Synapse runs elsewhere (compose.yaml runs both with PostgreSQL). The config file is the one
# OPENMEET_CONFIG names (default /data/config.yaml); the database and inbox live on the /data volume.
# container/Containerfile builds the same image without a Docker engine (container/build.sh); its
# final stage must stay the same as this one's, which container/stages-agree.sh checks (CI runs it).

FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
ARG TARGETARCH
WORKDIR /src
COPY global.json Directory.Build.props Directory.Packages.props .editorconfig registration.yaml.template ./
COPY src/ src/
COPY container/publish.sh container/
# Self-contained for the image's architecture: the final image needs no .NET runtime, only the
# native libraries runtime-deps carries. container/publish.sh holds the options (CI runs it too).
RUN case "${TARGETARCH:-amd64}" in arm64) rid=linux-arm64 ;; *) rid=linux-x64 ;; esac \
    && bash container/publish.sh /app "$rid"

# .NET 10's images are Ubuntu 24.04 (no Debian ones); runtime-deps is the smallest with a shell,
# which the entrypoint and the health check use.
FROM mcr.microsoft.com/dotnet/runtime-deps:10.0-noble
# --- final stage: the same in Dockerfile and container/Containerfile (container/stages-agree.sh) ---
# A user of its own, not root, with a fixed uid so a host folder mounted at /data can be given to
# it (chown 10001:10001). /data is the only place it writes; the service keeps it 0700.
RUN groupadd --gid 10001 openmeet \
    && useradd --no-create-home --uid 10001 --gid openmeet --home-dir /data --shell /usr/sbin/nologin openmeet \
    && mkdir -p /data && chown openmeet:openmeet /data && chmod 0700 /data
COPY --from=build /app /app
COPY container/entrypoint.sh /usr/local/bin/openmeet-appservice
COPY container/healthcheck.sh /usr/local/bin/openmeet-healthcheck
# The service binds what its config's listeners say; ASPNETCORE_HTTP_PORTS (8080 in the .NET
# images) would only add a warning that it is overridden.
ENV OPENMEET_CONFIG=/data/config.yaml \
    OPENMEET_HEALTHCHECK_URL=http://127.0.0.1:8009/health/live \
    ASPNETCORE_HTTP_PORTS=
USER openmeet
WORKDIR /data
VOLUME /data
# 8009: appservice (Synapse's push API), internal, health, metrics; 8010: api, oidc, health
# (config.example.yaml's listeners, bound to 0.0.0.0 in a container).
EXPOSE 8009 8010
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 CMD ["openmeet-healthcheck"]
ENTRYPOINT ["openmeet-appservice"]
