using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using OpenMeet.AppService.Tests.Reconciliation;
using OpenMeet.AppService.Tests.SignIn;
using OpenMeet.Oidc.AuthService;

namespace OpenMeet.AppService.Tests.Issuer;

/// <summary>
/// oidc.mode matrix_auth_service (issue 16): the issuer answers Synapse's introspection the way
/// Synapse's <c>matrix_authentication_service</c> reads it (synapse/api/auth/mas.py): authenticated by
/// the shared secret as a bearer token; <c>username</c> the localpart, <c>scope</c> with the Matrix
/// scopes in both forms, <c>expires_in</c>; a refresh token or a revoked person's token not active.
/// </summary>
public sealed class AuthServiceIntrospectionTests : IAsyncLifetime
{
    private const string Secret = StandInSynapse.MasSecret;
    private const string AdminToken = "admin-token-0123456789abcdef0123";
    private const string Device = "OMDEVICE0123";
    private SignInHost host = null!;
    private StandInSynapse synapse = null!;

    // The admin token as the service registers it from homeserver.admin_token (which would also make
    // the service provision accounts at a Synapse this test has not got).
    public async Task InitializeAsync()
    {
        synapse = await StandInSynapse.StartAsync();
        host = await SignInHost.StartAuthServiceAsync(synapse.Url, services => services.AddSingleton(new HomeserverAdmin(AdminToken, "operator")));
    }

    public async Task DisposeAsync()
    {
        await host.DisposeAsync();
        await synapse.DisposeAsync();
    }

    private Task<(HttpStatusCode Status, JsonElement Body)> IntrospectAsync(string token, string? bearer = Secret, string hint = "access_token") =>
        host.IntrospectAsync(token, bearer, hint);

    private async Task<JsonElement> TokensAsync(string scope)
    {
        CodeFlow.Provisioned(host, "t1/ann");
        var flow = new CodeFlow(host);
        return await flow.RedeemAsync(await flow.CodeAsync(await host.SessionByPasswordAsync("t1", "ann"), scope));
    }

    [Fact]
    public async Task SynapseLearnsTheLocalpartTheMatrixScopesAndWhenTheTokenExpires()
    {
        var tokens = await TokensAsync($"openid urn:matrix:org.matrix.msc2967.client:api:* urn:matrix:org.matrix.msc2967.client:device:{Device}");
        tokens.TryGetProperty("refresh_token", out _).Should().BeTrue("Matrix clients refresh without asking for offline_access");

        var (status, body) = await IntrospectAsync(tokens.GetProperty("access_token").GetString()!);

        status.Should().Be(HttpStatusCode.OK, body.ToString());
        body.GetProperty("active").GetBoolean().Should().BeTrue();
        body.GetProperty("username").GetString().Should().Be("ann.one", "the localpart, never the display name");
        body.GetProperty("scope").GetString()!.Split(' ').Should().Contain([
            "urn:matrix:client:api:*", "urn:matrix:org.matrix.msc2967.client:api:*",
            $"urn:matrix:client:device:{Device}", $"urn:matrix:org.matrix.msc2967.client:device:{Device}"]);
        body.GetProperty("expires_in").GetInt64().Should().BeInRange(1, 300);
        host.Service.Log.ToString().Should().NotContain(Secret, "the shared secret is never logged, at Debug either")
            .And.NotContain(tokens.GetProperty("access_token").GetString()!);
    }

    [Fact]
    public async Task ARefreshTokenOrARevokedPersonsTokenIsNotActive()
    {
        var tokens = await TokensAsync("openid urn:matrix:client:api:*");
        (await IntrospectAsync(tokens.GetProperty("refresh_token").GetString()!)).Body.GetProperty("active").GetBoolean().Should().BeFalse();
        var access = tokens.GetProperty("access_token").GetString()!;
        (await IntrospectAsync(access)).Body.GetProperty("active").GetBoolean().Should().BeTrue();

        (await host.Api.DeleteAsync("/internal/tenants/t1/users/ann")).StatusCode.Should().Be(HttpStatusCode.Accepted);

        var (status, body) = await IntrospectAsync(access);
        status.Should().Be(HttpStatusCode.OK);
        body.GetProperty("active").GetBoolean().Should().BeFalse("a revoked person's tokens end at once, whatever their lifetime");
    }

