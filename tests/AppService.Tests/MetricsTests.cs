using System.Globalization;
using System.Net.Http.Json;
using Microsoft.Extensions.DependencyInjection;
using OpenMeet.AppService.AdminBot;
using OpenMeet.AppService.Reconciliation;
using OpenMeet.AppService.Tests.Reconciliation;
using OpenMeet.AppService.Tests.SignIn;

namespace OpenMeet.AppService.Tests;

/// <summary>
/// /metrics as Prometheus scrapes it (issue 15): every family is there with its type, and what the
/// service did between two scrapes shows in the families that count it.
/// </summary>
public sealed class MetricsTests : IAsyncLifetime
{
    private static readonly (string Name, string Type)[] Families =
    [
        ("openmeet_uptime_seconds", "gauge"),
        ("openmeet_transactions_stored_total", "counter"),
        ("openmeet_transactions_repeated_total", "counter"),
        ("openmeet_transactions_ack_duration_seconds", "histogram"),
        ("openmeet_events_stored_total", "counter"),
        ("openmeet_events_received_total", "counter"),
        ("openmeet_events_dispatched_total", "counter"),
        ("openmeet_events_quarantined_total", "counter"),
        ("openmeet_echoes_total", "counter"),
        ("openmeet_consumer_errors_total", "counter"),
        ("openmeet_inbox_pending", "gauge"),
        ("openmeet_inbox_pending_bytes", "gauge"),
        ("openmeet_inbox_lag_seconds", "gauge"),
        ("openmeet_reconcile_queue", "gauge"),
        ("openmeet_reconcile_duration_seconds", "histogram"),
        ("openmeet_rooms_failing", "gauge"),
        ("openmeet_synapse_requests_total", "counter"),
        ("openmeet_synapse_unanswered_total", "counter"),
        ("openmeet_synapse_in_flight", "gauge"),
        ("openmeet_synapse_reachable", "gauge"),
        ("openmeet_synapse_request_duration_seconds", "histogram"),
        ("openmeet_handles_checks_total", "counter"),
        ("openmeet_credentials_duration_seconds", "histogram"),
        ("openmeet_bot_commands_total", "counter"),
    ];

    private StandInSynapse synapse = null!;
    private TestService service = null!;

    public async Task InitializeAsync()
    {
        synapse = await StandInSynapse.StartAsync();
        service = synapse.Service();
        await service.StartAsync();
    }

    public async Task DisposeAsync()
    {
        await service.DisposeAsync();
        await synapse.DisposeAsync();
    }

    [Fact]
    public async Task EveryFamilyIsThereWithItsTypeAndWhatTheServiceDidMovesIt()
    {
        var before = await ScrapeAsync(service);

        const string Txn = """{"events":[{"type":"m.room.message","event_id":"$1","room_id":"!r:test.example.org","sender":"@a:test.example.org","content":{}},{"type":"com.example.anything","event_id":"$2","room_id":"!r:test.example.org","sender":"@a:test.example.org","content":{}}]}""";
        (await service.Private().PutAsync("/_matrix/app/v1/transactions/metrics1", Json.Body(Txn))).EnsureSuccessStatusCode();
        var api = service.Private(TestService.InternalToken);
        (await api.PutAsJsonAsync("/internal/tenants/t1", new { name = "T1" })).EnsureSuccessStatusCode();
        (await api.PutAsJsonAsync("/internal/tenants/t1/events/party", new { name = "Party", visibility = "private" })).EnsureSuccessStatusCode();
        (await service.Services.GetRequiredService<Reconciler>().EnsureRoomAsync("t1/event/party", TimeSpan.FromSeconds(30), CancellationToken.None))
            .Should().NotBeNull();
        var person = service.Public(OpenMeetTokens.Hs256("ann", "t1", "Ann"));
        (await person.GetAsync("/api/handles/check?handle=ann.smith")).EnsureSuccessStatusCode();
        await person.PostAsync("/api/matrix/credentials", null);
        await service.Services.GetRequiredService<BotCommands>().RunAsync(CommandLine.Parse("help"), "@boss:test.example.org", CancellationToken.None);

        var after = await ScrapeAsync(service);

        foreach (var (name, type) in Families)
        {
            after.Types.Should().Contain(name, type, $"{name} is a {type} on /metrics");
        }

        foreach (var name in new[]
        {
            "openmeet_transactions_stored_total", "openmeet_events_stored_total", "openmeet_events_received_total",
            "openmeet_transactions_ack_duration_seconds_count", "openmeet_synapse_requests_total", "openmeet_synapse_request_duration_seconds_count",
            "openmeet_reconcile_duration_seconds_count", "openmeet_handles_checks_total", "openmeet_credentials_duration_seconds_count",
            "openmeet_bot_commands_total",
        })
        {
            Total(after, name).Should().BeGreaterThan(Total(before, name), $"{name} counts what was done between the scrapes");
        }

        after.Samples.Should().ContainKey("openmeet_events_received_total{type=\"m.room.message\"}")
            .And.ContainKey("openmeet_events_received_total{type=\"other\"}", "a type not in the list is 'other', never itself");
        after.Samples.Keys.Should().Contain(k => k.StartsWith(
            "openmeet_synapse_request_duration_seconds_count{endpoint=\"/_matrix/client/v3/createRoom\",method=\"POST\",status=\"2xx\"}", StringComparison.Ordinal));
        after.Samples.Should().ContainKey("openmeet_bot_commands_total{command=\"help\",outcome=\"ok\"}")
            .And.ContainKey("openmeet_credentials_duration_seconds_count{status=\"503\"}");
        after.Samples.Keys.Should().Contain(k => k.StartsWith("openmeet_reconcile_duration_seconds_count{kind=\"room\",outcome=\"ok\"}", StringComparison.Ordinal));
        after.Samples.Keys.Should().Contain("openmeet_transactions_ack_duration_seconds_bucket{outcome=\"stored\",le=\"0.001\"}",
            "latencies are histograms with buckets from a millisecond up");
    }

    [Fact]
    public async Task SignInsAndBackChannelLogoutsAreCountedWhenTheIssuerIsOn()
    {
        await using var host = await SignInHost.StartAsync();
        var before = await ScrapeAsync(host.Service);

        await host.PasswordAsync("t1", "nobody", "wrong-password-0123");

        var after = await ScrapeAsync(host.Service);
        after.Types.Should().Contain("openmeet_sso_logins_total", "counter").And.Contain("openmeet_sso_backchannel_logouts_total", "counter");
        after.Samples.Should().ContainKey("openmeet_sso_backchannel_logouts_total{outcome=\"failed\"}");
        const string Wrong = "openmeet_sso_logins_total{method=\"password\",outcome=\"wrong\"}";
        after.Samples[Wrong].Should().Be(before.Samples[Wrong] + 1);
    }

    private static double Total(Scrape scrape, string name) =>
        scrape.Samples.Where(s => s.Key == name || s.Key.StartsWith(name + "{", StringComparison.Ordinal)).Sum(s => s.Value);

    private static async Task<Scrape> ScrapeAsync(TestService service)
    {
        var text = await service.Private(null).GetStringAsync("/metrics");
        var lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        return new Scrape(
            lines.Where(l => l.StartsWith("# TYPE ", StringComparison.Ordinal)).Select(l => l.Split(' ')).ToDictionary(p => p[2], p => p[3]),
            lines.Where(l => l[0] != '#').ToDictionary(l => l[..l.LastIndexOf(' ')], l => double.Parse(l[(l.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture)));
    }

    private sealed record Scrape(Dictionary<string, string> Types, Dictionary<string, double> Samples);
}
