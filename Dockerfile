# The service image. Synapse runs elsewhere; mount the config (and keep /data on a volume).
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
COPY global.json Directory.Build.props Directory.Packages.props .editorconfig registration.yaml.template ./
COPY src/ src/
RUN dotnet publish src/AppService -c Release -o /app --nologo

FROM mcr.microsoft.com/dotnet/aspnet:10.0
# A user of its own, not root: the data folder is the only place it writes.
RUN groupadd --system openmeet && useradd --system --gid openmeet --home-dir /data --shell /usr/sbin/nologin openmeet \
    && mkdir -p /data && chown openmeet:openmeet /data && chmod 0700 /data
WORKDIR /app
COPY --from=build /app .
USER openmeet
VOLUME /data
EXPOSE 8009 8010
ENTRYPOINT ["dotnet", "OpenMeet.AppService.dll"]
CMD ["-c", "/data/config.yaml"]
