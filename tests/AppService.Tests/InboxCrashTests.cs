using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;

namespace OpenMeet.AppService.Tests;

/// <summary>
/// The real service in its own process, killed (SIGKILL) at random moments while four senders keep
/// transactions coming: whatever was acknowledged before a kill must be known after the restart.
/// OPENMEET_CRASH_ROUNDS sets how many kills (4 by default; the README's fault run uses more).
/// </summary>
public sealed class InboxCrashTests : IAsyncLifetime
{
    private readonly TestService service = new();
    private Process? process;

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        Kill();
        await service.DisposeAsync();
    }

    [Fact]
    public async Task AcknowledgedMeansStoredWhereverTheProcessIsKilled()
    {
        var rounds = int.TryParse(Environment.GetEnvironmentVariable("OPENMEET_CRASH_ROUNDS"), out var n) ? n : 4;
        var seed = Environment.TickCount;
        var random = new Random(seed);
        var acknowledged = new ConcurrentBag<(string TxnId, string Body)>();
        var counter = 0;
        for (var round = 0; round < rounds; round++)
        {
            await StartAsync();
            using var stop = new CancellationTokenSource();
            var senders = Enumerable.Range(0, 4).Select(_ => Task.Run(async () =>
            {
                using var client = service.Private();
                while (!stop.IsCancellationRequested)
                {
                    var i = Interlocked.Increment(ref counter);
                    var body = Body(i);
                    try
                    {
                        var response = await client.PutAsync($"/_matrix/app/v1/transactions/c{i}", Json.Body(body), stop.Token);
                        if (response.StatusCode == HttpStatusCode.OK)
                        {
                            acknowledged.Add(($"c{i}", body));
                        }
                    }
                    catch (Exception e) when (e is HttpRequestException or OperationCanceledException)
                    {
                        return; // killed mid-request: not acknowledged
                    }
                }
            })).ToList();
            await Task.Delay(random.Next(100, 600));
            Kill();
            await stop.CancelAsync();
            await Task.WhenAll(senders);
        }

        acknowledged.Should().NotBeEmpty();
        await StartAsync();
        using var again = service.Private();
        foreach (var (txnId, body) in acknowledged)
        {
            (await again.PutAsync($"/_matrix/app/v1/transactions/{txnId}", Json.Body(body))).StatusCode.Should().Be(HttpStatusCode.OK);
        }

        var inbox = (await (await service.Private(TestService.InternalToken).GetAsync("/internal/status")).ReadAsync()).GetProperty("inbox");
        inbox.GetProperty("transactionsStored").GetInt64().Should().Be(0, $"every acknowledged transaction was stored before its kill (seed {seed})");
        inbox.GetProperty("transactionsRepeated").GetInt64().Should().Be(acknowledged.Count);
        inbox.GetProperty("pending").GetInt64().Should().Be(0, "the restart dispatched what the kills left");
        Console.WriteLine($"crash test: {rounds} kills, {acknowledged.Count} acknowledged");
    }

    // About 50 KB, so that a kill often lands inside a write.
    private static string Body(int i) => Json.Transaction(Enumerable.Range(0, 100).Select(e => $"$c{i}-{e}-" + new string('p', 300)).ToArray());

    private async Task StartAsync()
    {
        var start = new ProcessStartInfo(Path.Combine(AppContext.BaseDirectory, "OpenMeet.AppService"), ["-c", service.ConfigPath])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        process = Process.Start(start)!;
        process.OutputDataReceived += (_, line) => { if (line.Data is { } l) { lock (service.Log) { service.Log.WriteLine(l); } } };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        using var client = service.Private(null);
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                if ((await client.GetAsync("/health")).IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
            }

            process.HasExited.Should().BeFalse("the service must start again after a kill");
            await Task.Delay(50);
        }

        throw new TimeoutException("the service did not answer /health within 30 s");
    }

    private void Kill()
    {
        if (process is { HasExited: false })
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
        }

        process?.Dispose();
        process = null;
    }
}
