using System.Net;
using System.Net.Http.Json;
using Microsoft.Extensions.DependencyInjection;
using OpenMeet.AppService.Handles;
using OpenMeet.AppService.Reconciliation;
using OpenMeet.AppService.SignIn;
using OpenMeet.AppService.State;
using static OpenMeet.AppService.Tests.AdminBot.BotRoomStandIn;

namespace OpenMeet.AppService.Tests.Reconciliation;

/// <summary>
/// Accounts and devices when our issuer is Synapse's auth service (<c>oidc.mode: matrix_auth_service</c>,
/// issue 16): provisioned, revoked and checked through <c>/_synapse/mas/</c> and never the admin API's
/// user calls; the issuer's devices made and deleted by the account's worker, a deletion kept until
/// Synapse has taken it.
/// </summary>
public sealed class AuthServiceAccountTests : IAsyncLifetime
{
    private StandInSynapse synapse = null!;
    private TestService service = null!;

    public async Task InitializeAsync()
    {
        synapse = await StandInSynapse.StartAsync();
        service = synapse.Service(authService: true);
        await service.StartAsync();
        await PutAsync("tenants/t1", new { name = "T1" });
    }

    public async Task DisposeAsync()
    {
        await service.DisposeAsync();
        await synapse.DisposeAsync();
    }

    private HttpClient Api => service.Private(TestService.InternalToken);

    private Store Store => service.Services.GetRequiredService<Store>();

    private Reconciler Reconciler => service.Services.GetRequiredService<Reconciler>();

    // As the issuer will reach it.
    private AccountDevices Devices => service.Services.GetRequiredService<AccountDevices>();

    [Fact]
    public async Task AnAccountIsProvisionedWithItsNameAndOnlyAVouchedEmail()
    {
        await PutAsync("tenants/t1/users/ann", new { name = "Ann", email = "ann@example.org", handle = "ann" });
        await PutAsync("tenants/t1/users/bob", new { name = "Bob", handle = "bob" });
        await Reconciler.EnsureAccountAsync("t1/ann", default);
        await Reconciler.EnsureAccountAsync("t1/bob", default);

        synapse.Calls.Should().Contain("""mas provision_user {"localpart":"ann","set_displayname":"Ann","set_emails":["ann@example.org"],"locked":false}""");
        synapse.Calls.Should().Contain("""mas provision_user {"localpart":"bob","set_displayname":"Bob","unset_emails":true,"locked":false}""");
        synapse.Account("ann")!.Emails.Should().Equal("ann@example.org");
        synapse.Count("PUT account").Should().Be(0, "the admin API's user calls are not used in this mode");
        Store.Users.FindById("t1/ann")!.Should().BeEquivalentTo(new { UserId = "@ann:test.example.org", ProvisionedMode = StandInSynapse.MatrixAuthServiceMode });

        await PutAsync("tenants/t1/users/ann", new { name = "Ann A", handle = "ann" });
        await Reconciler.EnsureAccountAsync("t1/ann", default);
        synapse.Account("ann")!.DisplayName.Should().Be("Ann A", "a rename is provisioned again");
        await Until(() => synapse.Calls.Contains("""mas provision_user {"localpart":"operator"}"""), "the account homeserver.admin_token stands for made at start", 30);
    }

    [Fact]
    public async Task RevocationLocksTheAccountAndDeletesEveryDeviceInOneStep()
    {
        await PutAsync("tenants/t1/users/ann", new { name = "Ann", handle = "ann" });
        await Devices.EnsureDeviceAsync("t1/ann", "OMDEVICE0001", "Phone", default);
        await Devices.EnsureDeviceAsync("t1/ann", "OMDEVICE0002", "Laptop", default);
        var sync = new TaskCompletionSource();
        synapse.Hold = line => line.StartsWith("mas sync_devices", StringComparison.Ordinal) ? sync : null;

        (await Api.DeleteAsync("/internal/tenants/t1/users/ann")).StatusCode.Should().Be(HttpStatusCode.Accepted);
        await Until(() => synapse.Count("mas sync_devices") == 1, "the devices being deleted", 30);
        var during = await RevocationAsync();
        sync.SetResult();
        await Until(() => Store.Users.FindById("t1/ann")!.Locked, "the account locked", 30);

        during.GetProperty("accountLocked").GetBoolean().Should().BeFalse("the step is done once every device is gone");
        synapse.Calls.Should().ContainInOrder(
            """mas provision_user {"localpart":"ann","locked":true}""",
            """mas sync_devices {"localpart":"ann","devices":[]}""");
        synapse.Account("ann")!.Should().BeEquivalentTo(new { Locked = true, Devices = new Dictionary<string, string?>() });
        var act = () => Devices.EnsureDeviceAsync("t1/ann", "OMDEVICE0003", "Phone", default);
        await act.Should().ThrowAsync<InvalidOperationException>("no device for a revoked person");
        synapse.Account("ann")!.Devices.Should().BeEmpty();
    }

