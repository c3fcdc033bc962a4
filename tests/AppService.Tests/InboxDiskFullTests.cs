using System.Diagnostics;
using System.Net;
using Microsoft.Extensions.DependencyInjection;
using OpenMeet.AppService.Transactions;

namespace OpenMeet.AppService.Tests;

/// <summary>
/// The inbox on a small tmpfs (mounted by the test: it runs as root, like synapse/dev.sh) that fills
/// up, then gets room again: nothing acknowledged is lost and the service recovers by itself.
/// </summary>
public sealed class InboxDiskFullTests : IAsyncLifetime
{
    private readonly TestService service = new();
    private readonly RecordingConsumer consumer = new();
    private string Inbox => Path.Combine(service.Folder, "data", "inbox");

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(Inbox);
        Mount("-t", "tmpfs", "-o", "size=1m,mode=0700", "tmpfs", Inbox);
        await service.StartAsync(s => s.AddSingleton<IEventConsumer>(consumer));
    }

    public async Task DisposeAsync()
    {
        await service.StopAsync();
        Mount("-u", Inbox);
        await service.DisposeAsync();
    }

    private static void Mount(params string[] args)
    {
        var command = args[0] == "-u" ? "umount" : "mount";
        using var process = Process.Start(new ProcessStartInfo(command, args[0] == "-u" ? args[1..] : args) { RedirectStandardError = true })!;
        process.WaitForExit();
        process.ExitCode.Should().Be(0, $"{command} {string.Join(' ', args)}: {process.StandardError.ReadToEnd()}");
    }

    private Task<HttpResponseMessage> PutAsync(string txnId) =>
        service.Private().PutAsync($"/_matrix/app/v1/transactions/{txnId}",
            Json.Body(Json.Transaction(Enumerable.Range(0, 100).Select(e => $"${txnId}-{e}-" + new string('f', 500)).ToArray())));

    [Fact]
    public async Task AFullDiskRefusesWithRetryLaterAndRecoversWhenSpaceReturns()
    {
        var acknowledged = new List<string>();
        HttpResponseMessage? refused = null;
        for (var i = 0; i < 40 && refused is null; i++)
        {
            var response = await PutAsync($"t{i}");
            if (response.StatusCode == HttpStatusCode.OK)
            {
                acknowledged.Add($"t{i}");
            }
            else
            {
                refused = response;
            }
        }

        refused.Should().NotBeNull("1 MiB fills up after some 55 KB transactions");
        refused!.StatusCode.Should().Be(HttpStatusCode.ServiceUnavailable);
        refused.Headers.RetryAfter.Should().NotBeNull();
        (await refused.ErrCodeAsync()).Should().Be("M_UNKNOWN");
        var ready = await service.Private(null).GetAsync("/health/ready");
        (await ready.ReadAsync()).GetProperty("checks").GetProperty("inbox").GetProperty("status").GetString().Should().Be("Unhealthy");

        Mount("-o", "remount,size=64m", Inbox);
        var retried = $"t{acknowledged.Count}";
        (await PutAsync(retried)).StatusCode.Should().Be(HttpStatusCode.OK, "Synapse's retry is taken once there is room");
        acknowledged.Add(retried);

        await consumer.WaitForAsync(acknowledged.Count * 100);
        await Task.Delay(300);
        consumer.Seen.Should().HaveCount(acknowledged.Count * 100, "each acknowledged event is dispatched once");
        consumer.Seen.Select(e => e.TxnId).Distinct().Should().Equal(acknowledged, "in the order they were acknowledged");
        var inbox = (await (await service.Private(null).GetAsync("/health/ready")).ReadAsync()).GetProperty("checks").GetProperty("inbox");
        inbox.GetProperty("status").GetString().Should().Be("Healthy");
    }
}
