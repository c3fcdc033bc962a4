using System.Collections.Immutable;
using System.Globalization;
using System.Text.Json;
using Microsoft.IdentityModel.Tokens;
using OpenIddict.Abstractions;
using OpenMeet.Oidc.Models;
using OpenMeet.Oidc.Stores;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace OpenMeet.Oidc.Tests.Stores;

public sealed class ApplicationStoreTests : IAsyncLifetime
{
    private readonly OidcHarness oidc = new();

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync() => oidc.DisposeAsync().AsTask();

    [Fact]
    public async Task ACreatedClientIsFoundByClientIdAndValidatesItsSecretAndRedirectUri()
    {
        await CreateSynapseClient();

        await using var request = oidc.NewRequest();
        var client = await request.Applications.FindByClientIdAsync("synapse");

        client.Should().NotBeNull();
        (await request.Applications.ValidateClientSecretAsync(client!, "s3cret")).Should().BeTrue();
        (await request.Applications.ValidateClientSecretAsync(client!, "wrong")).Should().BeFalse();
        (await request.Applications.ValidateRedirectUriAsync(client!, "https://matrix.example/_synapse/client/oidc/callback")).Should().BeTrue();
        (await request.Applications.ValidateRedirectUriAsync(client!, "https://evil.example/callback")).Should().BeFalse();
        (await request.Applications.ValidatePostLogoutRedirectUriAsync(client!, "https://matrix.example/")).Should().BeTrue();
    }

    [Fact]
    public async Task TheStoredSecretIsTheManagersHashNotThePlainSecret()
    {
        await CreateSynapseClient();

        var stored = oidc.Database.GetCollection<OidcApplication>(OidcCollections.Applications).FindOne(a => a.ClientId == "synapse");

        stored.ClientSecret.Should().NotBeNullOrEmpty().And.NotBe("s3cret");
    }

    [Fact]
    public async Task ClientIdLookupIsCaseSensitiveDespiteLiteDbsCaseInsensitiveCollation()
    {
        await CreateSynapseClient();

        await using var request = oidc.NewRequest();

        (await request.Applications.FindByClientIdAsync("Synapse")).Should().BeNull();
    }

    [Fact]
    public async Task ClientsAreFoundByRedirectUriAndPostLogoutRedirectUri()
    {
        await CreateSynapseClient();

        await using var request = oidc.NewRequest();
        var byRedirect = await request.Applications.FindByRedirectUriAsync("https://matrix.example/_synapse/client/oidc/callback").ToListAsync();
        var byLogout = await request.Applications.FindByPostLogoutRedirectUriAsync("https://matrix.example/").ToListAsync();
        var byOther = await request.Applications.FindByRedirectUriAsync("https://matrix.example/other").ToListAsync();

        byRedirect.Should().ContainSingle();
        byLogout.Should().ContainSingle();
        byOther.Should().BeEmpty();
    }

    [Fact]
    public async Task PermissionsRequirementsAndSettingsSurviveTheRoundTrip()
    {
        await using (var create = oidc.NewRequest())
        {
            var descriptor = SynapseDescriptor();
            descriptor.Settings[Settings.TokenLifetimes.AccessToken] = TimeSpan.FromMinutes(5).ToString("c", CultureInfo.InvariantCulture);
            descriptor.DisplayNames[CultureInfo.InvariantCulture] = "Synapse (invariant)";
            descriptor.Properties["tenant"] = JsonSerializer.SerializeToElement(new { id = "t1" });
            await create.Applications.CreateAsync(descriptor);
        }

        await using var request = oidc.NewRequest();
        var client = await request.Applications.FindByClientIdAsync("synapse");
        var read = new OpenIddictApplicationDescriptor();
        await request.Applications.PopulateAsync(read, client!);

        read.Permissions.Should().Contain([Permissions.Endpoints.Token, Permissions.GrantTypes.AuthorizationCode]);
        read.Requirements.Should().Equal(Requirements.Features.ProofKeyForCodeExchange);
        read.Settings.Should().ContainKey(Settings.TokenLifetimes.AccessToken).WhoseValue.Should().Be("00:05:00");
        read.DisplayName.Should().Be("Synapse");
        read.DisplayNames.Should().ContainKey(CultureInfo.InvariantCulture);
        read.Properties["tenant"].GetProperty("id").GetString().Should().Be("t1");
        read.ClientType.Should().Be(ClientTypes.Confidential);
        read.ConsentType.Should().Be(ConsentTypes.Implicit);
    }

