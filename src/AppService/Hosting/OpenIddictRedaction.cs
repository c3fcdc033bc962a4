using System.Text.Json;
using System.Text.Json.Nodes;
using Serilog.Core;
using Serilog.Events;

namespace OpenMeet.AppService.Hosting;

/// <summary>
/// OpenIddict logs every request and response it handles as a JSON object ("The token request was
/// successfully extracted: {Request}") and redacts tokens, codes and client secrets in it, but not the
/// PKCE code_verifier, the state or the nonce. This redacts those, and the others again, in any JSON
/// object an OpenIddict line carries. Its Verbose lines print whole tokens, codes and claims: those
/// are dropped (<see cref="PrintsTokens"/>), whatever logging.level or logging.overrides say.
/// </summary>
public sealed class OpenIddictRedaction : ILogEventEnricher
{
    public const string Redacted = "[redacted]";

    private static readonly HashSet<string> Secrets = new(StringComparer.OrdinalIgnoreCase)
    {
        "code_verifier", "state", "nonce", "code", "client_secret", "client_assertion", "assertion", "password",
        "access_token", "id_token", "id_token_hint", "refresh_token", "token", "logout_token", "device_code", "user_code",
        "subject_token", "actor_token", "request",
    };

    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    public static bool PrintsTokens(LogEvent logEvent) => logEvent.Level == LogEventLevel.Verbose && FromOpenIddict(logEvent);

    public void Enrich(LogEvent logEvent, ILogEventPropertyFactory propertyFactory)
    {
        if (!FromOpenIddict(logEvent))
        {
            return;
        }

        foreach (var (key, value) in logEvent.Properties.ToList())
        {
            if (value is ScalarValue { Value: { } captured } && captured.ToString() is { } text && text.StartsWith('{') && Redact(text) is { } redacted)
            {
                logEvent.AddOrUpdateProperty(new LogEventProperty(key, new ScalarValue(redacted)));
            }
        }
    }

    private static bool FromOpenIddict(LogEvent logEvent) =>
        logEvent.Properties.TryGetValue("SourceContext", out var source) && source is ScalarValue { Value: string name }
        && name.StartsWith("OpenIddict", StringComparison.Ordinal);

    /// <summary>The JSON object with its secret parameters' values replaced; null when it is not one or has none.</summary>
    public static string? Redact(string json)
    {
        JsonObject? parameters;
        try
        {
            parameters = JsonNode.Parse(json) as JsonObject;
        }
        catch (JsonException)
        {
            return null;
        }

        var secret = parameters?.Select(p => p.Key).Where(Secrets.Contains).ToList();
        if (parameters is null || secret is not { Count: > 0 })
        {
            return null;
        }

        foreach (var key in secret)
        {
            parameters[key] = Redacted;
        }

        return parameters.ToJsonString(Indented);
    }
}
