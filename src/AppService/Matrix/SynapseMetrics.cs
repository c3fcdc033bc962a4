using System.Diagnostics.Metrics;

namespace OpenMeet.AppService.Matrix;

/// <summary>The client's instruments for /metrics: what it asks of Synapse, and how often in vain.</summary>
public sealed class SynapseMetrics
{
    public const string MeterName = "OpenMeet.AppService.Matrix";

    public SynapseMetrics(IMeterFactory meters, SynapseReachability synapse)
    {
        var meter = meters.Create(MeterName);
        meter.CreateObservableCounter("openmeet.synapse.requests", () => synapse.Requests, description: "Requests sent to Synapse (each retry counts).");
        meter.CreateObservableCounter("openmeet.synapse.unanswered", () => synapse.Failures,
            description: "Requests to Synapse that got no answer: refused, timed out, or a gateway error.");
        meter.CreateObservableGauge("openmeet.synapse.in_flight", () => synapse.InFlight, description: "Requests to Synapse waiting for an answer now.");
        meter.CreateObservableGauge("openmeet.synapse.reachable", () => synapse.DownSince is null ? 1 : 0,
            description: "1 while Synapse answers, 0 from the first request it left unanswered until it answers again.");
    }
}
