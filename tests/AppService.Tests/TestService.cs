using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using OpenMeet.AppService.Configuration;

namespace OpenMeet.AppService.Tests;

/// <summary>The real service on loopback (Kestrel, LiteDB in a temp folder), restartable on the same files.</summary>
public sealed class TestService : IAsyncDisposable
{
    public const string HsToken = "hs_0123456789abcdef0123456789";
    public const string AsToken = "as_0123456789abcdef0123456789";
    public const string InternalToken = "in_0123456789abcdef0123456789";
    public const string JwtSecret = "openmeet-jwt-secret-for-tests-0123456789";
    public const string JwtIssuer = "https://openmeet.test";
    public const string JwtAudience = "openmeet-matrix";

    private WebApplication? app;

    public TestService(string? extraYaml = null, string homeserverUrl = "http://127.0.0.1:9")
    {
        Directory.CreateDirectory(Folder);
        (PrivatePort, PublicPort) = TwoFreePorts();
        ConfigPath = Path.Combine(Folder, "config.yaml");
        File.WriteAllText(ConfigPath, $$"""
            homeserver:
              url: {{homeserverUrl}}
              server_name: test.example.org
            appservice:
              id: openmeet
              url: http://127.0.0.1:{{PrivatePort}}
              bot_localpart: openmeet-bot
              bot_displayname: OpenMeet
              alias_prefix: openmeet_
              as_token: {{AsToken}}
              hs_token: {{HsToken}}
              max_transaction_bytes: 65536
            internal:
              token: {{InternalToken}}
            listeners:
              - bind: 127.0.0.1:{{PrivatePort}}
                resources: [appservice, internal, health, metrics]
              - bind: 127.0.0.1:{{PublicPort}}
                resources: [api, oidc, health]
            database:
              path: ./data/test.db
            logging:
              level: Debug
            {{extraYaml ?? $"openmeet:\n  jwt_issuer: {JwtIssuer}\n  jwt_audience: {JwtAudience}\n  jwt_secret: {JwtSecret}"}}
            """);
    }

    public string Folder { get; } = Path.Combine(Path.GetTempPath(), "om-tests", Guid.NewGuid().ToString("N"));
    public string ConfigPath { get; }
    public int PrivatePort { get; private set; }
    public int PublicPort { get; private set; }
    public StringWriter Log { get; } = new();
    public IServiceProvider Services => app!.Services;

    public HttpClient Private(string? bearer = HsToken) => Client(PrivatePort, bearer);

    public HttpClient Public(string? bearer = null) => Client(PublicPort, bearer);

    public async Task<TestService> StartAsync(Action<IServiceCollection>? configure = null)
    {
        for (var attempt = 1; ; attempt++)
        {
            app = ServiceHost.Build(ConfigLoader.Load(ConfigPath), TextWriter.Synchronized(Log), configure);
            try
            {
                await app.StartAsync();
                return this;
            }
            catch (IOException e) when (attempt < 5 && e.Message.Contains("address already in use", StringComparison.OrdinalIgnoreCase))
            {
                // Tests run in parallel: another one bound a port between our pick and our bind. Take two others.
                await app.DisposeAsync();
                app = null;
                var (privatePort, publicPort) = TwoFreePorts();
                File.WriteAllText(ConfigPath, File.ReadAllText(ConfigPath)
                    .Replace($":{PrivatePort}", $":{privatePort}", StringComparison.Ordinal)
                    .Replace($":{PublicPort}", $":{publicPort}", StringComparison.Ordinal));
                (PrivatePort, PublicPort) = (privatePort, publicPort);
            }
        }
    }

    public async Task StopAsync()
    {
        if (app is not null)
        {
            await app.StopAsync();
            await app.DisposeAsync();
            app = null;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        Directory.Delete(Folder, recursive: true);
    }

    private static HttpClient Client(int port, string? bearer)
    {
        var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
        if (bearer is not null)
        {
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
        }

        return client;
    }

    // Both sockets are held at once, so the two ports differ.
    private static (int, int) TwoFreePorts()
    {
        var first = new TcpListener(IPAddress.Loopback, 0);
        var second = new TcpListener(IPAddress.Loopback, 0);
        first.Start();
        second.Start();
        var ports = (((IPEndPoint)first.LocalEndpoint).Port, ((IPEndPoint)second.LocalEndpoint).Port);
        first.Stop();
        second.Stop();
        return ports;
    }
}
