using System.Diagnostics.Metrics;
using System.Net;

namespace OpenMeet.AppService.Matrix;

/// <summary>The client's instruments for /metrics: what it asks of Synapse, how often in vain, and how long each kind of call takes.</summary>
public sealed class SynapseMetrics
{
    public const string MeterName = "OpenMeet.AppService.Matrix";
    private readonly Histogram<double> requests;

    public SynapseMetrics(IMeterFactory meters, SynapseReachability synapse)
    {
        var meter = meters.Create(MeterName);
        meter.CreateObservableCounter("openmeet.synapse.requests", () => synapse.Requests, description: "Requests sent to Synapse (each retry counts).");
        meter.CreateObservableCounter("openmeet.synapse.unanswered", () => synapse.Failures,
            description: "Requests to Synapse that got no answer: refused, timed out, or a gateway error.");
        meter.CreateObservableGauge("openmeet.synapse.in_flight", () => synapse.InFlight, description: "Requests to Synapse waiting for an answer now.");
        meter.CreateObservableGauge("openmeet.synapse.reachable", () => synapse.DownSince is null ? 1 : 0,
            description: "1 while Synapse answers, 0 from the first request it left unanswered until it answers again.");
        requests = meter.CreateHistogram<double>("openmeet.synapse.request.duration", unit: "s",
            description: "Requests to Synapse by method, endpoint (its route template) and status class ('none': no answer).");
    }

    /// <summary>One request that was answered (<paramref name="status"/>) or not (null).</summary>
    public void Requested(HttpMethod method, Uri? uri, HttpStatusCode? status, TimeSpan took) =>
        requests.Record(took.TotalSeconds,
            new KeyValuePair<string, object?>("method", method.Method),
            new KeyValuePair<string, object?>("endpoint", SynapseEndpoints.Template(uri?.OriginalString ?? "")),
            new KeyValuePair<string, object?>("status", StatusClass(status)));

    public static string StatusClass(HttpStatusCode? status) => status switch
    {
        null => "none",
        HttpStatusCode.TooManyRequests => "429",
        _ => $"{(int)status / 100}xx",
    };
}
