using LiteDB;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using OpenIddict.Abstractions;
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

        var (tokens, _, gone) = await pruning.PruneAsync(now, CancellationToken.None);

        tokens.Should().Be(1);
        gone.Should().Be(1);
        oidc.Database.GetCollection<OidcToken>(OidcCollections.Tokens).FindAll().Select(t => t.Id).Should().Equal(recent);
        sessions.FindAll().Select(d => d["_id"].AsString).Should().Equal("new-sid");
    }
}
