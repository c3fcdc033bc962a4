using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using OpenIddict.Server.AspNetCore;
using OpenMeet.Oidc.Pages;

namespace OpenMeet.Oidc.Tests;

/// <summary>
/// An https issuer keeps OpenIddict's https check and marks its cookies Secure; only a loopback issuer
/// (development) is let through over plain http.
/// </summary>
public sealed class TransportTests : IDisposable
{
    private readonly string keys = Path.Combine(Path.GetTempPath(), $"om-keys-{Guid.NewGuid():N}.json");

    public void Dispose() => File.Delete(keys);

    private ServiceProvider Issuer(string issuer)
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddOidcIssuer(new OidcConfig { Issuer = issuer }, keys);
        return services.BuildServiceProvider();
    }

    [Theory]
    [InlineData("https://matrix.example.org/oidc", false)]
    [InlineData("https://127.0.0.1:8010/oidc", false)]
    [InlineData("http://127.0.0.1:8010/oidc", true)]
    [InlineData("http://localhost:8010/oidc", true)]
    [InlineData("http://[::1]:8010/oidc", true)]
    [InlineData("http://matrix.example.org/oidc", false)]
    [InlineData("http://10.1.2.3/oidc", false)]
    public void OnlyALoopbackIssuerTakesPlainHttp(string issuer, bool plainHttp)
    {
        using var provider = Issuer(issuer);

        provider.GetRequiredService<IOptions<OpenIddictServerAspNetCoreOptions>>().Value.DisableTransportSecurityRequirement.Should().Be(plainHttp);
    }

    [Theory]
    [InlineData("https://matrix.example.org/oidc", CookieSecurePolicy.Always)]
    [InlineData("https://127.0.0.1:8010/oidc", CookieSecurePolicy.Always)]
    [InlineData("http://127.0.0.1:8010/oidc", CookieSecurePolicy.SameAsRequest)]
    public void AnHttpsIssuersCookiesAreSecure(string issuer, CookieSecurePolicy expected)
    {
        using var provider = Issuer(issuer);

        provider.GetRequiredService<IOptionsMonitor<CookieAuthenticationOptions>>().Get(OidcIssuer.SessionScheme).Cookie.SecurePolicy.Should().Be(expected);
        provider.GetRequiredService<IOptions<AntiforgeryOptions>>().Value.Cookie.SecurePolicy.Should().Be(expected);
    }

    // The hand-off's nonce cookie is set by hand, not through the cookie handler: it needs its own check.
    [Theory]
    [InlineData("https://matrix.example.org/oidc", true)]
    [InlineData("http://127.0.0.1:8010/oidc", false)]
    public void AnHttpsIssuersHandoffCookieIsSecure(string issuer, bool secure)
    {
        var http = new DefaultHttpContext();
        var config = new OidcConfig { Issuer = issuer, OpenMeetLoginUrl = "https://openmeet.example.org/matrix-login" };

        OpenMeetHandoff.Start("/oidc/authorize?client_id=synapse", http, config, new EphemeralDataProtectionProvider());

        var cookie = http.Response.Headers.SetCookie.ToString();
        cookie.Should().StartWith(OpenMeetHandoff.Cookie + "=");
        cookie.Contains("; secure", StringComparison.OrdinalIgnoreCase).Should().Be(secure, cookie);
    }
}
