using System.Collections.Immutable;
using LiteDB;
using OpenIddict.Abstractions;

namespace OpenMeet.Oidc.Tests.Stores;

public sealed class ScopeStoreTests : IAsyncLifetime
{
    private readonly OidcHarness oidc = new();

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync() => oidc.DisposeAsync().AsTask();

    [Fact]
    public async Task ScopesAreFoundByNameByNamesAndByResource()
    {
        await Create("matrix", "Matrix", "urn:matrix:api");
        await Create("events", "Events", "urn:openmeet:api");
        await Create("groups", "Groups", "urn:openmeet:api");

        await using var request = oidc.NewRequest();
        var matrix = await request.Scopes.FindByNameAsync("matrix");
        var named = await request.Scopes.FindByNamesAsync(["events", "matrix", "unknown"]).ToListAsync();
        var forApi = await request.Scopes.FindByResourceAsync("urn:openmeet:api").ToListAsync();
        var resources = await request.Scopes.ListResourcesAsync(["matrix", "events"]).ToListAsync();

        (await request.Scopes.GetDisplayNameAsync(matrix!)).Should().Be("Matrix");
        named.Should().HaveCount(2);
        forApi.Should().HaveCount(2);
        resources.Should().BeEquivalentTo(["urn:matrix:api", "urn:openmeet:api"]);
        (await request.Scopes.FindByNameAsync("MATRIX")).Should().BeNull("scope names are compared ordinally");
    }

    [Fact]
    public async Task AScopeNameIsUnique()
    {
        await Create("matrix", "Matrix", "urn:matrix:api");

        // The manager validates uniqueness first; the unique index is the backstop for a race.
        var duplicate = async () => await Create("matrix", "Matrix again", "urn:other");

        await duplicate.Should().ThrowAsync<Exception>().Where(e => e is OpenIddictExceptions.ValidationException || e is LiteException);
    }

    [Fact]
    public async Task ScopeUpdatesPersist()
    {
        await Create("matrix", "Matrix", "urn:matrix:api");
        await using (var request = oidc.NewRequest())
        {
            var scope = await request.Scopes.FindByNameAsync("matrix");
            var descriptor = new OpenIddictScopeDescriptor();
            await request.Scopes.PopulateAsync(descriptor, scope!);
            descriptor.Description = "Talk on Matrix";
            descriptor.Resources.Add("urn:matrix:media");
            await request.Scopes.UpdateAsync(scope!, descriptor);
        }

        await using var check = oidc.NewRequest();
        var updated = await check.Scopes.FindByNameAsync("matrix");
        (await check.Scopes.GetDescriptionAsync(updated!)).Should().Be("Talk on Matrix");
        (await check.Scopes.GetResourcesAsync(updated!)).Should().BeEquivalentTo(["urn:matrix:api", "urn:matrix:media"]);
    }

    [Fact]
    public async Task ListingPagesThroughScopesInCreationOrder()
    {
        await Create("one", "One", "urn:1");
        await Create("two", "Two", "urn:2");
        await Create("three", "Three", "urn:3");

        await using var request = oidc.NewRequest();
        var page = await request.Scopes.ListAsync(count: 2, offset: 1).ToListAsync();

        (await Task.WhenAll(page.Select(scope => request.Scopes.GetNameAsync(scope).AsTask()))).Should().Equal("two", "three");
    }

    private async Task Create(string name, string displayName, string resource)
    {
        await using var request = oidc.NewRequest();
        await request.Scopes.CreateAsync(new OpenIddictScopeDescriptor { Name = name, DisplayName = displayName, Resources = { resource } });
    }
}
