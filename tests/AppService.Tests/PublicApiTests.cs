using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.IdentityModel.Tokens;

namespace OpenMeet.AppService.Tests;

public sealed class PublicApiTests : IAsyncLifetime
{
    private readonly TestService service = new();

    public async Task InitializeAsync()
    {
        await service.StartAsync();
        var api = service.Private(TestService.InternalToken);
        (await api.PutAsJsonAsync("/internal/tenants/t1", new { name = "One" })).EnsureSuccessStatusCode();
        (await api.PutAsJsonAsync("/internal/tenants/t1/users/john", new { name = "John Doe" })).EnsureSuccessStatusCode();
    }

    public async Task DisposeAsync() => await service.DisposeAsync();

    private HttpClient As(string sub, string tenant = "t1", string? name = "John Doe") => service.Public(OpenMeetTokens.Hs256(sub, tenant, name));

    private static async Task<JsonElement> BodyAsync(HttpResponseMessage response) => await response.Content.ReadFromJsonAsync<JsonElement>();

    [Fact]
    public async Task NoTokenIsUnauthorizedWithAJsonError()
    {
        var response = await service.Public().GetAsync("/api/handles/check?handle=john.doe");

        response.StatusCode.Should().Be(HttpStatusCode.Unauthorized);
        (await BodyAsync(response)).GetProperty("error").GetString().Should().Be("unauthorized");
    }

    [Theory]
    [InlineData("expired", "the OpenMeet token has expired")]
    [InlineData("audience", "the OpenMeet token is for another audience")]
    [InlineData("issuer", "the OpenMeet token is from another issuer")]
    [InlineData("signature", "the OpenMeet token is not valid")]
    public async Task BadTokensAreRefusedSayingWhy(string what, string message)
    {
        var token = what switch
        {
            "expired" => OpenMeetTokens.Hs256("john", "t1", expires: DateTime.UtcNow.AddMinutes(-5)),
            "audience" => OpenMeetTokens.Hs256("john", "t1", audience: "someone-else"),
            "issuer" => OpenMeetTokens.Hs256("john", "t1", issuer: "https://evil.test"),
            _ => OpenMeetTokens.Hs256("john", "t1", secret: "another-secret-of-enough-length-0123456789"),
        };

        var response = await service.Public(token).GetAsync("/api/handles/check?handle=john.doe");

        response.StatusCode.Should().Be(HttpStatusCode.Unauthorized);
        (await BodyAsync(response)).GetProperty("message").GetString().Should().Be(message);
    }

