using System.Globalization;

namespace OpenMeet.Bench.Scale.Driver;

/// <summary>What the driver asks the service: health, and the reconciler's gauges from /metrics.</summary>
public sealed class ServiceApi(HttpClient http)
{
    public async Task<bool> HealthyAsync(string check)
    {
        try
        {
            using var response = await http.GetAsync($"health/{check}");
            return response.IsSuccessStatusCode;
        }
        catch (HttpRequestException)
        {
            return false;
        }
    }

    /// <summary>openmeet_reconcile_queue and openmeet_rooms_failing; nulls if /metrics did not answer.</summary>
    public async Task<(double? Queue, double? Failing)> GaugesAsync()
    {
        try
        {
            var text = await http.GetStringAsync("metrics");
            return (Gauge(text, "openmeet_reconcile_queue"), Gauge(text, "openmeet_rooms_failing"));
        }
        catch (HttpRequestException)
        {
            return (null, null);
        }
    }

    private static double? Gauge(string text, string name) => text.Split('\n')
        .Where(l => l.StartsWith(name + " ", StringComparison.Ordinal))
        .Select(l => (double?)double.Parse(l[(name.Length + 1)..], CultureInfo.InvariantCulture)).FirstOrDefault();
}