    [Fact]
    public async Task AReusedRefreshTokenEndsItsSessionInSynapseAtOnce()
    {
        var tokens = await TokensAsync($"openid urn:matrix:client:api:* urn:matrix:client:device:{Device}");
        synapse.Account("ann.one")!.Devices.Should().ContainKey(Device, "the token exchange makes the device first");
        var refresh = tokens.GetProperty("refresh_token").GetString()!;
        var refreshed = await new CodeFlow(host).RefreshAsync(refresh);

        using var again = await CodeFlow.TryRefreshAsync(host, refresh);

        again.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        (await again.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").GetString().Should().Be("invalid_grant");
        synapse.Account("ann.one")!.Devices.Should().NotContainKey(Device,
            "a used refresh token coming again is a stolen copy: Synapse's cached introspection must not keep the session alive");
        (await IntrospectAsync(refreshed.GetProperty("access_token").GetString()!)).Body.GetProperty("active").GetBoolean()
            .Should().BeFalse("the whole chain is revoked, the newest access token too");
    }

    [Fact]
    public async Task ARedeemedCodeComingAgainEndsItsSessionInSynapse()
    {
        CodeFlow.Provisioned(host, "t1/ann");
        var flow = new CodeFlow(host);
        var code = await flow.CodeAsync(await host.SessionByPasswordAsync("t1", "ann"), $"openid urn:matrix:client:api:* urn:matrix:client:device:{Device}");
        var tokens = await flow.RedeemAsync(code);

        using var browser = host.Browser();
        using var again = await browser.PostAsync("/oidc/token", new FormUrlEncodedContent([
            new("grant_type", "authorization_code"), new("code", code), new("redirect_uri", SignInHost.RedirectUri),
            new("code_verifier", flow.Verifier), new("client_id", SignInHost.ClientId), new("client_secret", SignInHost.ClientSecret)]));

        again.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        synapse.Account("ann.one")!.Devices.Should().NotContainKey(Device, "RFC 6749 4.1.2: the tokens a reused code gave are revoked");
        (await IntrospectAsync(tokens.GetProperty("access_token").GetString()!)).Body.GetProperty("active").GetBoolean().Should().BeFalse();
    }

    [Fact]
    public async Task OnlyTheSharedSecretIntrospects()
    {
        var access = (await TokensAsync("openid urn:matrix:client:api:*")).GetProperty("access_token").GetString()!;

        var (wrong, wrongBody) = await IntrospectAsync(access, bearer: "not-the-secret-0123456789abcdef012345");
        wrong.Should().Be(HttpStatusCode.Unauthorized, wrongBody.ToString());
        var (none, _) = await IntrospectAsync(access, bearer: null);
        none.Should().BeOneOf(HttpStatusCode.BadRequest, HttpStatusCode.Unauthorized);
        (await IntrospectAsync(access, bearer: null)).Body.TryGetProperty("active", out _).Should().BeFalse("nothing about the token without the secret");
    }

    [Fact]
    public async Task TheServicesAdminTokenIsSynapsesAdmin()
    {
        var (status, body) = await IntrospectAsync(AdminToken);

        status.Should().Be(HttpStatusCode.OK);
        body.GetProperty("active").GetBoolean().Should().BeTrue();
        body.GetProperty("username").GetString().Should().Be("operator");
        body.GetProperty("scope").GetString()!.Split(' ').Should().Contain(["urn:matrix:client:api:*", "urn:synapse:admin:*", "urn:matrix:client:device:OPENMEETSERVICE"],
            "Synapse sends events only for a token with a device");
        (await IntrospectAsync(AdminToken, bearer: "not-the-secret-0123456789abcdef012345")).Status.Should().Be(HttpStatusCode.Unauthorized);
    }

    [Theory]
    [InlineData("openid urn:matrix:client:api:* urn:matrix:client:device:AAAAAAAAAA urn:matrix:client:device:BBBBBBBBBB", "At most one device scope")]
    [InlineData("openid urn:matrix:client:device:AAAAAAAAAA", "needs the API scope")]
    [InlineData("openid urn:matrix:client:api:* urn:matrix:org.matrix.msc2967.client:device:AAAAAAAAAA", "not mixed")]
    [InlineData("openid urn:matrix:client:api:* urn:matrix:client:device:short", "10 to 255 characters")]
    [InlineData("openid urn:synapse:admin:*", "admin scope is not granted")]
    [InlineData("openid urn:example:other", "not offered here")]
    public async Task ScopesOutsideMatrixsPolicyAreRefusedToTheClient(string scope, string why)
    {
        CodeFlow.Provisioned(host, "t1/ann");
        var flow = new CodeFlow(host);
        using var response = await flow.AuthorizeAsync(await host.SessionByPasswordAsync("t1", "ann"), flow.Parameters(scope));

        response.StatusCode.Should().Be(HttpStatusCode.Redirect);
        var query = System.Web.HttpUtility.ParseQueryString(response.Headers.Location!.Query);
        query["error"].Should().Be("invalid_scope");
        query["error_description"].Should().Contain(why);
    }

    [Fact]
    public async Task DiscoveryHasWhatSynapseAndMatrixClientsNeed()
    {
        using var browser = host.Browser();
        var discovery = await browser.GetFromJsonAsync<JsonElement>("/oidc/.well-known/openid-configuration");

        discovery.GetProperty("account_management_uri").GetString().Should().Be(host.Issuer + "/account");
        discovery.GetProperty("introspection_endpoint").GetString().Should().Be(host.Issuer + "/oauth2/introspect");
        discovery.GetProperty("revocation_endpoint").GetString().Should().Be(host.Issuer + "/oauth2/revoke");
        discovery.GetProperty("scopes_supported").EnumerateArray().Select(s => s.GetString()).Should().Contain("urn:matrix:client:api:*");
        discovery.GetProperty("code_challenge_methods_supported").EnumerateArray().Select(s => s.GetString()).Should().Equal("S256");
        discovery.TryGetProperty("backchannel_logout_supported", out _).Should().BeFalse();
    }
}
