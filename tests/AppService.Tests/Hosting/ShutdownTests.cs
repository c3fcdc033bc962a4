using System.Net;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using OpenMeet.AppService.Hosting;
using OpenMeet.AppService.State;
using OpenMeet.AppService.Tests.AdminBot;
using OpenMeet.AppService.Transactions;

namespace OpenMeet.AppService.Tests.Hosting;

/// <summary>A graceful stop: new work is refused with 503, work that came in before runs to its end.</summary>
public sealed class ShutdownTests : IAsyncLifetime
{
    private readonly TestService service = new();

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await service.DisposeAsync();

    private Task<HttpResponseMessage> PutAsync(string txnId, HttpContent body) =>
        service.Private().PutAsync($"/_matrix/app/v1/transactions/{txnId}", body);

    [Fact]
    public async Task TransactionInFlightWhenTheStopBeginsIsStoredAndAcknowledged()
    {
        var first = new RecordingConsumer();
        await service.StartAsync(s => s.AddSingleton<IEventConsumer>(first));
        var shutdown = service.Services.GetRequiredService<Shutdown>();
        var stored = service.Services.GetRequiredService<PushMetrics>();
        var rest = new TaskCompletionSource();
        var sending = PutAsync("7", new HalfNowHalfLater(Json.Transaction("$inflight"), rest.Task));
        await BotRoomStandIn.Until(() => shutdown.InFlight == 1, "the transaction let in, its body half sent");

        var stopping = service.StopAsync();
        await BotRoomStandIn.Until(() => shutdown.Begun, "the stop begun");
        rest.SetResult();
        var answer = await sending;
        await stopping;

        answer.StatusCode.Should().Be(HttpStatusCode.OK);
        (await answer.Content.ReadAsStringAsync()).Should().Be("{}");
        stored.TransactionsStored.Should().Be(1);
        service.Log.ToString().Should().Contain("Stopping: new transactions and writes are answered 503, the 1 under way run to their end");

        // Stored durably: after a restart the same transaction is a repeat, and its event was handed over.
        var second = new RecordingConsumer();
        await service.StartAsync(s => s.AddSingleton<IEventConsumer>(second));
        (await PutAsync("7", Json.Body(Json.Transaction("$inflight")))).StatusCode.Should().Be(HttpStatusCode.OK);
        service.Services.GetRequiredService<PushMetrics>().TransactionsRepeated.Should().Be(1);
        await BotRoomStandIn.Until(() => first.Seen.Count + second.Seen.Count >= 1, "the event dispatched, before the stop or after the start");
        first.Seen.Concat(second.Seen).Select(e => e.EventId).Should().AllBe("$inflight");
    }

    // The moment between SIGTERM and Kestrel closing its listeners, held open: the host has begun to stop.
    [Fact]
    public async Task AfterTheStopBeganNewTransactionsAndWritesGet503AndNothingIsStored()
    {
        await service.StartAsync();
        service.Services.GetRequiredService<IHostApplicationLifetime>().StopApplication();
        var metrics = service.Services.GetRequiredService<PushMetrics>();
        var internalApi = service.Private(TestService.InternalToken);

        var transaction = await PutAsync("8", Json.Body(Json.Transaction("$late")));
        var write = await internalApi.PutAsync("/internal/tenants/t1", Json.Body("""{"name":"One"}"""));
        var read = await internalApi.GetAsync("/internal/status");
        var ready = await service.Private(null).GetAsync("/health/ready");
        var live = await service.Private(null).GetAsync("/health/live");

        transaction.StatusCode.Should().Be(HttpStatusCode.ServiceUnavailable);
        transaction.Headers.RetryAfter!.Delta.Should().Be(TimeSpan.FromSeconds(5));
        var matrixError = await transaction.ReadAsync();
        matrixError.GetProperty("errcode").GetString().Should().Be("M_UNKNOWN");
        matrixError.GetProperty("error").GetString().Should().Contain("stopping");
        metrics.TransactionsStored.Should().Be(0);
        write.StatusCode.Should().Be(HttpStatusCode.ServiceUnavailable);
        var apiError = await write.ReadAsync();
        apiError.GetProperty("error").GetString().Should().Be("shutting_down");
        apiError.EnumerateObject().Select(p => p.Name).Should().Equal("error", "message");
        service.Services.GetRequiredService<Store>().Tenants.Count().Should().Be(0);
        read.StatusCode.Should().Be(HttpStatusCode.OK, "reads start no work");
        ready.StatusCode.Should().Be(HttpStatusCode.ServiceUnavailable);
        (await ready.ReadAsync()).GetProperty("checks").GetProperty("shutdown").GetProperty("status").GetString().Should().Be("Unhealthy");
        live.StatusCode.Should().Be(HttpStatusCode.OK);

        // Not stored: after a restart the transaction is new, not a repeat.
        await service.StopAsync();
        await service.StartAsync();
        (await PutAsync("8", Json.Body(Json.Transaction("$late")))).StatusCode.Should().Be(HttpStatusCode.OK);
        service.Services.GetRequiredService<PushMetrics>().TransactionsRepeated.Should().Be(0);
    }

    [Fact]
    public async Task TheHostGetsTheConfiguredTimeToStop()
    {
        File.AppendAllText(service.ConfigPath, "\nshutdown:\n  timeout_seconds: 3\n");
        await service.StartAsync();

        service.Services.GetRequiredService<IOptions<HostOptions>>().Value.ShutdownTimeout.Should().Be(TimeSpan.FromSeconds(3));
    }

    /// <summary>A body whose first half is sent at once and the rest when <paramref name="rest"/> completes.</summary>
    private sealed class HalfNowHalfLater(string json, Task rest) : HttpContent
    {
        private readonly byte[] bytes = Encoding.UTF8.GetBytes(json);

        protected override async Task SerializeToStreamAsync(Stream stream, System.Net.TransportContext? context)
        {
            await stream.WriteAsync(bytes.AsMemory(0, bytes.Length / 2));
            await stream.FlushAsync();
            await rest;
            await stream.WriteAsync(bytes.AsMemory(bytes.Length / 2));
        }

        protected override bool TryComputeLength(out long length)
        {
            length = bytes.Length;
            return true;
        }
    }
}
