using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using LiteDB;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using OpenMeet.AppService.AdminBot;
using OpenMeet.AppService.SignIn;
using OpenMeet.AppService.State;
using OpenMeet.Oidc;

namespace OpenMeet.AppService.Tests;

/// <summary>
/// Ids that differ only by case are different ids at every entry point (issue 13): the database used
/// to compare text ignoring case, so SECPROBE's requests reached secprobe's records.
/// </summary>
public sealed class CaseDistinctIdsTests : IAsyncLifetime
{
    private const string Issuer = "http://127.0.0.1:1/oidc";
    private readonly TestService service = new($$"""
        openmeet:
          jwt_issuer: {{TestService.JwtIssuer}}
          jwt_audience: {{TestService.JwtAudience}}
          jwt_secret: {{TestService.JwtSecret}}
        oidc:
          issuer: {{Issuer}}
          local_login: true
          clients:
            - client_id: synapse
              client_secret: secret-0123456789abcdef
              redirect_uris: ["http://127.0.0.1:1/_synapse/client/oidc/callback"]
        admin_bot:
          admins: ["@boss:test.example.org"]
        """);

    private HttpClient Api => service.Private(TestService.InternalToken);

    private Store Store => service.Services.GetRequiredService<Store>();

    public async Task InitializeAsync()
    {
        await service.StartAsync();
        (await Api.PutAsJsonAsync("/internal/tenants/secprobe", new { name = "Lower" })).EnsureSuccessStatusCode();
        (await Api.PutAsJsonAsync("/internal/tenants/secprobe/users/carol", new { name = "Carol", password = "carols-password" })).EnsureSuccessStatusCode();
        (await Api.PutAsJsonAsync("/internal/tenants/secprobe/events/party", new { name = "Party", visibility = "private" })).EnsureSuccessStatusCode();
    }

    public async Task DisposeAsync() => await service.DisposeAsync();

