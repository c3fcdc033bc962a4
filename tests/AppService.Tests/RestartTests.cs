using System.Buffers.Binary;
using System.IO.Hashing;
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

    [Fact]
    public async Task AfterACrashTheTornLastRecordIsDroppedAndWhatFollowsTheCursorIsDispatchedOnceInOrder()
    {
        var first = new RecordingConsumer();
        await service.StartAsync(s => s.AddSingleton<IEventConsumer>(first));
        for (var i = 1; i <= 5; i++)
        {
            (await PutAsync($"t{i}", Json.Transaction($"$e{i}"))).StatusCode.Should().Be(HttpStatusCode.OK);
        }

        await first.WaitForAsync(5);
        await service.StopAsync();

        // The crash lost the cursor saves after t2, and tore the write of a sixth record, never acknowledged.
        var inbox = Path.Combine(service.Folder, "data", "inbox");
        var cursor = new byte[12];
        BinaryPrimitives.WriteInt64LittleEndian(cursor, 2);
        BinaryPrimitives.WriteUInt32LittleEndian(cursor.AsSpan(8), Crc32.HashToUInt32(cursor.AsSpan(0, 8)));
        File.WriteAllBytes(Path.Combine(inbox, "cursor"), cursor);
        var segment = Directory.GetFiles(inbox, "*.seg").Order(StringComparer.Ordinal).Last();
        var torn = File.ReadAllBytes(segment)[..150];
        using (var file = new FileStream(segment, FileMode.Append))
        {
            file.Write(torn);
        }

        var second = new RecordingConsumer();
        await service.StartAsync(s => s.AddSingleton<IEventConsumer>(second));
        await second.WaitForAsync(3);
        (await PutAsync("t6", Json.Transaction("$e6"))).StatusCode.Should().Be(HttpStatusCode.OK);
        (await PutAsync("t5", Json.Transaction("$e5"))).StatusCode.Should().Be(HttpStatusCode.OK);
        await second.WaitForAsync(4);
        await Task.Delay(200);

        second.Seen.Select(e => e.EventId).Should().Equal("$e3", "$e4", "$e5", "$e6");
        service.Services.GetRequiredService<PushMetrics>().TransactionsRepeated.Should().Be(1, "t5 was stored before the crash");
        service.Log.ToString().Should().Contain("torn or corrupt");
    }
}
