using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using OpenMeet.AppService.Hosting;
using Prometheus;

namespace OpenMeet.AppService.Status;

/// <summary>
/// /metrics: this host's <c>OpenMeet.*</c> instruments (System.Diagnostics.Metrics) in a prometheus-net
/// registry of its own, which writes the exposition format. Names follow the Prometheus conventions
/// (dots to underscores, a unit suffix, <c>_total</c> on counters) and counters stay counters, which
/// prometheus-net's own MeterAdapter does not do (it prefixes the meter's name, turns counters into
/// gauges and drops series idle for five minutes). Only instruments of this host's
/// <see cref="IMeterFactory"/> are read, so hosts side by side (tests) do not see each other's.
/// </summary>
public sealed class PrometheusExport : IDisposable
{
    /// <summary>Every histogram here is a duration in seconds: from 1 ms to half a minute.</summary>
    public static readonly double[] DurationBuckets = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

    private readonly MeterListener listener = new();
    private readonly MetricFactory factory;
    private readonly ConcurrentDictionary<Instrument, Family> families = new();

    public PrometheusExport(IMeterFactory meters, ServiceInfo info)
    {
        factory = Metrics.WithCustomRegistry(Registry);
        meters.Create("OpenMeet.AppService").CreateObservableGauge(
            "openmeet.uptime", () => Math.Round(info.Uptime.TotalSeconds, 3), unit: "s", description: "Seconds since the service started.");
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Scope == meters && instrument.Meter.Name.StartsWith("OpenMeet.", StringComparison.Ordinal))
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((i, value, tags, _) => Record(i, value, tags));
        listener.SetMeasurementEventCallback<int>((i, value, tags, _) => Record(i, value, tags));
        listener.SetMeasurementEventCallback<double>((i, value, tags, _) => Record(i, value, tags));
        listener.Start();
        Registry.AddBeforeCollectCallback(listener.RecordObservableInstruments);
    }

    public CollectorRegistry Registry { get; } = Metrics.NewCustomRegistry();

    /// <summary>The Prometheus name of an instrument: <c>openmeet.inbox.lag</c> in s is <c>openmeet_inbox_lag_seconds</c>.</summary>
    public static string NameOf(Instrument instrument)
    {
        var name = instrument.Name.Replace('.', '_');
        var unit = instrument.Unit switch { "s" => "_seconds", "By" => "_bytes", _ => "" };
        name += name.EndsWith(unit, StringComparison.Ordinal) ? "" : unit;
        return IsCounter(instrument) ? name + "_total" : name;
    }

    private static bool IsCounter(Instrument instrument) => KindOf(instrument) is Kind.Add or Kind.IncreaseTo;

    private static Kind KindOf(Instrument instrument) => instrument.GetType().GetGenericTypeDefinition() switch
    {
        var t when t == typeof(Counter<>) => Kind.Add,
        var t when t == typeof(ObservableCounter<>) => Kind.IncreaseTo,
        var t when t == typeof(Histogram<>) => Kind.Observe,
        var t when t == typeof(UpDownCounter<>) => Kind.GaugeAdd,
        _ => Kind.Set,
    };

    private void Record(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        if (!families.TryGetValue(instrument, out var family))
        {
            family = families.GetOrAdd(instrument, Create, tags.ToArray());
        }

        var labels = new string[family.Labels.Length];
        Array.Fill(labels, "");
        foreach (var tag in tags)
        {
            var at = Array.IndexOf(family.Labels, tag.Key);
            if (at >= 0)
            {
                labels[at] = tag.Value?.ToString() ?? "";
            }
        }

        switch (family.Kind)
        {
            case Kind.Add:
                ((Counter)family.Collector).WithLabels(labels).Inc(value);
                break;
            case Kind.IncreaseTo:
                ((Counter)family.Collector).WithLabels(labels).IncTo(value);
                break;
            case Kind.Observe:
                ((Histogram)family.Collector).WithLabels(labels).Observe(value);
                break;
            case Kind.GaugeAdd:
                ((Gauge)family.Collector).WithLabels(labels).Inc(value);
                break;
            default:
                ((Gauge)family.Collector).WithLabels(labels).Set(value);
                break;
        }
    }

    // A family is made at its first measurement: that is when its label names are known.
    private Family Create(Instrument instrument, KeyValuePair<string, object?>[] tags)
    {
        string[] labels = [.. tags.Select(t => t.Key).Order(StringComparer.Ordinal)];
        var name = NameOf(instrument);
        var help = instrument.Description ?? instrument.Name;
        var kind = KindOf(instrument);
        Collector collector = kind switch
        {
            Kind.Add or Kind.IncreaseTo => factory.CreateCounter(name, help, labels),
            Kind.Observe => factory.CreateHistogram(name, help, labels, new HistogramConfiguration { Buckets = DurationBuckets }),
            _ => factory.CreateGauge(name, help, labels),
        };
        return new Family(collector, labels, kind);
    }

    public void Dispose() => listener.Dispose();

    private enum Kind { Add, IncreaseTo, Observe, GaugeAdd, Set }

    private sealed record Family(Collector Collector, string[] Labels, Kind Kind);
}