    // A regex's '$' matches before a final newline: "t1\n" passed as a tenant id.
    [Fact]
    public async Task IdsEndingInANewlineAreRefused()
    {
        (await As("john\n").GetAsync("/api/handles/check?handle=john.doe")).StatusCode.Should().Be(HttpStatusCode.Forbidden);
        (await As("john", tenant: "t1\n").GetAsync("/api/handles/check?handle=john.doe")).StatusCode.Should().Be(HttpStatusCode.Forbidden);
        var api = service.Private(TestService.InternalToken);
        (await api.PutAsync("/internal/tenants/t1%0A", Json.Body("""{"name":"T"}"""))).StatusCode.Should().Be(HttpStatusCode.BadRequest);
        (await api.PutAsync("/internal/tenants/t1/users/bob%0A", Json.Body("""{"name":"Bob"}"""))).StatusCode.Should().Be(HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task CheckAnswersWithReasonAndSuggestions()
    {
        var reserved = await BodyAsync(await As("john").GetAsync("/api/handles/check?handle=Admin"));
        reserved.GetProperty("handle").GetString().Should().Be("admin");
        reserved.GetProperty("available").GetBoolean().Should().BeFalse();
        reserved.GetProperty("reason").GetString().Should().Be("'admin' is reserved.");
        reserved.GetProperty("suggestions").EnumerateArray().Select(s => s.GetString()).Should().Contain("john.doe").And.NotContain("admin1", "handles beginning with admin are reserved too");

        var free = await BodyAsync(await As("john").GetAsync("/api/handles/check?handle=john.doe"));
        free.GetProperty("available").GetBoolean().Should().BeTrue();
    }

    [Fact]
    public async Task ClaimIsPermanentAndExclusive()
    {
        var claimed = await As("john").PostAsJsonAsync("/api/handles", new { handle = "John.Doe" });
        claimed.StatusCode.Should().Be(HttpStatusCode.OK);
        (await BodyAsync(claimed)).GetProperty("handle").GetString().Should().Be("john.doe");

        var second = await As("john").PostAsJsonAsync("/api/handles", new { handle = "johnny" });
        second.StatusCode.Should().Be(HttpStatusCode.Conflict);
        (await BodyAsync(second)).GetProperty("error").GetString().Should().Be("handle_permanent");

        var other = await As("jane", name: "Jane").PostAsJsonAsync("/api/handles", new { handle = "john.doe" });
        other.StatusCode.Should().Be(HttpStatusCode.Conflict);
        (await BodyAsync(other)).GetProperty("error").GetString().Should().Be("handle_taken");

        var check = await BodyAsync(await As("jane", name: "Jane").GetAsync("/api/handles/check?handle=john.doe"));
        check.GetProperty("available").GetBoolean().Should().BeFalse();

        var user = await BodyAsync(await service.Private(TestService.InternalToken).PutAsJsonAsync("/internal/tenants/t1/users/john", new { name = "John Doe" }));
        user.GetProperty("handle").GetString().Should().Be("john.doe", "OpenMeet's PUT keeps the handle the person chose");
    }

    [Fact]
    public async Task InvalidHandleIsABadRequestInWords()
    {
        var response = await As("john").PostAsJsonAsync("/api/handles", new { handle = "j" });
        response.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        (await BodyAsync(response)).GetProperty("message").GetString().Should().Be("A handle needs at least 3 characters.");
    }

    [Fact]
    public async Task TokenWithoutTenantIsForbidden()
    {
        var response = await service.Public(OpenMeetTokens.Hs256("john", "")).GetAsync("/api/handles/check?handle=abc");
        response.StatusCode.Should().Be(HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task CheckIsRateLimitedPerPerson()
    {
        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 65; i++)
        {
            statuses.Add((await As("john").GetAsync($"/api/handles/check?handle=name{i}")).StatusCode);
        }

        statuses.Take(60).Should().AllSatisfy(s => s.Should().Be(HttpStatusCode.OK));
        statuses.Skip(60).Should().AllSatisfy(s => s.Should().Be(HttpStatusCode.TooManyRequests));
        (await As("jane").GetAsync("/api/handles/check?handle=jane.x")).StatusCode.Should().Be(HttpStatusCode.OK, "the limit is per person");
    }

    [Fact]
    public async Task CredentialsAreRateLimitedPerPerson()
    {
        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 12; i++)
        {
            statuses.Add((await As("john").PostAsync("/api/matrix/credentials", null)).StatusCode);
        }

        statuses.Take(10).Should().AllSatisfy(s => s.Should().NotBe(HttpStatusCode.TooManyRequests));
        statuses.Skip(10).Should().AllSatisfy(s => s.Should().Be(HttpStatusCode.TooManyRequests));
        (await As("jane").PostAsync("/api/matrix/credentials", null)).StatusCode.Should().NotBe(HttpStatusCode.TooManyRequests, "the limit is per person");
    }

    [Fact]
    public async Task CredentialsNeedTheServiceToBeConfiguredForSessions()
    {
        var response = await As("john").PostAsync("/api/matrix/credentials", null);
        response.StatusCode.Should().Be(HttpStatusCode.ServiceUnavailable);
        (await BodyAsync(response)).GetProperty("error").GetString().Should().Be("not_configured");
    }

    [Fact]
    public async Task PublicApiIsNotOnThePrivateListener()
    {
        var response = await service.Private(OpenMeetTokens.Hs256("john", "t1")).GetAsync("/api/handles/check?handle=abc");
        response.StatusCode.Should().Be(HttpStatusCode.NotFound);
    }
}
