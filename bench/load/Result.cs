using System.Diagnostics;
using System.Globalization;

namespace OpenMeet.Bench.Load;

/// <summary>The figures of one measured phase.</summary>
internal sealed record Result(
    int EventsPerTxn,
    long Txns,
    double Seconds,
    double P50Ms,
    double P90Ms,
    double P99Ms,
    double MaxMs,
    double MeanMs,
    double AvgEventBytes,
    double ClientShare,
    int Connections,
    double ProcessCpuSeconds)
{
    /// <summary>Columns of <see cref="Line"/>, tab-separated.</summary>
    public const string Header = "label\tevents_per_txn\ttxns\tseconds\ttxn_per_s\tevents_per_s\tp50_ms\tp90_ms\tp99_ms\tmax_ms\tmean_ms\tavg_event_bytes\tclient_share\tconnections\tload_cpu_s";

    public double TxnPerSecond => Txns / Seconds;

    public double EventsPerSecond => TxnPerSecond * EventsPerTxn;

    public static Result Of(List<long> ticks, double seconds, int eventsPerTxn, double avgEventBytes, int connections, TimeSpan processCpu)
    {
        ticks.Sort();
        var n = ticks.Count;
        double Ms(long t) => t * 1000.0 / Stopwatch.Frequency;
        double Percentile(double p) => n == 0 ? double.NaN : Ms(ticks[Math.Clamp((int)Math.Ceiling(p * n) - 1, 0, n - 1)]);
        var total = ticks.Sum();
        return new Result(
            eventsPerTxn,
            n,
            seconds,
            Percentile(0.50),
            Percentile(0.90),
            Percentile(0.99),
            n == 0 ? double.NaN : Ms(ticks[^1]),
            n == 0 ? double.NaN : Ms(total) / n,
            avgEventBytes,
            // The part of the wall time spent outside the requests (new event ids, the loop).
            1 - (Ms(total) / 1000 / seconds),
            connections,
            processCpu.TotalSeconds);
    }

    public string Describe() => string.Create(CultureInfo.InvariantCulture,
        $"""
        measured: {Txns} txns in {Seconds:F2} s, {Connections} connection(s) opened in all
          {TxnPerSecond:F1} txn/s, {EventsPerSecond:F0} events/s ({EventsPerTxn} events/txn, ~{AvgEventBytes:F0} bytes/event)
          latency ms: p50 {P50Ms:F3}  p90 {P90Ms:F3}  p99 {P99Ms:F3}  max {MaxMs:F3}  mean {MeanMs:F3}
          time outside requests: {ClientShare * 100:F1}%, load generator CPU (whole process): {ProcessCpuSeconds:F1} s
        """);

    public string Line(string label) => string.Create(CultureInfo.InvariantCulture,
        $"{label}\t{EventsPerTxn}\t{Txns}\t{Seconds:F3}\t{TxnPerSecond:F1}\t{EventsPerSecond:F0}\t{P50Ms:F3}\t{P90Ms:F3}\t{P99Ms:F3}\t{MaxMs:F3}\t{MeanMs:F3}\t{AvgEventBytes:F0}\t{ClientShare:F4}\t{Connections}\t{ProcessCpuSeconds:F3}");
}
