using System.Net;
using System.Net.Http.Json;
using System.Text.RegularExpressions;
using System.Web;
using LiteDB;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using OpenMeet.Oidc;
using OpenMeet.Oidc.Endpoints;

namespace OpenMeet.AppService.Tests.SignIn;

/// <summary>
/// The service with its OIDC issuer on (password sign-in and OpenMeet's hand-off both on), and what a
/// browser needs to drive its pages one request at a time: cookies by hand, no redirects followed.
/// </summary>
internal sealed partial class SignInHost : IAsyncDisposable
{
    public const string ClientId = "synapse";
    public const string ClientSecret = "secret-0123456789abcdef";
    public const string RedirectUri = "http://127.0.0.1:1/_synapse/client/oidc/callback";
    public const string ReturnUrl = "/oidc/authorize?client_id=synapse";
    public const string Password = "password-0123456789";

    // The issuer is the public listener itself: OpenIddict matches its endpoints by absolute URL.
    private const string PortSlot = "54321";
    private const int HeaderKilobytes = 128;

    private SignInHost(TestService service) => Service = service;

    public TestService Service { get; }

    public string Issuer => $"http://127.0.0.1:{Service.PublicPort}/oidc";

    public HttpClient Api => Service.Private(TestService.InternalToken);

    /// <param name="trustedProxies">The public listener's trusted_proxies (YAML list), if any.</param>
    /// <param name="configure">Services to replace, e.g. the failed sign-ins on a clock of the test's.</param>
    /// <param name="logLevel">logging.level (Debug; Verbose to see all OpenIddict would log).</param>
    /// <param name="oidcExtra">More keys of the oidc section (YAML lines indented by two), e.g. its mode.</param>
    /// <param name="homeserverExtra">More keys of the homeserver section (YAML lines indented by two).</param>
    /// <param name="homeserverUrl">Where Synapse is: by default a closed port.</param>
    public static async Task<SignInHost> StartAsync(string? trustedProxies = null, Action<IServiceCollection>? configure = null, string logLevel = "Debug",
        string? oidcExtra = null, string? homeserverExtra = null, string homeserverUrl = "http://127.0.0.1:9")
    {
        var service = new TestService($$"""
            openmeet:
              jwt_issuer: {{TestService.JwtIssuer}}
              jwt_audience: {{TestService.JwtAudience}}
              jwt_secret: {{TestService.JwtSecret}}
            oidc:
              issuer: http://127.0.0.1:{{PortSlot}}/oidc
              local_login: true
              openmeet_login_url: https://openmeet.test/matrix-login
              clients:
                - client_id: {{ClientId}}
                  client_secret: {{ClientSecret}}
                  redirect_uris: ["{{RedirectUri}}"]
            """, homeserverUrl);
        File.WriteAllText(service.ConfigPath, File.ReadAllText(service.ConfigPath).Replace(PortSlot, service.PublicPort.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal)
            .Replace("level: Debug", $"level: {logLevel}", StringComparison.Ordinal)
            .Replace("  openmeet_login_url: https://openmeet.test/matrix-login\n", $"  openmeet_login_url: https://openmeet.test/matrix-login\n{oidcExtra}", StringComparison.Ordinal)
            .Replace("  server_name: test.example.org\n", $"  server_name: test.example.org\n{homeserverExtra}", StringComparison.Ordinal));
        if (trustedProxies is not null)
        {
            File.WriteAllText(service.ConfigPath, File.ReadAllText(service.ConfigPath)
                .Replace("resources: [api, oidc, health]", $"resources: [api, oidc, health]\n    trusted_proxies: {trustedProxies}", StringComparison.Ordinal));
        }

        await service.StartAsync(configure);
        var host = new SignInHost(service);
        (await host.Api.PutAsJsonAsync("/internal/tenants/t1", new { name = "Tenant one", domain = "one.example" })).EnsureSuccessStatusCode();
        (await host.Api.PutAsJsonAsync("/internal/tenants/t2", new { name = "Tenant two" })).EnsureSuccessStatusCode();
        (await host.Api.PutAsJsonAsync("/internal/tenants/t1/users/ann", new { name = "Ann", handle = "ann.one", password = Password })).EnsureSuccessStatusCode();
        (await host.Api.PutAsJsonAsync("/internal/tenants/t1/users/bob", new { name = "Bob Builder", password = Password })).EnsureSuccessStatusCode();
        return host;
    }

    /// <summary>The issuer as Synapse's auth service (<c>oidc.mode: matrix_auth_service</c>) in front of the stand-in Synapse.</summary>
    public static Task<SignInHost> StartAuthServiceAsync(string synapseUrl, Action<IServiceCollection>? configure = null) => StartAsync(
        oidcExtra: $"  mode: matrix_auth_service\n  matrix_auth_service:\n    secret: {Reconciliation.StandInSynapse.MasSecret}\n", configure: configure, homeserverUrl: synapseUrl);

