using System.Diagnostics.Metrics;

namespace OpenMeet.Oidc;

/// <summary>The issuer's instruments for /metrics: sign-ins by way and outcome, and back-channel logouts.</summary>
public sealed class OidcMetrics
{
    public const string MeterName = "OpenMeet.Oidc";
    private readonly Counter<long> logins;
    private readonly Counter<long> logouts;

    public OidcMetrics(IMeterFactory meters)
    {
        var meter = meters.Create(MeterName);
        logins = meter.CreateCounter<long>("openmeet.sso.logins",
            description: "Sign-ins at the issuer by method (password, openmeet) and outcome (ok, wrong, throttled, revoked, rejected: an assertion not accepted).");
        logouts = meter.CreateCounter<long>("openmeet.sso.backchannel_logouts",
            description: "Back-channel logout tokens posted to clients, by outcome (delivered, failed: sent again with the revocation).");
        foreach (var (method, outcomes) in new[] { ("password", new[] { "ok", "wrong", "throttled", "revoked" }), ("openmeet", ["ok", "rejected", "revoked"]) })
        {
            foreach (var outcome in outcomes)
            {
                logins.Add(0, new("method", method), new("outcome", outcome));
            }
        }

        logouts.Add(0, new KeyValuePair<string, object?>("outcome", "delivered"));
        logouts.Add(0, new KeyValuePair<string, object?>("outcome", "failed"));
    }

    public void SignIn(string method, string outcome) => logins.Add(1, new("method", method), new("outcome", outcome));

    public void Logout(bool delivered) => logouts.Add(1, new KeyValuePair<string, object?>("outcome", delivered ? "delivered" : "failed"));
}
