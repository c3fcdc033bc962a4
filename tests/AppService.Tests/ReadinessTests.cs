using System.Net;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using OpenMeet.AppService.Matrix;
using OpenMeet.AppService.Status;
using OpenMeet.AppService.Tests.AdminBot;
using OpenMeet.AppService.Tests.Reconciliation;

namespace OpenMeet.AppService.Tests;

/// <summary>Readiness knows how long ago Synapse last pinged us back, and the ping is repeated to keep that recent.</summary>
public sealed class ReadinessTests : IAsyncLifetime
{
    private readonly FakeTimeProvider clock = new(DateTimeOffset.UtcNow);
    private readonly TaskCompletionSource release = new();
    private StandInSynapse synapse = null!;
    private TestService service = null!;

    public async Task InitializeAsync()
    {
        synapse = await StandInSynapse.StartAsync();
        service = synapse.Service();
        await service.StartAsync(s => s.AddSingleton<TimeProvider>(clock));
    }

    public async Task DisposeAsync()
    {
        release.TrySetResult();
        await service.DisposeAsync();
        await synapse.DisposeAsync();
    }

    private async Task<(HttpStatusCode Status, JsonElement Ping)> ReadyAsync()
    {
        var answer = await service.Private(null).GetAsync("/health/ready");
        return (answer.StatusCode, (await answer.ReadAsync()).GetProperty("checks").GetProperty("ping"));
    }

    [Fact]
    public async Task PingIsRepeatedAndReadinessTurnsRedWhenTheLastAnsweredOneIsTooOld()
    {
        var ping = service.Services.GetRequiredService<HomeserverPing>();
        await BotRoomStandIn.Until(() => ping.LastSuccess is not null, "the start-up ping answered");
        var (status, check) = await ReadyAsync();
        status.Should().Be(HttpStatusCode.OK);
        check.GetProperty("description").GetString().Should().MatchRegex(@"^Synapse pinged us back \d+ s ago, in 1 ms$");

        var first = ping.LastSuccess!.At;
        for (var waited = 0; ping.LastSuccess.At == first; waited++)
        {
            // A second at a time: the ping waits on this clock from whenever its wait began.
            waited.Should().BeLessThan(200, "a ping every {0}", HomeserverPing.Every);
            clock.Advance(TimeSpan.FromSeconds(1));
            await Task.Delay(25);
        }

        synapse.Count("ping").Should().Be(2);
        (clock.GetUtcNow() - first).Should().BeGreaterThanOrEqualTo(HomeserverPing.Every);

        // From now on Synapse takes the ping and never answers.
        synapse.Hold = line => line == "ping" ? release : null;
        clock.Advance(PingCheck.StaleAfter + TimeSpan.FromSeconds(1));
        (status, check) = await ReadyAsync();

        status.Should().Be(HttpStatusCode.ServiceUnavailable);
        check.GetProperty("status").GetString().Should().Be("Unhealthy");
        check.GetProperty("description").GetString().Should().MatchRegex(
            $@"^Synapse last pinged us back \d+ s ago \(more than {PingCheck.StaleAfter.TotalSeconds:0} s\)");
    }
}