    /// <summary>Introspects the token as Synapse does (the shared secret as a bearer, or <paramref name="bearer"/>); the status and the answer.</summary>
    public async Task<(HttpStatusCode Status, System.Text.Json.JsonElement Body)> IntrospectAsync(string token, string? bearer = Reconciliation.StandInSynapse.MasSecret,
        string hint = "access_token")
    {
        using var browser = Browser();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/oidc/oauth2/introspect")
        {
            Content = new FormUrlEncodedContent([new("token", token), new("token_type_hint", hint)]),
        };
        if (bearer is not null)
        {
            request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", bearer);
        }

        using var response = await browser.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, text.Length > 0 ? System.Text.Json.JsonDocument.Parse(text).RootElement.Clone() : default);
    }

    public ValueTask DisposeAsync() => Service.DisposeAsync();

    /// <summary>
    /// A browser with no cookies of its own (a test sends the ones it means to) that takes long headers:
    /// a 100 KB state comes back in a redirect's Location.
    /// </summary>
    public HttpClient Browser() =>
        new(new HttpClientHandler { AllowAutoRedirect = false, UseCookies = false, MaxResponseHeadersLength = HeaderKilobytes })
        {
            BaseAddress = new Uri($"http://127.0.0.1:{Service.PublicPort}"),
        };

    /// <summary>
    /// A browser sets out for OpenMeet's login page: the state and nonce the issuer sends there (OpenMeet
    /// echoes the nonce in its assertion) and the cookie the browser keeps (<c>name=nonce</c>).
    /// </summary>
    public async Task<Handoff> HandoffAsync()
    {
        using var browser = Browser();
        var response = await browser.GetAsync($"/oidc/openmeet?returnUrl={Uri.EscapeDataString(ReturnUrl)}");
        response.StatusCode.Should().Be(HttpStatusCode.Redirect);
        var query = HttpUtility.ParseQueryString(response.Headers.Location!.Query);
        return new(query["state"]!, query["nonce"]!, Cookies(response).Single(c => c.StartsWith("openmeet.oidc.handoff=", StringComparison.Ordinal)));
    }

    /// <summary>The assertion and state posted back to the callback by the browser that holds the hand-off's cookie.</summary>
    public static HttpRequestMessage Callback(Handoff handoff, string assertion, string? cookie = "") =>
        BrokenForms.Post("/oidc/openmeet/callback", new FormUrlEncodedContent([new("assertion", assertion), new("state", handoff.State)]), cookie == "" ? handoff.Cookie : cookie);

    /// <summary>A signed assertion of OpenMeet's for the person, echoing the hand-off's nonce.</summary>
    public string Assertion(string tenant, string slug, string? nonce, Action<System.Text.Json.Nodes.JsonObject>? change = null)
    {
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var claims = new System.Text.Json.Nodes.JsonObject
        {
            ["iss"] = TestService.JwtIssuer, ["aud"] = Issuer, ["sub"] = slug, ["tenant_id"] = tenant, ["name"] = $"Person {slug}",
            ["jti"] = Guid.NewGuid().ToString("N"), ["iat"] = now, ["exp"] = now + 50,
        };
        if (nonce is not null)
        {
            claims["nonce"] = nonce;
        }

        change?.Invoke(claims);
        return RawJwt.Sign(new() { ["alg"] = "HS256", ["typ"] = "JWT" }, claims.ToJsonString(), TestService.JwtSecret);
    }

    /// <summary>Signs in with the password; the session cookie.</summary>
    public async Task<string> SessionByPasswordAsync(string tenant, string user)
    {
        var (cookie, hidden) = await FormAsync($"/oidc/login?returnUrl={Uri.EscapeDataString(ReturnUrl)}");
        using var browser = Browser();
        using var response = await browser.SendAsync(BrokenForms.Post("/oidc/login",
            new FormUrlEncodedContent([.. hidden, new("tenant", tenant), new("user", user), new("password", Password)]), cookie));
        response.StatusCode.Should().Be(HttpStatusCode.Redirect, await response.Content.ReadAsStringAsync());
        return Cookies(response).Single(c => c.StartsWith("openmeet.oidc.session=", StringComparison.Ordinal));
    }

    /// <summary>Signs in with a fresh assertion from OpenMeet (creating the person); the session cookie.</summary>
    public async Task<string> SessionByAssertionAsync(string tenant, string slug)
    {
        var handoff = await HandoffAsync();
        using var browser = Browser();
        using var response = await browser.SendAsync(Callback(handoff, Assertion(tenant, slug, handoff.Nonce)));
        response.StatusCode.Should().Be(HttpStatusCode.Redirect, await response.Content.ReadAsStringAsync());
        return Cookies(response).Single(c => c.StartsWith("openmeet.oidc.session=", StringComparison.Ordinal));
    }

    /// <summary>
    /// Posts the password form (with a fresh CSRF token) as a browser behind a proxy that says it is
    /// <paramref name="forwardedFor"/>; the response and its page.
    /// </summary>
    public async Task<(HttpResponseMessage Response, string Body)> PasswordAsync(string tenant, string user, string password, string? forwardedFor = null)
    {
        var (cookie, hidden) = await FormAsync($"/oidc/login?returnUrl={Uri.EscapeDataString(ReturnUrl)}");
        using var browser = Browser();
        var request = BrokenForms.Post("/oidc/login", new FormUrlEncodedContent([.. hidden, new("tenant", tenant), new("user", user), new("password", password)]), cookie);
        if (forwardedFor is not null)
        {
            request.Headers.Add("X-Forwarded-For", forwardedFor);
        }

        var response = await browser.SendAsync(request);
        return (response, await response.Content.ReadAsStringAsync());
    }

    /// <summary>A page's form: its CSRF cookie and hidden fields, as a browser would post them back.</summary>
    public async Task<(string Cookie, Dictionary<string, string> Hidden)> FormAsync(string page, string? cookie = null)
    {
        using var browser = Browser();
        using var request = new HttpRequestMessage(HttpMethod.Get, page);
        if (cookie is not null)
        {
            request.Headers.Add("Cookie", cookie);
        }

        var response = await browser.SendAsync(request);
        var html = await response.Content.ReadAsStringAsync();
        response.StatusCode.Should().Be(HttpStatusCode.OK, html);
        var hidden = HiddenInput().Matches(html).ToDictionary(m => WebUtility.HtmlDecode(m.Groups[1].Value), m => WebUtility.HtmlDecode(m.Groups[2].Value));
        var csrf = Cookies(response).Single(c => c.StartsWith("openmeet.oidc.csrf=", StringComparison.Ordinal));
        return (cookie is null ? csrf : $"{cookie}; {csrf}", hidden);
    }

    /// <summary>The <c>name=value</c> of each cookie the response sets.</summary>
    public static IEnumerable<string> Cookies(HttpResponseMessage response) =>
        response.Headers.TryGetValues("Set-Cookie", out var set) ? set.Select(c => c.Split(';')[0]) : [];

    /// <summary>The user key of the issuer session the response starts, or null when it starts none.</summary>
    public string? SessionUser(HttpResponseMessage response)
    {
        var session = Cookies(response).Where(c => c.StartsWith("openmeet.oidc.session=", StringComparison.Ordinal)).Select(c => c[(c.IndexOf('=') + 1)..]).SingleOrDefault();
        if (string.IsNullOrEmpty(session))
        {
            // None set, or one deleted (signing out sets it empty).
            return null;
        }

        var ticket = Service.Services.GetRequiredService<IOptionsMonitor<CookieAuthenticationOptions>>().Get(OidcIssuer.SessionScheme).TicketDataFormat.Unprotect(session);
        return ticket?.Principal.FindFirst(Identity.UserKeyClaim)?.Value ?? "(a session cookie that does not open)";
    }

    /// <summary>
    /// What a refused request may change, as text to compare: people (what sign-in writes of them),
    /// handles, tenants, OpenIddict's tokens and authorizations, and issuer sessions.
    /// </summary>
    public string State()
    {
        var db = Service.Services.GetRequiredService<LiteDatabase>();
        var users = db.GetCollection("users").FindAll().Select(u => $"{u["_id"]}|{u["Name"]}|{u["Email"]}|{u["EmailVerified"]}|{u["Handle"]}|{u["PasswordHash"]}|{u["Revoked"]}");
        var rest = new[] { "handles", "tenants", "oidc_tokens", "oidc_authorizations", "oidc_sessions" }
            .Select(name => name + ":" + string.Join(',', db.GetCollection(name).FindAll().Select(d => JsonSerializer.Serialize(d))));
        return string.Join('\n', users.Concat(rest));
    }

    /// <summary>For a 5xx, the end of the service's log (where the exception is); nothing otherwise.</summary>
    public string ErrorsLogged(HttpResponseMessage response)
    {
        if ((int)response.StatusCode < 500)
        {
            return "";
        }

        var log = Service.Log.ToString();
        return "\n" + log[Math.Max(0, log.Length - 4000)..];
    }

    /// <summary>A refusal a person can read: 4xx, an HTML page with a heading, no exception text.</summary>
    public static void ShouldBeReadableRefusal(HttpResponseMessage response, string body, string because)
    {
        ((int)response.StatusCode).Should().BeInRange(400, 499, because);
        response.Content.Headers.ContentType?.MediaType.Should().Be("text/html", because);
        body.Should().Contain("<h1>", because).And.NotContain("Exception", because).And.NotContain("   at ", because);
    }

    [GeneratedRegex("<input type=\"hidden\" name=\"([^\"]*)\" value=\"([^\"]*)\">")]
    private static partial Regex HiddenInput();
}
