using System.Collections.Immutable;
using OpenIddict.Abstractions;
using OpenMeet.Oidc.Models;
using OpenMeet.Oidc.Stores;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace OpenMeet.Oidc.Tests.Stores;

public sealed class AuthorizationStoreTests : IAsyncLifetime
{
    private const string Client = "65f0c0ffee0000000000c11e";
    private readonly OidcHarness oidc = new();

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync() => oidc.DisposeAsync().AsTask();

    [Fact]
    public async Task AuthorizationsAreFoundBySubjectClientStatusTypeAndScopes()
    {
        var both = await Create("alice", scopes: [Scopes.OpenId, Scopes.Profile]);
        await Create("alice", scopes: [Scopes.OpenId]);
        await Create("bob", scopes: [Scopes.OpenId, Scopes.Profile]);

        await using var request = oidc.NewRequest();
        var found = await request.Authorizations.FindAsync(
            subject: "alice", client: Client, status: Statuses.Valid, type: AuthorizationTypes.Permanent,
            scopes: [Scopes.OpenId, Scopes.Profile]).ToListAsync();
        var alices = await request.Authorizations.FindBySubjectAsync("alice").ToListAsync();
        var ofClient = await request.Authorizations.FindByApplicationIdAsync(Client).ToListAsync();

        found.Should().ContainSingle().Which.Should().BeOfType<OidcAuthorization>().Which.Id.Should().Be(both);
        alices.Should().HaveCount(2);
        ofClient.Should().HaveCount(3);
    }

    [Fact]
    public async Task RevokingBySubjectRevokesOnlyThatSubjectsAuthorizations()
    {
        var alice = await Create("alice");
        var bob = await Create("bob");

        await using var request = oidc.NewRequest();
        var revoked = await request.Authorizations.RevokeBySubjectAsync("alice");

        revoked.Should().Be(1);
        Stored(alice).Status.Should().Be(Statuses.Revoked);
        Stored(bob).Status.Should().Be(Statuses.Valid);
    }

    [Fact]
    public async Task PruningRemovesOldInvalidAuthorizationsAndOldAdHocOnesWithoutTokens()
    {
        var old = DateTimeOffset.UtcNow.AddDays(-20);
        var oldRevoked = await Create("alice", status: Statuses.Revoked, created: old);
        var oldAdHocWithoutTokens = await Create("alice", type: AuthorizationTypes.AdHoc, created: old);
        var oldAdHocWithToken = await Create("alice", type: AuthorizationTypes.AdHoc, created: old);
        var oldPermanent = await Create("alice", created: old);
        var recentRevoked = await Create("alice", status: Statuses.Revoked);
        await using (var request = oidc.NewRequest())
        {
            await request.Tokens.CreateAsync(new OpenIddictTokenDescriptor
            {
                AuthorizationId = oldAdHocWithToken, Subject = "alice", Status = Statuses.Valid,
                Type = TokenTypeIdentifiers.RefreshToken, CreationDate = DateTimeOffset.UtcNow,
            });
        }

        await using var prune = oidc.NewRequest();
        var pruned = await prune.Authorizations.PruneAsync(DateTimeOffset.UtcNow.AddDays(-14));

        pruned.Should().Be(2);
        var left = oidc.Database.GetCollection<OidcAuthorization>(OidcCollections.Authorizations).FindAll().Select(a => a.Id).ToList();
        left.Should().BeEquivalentTo([oldAdHocWithToken, oldPermanent, recentRevoked]);
        left.Should().NotContain([oldRevoked, oldAdHocWithoutTokens]);
    }

    [Fact]
    public async Task DeletingAnAuthorizationDeletesItsTokens()
    {
        var authorization = await Create("alice");
        await using (var request = oidc.NewRequest())
        {
            await request.Tokens.CreateAsync(new OpenIddictTokenDescriptor
            {
                AuthorizationId = authorization, Subject = "alice", Status = Statuses.Valid, Type = TokenTypeIdentifiers.RefreshToken,
            });
        }

        await using var delete = oidc.NewRequest();
        await delete.Authorizations.DeleteAsync((await delete.Authorizations.FindByIdAsync(authorization))!);

        (await delete.Authorizations.CountAsync()).Should().Be(0);
        (await delete.Tokens.CountAsync()).Should().Be(0);
    }

    private OidcAuthorization Stored(string id) =>
        oidc.Database.GetCollection<OidcAuthorization>(OidcCollections.Authorizations).FindById(id);

    private async Task<string> Create(
        string subject, string status = Statuses.Valid, string type = AuthorizationTypes.Permanent,
        DateTimeOffset? created = null, ImmutableArray<string>? scopes = null)
    {
        await using var request = oidc.NewRequest();
        var descriptor = new OpenIddictAuthorizationDescriptor
        {
            ApplicationId = Client,
            CreationDate = created ?? DateTimeOffset.UtcNow,
            Subject = subject,
            Status = status,
            Type = type,
        };
        descriptor.Scopes.UnionWith(scopes ?? [Scopes.OpenId]);
        var authorization = await request.Authorizations.CreateAsync(descriptor);
        return (await request.Authorizations.GetIdAsync(authorization))!;
    }
}
