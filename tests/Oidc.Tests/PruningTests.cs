using LiteDB;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using OpenIddict.Abstractions;
using OpenMeet.Oidc.AuthService;
using OpenMeet.Oidc.Models;
using OpenMeet.Oidc.Stores;
using OpenMeet.Oidc.Tests.Stores;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace OpenMeet.Oidc.Tests;

public sealed class PruningTests : IAsyncDisposable
{
    private readonly OidcHarness oidc = new();

    public ValueTask DisposeAsync() => oidc.DisposeAsync();

    private async Task<string> TokenAsync(string reference, DateTimeOffset created, string status)
    {
        await using var request = oidc.NewRequest();
        var token = await request.Tokens.CreateAsync(new OpenIddictTokenDescriptor
        {
            ReferenceId = reference,
            Subject = "alice",
            Type = TokenTypeIdentifiers.Private.AuthorizationCode,
            Status = status,
            CreationDate = created,
            ExpirationDate = created.AddMinutes(2),
        });
        return (await request.Tokens.GetIdAsync(token))!;
    }

    [Fact]
    public async Task OldUnusableGrantsAndOldSessionsGoTheRestStays()
    {
        var now = DateTimeOffset.UtcNow;
        await TokenAsync("old-redeemed", now.AddDays(-20), Statuses.Redeemed);
        var recent = await TokenAsync("recent-redeemed", now.AddDays(-1), Statuses.Redeemed);
        var sessions = oidc.Database.GetCollection(BackchannelLogout.Sessions);
        sessions.Insert(new BsonDocument { ["_id"] = "old-sid", ["user"] = "t/alice", ["sub"] = "s", ["at"] = now.AddDays(-40).UtcDateTime });
        sessions.Insert(new BsonDocument { ["_id"] = "new-sid", ["user"] = "t/alice", ["sub"] = "s", ["at"] = now.AddDays(-2).UtcDateTime });
        var pruning = new OidcPruning(oidc.Services.GetRequiredService<IServiceScopeFactory>(), oidc.Database, NullLogger<OidcPruning>.Instance);

        var (tokens, _, gone, _) = await pruning.PruneAsync(now, CancellationToken.None);

        tokens.Should().Be(1);
        gone.Should().Be(1);
        oidc.Database.GetCollection<OidcToken>(OidcCollections.Tokens).FindAll().Select(t => t.Id).Should().Equal(recent);
        sessions.FindAll().Select(d => d["_id"].AsString).Should().Equal("new-sid");
    }

    private async Task<string> ClientAsync(string clientId, DateTimeOffset? seen, string property = ClientRegistration.SeenProperty)
    {
        await using var request = oidc.NewRequest();
        var descriptor = new OpenIddictApplicationDescriptor { ClientId = clientId, ClientType = ClientTypes.Public };
        if (seen is { } at)
        {
            descriptor.Properties[ClientRegistration.DynamicProperty] = System.Text.Json.JsonSerializer.SerializeToElement(true);
            descriptor.Properties[property] = System.Text.Json.JsonSerializer.SerializeToElement(at.ToUnixTimeSeconds());
        }

        return (await request.Applications.GetIdAsync(await request.Applications.CreateAsync(descriptor)))!;
    }

    [Fact]
    public async Task ASelfRegisteredClientWithNoTokenNotSeenForADayGoesWithItsConsents()
    {
        var now = DateTimeOffset.UtcNow;
        var idle = await ClientAsync("dyn-idle", now.AddDays(-2));
        await ClientAsync("dyn-in-use", now.AddDays(-30));
        await ClientAsync("dyn-registered-just-now", now.AddHours(-1));
        await ClientAsync("configured", seen: null);
        await ClientAsync("dyn-registered-before-seen-at-was-kept", now.AddDays(-3), ClientRegistration.RegisteredProperty);
        await using (var request = oidc.NewRequest())
        {
            var inUse = await request.Applications.FindByClientIdAsync("dyn-in-use");
            await request.Tokens.CreateAsync(new OpenIddictTokenDescriptor
            {
                ApplicationId = await request.Applications.GetIdAsync(inUse!), Subject = "alice", Type = TokenTypeIdentifiers.RefreshToken,
                Status = Statuses.Valid, CreationDate = now.AddDays(-3), ExpirationDate = now.AddDays(11),
            });
            await request.Authorizations.CreateAsync(new OpenIddictAuthorizationDescriptor
            {
                ApplicationId = idle, Subject = "alice", Type = AuthorizationTypes.Permanent, Status = Statuses.Valid, CreationDate = now.AddDays(-2),
            });
        }

        var pruning = new OidcPruning(oidc.Services.GetRequiredService<IServiceScopeFactory>(), oidc.Database, NullLogger<OidcPruning>.Instance);
        var (_, _, _, clients) = await pruning.PruneAsync(now, CancellationToken.None);

        clients.Should().Be(2);
        oidc.Database.GetCollection<OidcApplication>(OidcCollections.Applications).FindAll().Select(a => a.ClientId)
            .Should().BeEquivalentTo(["dyn-in-use", "dyn-registered-just-now", "configured"], "a client with a live session, one signing someone in, and ours stay");
        oidc.Database.GetCollection<OidcAuthorization>(OidcCollections.Authorizations).Count().Should().Be(0, "the consent given to the pruned client goes with it");
    }
}