    [Fact]
    public async Task InternalApiKeepsTenantsUsersAndRoomsApart()
    {
        (await Api.PutAsJsonAsync("/internal/tenants/SECPROBE", new { name = "Upper" })).EnsureSuccessStatusCode();
        var user = await (await Api.PutAsJsonAsync("/internal/tenants/SECPROBE/users/carol", new { name = "Impostor" })).ReadAsync();
        user.GetProperty("tenantId").GetString().Should().Be("SECPROBE");
        (await Api.PutAsJsonAsync("/internal/tenants/SECPROBE/events/party", new { name = "Open party", visibility = "public" })).EnsureSuccessStatusCode();

        Store.Tenants.FindById("secprobe")!.Name.Should().Be("Lower");
        Store.Users.FindById("secprobe/carol")!.Name.Should().Be("Carol");
        Store.Rooms.FindById("secprobe/event/party")!.Should().Match<RoomDoc>(r => r.Name == "Party" && !r.Public);
        Store.Tenants.Count().Should().Be(2);
        (await Api.GetAsync("/internal/tenants/secprobe/users/CAROL")).StatusCode.Should().Be(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task PublicApiCallerOfAnotherCaseIsAnotherPerson()
    {
        (await Api.PutAsJsonAsync("/internal/tenants/SECPROBE", new { name = "Upper" })).EnsureSuccessStatusCode();
        var claimed = await ClaimAsync("carol", "secprobe", "carol.lower");
        claimed.StatusCode.Should().Be(HttpStatusCode.OK);

        var other = await ClaimAsync("carol", "SECPROBE", "carol.upper");

        other.StatusCode.Should().Be(HttpStatusCode.OK, "SECPROBE/carol is not secprobe/carol, who has a handle already");
        Store.Users.FindById("secprobe/carol")!.Handle.Should().Be("carol.lower");
    }

    [Fact]
    public async Task SignInNeedsTheIdsAsTheyWereWritten()
    {
        var people = service.Services.GetRequiredService<IOidcPeople>();
        people.CheckPassword("secprobe", "carol", "carols-password").Should().NotBeNull();
        people.CheckPassword("SecProbe", "Carol", "carols-password").Should().BeNull();
        people.CheckPassword("secprobe", "CAROL", "carols-password").Should().BeNull();

        var (person, problem) = await people.FromAssertionAsync(Assertion("SECPROBE", "carol"), "nonce-1", CancellationToken.None);
        person.Should().BeNull();
        problem.Should().Be("The OpenMeet assertion names no known community and person.");
        Store.Users.FindById("secprobe/carol")!.Email.Should().BeNull("nothing of the refused assertion reached Carol");
    }

    [Fact]
    public async Task BotFindsNobodyUnderAnotherCase()
    {
        var bot = service.Services.GetRequiredService<BotCommands>();
        (await bot.RunAsync(CommandLine.Parse("whois secprobe/carol"), "@boss:test.example.org", CancellationToken.None)).Text.Should().StartWith("secprobe/carol: Carol");
        (await bot.RunAsync(CommandLine.Parse("whois SECPROBE/carol"), "@boss:test.example.org", CancellationToken.None)).Ok.Should().BeFalse();
        (await bot.RunAsync(CommandLine.Parse("room SECPROBE/event/party"), "@boss:test.example.org", CancellationToken.None)).Text.Should().Contain("no managed room");
    }

    // 5,000 documents with indexes: LiteDB's own rebuild to a new collation fails on such a file
    // ("Detected loop in FindAll"), as it did on the dev stack's database.
    [Fact]
    public async Task DatabaseMadeByAnOlderVersionIsCopiedIntoAnOrdinalOne()
    {
        await using var upgraded = new TestService();
        var path = Path.Combine(upgraded.Folder, "data", "test.db");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        using (var old = new LiteDatabase(path))
        {
            old.Collation.SortOptions.Should().Be(System.Globalization.CompareOptions.IgnoreCase, "LiteDB's default, which older versions used");
            var users = old.GetCollection("users");
            users.EnsureIndex("TenantId", "$.TenantId");
            users.InsertBulk(Enumerable.Range(0, 5000).Select(i => new BsonDocument
            {
                ["_id"] = $"tenant{i % 50}/user-{i}", ["TenantId"] = i % 3 == 0 ? $"T{i % 50}" : $"t{i % 50}", ["Slug"] = $"user-{i}",
                ["Name"] = $"Person {i}", ["TenantId2"] = i,
            }));
            old.GetCollection("tenants").Insert(new BsonDocument { ["_id"] = "secprobe", ["Name"] = "Lower" });
        }

        await upgraded.StartAsync();

        var db = upgraded.Services.GetRequiredService<LiteDatabase>();
        db.Collation.SortOptions.Should().Be(System.Globalization.CompareOptions.Ordinal);
        db.GetCollection("tenants").FindById("secprobe")["Name"].AsString.Should().Be("Lower");
        (db.GetCollection("tenants").FindById("SECPROBE") is null).Should().BeTrue();
        db.GetCollection("users").Count().Should().Be(5000);
        db.GetCollection("users").Count(Query.EQ("TenantId", "T3")).Should().Be(34, "the index came along, and compares case");
        File.Exists(Path.Combine(upgraded.Folder, "data", "test.db.before-ordinal")).Should().BeTrue("the old file is kept");
    }

    private async Task<HttpResponseMessage> ClaimAsync(string sub, string tenant, string handle)
    {
        var client = service.Public();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", OpenMeetTokens.Hs256(sub, tenant));
        return await client.PostAsJsonAsync("/api/handles", new { handle });
    }

    private static string Assertion(string tenant, string sub) => new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
    {
        Issuer = TestService.JwtIssuer,
        Audience = Issuer,
        Claims = new Dictionary<string, object> { ["sub"] = sub, ["tenant_id"] = tenant, ["jti"] = Guid.NewGuid().ToString("N"), ["email"] = "x@evil.example", ["nonce"] = "nonce-1" },
        NotBefore = DateTime.UtcNow.AddSeconds(-5),
        IssuedAt = DateTime.UtcNow.AddSeconds(-5),
        Expires = DateTime.UtcNow.AddSeconds(50),
        SigningCredentials = new SigningCredentials(new SymmetricSecurityKey(Encoding.UTF8.GetBytes(TestService.JwtSecret)), SecurityAlgorithms.HmacSha256),
    });
}
