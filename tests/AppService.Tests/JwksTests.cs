using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.IdentityModel.Tokens;

namespace OpenMeet.AppService.Tests;

/// <summary>RS256 OpenMeet tokens whose keys come from a JWKS URL (served here by a small real server).</summary>
public sealed class JwksTests : IAsyncLifetime
{
    private readonly RSA key = RSA.Create(2048);
    private WebApplication? jwks;
    private TestService? service;

    public async Task InitializeAsync()
    {
        int port;
        using (var probe = new TcpListener(IPAddress.Loopback, 0))
        {
            probe.Start();
            port = ((IPEndPoint)probe.LocalEndpoint).Port;
        }

        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
        jwks = builder.Build();
        var jwk = JsonWebKeyConverter.ConvertFromRSASecurityKey(new RsaSecurityKey(key.ExportParameters(false)) { KeyId = "k1" });
        jwks.MapGet("/jwks.json", () => Results.Text(
            JsonSerializer.Serialize(new { keys = new[] { new { kty = "RSA", kid = "k1", use = "sig", alg = "RS256", n = jwk.N, e = jwk.E } } }),
            "application/json"));
        await jwks.StartAsync();

        service = new TestService($"openmeet:\n  jwt_issuer: {TestService.JwtIssuer}\n  jwt_audience: {TestService.JwtAudience}\n  jwks_url: http://127.0.0.1:{port}/jwks.json");
        await service.StartAsync();
    }

    public async Task DisposeAsync()
    {
        await service!.DisposeAsync();
        await jwks!.DisposeAsync();
        key.Dispose();
    }

    private static string Token(RSA signer, string kid) => OpenMeetTokens.Sign("john", "t1", "John", TestService.JwtIssuer, TestService.JwtAudience, null,
        new SigningCredentials(new RsaSecurityKey(signer) { KeyId = kid }, SecurityAlgorithms.RsaSha256));

    [Fact]
    public async Task TokenSignedWithAKeyFromTheJwksIsAccepted()
    {
        var response = await service!.Public(Token(key, "k1")).GetAsync("/api/handles/check?handle=john.doe");
        response.StatusCode.Should().Be(HttpStatusCode.OK);
    }

    [Fact]
    public async Task TokenSignedWithAnotherKeyIsRefused()
    {
        using var other = RSA.Create(2048);
        var response = await service!.Public(Token(other, "k1")).GetAsync("/api/handles/check?handle=john.doe");
        response.StatusCode.Should().Be(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task Hs256TokenIsRefusedWhenKeysComeFromJwks()
    {
        var response = await service!.Public(OpenMeetTokens.Hs256("john", "t1")).GetAsync("/api/handles/check?handle=john.doe");
        response.StatusCode.Should().Be(HttpStatusCode.Unauthorized);
    }
}