    [Fact]
    public async Task ADeviceIsMadeAfterItsAccountAndRenamedWhenAskedAgain()
    {
        await PutAsync("tenants/t1/users/ann", new { name = "Ann", handle = "ann" });

        await Devices.EnsureDeviceAsync("t1/ann", "OMDEVICE0001", "Phone", default);
        await Devices.EnsureDeviceAsync("t1/ann", "OMDEVICE0001", "Old phone", default);

        synapse.Calls.Where(c => c.StartsWith("mas ", StringComparison.Ordinal) && c.Contains("\"ann\"", StringComparison.Ordinal)).Should().StartWith(
            """mas provision_user {"localpart":"ann","set_displayname":"Ann","unset_emails":true,"locked":false}""");
        synapse.Account("ann")!.Devices.Should().Equal(new Dictionary<string, string?> { ["OMDEVICE0001"] = "Old phone" });
        Store.Users.FindById("t1/ann")!.DeviceChanges.Should().BeEmpty();
    }

    [Fact]
    public async Task ADeviceDeletionWhileSynapseIsAwayIsDoneWhenItIsBackAlsoAfterARestart()
    {
        await PutAsync("tenants/t1/users/ann", new { name = "Ann", handle = "ann" });
        await Devices.EnsureDeviceAsync("t1/ann", "OMDEVICE0001", "Phone", default);
        synapse.Down = true;
        using var giveUp = new CancellationTokenSource();

        var deleting = Devices.DeleteDeviceAsync("t1/ann", "OMDEVICE0001", giveUp.Token);
        await Until(() => synapse.Count("down POST /_synapse/mas/delete_device") > 0, "a deletion Synapse did not take", 30);
        giveUp.Cancel();
        await deleting.Invoking(d => d).Should().ThrowAsync<OperationCanceledException>();
        await service.StopAsync();
        await service.StartAsync();
        Store.Users.FindById("t1/ann")!.DeviceChanges.Should().ContainSingle(c => c.Delete && c.DeviceId == "OMDEVICE0001", "the deletion is kept");
        synapse.Account("ann")!.Devices.Should().ContainKey("OMDEVICE0001");
        synapse.Down = false;

        await Until(() => synapse.Account("ann")!.Devices.Count == 0 && Store.Users.FindById("t1/ann")!.DeviceChanges.Count == 0, "the device deleted", 60);
    }

    [Fact]
    public async Task ADeviceThatCouldNotBeMadeIsNotMadeLater()
    {
        await PutAsync("tenants/t1/users/ann", new { name = "Ann", handle = "ann" });
        await Reconciler.EnsureAccountAsync("t1/ann", default);
        synapse.Down = true;
        using var giveUp = new CancellationTokenSource();

        var making = Devices.EnsureDeviceAsync("t1/ann", "OMDEVICE0001", "Phone", giveUp.Token);
        await Until(() => synapse.Count("down POST /_synapse/mas/upsert_device") > 0, "a device Synapse did not take", 30);
        giveUp.Cancel();
        await making.Invoking(m => m).Should().ThrowAsync<OperationCanceledException>();
        await Until(() => service.Log.ToString().Contains("Reconciling account t1/ann failed", StringComparison.Ordinal), "the attempt over", 60);
        synapse.Down = false;
        await PutAsync("tenants/t1/users/ann", new { name = "Ann B", handle = "ann" });
        await Reconciler.EnsureAccountAsync("t1/ann", default);

        synapse.Account("ann")!.Should().BeEquivalentTo(new { DisplayName = "Ann B", Devices = new Dictionary<string, string?>() },
            "nobody got a token for the device, so it is not wanted any more");
        synapse.Calls.Count(c => c.StartsWith("mas upsert_device", StringComparison.Ordinal) && c.Contains("\"localpart\":\"ann\"", StringComparison.Ordinal))
            .Should().Be(0, "Ann's device was never made (the service's own admin device is made at start)");
        service.Log.ToString().Should().NotContain(StandInSynapse.MasSecret, "the failures and retries above are logged (at Debug), never the secret");
    }

