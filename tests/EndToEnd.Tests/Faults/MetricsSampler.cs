using System.Diagnostics;
using System.Globalization;

namespace OpenMeet.EndToEnd.Tests.Faults;

/// <summary>Reads the service's /metrics every <c>period</c> in the background: its counters of requests to Synapse.</summary>
internal sealed class MetricsSampler : IAsyncDisposable
{
    public sealed record Sample(double At, long Requests, long Unanswered, long InFlight, bool Reachable);

    private readonly HttpClient service;
    private readonly CancellationTokenSource stop = new();
    private readonly Task loop;
    private readonly Stopwatch clock = Stopwatch.StartNew();
    private readonly List<Sample> samples = [];
    private readonly Lock gate = new();

    public MetricsSampler(HttpClient service, TimeSpan period)
    {
        this.service = service;
        loop = RunAsync(period);
    }

    /// <summary>Seconds since sampling started.</summary>
    public double Now => clock.Elapsed.TotalSeconds;

    public List<Sample> Samples
    {
        get
        {
            lock (gate)
            {
                return [.. samples];
            }
        }
    }

    private async Task RunAsync(TimeSpan period)
    {
        using var timer = new PeriodicTimer(period);
        do
        {
            try
            {
                var text = await service.GetStringAsync("metrics", stop.Token);
                var values = text.Split('\n').Where(l => l.Length > 0 && l[0] != '#').Select(l => l.Split(' '))
                    .ToDictionary(p => p[0], p => (long)double.Parse(p[1], CultureInfo.InvariantCulture));
                lock (gate)
                {
                    samples.Add(new Sample(Now, values["openmeet_synapse_requests_total"], values["openmeet_synapse_unanswered_total"],
                        values["openmeet_synapse_in_flight"], values["openmeet_synapse_reachable"] == 1));
                }
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                // Disposed while a read was under way: sampling is over, and the test's own outcome stands.
                return;
            }
            catch (Exception e) when (e is HttpRequestException or FormatException or OperationCanceledException)
            {
                // The service is what is measured; a missed sample is just missing.
            }
        }
        while (await Wait(timer));
    }

    private async Task<bool> Wait(PeriodicTimer timer)
    {
        try
        {
            return await timer.WaitForNextTickAsync(stop.Token);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    /// <summary>Requests to Synapse in each whole second of [from, to), from the samples around it; a
    /// second whose closing sample was read after <paramref name="to"/> is left out (it would count
    /// what came after).</summary>
    public List<long> PerSecond(double from, double to)
    {
        var all = Samples;
        var rates = new List<long>();
        for (var t = from; t + 1 <= to; t += 1)
        {
            var a = all.LastOrDefault(s => s.At <= t);
            var b = all.FirstOrDefault(s => s.At >= t + 1 && s.At <= to);
            if (a is not null && b is not null)
            {
                rates.Add(b.Requests - a.Requests);
            }
        }

        return rates;
    }

    /// <summary>Requests to Synapse between the last samples read by <paramref name="from"/> and by <paramref name="to"/>.</summary>
    public long Between(double from, double to)
    {
        var all = Samples;
        var a = all.LastOrDefault(s => s.At <= from) ?? all.First();
        var b = all.LastOrDefault(s => s.At <= to) ?? all.Last();
        return b.Requests - a.Requests;
    }

    public async ValueTask DisposeAsync()
    {
        await stop.CancelAsync();
        await loop;
        stop.Dispose();
    }
}
