using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;

namespace OpenMeet.AppService.Tests;

/// <summary>The internal API's validation and errors (no Synapse: the reconciler just keeps retrying).</summary>
public sealed class InternalApiTests : IAsyncLifetime
{
    private readonly TestService service = new();

    public async Task InitializeAsync()
    {
        await service.StartAsync();
        (await Api.PutAsJsonAsync("/internal/tenants/t1", new { name = "Tenant one" })).StatusCode.Should().Be(HttpStatusCode.OK);
        (await Api.PutAsJsonAsync("/internal/tenants/t2", new { name = "Tenant two" })).StatusCode.Should().Be(HttpStatusCode.OK);
        (await Api.PutAsJsonAsync("/internal/tenants/t1/users/alice", new { name = "Alice", handle = "alice" })).StatusCode.Should().Be(HttpStatusCode.OK);
        (await Api.PutAsJsonAsync("/internal/tenants/t2/users/bob", new { name = "Bob" })).StatusCode.Should().Be(HttpStatusCode.OK);
        (await Api.PutAsJsonAsync("/internal/tenants/t1/events/party", new { name = "Party", visibility = "private" })).StatusCode.Should().Be(HttpStatusCode.OK);
    }

    public async Task DisposeAsync() => await service.DisposeAsync();

    private HttpClient Api => service.Private(TestService.InternalToken);

    private static async Task ShouldFailAsync(HttpResponseMessage response, HttpStatusCode status, string error, string? messagePart = null)
    {
        var text = await response.Content.ReadAsStringAsync();
        response.StatusCode.Should().Be(status, text);
        var body = JsonDocument.Parse(text).RootElement;
        body.GetProperty("error").GetString().Should().Be(error);
        if (messagePart is not null)
        {
            body.GetProperty("message").GetString().Should().Contain(messagePart);
        }
    }

    [Fact]
    public async Task UnknownTenantIsNamed() =>
        await ShouldFailAsync(await Api.PutAsJsonAsync("/internal/tenants/nope/events/x", new { name = "X", visibility = "public" }),
            HttpStatusCode.NotFound, "unknown_tenant", "nope");

    [Theory]
    [InlineData("/internal/tenants/t1/events/-bad", "slug")]
    [InlineData("/internal/tenants/t1/events/has%20space", "slug")]
    [InlineData("/internal/tenants/t1/users/a%2Fb", "userSlug")]
    public async Task BadSlugIsRefused(string path, string field) =>
        await ShouldFailAsync(await Api.PutAsJsonAsync(path, new { name = "X", visibility = "public" }), HttpStatusCode.BadRequest, "invalid_request", field);

    [Fact]
    public async Task UnknownRoleIsRefusedWithTheRolesOfThatKind() =>
        await ShouldFailAsync(await Api.PutAsJsonAsync("/internal/tenants/t1/events/party/members/alice", new { role = "owner" }),
            HttpStatusCode.BadRequest, "unknown_role", "host, moderator, speaker, participant, guest");

    [Fact]
    public async Task UserOfAnotherTenantCannotBeAddedToAnEntity() =>
        await ShouldFailAsync(await Api.PutAsJsonAsync("/internal/tenants/t1/events/party/members/bob", new { role = "guest" }),
            HttpStatusCode.Conflict, "user_of_another_tenant", "t2");

    [Fact]
    public async Task MembershipMayArriveBeforeItsUser()
    {
        var response = await Api.PutAsJsonAsync("/internal/tenants/t1/events/party/members/carol", new { role = "guest" });
        response.StatusCode.Should().Be(HttpStatusCode.OK);
    }

    [Fact]
    public async Task MalformedJsonIsAJsonError() =>
        await ShouldFailAsync(await Api.PutAsync("/internal/tenants/t1", Json.Body("{\"name\": ")), HttpStatusCode.BadRequest, "invalid_json");

    [Fact]
    public async Task WrongTypeInJsonSaysWhere() =>
        await ShouldFailAsync(await Api.PutAsync("/internal/tenants/t1", Json.Body("{\"name\": 42}")), HttpStatusCode.BadRequest, "invalid_json", "$.name");

