using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using OpenMeet.AppService.Tests.Reconciliation;

namespace OpenMeet.AppService.Tests;

/// <summary>
/// The web client waits for its Matrix session: while Synapse does not answer (here: the account's
/// provisioning hangs), the credential API answers 503 with Retry-After in bounded time instead of a
/// request that never ends.
/// </summary>
public sealed class CredentialsWaitTests : IAsyncLifetime
{
    private StandInSynapse synapse = null!;
    private TestService service = null!;
    private readonly TaskCompletionSource never = new();

    public async Task InitializeAsync()
    {
        synapse = await StandInSynapse.StartAsync();
        service = synapse.Service();
        File.WriteAllText(service.ConfigPath, File.ReadAllText(service.ConfigPath).Replace("server_name: test.example.org",
            "server_name: test.example.org\n  login_jwt:\n    secret: login-jwt-secret-0123456789abcdef0123", StringComparison.Ordinal));
        await service.StartAsync();
    }

    public async Task DisposeAsync()
    {
        never.TrySetResult();
        await service.DisposeAsync();
        await synapse.DisposeAsync();
    }

    [Fact]
    public async Task ASessionSynapseDoesNotAnswerForIsA503WithRetryAfterInBoundedTime()
    {
        // Held before John exists, so the account reconcile his PUT queues cannot get through first.
        synapse.Hold = line => line.StartsWith("PUT account @john.wait:", StringComparison.Ordinal) ? never : null;
        var api = service.Private(TestService.InternalToken);
        (await api.PutAsJsonAsync("/internal/tenants/t1", new { name = "One" })).EnsureSuccessStatusCode();
        (await api.PutAsJsonAsync("/internal/tenants/t1/users/john", new { name = "John", handle = "john.wait" })).EnsureSuccessStatusCode();

        using var web = service.Public(OpenMeetTokens.Hs256("john", "t1", "John"));
        web.Timeout = TimeSpan.FromSeconds(60);
        var response = await web.PostAsync("/api/matrix/credentials", null);

        response.StatusCode.Should().Be(HttpStatusCode.ServiceUnavailable, await response.Content.ReadAsStringAsync());
        response.Headers.RetryAfter.Should().NotBeNull();
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        body.GetProperty("error").GetString().Should().Be("synapse_unavailable");
    }
}
