using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using LiteDB;
using Microsoft.Extensions.DependencyInjection;

namespace OpenMeet.AppService.Tests;

/// <summary>Taking access away answers at once, whatever the clients that must hear of it are doing.</summary>
public sealed class RevocationTests : IAsyncLifetime
{
    // A client whose back-channel logout endpoint accepts the connection and never answers.
    private readonly TcpListener hanging = new(IPAddress.Loopback, 0);
    private TestService service = null!;

    public async Task InitializeAsync()
    {
        hanging.Start();
        var port = ((IPEndPoint)hanging.LocalEndpoint).Port;
        service = new TestService($$"""
            openmeet:
              jwt_issuer: {{TestService.JwtIssuer}}
              jwt_audience: {{TestService.JwtAudience}}
              jwt_secret: {{TestService.JwtSecret}}
            oidc:
              issuer: http://127.0.0.1:1/oidc
              clients:
                - client_id: synapse
                  client_secret: secret-0123456789abcdef
                  redirect_uris: ["http://127.0.0.1:1/_synapse/client/oidc/callback"]
                  backchannel_logout_uri: http://127.0.0.1:{{port}}/_synapse/client/oidc/backchannel_logout
            """);
        await service.StartAsync();
    }

    public async Task DisposeAsync()
    {
        await service.DisposeAsync();
        hanging.Stop();
    }

    [Fact]
    public async Task DeleteIsAnsweredAtOnceWhileABackChannelClientHangs()
    {
        var api = service.Private(TestService.InternalToken);
        (await api.PutAsJsonAsync("/internal/tenants/t1", new { name = "T1" })).StatusCode.Should().Be(HttpStatusCode.OK);
        (await api.PutAsJsonAsync("/internal/tenants/t1/users/carl", new { name = "Carl", handle = "carl" })).StatusCode.Should().Be(HttpStatusCode.OK);
        var sessions = service.Services.GetRequiredService<LiteDatabase>().GetCollection("oidc_sessions");
        sessions.Insert(new BsonDocument { ["_id"] = "sid-1", ["user"] = "t1/carl", ["sub"] = "carl-sub", ["at"] = DateTime.UtcNow });

        var clock = Stopwatch.StartNew();
        var deleted = await api.DeleteAsync("/internal/tenants/t1/users/carl");

        deleted.StatusCode.Should().Be(HttpStatusCode.Accepted);
        clock.Elapsed.Should().BeLessThan(TimeSpan.FromSeconds(2), "the back-channel logout is the reconciler's step, not the request's");
        await Task.Delay(500);
        var carl = await (await api.GetAsync("/internal/tenants/t1/users/carl")).ReadAsync();
        carl.GetProperty("revocation").GetProperty("sessionsEnded").GetBoolean().Should().BeFalse("the client has not taken the logout");
        (sessions.FindById("sid-1") is not null).Should().BeTrue("a session is forgotten only once its logout was delivered");
    }
}
