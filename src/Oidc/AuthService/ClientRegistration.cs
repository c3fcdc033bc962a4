using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using OpenIddict.Abstractions;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace OpenMeet.Oidc.AuthService;

/// <summary>
/// Dynamic client registration (RFC 7591, MSC2966) for Matrix clients: public clients only (no secret,
/// PKCE required), the authorization code and refresh token grants, redirect URIs that belong to the
/// client's own site (web) or to the device (native: loopback, or the site's reverse-DNS scheme).
/// The same metadata registers the same client again, so a client that registers at every start does
/// not grow the store. A registered client gets nothing before the person consents on our page.
/// One that has not registered for a day and has no token left is pruned (<see cref="OidcPruning"/>).
/// </summary>
public static class ClientRegistration
{
    public const string Path = "/oidc/oauth2/register";
    /// <summary>In a client's properties: registered here, so the person is asked before it gets anything.</summary>
    public const string DynamicProperty = "dynamic";
    public const string ClientUriProperty = "client_uri";
    /// <summary>In a client's properties: when it last registered (unix seconds); one not seen for a day and without tokens is pruned.</summary>
    public const string SeenProperty = "seen_at";
    public const string RegisteredProperty = "registered_at";
    private const int MaxBody = 16 * 1024;
    public const int PerMinute = 30;

    public static IEndpointRouteBuilder MapClientRegistration(this IEndpointRouteBuilder app)
    {
        app.MapPost(Path, (Delegate)RegisterAsync);
        return app;
    }

    /// <summary>
    /// Registrations per client address (IPv6 by its /64): 30 a minute, room for a NAT full of people
    /// signing in (each app registers at each sign-in); what an abuser leaves is pruned after a day.
    /// </summary>
    public sealed class Limit() : PerMinuteLimit(PerMinute);

