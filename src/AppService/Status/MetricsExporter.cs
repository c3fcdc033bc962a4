using System.Diagnostics.Metrics;
using System.Globalization;
using System.Text;
using OpenMeet.AppService.Hosting;

namespace OpenMeet.AppService.Status;

/// <summary>
/// /metrics: the observable instruments of this host's OpenMeet meters in Prometheus text, named the
/// way OpenTelemetry's Prometheus exporter names them (dots to underscores, unit and _total suffixes).
/// </summary>
public sealed class MetricsExporter : IDisposable
{
    private readonly MeterListener listener = new();
    private readonly List<Instrument> instruments = [];
    private readonly Dictionary<Instrument, double> values = [];
    private readonly Lock gate = new();

    public MetricsExporter(IMeterFactory meters, ServiceInfo info)
    {
        meters.Create("OpenMeet.AppService").CreateObservableGauge(
            "openmeet.uptime", () => Math.Round(info.Uptime.TotalSeconds, 3), unit: "s", description: "Seconds since the service started.");
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Scope == meters && instrument.Meter.Name.StartsWith("OpenMeet.", StringComparison.Ordinal))
            {
                lock (gate)
                {
                    instruments.Add(instrument);
                }

                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, _, _) => values[instrument] = value);
        listener.SetMeasurementEventCallback<int>((instrument, value, _, _) => values[instrument] = value);
        listener.SetMeasurementEventCallback<double>((instrument, value, _, _) => values[instrument] = value);
        listener.Start();
    }

    public string Scrape()
    {
        lock (gate)
        {
            values.Clear();
            listener.RecordObservableInstruments();
            var text = new StringBuilder();
            foreach (var instrument in instruments)
            {
                if (values.TryGetValue(instrument, out var value))
                {
                    var counter = instrument is ObservableCounter<long> or ObservableCounter<int> or ObservableCounter<double>;
                    var name = instrument.Name.Replace('.', '_') + (instrument.Unit == "s" ? "_seconds" : "") + (counter ? "_total" : "");
                    text.Append(CultureInfo.InvariantCulture,
                        $"# HELP {name} {instrument.Description}\n# TYPE {name} {(counter ? "counter" : "gauge")}\n{name} {value}\n");
                }
            }

            return text.ToString();
        }
    }

    public void Dispose() => listener.Dispose();
}
