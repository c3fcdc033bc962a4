using System.Net.Http.Json;
using Microsoft.IdentityModel.JsonWebTokens;
using OpenMeet.AppService.Tests.SignIn;

namespace OpenMeet.AppService.Tests.Issuer;

/// <summary>What a client reads in the ID tokens it gets: our claims, none of OpenIddict's private ones.</summary>
public sealed class IdTokenTests : IAsyncLifetime
{
    private SignInHost host = null!;

    public async Task InitializeAsync() => host = await SignInHost.StartAsync();

    public async Task DisposeAsync() => await host.DisposeAsync();

    [Fact]
    public async Task TheSeedsTenantScopeIsListedAcceptedAndItsClaimsAreInTheIdToken()
    {
        var discovery = await host.Service.Public().GetFromJsonAsync<System.Text.Json.JsonElement>("/oidc/.well-known/openid-configuration");
        discovery.GetProperty("scopes_supported").EnumerateArray().Select(s => s.GetString()).Should().Contain("tenant");

        CodeFlow.Provisioned(host, "t1/ann");
        var flow = new CodeFlow(host);
        var tokens = await flow.RedeemAsync(await flow.CodeAsync(await host.SessionByPasswordAsync("t1", "ann"), "openid profile email tenant"));

        new JsonWebToken(tokens.GetProperty("id_token").GetString()).GetClaim("tenant_id").Value.Should().Be("t1");
    }

    [Fact]
    public async Task IdTokensCarryNoPrivateOpenIddictClaims()
    {
        CodeFlow.Provisioned(host, "t1/ann");
        var flow = new CodeFlow(host);
        var tokens = await flow.RedeemAsync(await flow.CodeAsync(await host.SessionByPasswordAsync("t1", "ann"), "openid profile offline_access"));
        var refreshed = await flow.RefreshAsync(tokens.GetProperty("refresh_token").GetString()!);

        foreach (var (grant, response) in new[] { ("code", tokens), ("refresh", refreshed) })
        {
            var idToken = new JsonWebToken(response.GetProperty("id_token").GetString());
            var names = idToken.Claims.Select(c => c.Type).ToList();
            names.Should().Contain(["sub", "matrix_handle", "sid", "nonce", "iss", "aud", "exp", "iat"], grant);
            names.Should().NotContain(n => n.StartsWith("oi_", StringComparison.Ordinal), $"{grant}: OpenIddict's private claims are its own business");
            idToken.GetClaim("matrix_handle").Value.Should().Be("ann.one");
        }
    }
}
