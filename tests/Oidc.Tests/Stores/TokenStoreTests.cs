using LiteDB;
using OpenIddict.Abstractions;
using OpenMeet.Oidc.Models;
using OpenMeet.Oidc.Stores;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace OpenMeet.Oidc.Tests.Stores;

public sealed class TokenStoreTests : IAsyncLifetime
{
    private readonly OidcHarness oidc = new();

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync() => oidc.DisposeAsync().AsTask();

    [Fact]
    public async Task ATokenIsFoundByItsReferenceIdWhichIsStoredHashed()
    {
        var code = await CreateCode("ref-1");

        await using var request = oidc.NewRequest();
        var token = await request.Tokens.FindByReferenceIdAsync("ref-1");

        token.Should().NotBeNull();
        (await request.Tokens.GetIdAsync(token!)).Should().Be(code);
        (await request.Tokens.GetPayloadAsync(token!)).Should().Be("payload-of-ref-1");
        oidc.Database.GetCollection<OidcToken>(OidcCollections.Tokens).FindById(code).ReferenceId.Should().NotBe("ref-1");
        (await request.Tokens.FindByReferenceIdAsync("ref-2")).Should().BeNull();
    }

    [Fact]
    public async Task DatesComeBackAsTheSameUtcInstant()
    {
        var created = new DateTimeOffset(2025, 3, 4, 5, 6, 7, 890, TimeSpan.FromHours(2));
        var id = await CreateCode("ref-dates", created: created, expires: created.AddMinutes(5));

        await using var request = oidc.NewRequest();
        var token = await request.Tokens.FindByIdAsync(id);

        (await request.Tokens.GetCreationDateAsync(token!)).Should().Be(created).And.Subject!.Value.Offset.Should().Be(TimeSpan.Zero);
        (await request.Tokens.GetExpirationDateAsync(token!)).Should().Be(created.AddMinutes(5));
    }

    [Fact]
    public async Task ARedeemedCodeCannotBeRedeemedAgainFromACopyReadBeforeTheRedemption()
    {
        await CreateCode("ref-once");
        await using var first = oidc.NewRequest();
        await using var second = oidc.NewRequest();
        var copy1 = await first.Tokens.FindByReferenceIdAsync("ref-once");
        var copy2 = await second.Tokens.FindByReferenceIdAsync("ref-once");

        (await first.Tokens.TryRedeemAsync(copy1!)).Should().BeTrue();
        (await second.Tokens.TryRedeemAsync(copy2!)).Should().BeFalse();

        await using var check = oidc.NewRequest();
        var stored = await check.Tokens.FindByReferenceIdAsync("ref-once");
        (await check.Tokens.HasStatusAsync(stored!, Statuses.Redeemed)).Should().BeTrue();
        (await check.Tokens.GetRedemptionDateAsync(stored!)).Should().NotBeNull();
    }

    [Fact]
    public async Task OfManyConcurrentRedemptionsOfOneCodeExactlyOneSucceeds()
    {
        await CreateCode("ref-race");
        const int racers = 16;
        var allRead = new CountdownEvent(racers);
        var go = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        var attempts = Enumerable.Range(0, racers).Select(_ => Task.Run(async () =>
        {
            // Every racer reads the code before any of them redeems it, as two token requests carrying the
            // same code would.
            await using var request = oidc.NewRequest();
            var token = await request.Tokens.FindByReferenceIdAsync("ref-race");
            allRead.Signal();
            await go.Task;
            return await request.Tokens.TryRedeemAsync(token!);
        })).ToList();
        allRead.Wait(TimeSpan.FromSeconds(10)).Should().BeTrue();
        go.SetResult();
        var results = await Task.WhenAll(attempts);

        results.Count(redeemed => redeemed).Should().Be(1);
    }

    [Fact]
    public async Task RedeemingACodeRevokedSinceItWasReadFails()
    {
        var authorization = await CreateAuthorization("alice");
        await CreateCode("ref-revoked", authorizationId: authorization);
        await using var redeemer = oidc.NewRequest();
        var copy = await redeemer.Tokens.FindByReferenceIdAsync("ref-revoked");

        await using (var admin = oidc.NewRequest())
        {
            await admin.Tokens.RevokeByAuthorizationIdAsync(authorization);
        }

        (await redeemer.Tokens.TryRedeemAsync(copy!)).Should().BeFalse();
        await using var check = oidc.NewRequest();
        (await check.Tokens.HasStatusAsync((await check.Tokens.FindByReferenceIdAsync("ref-revoked"))!, Statuses.Revoked)).Should().BeTrue();
    }

    [Fact]
    public async Task RevokingAnAuthorizationsTokensLeavesOtherTokensAlone()
    {
        var alice = await CreateAuthorization("alice");
        var bob = await CreateAuthorization("bob");
        var aliceCode = await CreateCode("ref-a1", authorizationId: alice, subject: "alice");
        var aliceRefresh = await CreateCode("ref-a2", authorizationId: alice, subject: "alice", type: TokenTypeIdentifiers.RefreshToken);
        var bobCode = await CreateCode("ref-b1", authorizationId: bob, subject: "bob");

        await using var request = oidc.NewRequest();
        var revoked = await request.Tokens.RevokeByAuthorizationIdAsync(alice);

        revoked.Should().Be(2);
        Status(aliceCode).Should().Be(Statuses.Revoked);
        Status(aliceRefresh).Should().Be(Statuses.Revoked);
        Status(bobCode).Should().Be(Statuses.Valid);
    }

