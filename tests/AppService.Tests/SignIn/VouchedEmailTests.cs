using System.Collections.Concurrent;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using OpenMeet.AppService.Reconciliation;
using OpenMeet.Oidc;
using OpenMeet.Oidc.Endpoints;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace OpenMeet.AppService.Tests.SignIn;

/// <summary>
/// Only an email OpenMeet vouched for reaches Synapse (as a validated threepid) or an id_token (issue 13):
/// an assertion's <c>email_verified: false</c> used to put the email into Synapse all the same. Synapse
/// here is a stand-in on loopback that records what the reconciler asks of its admin API.
/// </summary>
public sealed class VouchedEmailTests : IAsyncLifetime
{
    private const string Issuer = "http://127.0.0.1:1/oidc";
    private const string Nonce = "nonce-of-the-hand-off";
    private readonly ConcurrentDictionary<string, JsonObject> accounts = new(StringComparer.Ordinal);
    private WebApplication synapse = null!;
    private TestService service = null!;

    public async Task InitializeAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        synapse = builder.Build();
        synapse.MapPost("/_matrix/client/v3/register", () => Results.Json(new { user_id = "@openmeet-bot:test.example.org" }));
        synapse.MapPut("/_synapse/admin/v2/users/{user}", async (string user, HttpRequest request) =>
        {
            accounts[user] = (JsonObject)(await JsonNode.ParseAsync(request.Body))!;
            return Results.Json(new { });
        });
        synapse.MapFallback(() => Results.Json(new { }));
        await synapse.StartAsync();

        service = new TestService($$"""
            openmeet:
              jwt_issuer: {{TestService.JwtIssuer}}
              jwt_audience: {{TestService.JwtAudience}}
              jwt_secret: {{TestService.JwtSecret}}
            oidc:
              issuer: {{Issuer}}
              clients:
                - client_id: synapse
                  client_secret: secret-0123456789abcdef
                  redirect_uris: ["http://127.0.0.1:1/_synapse/client/oidc/callback"]
            """, synapse.Urls.Single());
        File.WriteAllText(service.ConfigPath, File.ReadAllText(service.ConfigPath)
            .Replace("server_name: test.example.org", "server_name: test.example.org\n  admin_token: admin-token-0123456789", StringComparison.Ordinal));
        await service.StartAsync();
        (await Api.PutAsJsonAsync("/internal/tenants/t1", new { name = "T1" })).EnsureSuccessStatusCode();
    }

    public async Task DisposeAsync()
    {
        await service.DisposeAsync();
        await synapse.DisposeAsync();
    }

    private HttpClient Api => service.Private(TestService.InternalToken);

    private IOidcPeople People => service.Services.GetRequiredService<IOidcPeople>();

    [Fact]
    public async Task AnEmailOpenMeetDidNotVerifyReachesNeitherSynapseNorTheIdToken()
    {
        var (person, problem) = await People.FromAssertionAsync(Assertion("una", "una@example.org", verified: false), Nonce, CancellationToken.None);
        problem.Should().BeNull();
        (await People.ClaimHandleAsync(person!, "una.unverified", CancellationToken.None)).Should().BeNull();

        var account = await ProvisionedAsync("t1/una", "@una.unverified:test.example.org");

        account.Should().NotContainKey("threepids", "an unverified email is no threepid");
        IdTokenEmail(People.Find("t1/una")!).Should().BeNull();
    }

    [Fact]
    public async Task AnEmailOpenMeetVerifiedReachesSynapseAndTheIdToken()
    {
        var (person, _) = await People.FromAssertionAsync(Assertion("vic", "vic@example.org", verified: true), Nonce, CancellationToken.None);
        (await People.ClaimHandleAsync(person!, "vic.verified", CancellationToken.None)).Should().BeNull();

        var account = await ProvisionedAsync("t1/vic", "@vic.verified:test.example.org");

        account["threepids"]!.ToJsonString().Should().Be("""[{"medium":"email","address":"vic@example.org"}]""");
        IdTokenEmail(People.Find("t1/vic")!).Should().Be("vic@example.org");
    }

    [Fact]
    public async Task AnEmailSetThroughTheInternalApiIsVouchedForByOpenMeetsServer()
    {
        (await Api.PutAsJsonAsync("/internal/tenants/t1/users/wes", new { name = "Wes", email = "wes@example.org", handle = "wes.internal" })).EnsureSuccessStatusCode();

        var account = await ProvisionedAsync("t1/wes", "@wes.internal:test.example.org");

        account["threepids"]!.ToJsonString().Should().Be("""[{"medium":"email","address":"wes@example.org"}]""");
        IdTokenEmail(People.Find("t1/wes")!).Should().Be("wes@example.org");
    }

    [Fact]
    public async Task AnUnverifiedEmailInAnAssertionTakesBackWhatTheInternalApiVouchedFor()
    {
        (await Api.PutAsJsonAsync("/internal/tenants/t1/users/xan", new { name = "Xan", email = "xan@example.org" })).EnsureSuccessStatusCode();
        await People.FromAssertionAsync(Assertion("xan", "xan@elsewhere.example", verified: false), Nonce, CancellationToken.None);
        (await People.ClaimHandleAsync(People.Find("t1/xan")!, "xan.changed", CancellationToken.None)).Should().BeNull();

        var account = await ProvisionedAsync("t1/xan", "@xan.changed:test.example.org");

        account.Should().NotContainKey("threepids");
        IdTokenEmail(People.Find("t1/xan")!).Should().BeNull();
    }

    /// <summary>The account body the reconciler sent Synapse for the person (provisioning them now if it had not yet).</summary>
    private async Task<JsonObject> ProvisionedAsync(string userKey, string userId)
    {
        await service.Services.GetRequiredService<Reconciler>().EnsureAccountAsync(userKey, CancellationToken.None);
        return accounts.TryGetValue(userId, out var account) ? account : throw new InvalidOperationException($"{userId} was not provisioned");
    }

    private static string? IdTokenEmail(OidcPerson person) =>
        Identity.For(person, "sid-1", 0, [Scopes.OpenId, Scopes.Email]).FindFirst(Claims.Email)?.Value;

    private static string Assertion(string sub, string email, bool verified) => new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
    {
        Issuer = TestService.JwtIssuer,
        Audience = Issuer,
        Claims = new Dictionary<string, object>
        {
            ["sub"] = sub, ["tenant_id"] = "t1", ["name"] = sub, ["jti"] = Guid.NewGuid().ToString("N"), ["email"] = email, ["email_verified"] = verified, ["nonce"] = Nonce,
        },
        NotBefore = DateTime.UtcNow.AddSeconds(-5),
        IssuedAt = DateTime.UtcNow.AddSeconds(-5),
        Expires = DateTime.UtcNow.AddSeconds(50),
        SigningCredentials = new SigningCredentials(new SymmetricSecurityKey(Encoding.UTF8.GetBytes(TestService.JwtSecret)), SecurityAlgorithms.HmacSha256),
    });
}
