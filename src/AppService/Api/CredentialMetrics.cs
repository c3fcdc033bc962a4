using System.Diagnostics.Metrics;
using System.Globalization;

namespace OpenMeet.AppService.Api;

/// <summary>The credential API (<c>POST /api/matrix/credentials</c>) for /metrics: calls by HTTP status, and how long they took.</summary>
public sealed class CredentialMetrics(IMeterFactory meters)
{
    public const string MeterName = "OpenMeet.AppService.Api";

    private readonly Histogram<double> calls = meters.Create(MeterName).CreateHistogram<double>("openmeet.credentials.duration", unit: "s",
        description: "Credential API calls by status (200; 403 revoked, 404 unknown person, 409 no handle, 502 Synapse refused, 503 not configured).");

    public void Answered(int status, TimeSpan took) =>
        calls.Record(took.TotalSeconds, new KeyValuePair<string, object?>("status", status.ToString(CultureInfo.InvariantCulture)));
}