    private static async Task<IResult> RegisterAsync(HttpContext http, IOpenIddictApplicationManager applications, Limit limit)
    {
        if (!limit.TryTake(Pages.LoginAttempts.AddressKey(http.Connection.RemoteIpAddress)))
        {
            http.Response.Headers.RetryAfter = "60";
            return Error("temporarily_unavailable", "Too many registrations from this address; try again in a minute.", 429);
        }

        if (http.Request.ContentLength is > MaxBody || !(http.Request.ContentType ?? "").StartsWith("application/json", StringComparison.OrdinalIgnoreCase))
        {
            return Error("invalid_client_metadata", $"The metadata is a JSON object of at most {MaxBody} bytes (Content-Type: application/json).");
        }

        JsonElement metadata;
        try
        {
            using var buffer = new MemoryStream();
            await http.Request.Body.CopyToAsync(buffer, http.RequestAborted);
            if (buffer.Length > MaxBody)
            {
                return Error("invalid_client_metadata", $"The metadata is at most {MaxBody} bytes.");
            }

            metadata = JsonDocument.Parse(buffer.ToArray()).RootElement.Clone();
        }
        catch (JsonException)
        {
            return Error("invalid_client_metadata", "The metadata is not JSON.");
        }

        if (metadata.ValueKind != JsonValueKind.Object)
        {
            return Error("invalid_client_metadata", "The metadata is a JSON object.");
        }

        var (client, error, problem) = Check(metadata);
        if (client is null)
        {
            return Error(error, problem!);
        }

        // The same metadata is the same client: a client registering at every start finds its own.
        var clientId = "dyn-" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(client.Canonical())), 0, 12);
        var issuedAt = await SaveAsync(applications, client, clientId, http.RequestAborted);

        return Results.Json(new Dictionary<string, object?>
        {
            ["client_id"] = clientId,
            ["client_id_issued_at"] = issuedAt.ToUnixTimeSeconds(),
            ["client_name"] = client.Name,
            ["client_uri"] = client.ClientUri,
            ["redirect_uris"] = client.RedirectUris,
            ["grant_types"] = client.Refresh ? new[] { GrantTypes.AuthorizationCode, GrantTypes.RefreshToken } : [GrantTypes.AuthorizationCode],
            ["response_types"] = new[] { ResponseTypes.Code },
            ["token_endpoint_auth_method"] = ClientAuthenticationMethods.None,
            ["application_type"] = client.Native ? ApplicationTypes.Native : ApplicationTypes.Web,
        }, statusCode: StatusCodes.Status201Created);
    }

    /// <summary>
    /// Makes the client, or marks it seen again (written at most once an hour, which keeps it from the
    /// pruning while someone signs in with it); when it first registered. Read again once when another
    /// registration of it or the pruning wrote it meanwhile, so the answer never names a deleted client.
    /// </summary>
    private static async Task<DateTimeOffset> SaveAsync(IOpenIddictApplicationManager applications, Accepted client, string clientId, CancellationToken ct)
    {
        for (var attempt = 0; ; attempt++)
        {
            var now = DateTimeOffset.UtcNow;
            try
            {
                if (await applications.FindByClientIdAsync(clientId, ct) is not { } existing)
                {
                    await applications.CreateAsync(Descriptor(client, clientId, now), ct);
                    return now;
                }

                var properties = await applications.GetPropertiesAsync(existing, ct);
                var registered = properties.TryGetValue(RegisteredProperty, out var at) && at.TryGetInt64(out var seconds) ? DateTimeOffset.FromUnixTimeSeconds(seconds) : now;
                if (!properties.TryGetValue(SeenProperty, out var seen) || !seen.TryGetInt64(out var seenAt) || now.ToUnixTimeSeconds() - seenAt > 3600)
                {
                    var descriptor = new OpenIddictApplicationDescriptor();
                    await applications.PopulateAsync(descriptor, existing, ct);
                    descriptor.Properties[SeenProperty] = JsonSerializer.SerializeToElement(now.ToUnixTimeSeconds());
                    await applications.UpdateAsync(existing, descriptor, ct);
                }

                return registered;
            }
            catch (Exception e) when (attempt == 0 && e is OpenIddictExceptions.ConcurrencyException or LiteDB.LiteException)
            {
                // Written meanwhile (the same client registered at once, or pruned): read it again.
            }
        }
    }

    private static OpenIddictApplicationDescriptor Descriptor(Accepted client, string clientId, DateTimeOffset now)
    {
        var descriptor = new OpenIddictApplicationDescriptor
        {
            ClientId = clientId,
            ClientType = ClientTypes.Public,
            ApplicationType = client.Native ? ApplicationTypes.Native : ApplicationTypes.Web,
            ConsentType = ConsentTypes.Explicit,
            DisplayName = client.Name,
            Permissions =
            {
                Permissions.Endpoints.Authorization, Permissions.Endpoints.Token, Permissions.Endpoints.Revocation,
                Permissions.Endpoints.EndSession, Permissions.GrantTypes.AuthorizationCode, Permissions.ResponseTypes.Code,
            },
            Requirements = { Requirements.Features.ProofKeyForCodeExchange },
            Properties =
            {
                [DynamicProperty] = JsonSerializer.SerializeToElement(true),
                [ClientUriProperty] = JsonSerializer.SerializeToElement(client.ClientUri),
                [RegisteredProperty] = JsonSerializer.SerializeToElement(now.ToUnixTimeSeconds()),
                [SeenProperty] = JsonSerializer.SerializeToElement(now.ToUnixTimeSeconds()),
            },
        };
        if (client.Refresh)
        {
            descriptor.Permissions.Add(Permissions.GrantTypes.RefreshToken);
        }

        foreach (var uri in client.RedirectUris)
        {
            descriptor.RedirectUris.Add(new Uri(uri));
        }

        return descriptor;
    }

    /// <summary>A client's metadata as accepted: what is kept of it.</summary>
    public sealed record Accepted(string Name, string ClientUri, bool Native, bool Refresh, IReadOnlyList<string> RedirectUris)
    {
        public string Canonical() => string.Join('\n', [Name, ClientUri, Native ? "native" : "web", Refresh ? "refresh" : "code", .. RedirectUris]);
    }

    /// <summary>The registration's metadata checked: the client, or the RFC 7591 error and why.</summary>
    public static (Accepted? Client, string Error, string? Problem) Check(JsonElement metadata)
    {
        string? Text(string name) => metadata.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
        string[]? Texts(string name) => !metadata.TryGetProperty(name, out var v) ? null
            : v.ValueKind == JsonValueKind.Array && v.EnumerateArray().All(e => e.ValueKind == JsonValueKind.String) ? [.. v.EnumerateArray().Select(e => e.GetString()!)]
            : [];
        (Accepted?, string, string?) Bad(string problem, string error = "invalid_client_metadata") => (null, error, problem);

        if ((Text("token_endpoint_auth_method") ?? ClientAuthenticationMethods.None) != ClientAuthenticationMethods.None)
        {
            return Bad("Only public clients are registered here: token_endpoint_auth_method must be none.");
        }

        var grants = Texts("grant_types") ?? [GrantTypes.AuthorizationCode];
        if (grants.Length == 0 || !grants.Contains(GrantTypes.AuthorizationCode) || grants.Any(g => g is not (GrantTypes.AuthorizationCode or GrantTypes.RefreshToken)))
        {
            return Bad("grant_types: authorization_code, and refresh_token if wanted; nothing else.");
        }

        if ((Texts("response_types") ?? [ResponseTypes.Code]) is not [ResponseTypes.Code])
        {
            return Bad("response_types: only code.");
        }

        var type = Text("application_type") ?? ApplicationTypes.Web;
        if (type is not (ApplicationTypes.Web or ApplicationTypes.Native))
        {
            return Bad("application_type: web or native.");
        }

        if (!Uri.TryCreate(Text("client_uri"), UriKind.Absolute, out var site) || site.Scheme != Uri.UriSchemeHttps || site.IsLoopback
            || site.HostNameType != UriHostNameType.Dns || !site.Host.Contains('.', StringComparison.Ordinal))
        {
            return Bad("client_uri: required, the https address of the client's site (a domain name, not localhost).");
        }

        foreach (var field in new[] { "logo_uri", "tos_uri", "policy_uri" })
        {
            if (Text(field) is { } other && !(Uri.TryCreate(other, UriKind.Absolute, out var o) && o.Scheme == Uri.UriSchemeHttps && SameOrSubdomain(o.Host, site.Host)))
            {
                return Bad($"{field}: an https address on the client's site ({site.Host}).");
            }
        }

        var redirects = Texts("redirect_uris") ?? [];
        if (redirects.Length is 0 or > 10)
        {
            return Bad("redirect_uris: 1 to 10 addresses.", "invalid_redirect_uri");
        }

        foreach (var redirect in redirects)
        {
            if (RedirectProblem(redirect, site, type == ApplicationTypes.Native) is { } problem)
            {
                return Bad($"redirect_uris: '{redirect}' {problem}", "invalid_redirect_uri");
            }
        }

        var name = Text("client_name") is { Length: > 0 and <= 200 } given ? given : site.Host;
        return (new Accepted(name, site.GetLeftPart(UriPartial.Path), type == ApplicationTypes.Native, grants.Contains(GrantTypes.RefreshToken), redirects), "", null);
    }

    private static string? RedirectProblem(string redirect, Uri site, bool native)
    {
        if (!Uri.TryCreate(redirect, UriKind.Absolute, out var uri) || redirect.Contains('#', StringComparison.Ordinal) || redirect.Length > 2000)
        {
            return "is not an absolute address without a fragment.";
        }

        if (uri.Scheme == Uri.UriSchemeHttps && SameOrSubdomain(uri.Host, site.Host))
        {
            return null;
        }

        if (!native)
        {
            return $"is not on the client's site: https on {site.Host} or its subdomains.";
        }

        if (uri.Scheme == Uri.UriSchemeHttp && (uri.IsLoopback || uri.Host == "localhost"))
        {
            return null;
        }

        // A private-use scheme is the site's name reversed (io.element.app for app.element.io), with no host.
        var reversed = string.Join('.', site.Host.Split('.').Reverse());
        return uri.Scheme == reversed && redirect.StartsWith(reversed + ":/", StringComparison.Ordinal) && !redirect.StartsWith(reversed + "://", StringComparison.Ordinal)
            ? null
            : $"is not for this device: http on loopback, {reversed}:/path, or https on {site.Host}.";
    }

    private static bool SameOrSubdomain(string host, string site) =>
        string.Equals(host, site, StringComparison.OrdinalIgnoreCase) || host.EndsWith("." + site, StringComparison.OrdinalIgnoreCase);

    private static IResult Error(string error, string description, int status = 400) =>
        Results.Json(new Dictionary<string, string> { ["error"] = error, ["error_description"] = description }, statusCode: status);
}