    [Fact]
    public async Task AJsonWebKeySetSurvivesTheRoundTrip()
    {
        var store = new OidcApplicationStore(oidc.Database);
        var application = await store.InstantiateAsync(default);
        await store.SetClientIdAsync(application, "with-keys", default);
        var set = new JsonWebKeySet();
        set.Keys.Add(new JsonWebKey { Kty = "RSA", Kid = "k1", N = "sXchDaQebHnPiGvyDOAT4saGEUetSyo9MKLOoWFsueri23bOdgWp4Dy1WlUzewbgBHod5pcM9H95GQRV3JDXboIRROSBigeC5yjU1hGzHHyXss8UDprecbAYxknTcQkhslANGRUZmdTOQ5qTRsLAt6BTYuyvVRdhS8exSZEy_c4gs_7svlJJQ4H9_NxsiIoLwAEk7-Q3UXERGYw_75IDrGA84-lA_-Ct4eTlXHBIY2EaV7t7LjJaynVJCpkv4LKjTTAumiGUIuQhrNhZLuF_RJLqHpM2kgWFLU7-VTdL1VbC2tejvcI2BlMkEpk1BzBZI0KQB0GaDWFLN-aEAw3vRw", E = "AQAB" });
        await store.SetJsonWebKeySetAsync(application, set, default);
        await store.CreateAsync(application, default);

        var found = await store.FindByIdAsync(application.Id, default);
        var keys = await store.GetJsonWebKeySetAsync(found!, default);

        keys!.Keys.Should().ContainSingle().Which.Should().Match<JsonWebKey>(k => k.Kid == "k1" && k.E == "AQAB" && k.N == set.Keys[0].N);
    }

    [Fact]
    public async Task UpdatingFromAStaleCopyFailsWithAConcurrencyException()
    {
        await CreateSynapseClient();
        await using var first = oidc.NewRequest();
        await using var second = oidc.NewRequest();
        var copy1 = await first.Applications.FindByClientIdAsync("synapse");
        var copy2 = await second.Applications.FindByClientIdAsync("synapse");

        await first.Applications.UpdateAsync(copy1!, SynapseDescriptor("Synapse, renamed"));
        var stale = async () => await second.Applications.UpdateAsync(copy2!, SynapseDescriptor("Synapse, lost update"));

        await stale.Should().ThrowAsync<OpenIddictExceptions.ConcurrencyException>();
        await using var check = oidc.NewRequest();
        (await check.Applications.GetDisplayNameAsync((await check.Applications.FindByClientIdAsync("synapse"))!)).Should().Be("Synapse, renamed");
    }

    [Fact]
    public async Task DeletingAClientDeletesItsAuthorizationsAndTokens()
    {
        var clientId = await CreateSynapseClient();
        await using (var request = oidc.NewRequest())
        {
            var authorization = await request.Authorizations.CreateAsync(new OpenIddictAuthorizationDescriptor
            {
                ApplicationId = clientId, Subject = "alice", Status = Statuses.Valid, Type = AuthorizationTypes.Permanent,
            });
            await request.Tokens.CreateAsync(new OpenIddictTokenDescriptor
            {
                ApplicationId = clientId, AuthorizationId = await request.Authorizations.GetIdAsync(authorization),
                Subject = "alice", Status = Statuses.Valid, Type = TokenTypeIdentifiers.RefreshToken,
            });
        }

        await using (var request = oidc.NewRequest())
        {
            await request.Applications.DeleteAsync((await request.Applications.FindByIdAsync(clientId))!);
        }

        await using var check = oidc.NewRequest();
        (await check.Applications.CountAsync()).Should().Be(0);
        (await check.Authorizations.CountAsync()).Should().Be(0);
        (await check.Tokens.CountAsync()).Should().Be(0);
    }

    [Fact]
    public async Task QueryDelegatesRunOverTheCollection()
    {
        await CreateSynapseClient();

        await using var request = oidc.NewRequest();
        var ids = await request.Applications.ListAsync((apps, state) => apps.Select(a => ((OidcApplication)a).ClientId), state: (object?)null).ToListAsync();
        var count = await request.Applications.CountAsync(apps => apps.Where(a => ((OidcApplication)a).ClientType == ClientTypes.Confidential));

        ids.Should().Equal("synapse");
        count.Should().Be(1);
    }

    private async Task<string> CreateSynapseClient()
    {
        await using var request = oidc.NewRequest();
        var application = await request.Applications.CreateAsync(SynapseDescriptor());
        return (await request.Applications.GetIdAsync(application))!;
    }

    private static OpenIddictApplicationDescriptor SynapseDescriptor(string displayName = "Synapse")
    {
        var descriptor = new OpenIddictApplicationDescriptor
        {
            ClientId = "synapse",
            ClientSecret = "s3cret",
            ClientType = ClientTypes.Confidential,
            ConsentType = ConsentTypes.Implicit,
            DisplayName = displayName,
            RedirectUris = { new Uri("https://matrix.example/_synapse/client/oidc/callback") },
            PostLogoutRedirectUris = { new Uri("https://matrix.example/") },
            Permissions =
            {
                Permissions.Endpoints.Authorization,
                Permissions.Endpoints.Token,
                Permissions.GrantTypes.AuthorizationCode,
                Permissions.ResponseTypes.Code,
            },
            Requirements = { Requirements.Features.ProofKeyForCodeExchange },
        };
        return descriptor;
    }
}