    [Theory]
    [InlineData("{}", "name")]
    [InlineData("{\"name\":\"X\",\"visibility\":\"secret\"}", "visibility")]
    public async Task MissingOrWrongFieldIsNamed(string body, string field) =>
        await ShouldFailAsync(await Api.PutAsync("/internal/tenants/t1/groups/g", Json.Body(body)), HttpStatusCode.BadRequest, "invalid_request", field);

    [Fact]
    public async Task HandleIsUniqueAcrossTenantsAndPermanent()
    {
        await ShouldFailAsync(await Api.PutAsJsonAsync("/internal/tenants/t2/users/bob", new { name = "Bob", handle = "ALICE" }),
            HttpStatusCode.Conflict, "handle_taken");
        await ShouldFailAsync(await Api.PutAsJsonAsync("/internal/tenants/t1/users/alice", new { name = "Alice", handle = "alice2" }),
            HttpStatusCode.Conflict, "handle_permanent");
        (await Api.PutAsJsonAsync("/internal/tenants/t1/users/alice", new { name = "Alice B.", handle = "alice" })).StatusCode.Should().Be(HttpStatusCode.OK);
    }

    [Fact]
    public async Task RoomOfAnUnknownEntityIsNotFound() =>
        await ShouldFailAsync(await Api.GetAsync("/internal/tenants/t1/events/nothing/room"), HttpStatusCode.NotFound, "unknown_entity");

    [Fact]
    public async Task UnknownKindIsNotFound() =>
        await ShouldFailAsync(await Api.GetAsync("/internal/tenants/t1/meetings/x/room"), HttpStatusCode.NotFound, "not_found");

    [Fact]
    public async Task PermissionForARoomOfAnotherTenantLooksLikeNoRoom() =>
        await ShouldFailAsync(await Api.PostAsJsonAsync("/internal/matrix/permissions", new { roomId = "!x:test.example.org", userSlug = "alice", powerLevel = 50, tenantId = "t2" }),
            HttpStatusCode.NotFound, "unknown_room");

    [Fact]
    public async Task PermissionLevelIsOneOfTheContracts() =>
        await ShouldFailAsync(await Api.PostAsJsonAsync("/internal/matrix/permissions", new { roomId = "!x:test.example.org", userSlug = "alice", powerLevel = 75, tenantId = "t1" }),
            HttpStatusCode.BadRequest, "invalid_request", "powerLevel");

    [Fact]
    public async Task DmNeedsTwoUsersOfTheTenant()
    {
        await ShouldFailAsync(await Api.PostAsJsonAsync("/internal/matrix/dms", new { tenantId = "t1", userSlugs = new[] { "alice" } }),
            HttpStatusCode.BadRequest, "invalid_request", "userSlugs");
        await ShouldFailAsync(await Api.PostAsJsonAsync("/internal/matrix/dms", new { tenantId = "t1", userSlugs = new[] { "alice", "bob" } }),
            HttpStatusCode.NotFound, "unknown_user", "bob");
    }

    [Fact]
    public async Task DryRunReconcileShowsThePlanWithoutStartingIt()
    {
        var reply = await Api.PostAsJsonAsync("/internal/reconcile", new { tenantId = "t1", entityType = "event", entitySlug = "party", dryRun = true });

        reply.StatusCode.Should().Be(HttpStatusCode.OK);
        var plan = await reply.Content.ReadFromJsonAsync<JsonElement>();
        plan.GetProperty("dryRun").GetBoolean().Should().BeTrue();
        plan.GetProperty("plan")[0].GetProperty("key").GetString().Should().Be("t1/event/party");
        plan.GetProperty("plan")[0].GetProperty("actions")[0].GetString().Should().Be("create the room for t1/event/party");
    }

