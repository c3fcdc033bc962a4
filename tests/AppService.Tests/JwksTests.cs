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
    private volatile RSA? added;
    private int fetches;
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
        jwks.MapGet("/jwks.json", () =>
        {
            Interlocked.Increment(ref fetches);
            var published = added is null ? new[] { Jwk(key, "k1") } : [Jwk(key, "k1"), Jwk(added, "k2")];
            return Results.Text(JsonSerializer.Serialize(new { keys = published }), "application/json");
        });
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

    private static object Jwk(RSA rsa, string kid)
    {
        var jwk = JsonWebKeyConverter.ConvertFromRSASecurityKey(new RsaSecurityKey(rsa.ExportParameters(false)) { KeyId = kid });
        return new { kty = "RSA", kid, use = "sig", alg = "RS256", n = jwk.N, e = jwk.E };
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

    // OpenMeet rotating its key: the service fetched the JWKS for k1 and keeps it for hours, so a token
    // naming k2 must make it fetch the JWKS again. The first such token may be refused while it does.
    [Fact]
    public async Task KeyAddedToTheJwksLaterIsFetchedWhenATokenNamesIt()
    {
        (await service!.Public(Token(key, "k1")).GetAsync("/api/handles/check?handle=john.doe")).StatusCode.Should().Be(HttpStatusCode.OK);
        var before = Volatile.Read(ref fetches);
        before.Should().BeGreaterThan(0);

        using var rotated = RSA.Create(2048);
        added = rotated;
        var statuses = new List<HttpStatusCode>();
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (statuses.LastOrDefault() != HttpStatusCode.OK && DateTime.UtcNow < deadline)
        {
            statuses.Add((await service.Public(Token(rotated, "k2")).GetAsync("/api/handles/check?handle=john.doe")).StatusCode);
            await Task.Delay(100);
        }

        statuses.Should().EndWith(HttpStatusCode.OK, "a token naming a key id the service does not know makes it fetch the JWKS again");
        statuses.Count.Should().BeLessThanOrEqualTo(3);
        Volatile.Read(ref fetches).Should().BeGreaterThan(before);
        (await service.Public(Token(key, "k1")).GetAsync("/api/handles/check?handle=john.doe")).StatusCode.Should().Be(HttpStatusCode.OK);
    }
}
