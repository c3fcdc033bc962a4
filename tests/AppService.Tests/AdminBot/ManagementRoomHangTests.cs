using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using OpenMeet.AppService.Configuration;
using OpenMeet.AppService.Matrix;

using static OpenMeet.AppService.Tests.AdminBot.BotRoomStandIn;

namespace OpenMeet.AppService.Tests.AdminBot;

/// <summary>
/// An admin's 'status' while Synapse hangs (connections accepted, no answers): the command used to
/// throw the client's TaskCanceledException out of the management room's loop, which stopped the
/// host. Synapse here is a stand-in on loopback that answers what the bot needs and hangs on demand;
/// the real Synapse hung by SIGSTOP is in the fault suite.
/// </summary>
public sealed class ManagementRoomHangTests : IAsyncLifetime
{
    private const string Admin = "@boss:test.example.org";
    private BotRoomStandIn? synapse;
    private TestService? service;

    public async Task InitializeAsync()
    {
        synapse = await BotRoomStandIn.StartAsync();
        service = new TestService($$"""
            admin_bot:
              admins: ["{{Admin}}"]
              management_room: "{{BotRoomStandIn.Room}}"
            """, synapse.Url);
        // The client's timeout, 60 s in production, shortened so that a hang ends within the test.
        await service.StartAsync(s => s.AddSingleton(sp => ActivatorUtilities.CreateInstance<MatrixClient>(sp, new HttpClient
        {
            BaseAddress = new Uri(sp.GetRequiredService<AppConfig>().Homeserver.Url.TrimEnd('/') + "/"),
            Timeout = TimeSpan.FromSeconds(2),
        })));
        await Until(() => synapse.Sent.Any(m => Body(m).Contains("is back", StringComparison.Ordinal)), "the bot's hello in its room");
    }

    public async Task DisposeAsync()
    {
        if (synapse is not null)
        {
            (synapse.HangPing, synapse.HangSend) = (false, false);
        }

        if (service is not null)
        {
            await service.DisposeAsync();
        }

        if (synapse is not null)
        {
            await synapse.DisposeAsync();
        }
    }

    [Fact]
    public async Task StatusWhileSynapseHangsSaysSoAndTheServiceStaysUp()
    {
        synapse!.HangPing = true;
        await CommandAsync("$status1", "status");

        var reply = await synapse.ReplyAsync("$status1", seconds: 20);
        Body(reply).Should().Contain("NOT reachable: no answer to a ping within 5 s");
        Stopping.Should().BeFalse();

        synapse.HangPing = false;
        await CommandAsync("$status2", "status");
        Body(await synapse.ReplyAsync("$status2")).Should().Contain("reachable, it pinged us back in 3 ms");
    }

    [Fact]
    public async Task ReplyThatTimesOutIsLoggedAndTheNextCommandIsAnswered()
    {
        synapse!.HangSend = true;
        await CommandAsync("$help1", "help");
        await Until(() => service!.Log.ToString().Contains("Answering $help1 in the management room failed", StringComparison.Ordinal), "the failed reply logged", seconds: 20);
        Stopping.Should().BeFalse("a timeout of the Matrix client is a failure of one command, not a reason to stop");

        synapse.HangSend = false;
        await CommandAsync("$help2", "help");
        Body(await synapse.ReplyAsync("$help2")).Should().Contain("reconcile <room|tenant|all>");
        (await service!.Private(null).GetAsync("/health/live")).StatusCode.Should().Be(HttpStatusCode.OK);
    }

    private bool Stopping => service!.Services.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping.IsCancellationRequested;

    private Task CommandAsync(string eventId, string text) => PushAsync(service!, Message(eventId, text, Admin));
}
