using System.Net;
using System.Net.Http.Json;
using Microsoft.Extensions.DependencyInjection;
using OpenMeet.AppService.Storage;

namespace OpenMeet.AppService.Tests;

/// <summary>
/// An internal API write and a handle claim are flushed to disk before they are answered. The flush
/// here goes to a file the test can take away: while it is gone the flush fails, and a write that was
/// answered before its flush would still be answered as done.
/// </summary>
public sealed class DurabilityTests : IAsyncLifetime
{
    private readonly TestService service = new();
    private string Flushed => Path.Combine(service.Folder, "flushed.db");
    private HttpClient Api => service.Private(TestService.InternalToken);

    public async Task InitializeAsync()
    {
        await File.WriteAllTextAsync(Flushed, "");
        await service.StartAsync(s => s.AddSingleton(new Durability(Flushed, enabled: true)));
        (await Api.PutAsJsonAsync("/internal/tenants/t1", new { name = "One" })).StatusCode.Should().Be(HttpStatusCode.OK);
        (await Api.PutAsJsonAsync("/internal/tenants/t1/users/john", new { name = "John Doe" })).StatusCode.Should().Be(HttpStatusCode.OK);
    }

    public async Task DisposeAsync() => await service.DisposeAsync();

    [Fact]
    public async Task AnInternalApiWriteWhoseFlushFailsIsNotAnsweredAsDone()
    {
        File.Delete(Flushed);

        var write = await Api.PutAsJsonAsync("/internal/tenants/t1/users/jane", new { name = "Jane" });
        write.StatusCode.Should().Be(HttpStatusCode.ServiceUnavailable, "the write is answered after its flush, and the flush failed");
        write.Headers.RetryAfter.Should().NotBeNull();

        await File.WriteAllTextAsync(Flushed, "");
        (await Api.PutAsJsonAsync("/internal/tenants/t1/users/jane", new { name = "Jane" })).StatusCode.Should().Be(HttpStatusCode.OK, "the same write again is answered once it is flushed");
    }

    [Fact]
    public async Task AHandleClaimWhoseFlushFailsIsNotAnsweredAsDone()
    {
        var john = service.Public(OpenMeetTokens.Hs256("john", "t1", "John Doe"));
        File.Delete(Flushed);

        var claim = await john.PostAsJsonAsync("/api/handles", new { handle = "john.doe" });
        claim.StatusCode.Should().Be(HttpStatusCode.ServiceUnavailable, "a claim is answered after its flush, and the flush failed");

        await File.WriteAllTextAsync(Flushed, "");
        (await john.PostAsJsonAsync("/api/handles", new { handle = "john.doe" })).StatusCode.Should().Be(HttpStatusCode.OK, "asking again is answered once it is flushed");
    }
}
