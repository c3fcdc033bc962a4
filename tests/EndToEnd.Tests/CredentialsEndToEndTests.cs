using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;

namespace OpenMeet.EndToEnd.Tests;

[Collection(nameof(LiveStackFixture))]
public sealed class CredentialsEndToEndTests(LiveStackFixture stack)
{
    private readonly OpenMeet om = new(stack);

    /// <summary>An OpenMeet token for a user, as OpenMeet's API issues them (HS256 in the dev stack).</summary>
    private HttpClient AsOpenMeetUser(string tenant, string slug, string session = "session-1")
    {
        var token = om.OpenMeetToken(tenant, slug, session, "Credential Tester");
        var client = new HttpClient { BaseAddress = new Uri(stack["PUBLIC_URL"].TrimEnd('/') + "/") };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    [Fact]
    public async Task ProvisionedUserHasTheirNameAndTheLinkToOurProvider()
    {
        var tenant = $"e2e{OpenMeet.Run}cred{Guid.NewGuid().ToString("N")[..4]}";
        await om.PutAsync($"tenants/{tenant}", new { name = "Credentials" });
        var handle = $"{tenant}.ann";
        await om.PutAsync($"tenants/{tenant}/users/ann", new { name = "Ann Example", email = "ann@example.org", handle });

        var text = await Matrix.EventuallyAsync(async () =>
        {
            var response = await stack.Synapse(stack["ADMIN_ACCESS_TOKEN"]).GetAsync($"_synapse/admin/v2/users/{Uri.EscapeDataString(om.UserId(handle))}");
            var body = response.IsSuccessStatusCode ? await response.Content.ReadAsStringAsync() : null;
            // Synapse's admin PUT creates the user first and then sets its links: wait for all of it.
            return body is not null && (LiveStackFixture.AuthServiceLane || body.Contains("oidc-openmeet", StringComparison.Ordinal))
                && body.Contains("ann@example.org", StringComparison.Ordinal) ? body : null;
        }, "the account being provisioned");
        JsonElement? account = JsonDocument.Parse(text).RootElement;

        account.Value.GetProperty("displayname").GetString().Should().Be("Ann Example");
        if (LiveStackFixture.AuthServiceLane)
        {
            // Synapse maps no SSO subject when it delegates authentication: the account has no link.
            account.Value.GetProperty("external_ids").EnumerateArray().Should().BeEmpty();
        }
        else
        {
            var link = account.Value.GetProperty("external_ids").EnumerateArray().Single();
            link.GetProperty("auth_provider").GetString().Should().Be("oidc-openmeet");
            link.GetProperty("external_id").GetString().Should().Be(OpenMeet.Subject(tenant, "ann"));
        }

        account.Value.GetProperty("threepids").EnumerateArray().Single().GetProperty("address").GetString().Should().Be("ann@example.org");

        await om.PutAsync($"tenants/{tenant}/users/ann", new { name = "Ann Renamed" });
        await Matrix.EventuallyAsync(async () =>
        {
            var profile = await stack.Synapse(stack["ADMIN_ACCESS_TOKEN"]).GetJsonAsync($"_matrix/client/v3/profile/{Uri.EscapeDataString(om.UserId(handle))}");
            return profile.GetProperty("displayname").GetString() == "Ann Renamed" ? "renamed" : null;
        }, "the new display name reaching Matrix");
    }

    [Fact]
    public async Task CredentialsWorkForSyncAndSendingUntilTheUserIsRevoked()
    {
        var tenant = $"e2e{OpenMeet.Run}rev{Guid.NewGuid().ToString("N")[..4]}";
        await om.PutAsync($"tenants/{tenant}", new { name = "Revocation" });
        await om.PutAsync($"tenants/{tenant}/users/bea", new { name = "Bea" });
        await om.PutAsync($"tenants/{tenant}/events/meetup", new { name = "Meetup", visibility = "private" });
        await om.PutAsync($"tenants/{tenant}/groups/club", new { name = "Club", visibility = "public" });
        await om.PutAsync($"tenants/{tenant}/events/meetup/members/bea", new { role = "participant" });
        await om.PutAsync($"tenants/{tenant}/groups/club/members/bea", new { role = "member" });
        var web = AsOpenMeetUser(tenant, "bea");

        // No handle yet: the API says what to do; then Bea picks one.
        (await web.PostAsync("api/matrix/credentials", null)).StatusCode.Should().Be(HttpStatusCode.Conflict);
        var handle = $"{tenant}.bea";
        (await web.PostAsJsonAsync("api/handles", new { handle })).StatusCode.Should().Be(HttpStatusCode.OK);

        var credentials = await web.PostJsonAsync("api/matrix/credentials", new { });
        credentials.GetProperty("userId").GetString().Should().Be(om.UserId(handle));
        credentials.GetProperty("homeserverUrl").GetString().Should().Be(stack["HOMESERVER_URL"]);
        var deviceId = credentials.GetProperty("deviceId").GetString()!;
        var again = await web.PostJsonAsync("api/matrix/credentials", new { });
        again.GetProperty("deviceId").GetString().Should().Be(deviceId, "one OpenMeet session, one device");
        (await AsOpenMeetUser(tenant, "bea", "session-2").PostJsonAsync("api/matrix/credentials", new { }))
            .GetProperty("deviceId").GetString().Should().NotBe(deviceId, "another session, another device");
        var matrix = stack.Synapse(credentials.GetProperty("accessToken").GetString());
        var whoami = await matrix.GetJsonAsync("_matrix/client/v3/account/whoami");
        whoami.GetProperty("user_id").GetString().Should().Be(om.UserId(handle));
        whoami.GetProperty("device_id").GetString().Should().Be(deviceId);

        var eventRoom = (await om.ConvergedAsync(tenant, "events", "meetup")).GetProperty("roomId").GetString()!;
        var groupRoom = (await om.ConvergedAsync(tenant, "groups", "club")).GetProperty("roomId").GetString()!;
        var sync = await matrix.GetJsonAsync("_matrix/client/v3/sync?timeout=0");
        sync.GetProperty("rooms").GetProperty("invite").EnumerateObject().Select(r => r.Name).Should().Contain([eventRoom, groupRoom]);
        await matrix.PostJsonAsync($"_matrix/client/v3/join/{Uri.EscapeDataString(eventRoom)}", new { });
        var sent = await matrix.PutJsonAsync($"_matrix/client/v3/rooms/{Uri.EscapeDataString(eventRoom)}/send/m.room.message/{Guid.NewGuid():N}",
            new { msgtype = "m.text", body = "hello from the credential API" });
        sent.GetProperty("event_id").GetString().Should().StartWith("$");

        await om.DeleteAsync($"tenants/{tenant}/users/bea");
        await Matrix.EventuallyAsync(async () =>
        {
            var bea = await om.Api.GetJsonAsync($"internal/tenants/{tenant}/users/bea");
            return bea.GetProperty("revocation").GetProperty("done").GetBoolean() ? "done" : null;
        }, "the revocation's steps (account locked, sign-in sessions ended) being done");

        await Matrix.EventuallyAsync(async () =>
        {
            var whoamiAfter = await matrix.GetAsync("_matrix/client/v3/account/whoami");
            return whoamiAfter.StatusCode == HttpStatusCode.Unauthorized ? "refused" : null;
        }, "Synapse refusing the revoked session");
        foreach (var roomId in new[] { eventRoom, groupRoom })
        {
            await Matrix.EventuallyAsync(async () =>
                OpenMeet.Members(await om.StateAsync(roomId)).GetValueOrDefault(om.UserId(handle)) is "leave" or null ? "out" : null,
                $"the revoked user out of {roomId}");
        }

        var refused = await web.PostAsync("api/matrix/credentials", null);
        refused.StatusCode.Should().Be(HttpStatusCode.Forbidden);
        (await refused.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").GetString().Should().Be("revoked");
        var checkOthers = await AsOpenMeetUser(tenant, "someone-else").GetJsonAsync($"api/handles/check?handle={handle}");
        checkOthers.GetProperty("available").GetBoolean().Should().BeFalse("the handle stays Bea's");

        // Lifted in so many words: Bea is back in her rooms with no other call, and gets a session again.
        await om.PutAsync($"tenants/{tenant}/users/bea", new { name = "Bea", revoked = false });
        foreach (var roomId in new[] { eventRoom, groupRoom })
        {
            await Matrix.EventuallyAsync(async () =>
                OpenMeet.Members(await om.StateAsync(roomId)).GetValueOrDefault(om.UserId(handle)) is "invite" or "join" ? "back" : null,
                $"Bea invited back into {roomId} after the revocation is lifted");
        }

        var restored = await web.PostJsonAsync("api/matrix/credentials", new { });
        var whoamiRestored = await stack.Synapse(restored.GetProperty("accessToken").GetString()).GetJsonAsync("_matrix/client/v3/account/whoami");
        whoamiRestored.GetProperty("user_id").GetString().Should().Be(om.UserId(handle));
    }
}