    [Fact]
    public async Task RevokeWithFiltersRevokesOnlyTheMatchingTokens()
    {
        var alice = await CreateAuthorization("alice");
        var code = await CreateCode("ref-f1", authorizationId: alice, subject: "alice");
        var refresh = await CreateCode("ref-f2", authorizationId: alice, subject: "alice", type: TokenTypeIdentifiers.RefreshToken);
        var bob = await CreateCode("ref-f3", subject: "bob", type: TokenTypeIdentifiers.RefreshToken);

        await using var request = oidc.NewRequest();
        var revoked = await request.Tokens.RevokeAsync(subject: "alice", client: null, status: null, type: TokenTypeIdentifiers.RefreshToken);

        revoked.Should().Be(1);
        Status(refresh).Should().Be(Statuses.Revoked);
        Status(code).Should().Be(Statuses.Valid);
        Status(bob).Should().Be(Statuses.Valid);
        (await request.Tokens.FindAsync(subject: "alice", client: null, status: Statuses.Valid, type: null).ToListAsync()).Should().ContainSingle();
        (await request.Tokens.FindBySubjectAsync("ALICE").ToListAsync()).Should().BeEmpty("subjects are compared ordinally");
    }

    [Fact]
    public async Task PruningRemovesOldTokensThatCanNoLongerBeUsedAndKeepsTheRest()
    {
        var now = DateTimeOffset.UtcNow;
        var old = now.AddDays(-20);
        var revokedAuthorization = await CreateAuthorization("carol", status: Statuses.Revoked);
        var oldValid = await CreateCode("ref-p1", created: old, expires: now.AddDays(1));
        var oldExpired = await CreateCode("ref-p2", created: old, expires: now.AddDays(-19));
        var oldRedeemed = await CreateCode("ref-p3", created: old, expires: now.AddDays(1), status: Statuses.Redeemed);
        var oldOfRevokedAuthorization = await CreateCode("ref-p4", created: old, expires: now.AddDays(1), authorizationId: revokedAuthorization);
        var recentExpired = await CreateCode("ref-p5", created: now.AddMinutes(-10), expires: now.AddMinutes(-5));

        await using var request = oidc.NewRequest();
        var pruned = await request.Tokens.PruneAsync(now.AddDays(-14));

        pruned.Should().Be(3);
        var left = oidc.Database.GetCollection<OidcToken>(OidcCollections.Tokens).FindAll().Select(t => t.Id).ToList();
        left.Should().BeEquivalentTo([oldValid, recentExpired]);
        left.Should().NotContain([oldExpired, oldRedeemed, oldOfRevokedAuthorization]);
    }

    [Fact]
    public async Task DeletingAStaleTokenFailsWithAConcurrencyException()
    {
        await CreateCode("ref-del");
        await using var first = oidc.NewRequest();
        await using var second = oidc.NewRequest();
        var copy1 = await first.Tokens.FindByReferenceIdAsync("ref-del");
        var copy2 = await second.Tokens.FindByReferenceIdAsync("ref-del");
        (await first.Tokens.TryRedeemAsync(copy1!)).Should().BeTrue();

        var delete = async () => await second.Tokens.DeleteAsync(copy2!);

        await delete.Should().ThrowAsync<OpenIddictExceptions.ConcurrencyException>();
    }

    private string? Status(string id) => oidc.Database.GetCollection<OidcToken>(OidcCollections.Tokens).FindById(id).Status;

    private async Task<string> CreateAuthorization(string subject, string status = Statuses.Valid)
    {
        await using var request = oidc.NewRequest();
        var authorization = await request.Authorizations.CreateAsync(new OpenIddictAuthorizationDescriptor
        {
            ApplicationId = ObjectId.NewObjectId().ToString(),
            CreationDate = DateTimeOffset.UtcNow,
            Subject = subject,
            Status = status,
            Type = AuthorizationTypes.Permanent,
        });
        return (await request.Authorizations.GetIdAsync(authorization))!;
    }

    private async Task<string> CreateCode(
        string referenceId, string? authorizationId = null, string subject = "alice", string type = TokenTypeIdentifiers.Private.AuthorizationCode,
        string status = Statuses.Valid, DateTimeOffset? created = null, DateTimeOffset? expires = null)
    {
        await using var request = oidc.NewRequest();
        var token = await request.Tokens.CreateAsync(new OpenIddictTokenDescriptor
        {
            AuthorizationId = authorizationId,
            CreationDate = created ?? DateTimeOffset.UtcNow,
            ExpirationDate = expires ?? DateTimeOffset.UtcNow.AddMinutes(5),
            Payload = "payload-of-" + referenceId,
            ReferenceId = referenceId,
            Status = status,
            Subject = subject,
            Type = type,
        });
        return (await request.Tokens.GetIdAsync(token))!;
    }
}
