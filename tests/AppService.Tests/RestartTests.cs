using System.Net;
using Microsoft.Extensions.DependencyInjection;
using OpenMeet.AppService.Transactions;

namespace OpenMeet.AppService.Tests;

public sealed class RestartTests : IAsyncLifetime
{
    private readonly TestService service = new();

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await service.DisposeAsync();

    private Task<HttpResponseMessage> PutAsync(string txnId, string body) =>
        service.Private().PutAsync($"/_matrix/app/v1/transactions/{txnId}", Json.Body(body));

    [Fact]
    public async Task RepeatedTxnIdAfterARestartHasNoSecondEffect()
    {
        var first = new RecordingConsumer();
        await service.StartAsync(s => s.AddSingleton<IEventConsumer>(first));
        (await PutAsync("41", Json.Transaction("$before"))).StatusCode.Should().Be(HttpStatusCode.OK);
        await first.WaitForAsync(1);
        await service.StopAsync();

        var second = new RecordingConsumer();
        await service.StartAsync(s => s.AddSingleton<IEventConsumer>(second));
        (await PutAsync("41", Json.Transaction("$before"))).StatusCode.Should().Be(HttpStatusCode.OK);
        (await PutAsync("42", Json.Transaction("$marker"))).StatusCode.Should().Be(HttpStatusCode.OK);
        await second.WaitForAsync(1);

        second.Seen.Select(e => e.EventId).Should().Equal("$marker");
    }

    [Fact]
    public async Task TransactionStoredButNotDispatchedBeforeTheProcessDiedIsDispatchedOnceAfterRestart()
    {
        // The first process dies while its consumer is still inside the event: stored, never marked done.
        var dying = new RecordingConsumer(holdEventId: "$stuck");
        await service.StartAsync(s => s.AddSingleton<IEventConsumer>(dying));
        (await PutAsync("1", Json.Transaction("$stuck", "$after"))).StatusCode.Should().Be(HttpStatusCode.OK);
        await dying.WaitForAsync(1);
        await service.StopAsync();
        dying.Seen.Select(e => e.EventId).Should().Equal("$stuck");

        var restarted = new RecordingConsumer();
        await service.StartAsync(s => s.AddSingleton<IEventConsumer>(restarted));
        await restarted.WaitForAsync(2);
        await service.StopAsync();

        var third = new RecordingConsumer();
        await service.StartAsync(s => s.AddSingleton<IEventConsumer>(third));
        (await PutAsync("2", Json.Transaction("$marker"))).StatusCode.Should().Be(HttpStatusCode.OK);
        await third.WaitForAsync(1);

        restarted.Seen.Select(e => e.EventId).Should().Equal("$stuck", "$after");
        third.Seen.Select(e => e.EventId).Should().Equal("$marker");
    }
}
