using System.Net;
using System.Net.Http.Headers;
using Microsoft.Extensions.Logging.Abstractions;
using OpenMeet.AppService.Configuration;
using OpenMeet.AppService.Matrix;
using OpenMeet.AppService.Tests.Reconciliation;

namespace OpenMeet.AppService.Tests.Matrix;

/// <summary>
/// The <c>/_synapse/mas/</c> client against the stand-in Synapse, which checks the secret and the
/// body's fields and types as Synapse's strict models do: every call is accepted as sent, and what
/// Synapse refuses becomes a <see cref="MatrixException"/>.
/// </summary>
public sealed class SynapseMasTests : IAsyncLifetime
{
    private StandInSynapse synapse = null!;

    public async Task InitializeAsync() => synapse = await StandInSynapse.StartAsync();

    public async Task DisposeAsync() => await synapse.DisposeAsync();

    private SynapseMas Client(string secret = StandInSynapse.MasSecret)
    {
        var config = new AppConfig { Homeserver = { ServerName = "test.example.org" }, Appservice = { AsToken = "as_token_for_tests_0123" } };
        config.Oidc.MatrixAuthService.Secret = secret;
        var reachability = new SynapseReachability(TimeProvider.System);
        var matrix = new MatrixClient(new HttpClient { BaseAddress = new Uri(synapse.Url + "/") }, config, new ClientTxnIds(), reachability,
            new SynapseMetrics(TestMeters.Factory(), reachability), NullLogger<MatrixClient>.Instance);
        return new SynapseMas(matrix, config);
    }

    [Fact]
    public async Task EveryCallIsSentWithTheFieldsSynapseExpects()
    {
        var mas = Client();

        await mas.ProvisionUserAsync("ann", "Ann", ["ann@example.org"], locked: false, default);
        await mas.ProvisionUserAsync("ann", "", [], locked: null, default);
        await mas.ProvisionUserAsync("ann", null, null, locked: true, default);
        await mas.UpsertDeviceAsync("ann", "OMDEVICE0001", "Phone", default);
        await mas.UpsertDeviceAsync("ann", "OMDEVICE0002", null, default);
        await mas.UpdateDeviceDisplayNameAsync("ann", "OMDEVICE0002", "Laptop", default);
        await mas.DeleteDeviceAsync("ann", "OMDEVICE0001", default);
        await mas.SyncDevicesAsync("ann", ["OMDEVICE0003"], default);
        var devices = synapse.Account("ann")!.Devices.Keys.ToList();
        await mas.AllowCrossSigningResetAsync("ann", default);
        await mas.DeleteUserAsync("ann", erase: false, default);
        await mas.ReactivateUserAsync("ann", default);

        synapse.Calls.Where(c => c.StartsWith("mas ", StringComparison.Ordinal)).Should().Equal(
            """mas provision_user {"localpart":"ann","set_displayname":"Ann","set_emails":["ann@example.org"],"locked":false}""",
            """mas provision_user {"localpart":"ann","unset_displayname":true,"unset_emails":true}""",
            """mas provision_user {"localpart":"ann","locked":true}""",
            """mas upsert_device {"localpart":"ann","device_id":"OMDEVICE0001","display_name":"Phone"}""",
            """mas upsert_device {"localpart":"ann","device_id":"OMDEVICE0002"}""",
            """mas update_device_display_name {"localpart":"ann","device_id":"OMDEVICE0002","display_name":"Laptop"}""",
            """mas delete_device {"localpart":"ann","device_id":"OMDEVICE0001"}""",
            """mas sync_devices {"localpart":"ann","devices":["OMDEVICE0003"]}""",
            """mas allow_cross_signing_reset {"localpart":"ann"}""",
            """mas delete_user {"localpart":"ann","erase":false}""",
            """mas reactivate_user {"localpart":"ann"}""");
        devices.Should().Equal(["OMDEVICE0003"], "sync_devices leaves exactly the devices named");
    }

    [Fact]
    public async Task AUserIsQueriedAndALocalpartTakenInAnyCaseIsNotAvailable()
    {
        var mas = Client();
        await mas.ProvisionUserAsync("Bob", "Bob B", null, null, default);

        (await mas.QueryUserAsync("Bob", default)).Should().Be(new MasUser("@Bob:test.example.org", "Bob B", null, false, false));
        (await mas.QueryUserAsync("nobody", default)).Should().BeNull("404 is an answer: no such account");
        (await mas.IsLocalpartAvailableAsync("bob", default)).Should().BeFalse();
        (await mas.IsLocalpartAvailableAsync("carol", default)).Should().BeTrue();
    }

    [Fact]
    public async Task AnUnknownUserIsA404AndADeletedDeviceA204WithoutBody()
    {
        var mas = Client();

        var act = () => mas.UpsertDeviceAsync("nobody", "OMDEVICE0001", null, default);

        var e = (await act.Should().ThrowAsync<MatrixException>()).Which;
        (e.Status, e.ErrCode).Should().Be((HttpStatusCode.NotFound, "M_NOT_FOUND"));
        await mas.ProvisionUserAsync("ann", null, null, null, default);
        await mas.DeleteDeviceAsync("ann", "OMDEVICE0001", default);
    }

    [Fact]
    public async Task TheStandInRefusesAMissingOrWrongSecretAsSynapseDoes()
    {
        using var http = new HttpClient { BaseAddress = new Uri(synapse.Url) };
        var none = await http.GetAsync("/_synapse/mas/query_user?localpart=ann");
        using var wrongRequest = new HttpRequestMessage(HttpMethod.Get, "/_synapse/mas/query_user?localpart=ann") { Headers = { Authorization = new AuthenticationHeaderValue("Bearer", "wrong") } };
        var wrong = await http.SendAsync(wrongRequest);

        (none.StatusCode, await none.ErrCodeAsync()).Should().Be((HttpStatusCode.Unauthorized, "M_MISSING_TOKEN"));
        wrong.StatusCode.Should().Be(HttpStatusCode.Forbidden);
        var act = () => Client("another-secret-0123456789abcdef0123456789").ProvisionUserAsync("ann", "Ann", null, null, default);
        (await act.Should().ThrowAsync<MatrixException>()).Which.Status.Should().Be(HttpStatusCode.Forbidden);
        synapse.Account("ann").Should().BeNull();
    }

    [Fact]
    public async Task TheStandInRefusesFieldsOfAnotherTypeOrBothFormsOfOne()
    {
        using var http = new HttpClient { BaseAddress = new Uri(synapse.Url) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", StandInSynapse.MasSecret);

        var number = await http.PostAsync("/_synapse/mas/provision_user", Json.Body("""{"localpart":"ann","locked":"true"}"""));
        var both = await http.PostAsync("/_synapse/mas/provision_user", Json.Body("""{"localpart":"ann","set_emails":[],"unset_emails":false}"""));

        (number.StatusCode, await number.ErrCodeAsync()).Should().Be((HttpStatusCode.BadRequest, "M_BAD_JSON"));
        (both.StatusCode, await both.ErrCodeAsync()).Should().Be((HttpStatusCode.BadRequest, "M_BAD_JSON"));
    }
}