    [Fact]
    public async Task RoomReportOfARoomNotYetCreatedIsPendingWithItsDesiredState()
    {
        var report = await (await Api.GetAsync("/internal/tenants/t1/events/party/room")).Content.ReadFromJsonAsync<JsonElement>();

        report.GetProperty("state").GetString().Should().Be("pending");
        report.GetProperty("roomId").ValueKind.Should().Be(JsonValueKind.Null);
        report.GetProperty("alias").GetString().Should().Be("#openmeet_t1.event.party:test.example.org");
        report.GetProperty("desired").GetProperty("name").GetString().Should().Be("Party");
        report.GetProperty("actual").ValueKind.Should().Be(JsonValueKind.Null);
    }

    [Fact]
    public async Task DeleteOfAnUnknownMemberIsNotFound() =>
        await ShouldFailAsync(await Api.DeleteAsync("/internal/tenants/t1/events/party/members/zed"), HttpStatusCode.NotFound, "unknown_member");

    [Fact]
    public async Task RevocationIsAnsweredAtOnceAndShowsItsSteps()
    {
        (await Api.PutAsJsonAsync("/internal/tenants/t1", new { name = "T1" })).StatusCode.Should().Be(HttpStatusCode.OK);
        (await Api.PutAsJsonAsync("/internal/tenants/t1/users/carl", new { name = "Carl" })).StatusCode.Should().Be(HttpStatusCode.OK);

        var deleted = await Api.DeleteAsync("/internal/tenants/t1/users/carl");

        deleted.StatusCode.Should().Be(HttpStatusCode.Accepted);
        var reply = await deleted.ReadAsync();
        reply.GetProperty("revoked").GetBoolean().Should().BeTrue();
        reply.GetProperty("revocation").GetProperty("accountLocked").GetBoolean().Should().BeTrue("Carl has no Matrix account to lock");
        reply.GetProperty("revocation").GetProperty("done").GetBoolean().Should().BeFalse("the sign-in sessions are ended by the reconciler, after the answer");
        var shown = await (await Api.GetAsync("/internal/tenants/t1/users/carl")).ReadAsync();
        shown.GetProperty("revoked").GetBoolean().Should().BeTrue();
        shown.GetProperty("revocation").ValueKind.Should().Be(System.Text.Json.JsonValueKind.Object);
        await ShouldFailAsync(await Api.DeleteAsync("/internal/tenants/t1/users/nobody"), HttpStatusCode.NotFound, "unknown_user");
        await ShouldFailAsync(await Api.GetAsync("/internal/tenants/t1/users/nobody"), HttpStatusCode.NotFound, "unknown_user");
    }

    [Fact]
    public async Task UpdateOfARevokedPersonKeepsTheRevocationUntilItIsLiftedInSoManyWords()
    {
        (await Api.PutAsJsonAsync("/internal/tenants/t1", new { name = "T1" })).StatusCode.Should().Be(HttpStatusCode.OK);
        (await Api.PutAsJsonAsync("/internal/tenants/t1/users/dora", new { name = "Dora" })).StatusCode.Should().Be(HttpStatusCode.OK);
        (await Api.DeleteAsync("/internal/tenants/t1/users/dora")).StatusCode.Should().Be(HttpStatusCode.Accepted);

        var updated = await Api.PutAsJsonAsync("/internal/tenants/t1/users/dora", new { name = "Dora D." });
        (await updated.ReadAsync()).GetProperty("revoked").GetBoolean().Should().BeTrue("a profile update is not a pardon");
        await ShouldFailAsync(await Api.PutAsJsonAsync("/internal/tenants/t1/users/dora", new { name = "Dora", revoked = true }),
            HttpStatusCode.BadRequest, "invalid_request");

        var lifted = await Api.PutAsJsonAsync("/internal/tenants/t1/users/dora", new { name = "Dora", revoked = false });
        (await lifted.ReadAsync()).GetProperty("revoked").GetBoolean().Should().BeFalse();
        var audit = service.Services.GetRequiredService<OpenMeet.AppService.Audit.AuditLog>();
        audit.Latest(5).Should().Contain(e => e.Action == "lift revocation" && e.Detail == "t1/dora");
    }
}
