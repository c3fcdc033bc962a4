using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Web;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.IdentityModel.Tokens;
using OpenMeet.AppService.State;
using OpenMeet.AppService.Tests.SignIn;

namespace OpenMeet.AppService.Tests.Issuer;

/// <summary>
/// One authorization code flow with PKCE against the issuer of a <see cref="SignInHost"/>, the way
/// Synapse runs it: its own state, nonce and code verifier, each random so a log can be searched for it.
/// </summary>
internal sealed class CodeFlow(SignInHost host)
{
    public string State { get; } = "state-" + Random();
    public string Nonce { get; } = "nonce-" + Random();
    public string Verifier { get; } = "verifier-" + Random() + Random();

    public string Challenge => Base64UrlEncoder.Encode(SHA256.HashData(Encoding.ASCII.GetBytes(Verifier)));

    /// <summary>The authorization request's parameters; a test takes some out or changes them.</summary>
    public Dictionary<string, string> Parameters(string scope = "openid profile") => new(StringComparer.Ordinal)
    {
        ["client_id"] = SignInHost.ClientId,
        ["redirect_uri"] = SignInHost.RedirectUri,
        ["response_type"] = "code",
        ["scope"] = scope,
        ["state"] = State,
        ["nonce"] = Nonce,
        ["code_challenge"] = Challenge,
        ["code_challenge_method"] = "S256",
    };

    /// <summary>Marks a person's Matrix account as provisioned already, so authorizing asks no Synapse.</summary>
    public static void Provisioned(SignInHost host, string userKey) =>
        host.Service.Services.GetRequiredService<Store>().ChangeUser(userKey, u =>
        {
            u.UserId = $"@{u.Handle}:test.example.org";
            u.ProvisionedName = u.Name;
            u.Locked = false;
        });

    public async Task<HttpResponseMessage> AuthorizeAsync(string? cookie, IDictionary<string, string> parameters)
    {
        using var browser = host.Browser();
        using var request = new HttpRequestMessage(HttpMethod.Get, "/oidc/authorize?" + string.Join('&',
            parameters.Select(p => $"{Uri.EscapeDataString(p.Key)}={Uri.EscapeDataString(p.Value)}")));
        if (cookie is not null)
        {
            request.Headers.Add("Cookie", cookie);
        }

        return await browser.SendAsync(request);
    }

    /// <summary>Authorizes with the session cookie; the code the issuer sends back to the client.</summary>
    public async Task<string> CodeAsync(string cookie, string scope = "openid profile")
    {
        using var response = await AuthorizeAsync(cookie, Parameters(scope));
        response.StatusCode.Should().Be(HttpStatusCode.Redirect, await response.Content.ReadAsStringAsync());
        var back = response.Headers.Location!;
        back.GetLeftPart(UriPartial.Path).Should().Be(SignInHost.RedirectUri);
        var query = HttpUtility.ParseQueryString(back.Query);
        query["state"].Should().Be(State);
        return query["code"] ?? throw new InvalidOperationException($"no code in {back}");
    }

    /// <summary>Redeems the code at the token endpoint (client_secret_post); the token response.</summary>
    public async Task<JsonElement> RedeemAsync(string code) => await TokenAsync(
    [
        new("grant_type", "authorization_code"), new("code", code), new("redirect_uri", SignInHost.RedirectUri),
        new("code_verifier", Verifier), new("client_id", SignInHost.ClientId), new("client_secret", SignInHost.ClientSecret),
    ]);

    public async Task<JsonElement> RefreshAsync(string refreshToken) => await TokenAsync(RefreshFields(refreshToken));

    /// <summary>A refresh as the configured client, whatever the answer (a test of a refusal reads it).</summary>
    public static async Task<HttpResponseMessage> TryRefreshAsync(SignInHost host, string refreshToken)
    {
        using var browser = host.Browser();
        return await browser.PostAsync("/oidc/token", new FormUrlEncodedContent(RefreshFields(refreshToken)));
    }

    private static KeyValuePair<string, string>[] RefreshFields(string refreshToken) =>
    [
        new("grant_type", "refresh_token"), new("refresh_token", refreshToken),
        new("client_id", SignInHost.ClientId), new("client_secret", SignInHost.ClientSecret),
    ];

    private async Task<JsonElement> TokenAsync(KeyValuePair<string, string>[] fields)
    {
        using var browser = host.Browser();
        using var response = await browser.PostAsync("/oidc/token", new FormUrlEncodedContent(fields));
        var body = await response.Content.ReadAsStringAsync();
        response.StatusCode.Should().Be(HttpStatusCode.OK, body);
        return JsonDocument.Parse(body).RootElement.Clone();
    }

    private static string Random() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(12));
}
