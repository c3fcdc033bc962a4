# The service image. Synapse runs elsewhere; mount the config (and keep /data on a volume).
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
COPY global.json Directory.Build.props Directory.Packages.props .editorconfig registration.yaml.template ./
COPY src/ src/
RUN dotnet publish src/AppService -c Release -o /app --nologo

FROM mcr.microsoft.com/dotnet/aspnet:10.0
WORKDIR /app
COPY --from=build /app .
VOLUME /data
EXPOSE 8009 8010
ENTRYPOINT ["dotnet", "OpenMeet.AppService.dll"]
CMD ["-c", "/data/config.yaml"]
