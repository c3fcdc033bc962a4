using Microsoft.Extensions.DependencyInjection;
using OpenMeet.AppService.AdminBot;
using OpenMeet.AppService.State;

namespace OpenMeet.AppService.Tests.AdminBot;

/// <summary>The commands as the real host wires them (no Synapse: only what needs none).</summary>
public sealed class BotCommandsTests : IAsyncLifetime
{
    private readonly TestService service = new("""
        admin_bot:
          admins: ["@boss:test.example.org", ":staff.example.org"]
        """);

    public async Task InitializeAsync() => await service.StartAsync();

    public async Task DisposeAsync() => await service.DisposeAsync();

    private Task<Reply> RunAsync(string text) =>
        service.Services.GetRequiredService<BotCommands>().RunAsync(CommandLine.Parse(text), "@boss:test.example.org", CancellationToken.None);

    [Fact]
    public async Task UnknownCommandSuggestsTheClosest()
    {
        var reply = await RunAsync("stauts");
        reply.Ok.Should().BeFalse();
        reply.Text.Should().Be("Unknown command 'stauts'. Did you mean 'status'? Type 'help' for the list.");
    }

    [Fact]
    public async Task WrongNumberOfArgumentsShowsTheUsage()
    {
        var reply = await RunAsync("whois");
        reply.Ok.Should().BeFalse();
        reply.Text.Should().Be("whois takes 1 argument(s), got 0. Usage: whois <@mxid|handle|tenant/slug>");
    }

    [Fact]
    public async Task UnknownFlagIsNamed()
    {
        (await RunAsync("rooms --verbose")).Text.Should().Be("rooms has no --verbose. Usage: rooms [tenant] [--page=N]");
    }

    [Fact]
    public async Task BadArgumentSaysWhatWasExpected()
    {
        (await RunAsync("handle chek alice")).Text.Should().Be("'chek' is not check, release or block (did you mean 'check'?). Usage: handle check|release|block <handle>");
        (await RunAsync("audit lots")).Text.Should().Be("n is a number from 1 to 100, got 'lots'. Usage: audit [n]");
        (await RunAsync("rooms nowhere")).Text.Should().Be("no tenant 'nowhere' (see 'tenants'). Usage: rooms [tenant] [--page=N]");
        (await RunAsync("whois @nobody:test.example.org")).Text.Should().Be("nobody is '@nobody:test.example.org'. Usage: whois <@mxid|handle|tenant/slug>");
    }

    [Fact]
    public async Task HelpListsEveryCommandAndExplainsOne()
    {
        var list = await RunAsync("help");
        foreach (var name in new[] { "help", "status", "tenants", "rooms", "room", "reconcile", "recreate", "whois", "handle", "revoke", "audit", "crosstenant" })
        {
            list.Text.Should().Contain(name);
        }

        list.Html.Should().Contain("<table>");
        (await RunAsync("help reconcile")).Text.Should().Be("reconcile <room|tenant|all> [--dry-run]\na room: show its plan and run it; a tenant or all: run it as a job, the reply edited as rooms finish (all asks first); --dry-run: only the plan");
    }

    [Fact]
    public async Task RecreateAsksFirstThenLeavesTheNewRoomToTheReconciler()
    {
        var api = service.Private(TestService.InternalToken);
        await api.PutAsync("/internal/tenants/t1", Json.Body("""{"name":"One"}"""));
        await api.PutAsync("/internal/tenants/t1/groups/club", Json.Body("""{"name":"Club","visibility":"private"}"""));
        (await RunAsync("recreate t1/group/club")).Text.Should().Be("t1/group/club has no Matrix room yet: nothing to replace.");
        var store = service.Services.GetRequiredService<Store>();
        store.ChangeRoom("t1/group/club", r => (r.RoomId, r.Status, r.LastError) = ("!old:test.example.org", RoomStatus.Failed, "the bot cannot enter !old"));

        var question = await RunAsync("recreate #openmeet_t1.group.club:test.example.org");
        question.Text.Should().Contain("instead of !old:test.example.org? It is failing: the bot cannot enter !old").And.Contain("React with ✅");
        store.Rooms.FindById("t1/group/club")!.ReplaceRequested.Should().BeFalse("nothing happens before the confirmation");

        (await question.OnConfirm!(CancellationToken.None)).Text.Should().StartWith("t1/group/club gets a new room under its alias");
        store.Rooms.FindById("t1/group/club")!.ReplaceRequested.Should().BeTrue("the reconciler makes it (here it waits for the tenant's space)");
        (await RunAsync("audit 3")).Text.Should().Contain("recreate").And.Contain("instead of !old:test.example.org");
    }

    [Fact]
    public async Task RevokeAndReconcileAllAskFirst()
    {
        var api = service.Private(TestService.InternalToken);
        await api.PutAsync("/internal/tenants/t1", Json.Body("""{"name":"One"}"""));
        await api.PutAsync("/internal/tenants/t1/users/alice", Json.Body("""{"name":"Alice"}"""));

        var revoke = await RunAsync("revoke t1/alice");
        revoke.OnConfirm.Should().NotBeNull();
        revoke.Text.Should().Contain("React with ✅");
        (await RunAsync("whois t1/alice")).Text.Should().Contain("revoked: no", "nothing happens before the confirmation");

        (await revoke.OnConfirm!(CancellationToken.None)).Text.Should().StartWith("Revoked t1/alice");
        (await RunAsync("whois t1/alice")).Text.Should().Contain("revoked: yes");
        (await RunAsync("reconcile all")).OnConfirm.Should().NotBeNull();
        (await RunAsync("audit 5")).Text.Should().Contain("revoke");
    }

    [Theory]
    [InlineData("@boss:test.example.org", true)]
    [InlineData("@anyone:staff.example.org", true)]
    [InlineData("@boss:test.example.org.evil", false)]
    [InlineData("@anyone:notstaff.example.org", false)]
    [InlineData("@bossy:test.example.org", false)]
    public void OnlyConfiguredAdminsMayCommand(string sender, bool allowed) =>
        service.Services.GetRequiredService<Admins>().Contains(sender).Should().Be(allowed);
}
