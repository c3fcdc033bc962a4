using System.Text.RegularExpressions;

namespace OpenMeet.Oidc.AuthService;

/// <summary>
/// The scopes of next-generation Matrix auth (MSC2967) and the policy on them: the API scope, at most
/// one device scope and only with it, stable and unstable forms not mixed, never Synapse's admin scope
/// through a client (the service's own admin token is separate).
/// </summary>
public static partial class MatrixScopes
{
    public const string Api = "urn:matrix:client:api:*";
    public const string UnstableApi = "urn:matrix:org.matrix.msc2967.client:api:*";
    public const string DevicePrefix = "urn:matrix:client:device:";
    public const string UnstableDevicePrefix = "urn:matrix:org.matrix.msc2967.client:device:";
    public const string Admin = "urn:synapse:admin:*";

    /// <summary>The scopes without a Matrix meaning that a client may ask for.</summary>
    private static readonly HashSet<string> Plain = new(StringComparer.Ordinal) { "openid", "profile", "email", "offline_access", OidcIssuer.TenantScope };

    public static bool HasApi(IEnumerable<string> scopes) => scopes.Any(s => s is Api or UnstableApi);

    /// <summary>The device id the scopes name, if one does.</summary>
    public static string? DeviceOf(IEnumerable<string> scopes) =>
        scopes.Select(s => s.StartsWith(DevicePrefix, StringComparison.Ordinal) ? s[DevicePrefix.Length..]
            : s.StartsWith(UnstableDevicePrefix, StringComparison.Ordinal) ? s[UnstableDevicePrefix.Length..] : null)
            .FirstOrDefault(d => d is not null);

    /// <summary>Whether the text is a device id a device scope may name.</summary>
    public static bool IsDeviceId(string text) => DeviceId().IsMatch(text);

    /// <summary>Why the scopes cannot be granted, or null.</summary>
    public static string? Problem(IReadOnlyCollection<string> scopes)
    {
        var stable = false;
        var unstable = false;
        var devices = 0;
        foreach (var scope in scopes)
        {
            if (Plain.Contains(scope))
            {
                continue;
            }

            if (scope is Api or UnstableApi)
            {
                (stable, unstable) = (stable || scope == Api, unstable || scope == UnstableApi);
                continue;
            }

            var device = scope.StartsWith(DevicePrefix, StringComparison.Ordinal) ? (Stable: true, Id: scope[DevicePrefix.Length..])
                : scope.StartsWith(UnstableDevicePrefix, StringComparison.Ordinal) ? (Stable: false, Id: scope[UnstableDevicePrefix.Length..])
                : ((bool Stable, string Id)?)null;
            if (device is null)
            {
                return scope == Admin ? "Synapse's admin scope is not granted to clients." : $"The scope '{scope}' is not offered here.";
            }

            if (!DeviceId().IsMatch(device.Value.Id))
            {
                return "A device id is 10 to 255 characters: letters, digits and . _ ~ ! $ & ' ( ) * + , ; = : @ / -";
            }

            (stable, unstable, devices) = (stable || device.Value.Stable, unstable || !device.Value.Stable, devices + 1);
        }

        return devices > 1 ? "At most one device scope."
            : devices == 1 && !HasApi(scopes) ? "A device scope needs the API scope (urn:matrix:client:api:*)."
            : stable && unstable ? "The stable and unstable (org.matrix.msc2967) Matrix scopes are not mixed."
            : null;
    }

    /// <summary>The scopes as Synapse reads them: each Matrix scope in both its stable and unstable form.</summary>
    public static IEnumerable<string> WithTwins(IEnumerable<string> scopes) => scopes.SelectMany(s => s switch
    {
        Api or UnstableApi => new[] { Api, UnstableApi },
        _ when DeviceOf([s]) is { } device => [DevicePrefix + device, UnstableDevicePrefix + device],
        _ => [s],
    }).Distinct(StringComparer.Ordinal);

    [GeneratedRegex(@"^[A-Za-z0-9._~!$&'()*+,;=:@/-]{10,255}\z")]
    private static partial Regex DeviceId();
}
