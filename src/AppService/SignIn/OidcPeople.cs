using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using OpenMeet.AppService.Handles;
using OpenMeet.AppService.Matrix;
using OpenMeet.AppService.Reconciliation;
using OpenMeet.AppService.State;
using OpenMeet.Oidc;

namespace OpenMeet.AppService.SignIn;

/// <summary>The issuer's view of OpenMeet's people: the store, the handle claims, OpenMeet's assertions.</summary>
public sealed class OidcPeople(
    Store store,
    HandleClaims claims,
    ReconcileBacklog backlog,
    Reconciler reconciler,
    AccountDevices devices,
    UsedAssertions used,
    OidcConfig oidc,
    IOptionsMonitor<JwtBearerOptions> bearer) : IOidcPeople
{
    private const int MaxJtiLength = 200;
    private static readonly TimeSpan MaxAssertionLife = TimeSpan.FromMinutes(1);

    public OidcPerson? Find(string userKey) => store.Users.FindById(userKey) is { } user ? Person(user) : null;

    public IReadOnlyList<Community> Communities(int max)
    {
        var all = store.Tenants.FindAll().Take(max + 1).Select(t => new Community(t.Id, t.Name.Length > 0 ? t.Name : t.Id, t.Domain)).ToList();
        return all.Count > max ? [] : [.. all.OrderBy(c => c.Name, StringComparer.CurrentCultureIgnoreCase).ThenBy(c => c.Id, StringComparer.Ordinal)];
    }

    public string? CommunityOf(string words)
    {
        var text = words.Trim();
        if (Names.IsValid(text) && store.Tenants.FindById(text) is { } byId)
        {
            return byId.Id;
        }

        // A web address as people copy it: https://demo.example.org/ names demo.example.org.
        var domain = Uri.TryCreate(text, UriKind.Absolute, out var url) && url.Scheme is "http" or "https" ? url.Host : text.TrimEnd('/');
        var tenants = store.Tenants.FindAll().ToList();
        return One(tenants.Where(t => string.Equals(t.Domain, domain, StringComparison.OrdinalIgnoreCase)))
            ?? One(tenants.Where(t => string.Equals(t.Name.Trim(), text, StringComparison.OrdinalIgnoreCase)));

        static string? One(IEnumerable<TenantDoc> found) => found.Take(2).ToList() is [var only] ? only.Id : null;
    }

    public string? AccountOf(string tenantId, string userSlug) =>
        Names.IsValid(tenantId) && Names.IsValid(userSlug) && store.Users.FindById(Names.UserKey(tenantId, userSlug)) is { } user ? user.Id : null;

    public OidcPerson? CheckPassword(string tenantId, string userSlug, string password)
    {
        var user = Names.IsValid(tenantId) && Names.IsValid(userSlug) ? store.Users.FindById(Names.UserKey(tenantId, userSlug)) : null;
        // One PBKDF2 run whether or not the user exists, so the answer's timing tells nothing.
        return Passwords.VerifyOrDummy(password, user?.PasswordHash) && user is not null ? Person(user) : null;
    }

    public async Task<(OidcPerson? Person, string? Problem)> FromAssertionAsync(string assertion, string nonce, CancellationToken ct)
    {
        var options = bearer.Get(JwtBearerDefaults.AuthenticationScheme);
        var parameters = options.TokenValidationParameters.Clone();
        parameters.ValidAudience = oidc.Issuer.TrimEnd('/');
        if (options.ConfigurationManager is { } keys)
        {
            parameters.IssuerSigningKeys = (await keys.GetConfigurationAsync(ct)).SigningKeys;
        }

        var result = await new JsonWebTokenHandler().ValidateTokenAsync(assertion, parameters);
        if (!result.IsValid || result.SecurityToken is not JsonWebToken token)
        {
            return (null, result.Exception switch
            {
                SecurityTokenExpiredException => "The OpenMeet assertion has expired.",
                SecurityTokenInvalidAudienceException => "The OpenMeet assertion is for another audience.",
                _ => "The OpenMeet assertion is not valid.",
            });
        }

        if (token.ValidTo - (token.IssuedAt == DateTime.MinValue ? token.ValidFrom : token.IssuedAt) > MaxAssertionLife)
        {
            return (null, "The OpenMeet assertion lives longer than a minute: refused.");
        }

        // The claims as sent, of the types they must have: the token's reader would take the number 12
        // for the text "12" and the text "true" for true.
        using var payload = JsonDocument.Parse(Base64UrlEncoder.DecodeBytes(token.EncodedPayload));
        string? Text(string claim) =>
            payload.RootElement.TryGetProperty(claim, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

        // Its length bounded: the used ones are a LiteDB index, whose keys have at most 1023 bytes.
        if (Text(JwtRegisteredClaimNames.Jti) is not { Length: > 0 and <= MaxJtiLength } jti)
        {
            return (null, $"The OpenMeet assertion needs a jti of 1 to {MaxJtiLength} characters.");
        }

        // Echoed from the hand-off that sent the browser to OpenMeet: the assertion is for this browser's sign-in.
        if (Text("nonce") is not { } echoed || !CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(echoed), Encoding.UTF8.GetBytes(nonce)))
        {
            return (null, "The OpenMeet assertion is not for this sign-in: its nonce is not the one this sign-in sent.");
        }

        if (!used.TryUse(jti, token.ValidTo))
        {
            return (null, "The OpenMeet assertion was used before.");
        }

        var tenant = Text("tenant_id");
        var slug = Text(JwtRegisteredClaimNames.Sub);
        if (!Names.IsValid(tenant) || !Names.IsValid(slug) || store.Tenants.FindById(tenant!) is null)
        {
            return (null, "The OpenMeet assertion names no known community and person.");
        }

        var key = Names.UserKey(tenant!, slug!);
        var named = Text("name") is { Length: > 0 } name ? name : null;
        var mailed = Text("email");
        var verified = payload.RootElement.TryGetProperty("email_verified", out var v) && v.ValueKind == JsonValueKind.True;
        var handle = claims.ActiveHandleOf(key);
        var user = store.ChangeUser(key, u =>
        {
            if (u.Revoked)
            {
                // Refused by the caller: nothing of a revoked person changes on their word.
                return;
            }

            u.Name = named ?? (u.Name.Length > 0 ? u.Name : slug!);
            // The assertion's word on its email; without one, the email and whether it is vouched for stay.
            if (mailed is not null)
            {
                u.Email = mailed;
                u.EmailVerified = verified;
            }

            u.Handle ??= handle;
        }, () => new UserDoc { Id = key, TenantId = tenant!, Slug = slug!, UpdatedAt = DateTime.UtcNow })!;
        backlog.Enqueue(ReconcileKey.Account(key));
        return (Person(user), null);
    }

    public async Task<(string Handle, string? Problem, IReadOnlyList<string> Suggestions)> CheckHandleAsync(OidcPerson person, string handle, CancellationToken ct)
    {
        var check = await claims.CheckAsync(handle, person.Name, person.UserKey, ct);
        return (check.Handle, check.Reason, check.Suggestions);
    }

    public Task EnsureAccountAsync(OidcPerson person, CancellationToken ct) => reconciler.EnsureAccountAsync(person.UserKey, ct);

    public async Task EndDeviceAsync(string userKey, string deviceId, CancellationToken ct)
    {
        using var bounded = CancellationTokenSource.CreateLinkedTokenSource(ct);
        bounded.CancelAfter(DeviceWait);
        try
        {
            await devices.DeleteDeviceAsync(userKey, deviceId, bounded.Token);
        }
        catch (Exception e) when (e is MatrixException or HttpRequestException || (e is OperationCanceledException && !ct.IsCancellationRequested))
        {
            // Stored: the account's reconcile deletes it once Synapse takes it.
        }
    }

    // Bounded: a token request waits for Synapse at most this long, then the client is told to try again.
    private static readonly TimeSpan DeviceWait = TimeSpan.FromSeconds(15);

    public Task<string?> EnsureDeviceAsync(OidcPerson person, string deviceId, string displayName, CancellationToken ct) =>
        BoundedAsync(bounded => devices.EnsureDeviceAsync(person.UserKey, deviceId, displayName, bounded), ct);

    public Task<string?> AllowCrossSigningResetAsync(string userKey, CancellationToken ct) =>
        BoundedAsync(bounded => devices.AllowCrossSigningResetAsync(userKey, bounded), ct);

    /// <summary>A call to Synapse a person's request waits for, at most <see cref="DeviceWait"/>: null when done, otherwise why not.</summary>
    private static async Task<string?> BoundedAsync(Func<CancellationToken, Task> call, CancellationToken ct)
    {
        using var bounded = CancellationTokenSource.CreateLinkedTokenSource(ct);
        bounded.CancelAfter(DeviceWait);
        try
        {
            await call(bounded.Token);
            return null;
        }
        catch (InvalidOperationException e)
        {
            return e.Message;
        }
        catch (MatrixException e)
        {
            return $"Synapse answered {e.ErrCode}";
        }
        catch (Exception e) when (e is HttpRequestException || (e is OperationCanceledException && !ct.IsCancellationRequested))
        {
            return $"Synapse did not answer within {DeviceWait.TotalSeconds:0} s";
        }
    }

    public async Task<string?> ClaimHandleAsync(OidcPerson person, string handle, CancellationToken ct)
    {
        var outcome = await claims.ClaimAsync(person.UserKey, handle, $"oidc:{person.UserKey}", ct);
        if (outcome.Status is ClaimStatus.Claimed or ClaimStatus.AlreadyYours)
        {
            backlog.Enqueue(ReconcileKey.Account(person.UserKey));
            return null;
        }

        return outcome.Reason;
    }

    private OidcPerson Person(UserDoc user) => new(
        user.Id, user.TenantId, user.Slug, user.Name, user.Email, user.EmailVerified,
        user.Handle ?? claims.ActiveHandleOf(user.Id), store.Tenants.FindById(user.TenantId)?.Domain, user.Revoked);
}