    [Fact]
    public async Task DeletingADeviceOfAnAccountSynapseDoesNotKnowIsDone()
    {
        await PutAsync("tenants/t1/users/ann", new { name = "Ann", handle = "ann" });
        await Devices.EnsureDeviceAsync("t1/ann", "OMDEVICE0001", "Phone", default);
        synapse.SetAccount("ann", null);

        await Devices.DeleteDeviceAsync("t1/ann", "OMDEVICE0001", default);

        synapse.Count("mas delete_device").Should().Be(1);
        Store.Users.FindById("t1/ann")!.DeviceChanges.Should().BeEmpty();
    }

    [Fact]
    public async Task AHandleIsTakenWhenSynapseHasTheLocalpartInAnyCase()
    {
        synapse.SetAccount("Zed", new StandInSynapse.MasAccount("Zed", [], false, false, new Dictionary<string, string?>()));
        var claims = service.Services.GetRequiredService<HandleClaims>();

        (await claims.ProblemAsync("zed", "t1/ann", default)).Should().Be("'zed' is taken by an account on this server.");
        (await claims.ProblemAsync("zoe", "t1/ann", default)).Should().BeNull();
        synapse.Calls.Should().Contain(["mas is_localpart_available zed", "mas is_localpart_available zoe"]);
    }

    [Fact]
    public async Task AfterASwitchOfModeEveryAccountIsProvisionedAgainTheNewWay()
    {
        await PutAsync("tenants/t1/users/ann", new { name = "Ann", handle = "ann" });
        await Reconciler.EnsureAccountAsync("t1/ann", default);
        await SwitchAsync(StandInSynapse.MatrixAuthServiceMode, "sso");
        var before = synapse.Count("mas ");

        await Until(() => synapse.AdminAccounts.ContainsKey("@ann:test.example.org"), "the account provisioned the sso way", 30);
        synapse.AdminAccounts["@ann:test.example.org"]["external_ids"]!.ToJsonString().Should().Contain("\"auth_provider\":\"oidc-openmeet\"",
            "an SSO login must land in the account the other mode made");
        Store.Users.FindById("t1/ann")!.ProvisionedMode.Should().Be("sso");
        var act = () => Devices.EnsureDeviceAsync("t1/ann", "OMDEVICE0001", "Phone", default);
        await act.Should().ThrowAsync<InvalidOperationException>("in sso mode Synapse makes devices at login");
        synapse.Count("mas ").Should().Be(before, "sso mode uses the admin API");
        var provisioned = synapse.Count("mas provision_user {\"localpart\":\"ann\"");

        await SwitchAsync("sso", StandInSynapse.MatrixAuthServiceMode);
        await Until(() => synapse.Count("mas provision_user {\"localpart\":\"ann\"") > provisioned, "the account provisioned through /_synapse/mas/ again", 30);
        await Until(() => Store.Users.FindById("t1/ann")!.ProvisionedMode == StandInSynapse.MatrixAuthServiceMode, "the mode recorded", 30);
    }

    private async Task SwitchAsync(string from, string to)
    {
        await service.StopAsync();
        File.WriteAllText(service.ConfigPath, File.ReadAllText(service.ConfigPath).Replace($"mode: {from}", $"mode: {to}", StringComparison.Ordinal));
        await service.StartAsync();
    }

    private async Task<System.Text.Json.JsonElement> RevocationAsync() =>
        (await (await Api.GetAsync("/internal/tenants/t1/users/ann")).ReadAsync()).GetProperty("revocation");

    private async Task PutAsync(string path, object body) =>
        (await Api.PutAsJsonAsync($"/internal/{path}", body)).EnsureSuccessStatusCode();
}
