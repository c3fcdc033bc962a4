using OpenMeet.Oidc.Stores;

namespace OpenMeet.Oidc.Tests.Stores;

/// <summary>The clients of the config are seeded into the application store at every start.</summary>
public sealed class ClientSeederTests : IAsyncLifetime
{
    private readonly OidcHarness oidc = new();

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync() => oidc.DisposeAsync().AsTask();

    [Fact]
    public async Task SeedingAgainWithANewSecretReplacesTheStoredOne()
    {
        await SeedAsync("first-secret-0123456789");
        await SeedAsync("second-secret-0123456789");

        await using var request = oidc.NewRequest();
        var client = await request.Applications.FindByClientIdAsync("synapse");
        client.Should().NotBeNull();
        (await request.Applications.ValidateClientSecretAsync(client!, "second-secret-0123456789")).Should().BeTrue();
        (await request.Applications.ValidateClientSecretAsync(client!, "first-secret-0123456789")).Should().BeFalse("the old secret is replaced, not kept beside the new one");
        oidc.Database.GetCollection(OidcCollections.Applications).Count().Should().Be(1, "the existing client is updated, not created again");
    }

    private Task SeedAsync(string secret) => new ClientSeeder(oidc.Services, new OidcConfig
    {
        Clients =
        [
            new OidcClientConfig
            {
                ClientId = "synapse",
                ClientSecret = secret,
                RedirectUris = ["https://matrix.example/_synapse/client/oidc/callback"],
                PostLogoutRedirectUris = ["https://matrix.example/"],
            },
        ],
    }).StartAsync(CancellationToken.None);
}
