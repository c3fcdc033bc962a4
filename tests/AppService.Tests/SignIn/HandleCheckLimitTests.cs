using System.Net;

namespace OpenMeet.AppService.Tests.SignIn;

/// <summary>
/// The handle picker's live check costs Synapse admin look-ups, so it has the public API's limit per
/// person, 60 a minute (issue 13: it had none).
/// </summary>
public sealed class HandleCheckLimitTests : IAsyncLifetime
{
    private SignInHost host = null!;

    public async Task InitializeAsync() => host = await SignInHost.StartAsync();

    public async Task DisposeAsync() => await host.DisposeAsync();

    [Fact]
    public async Task TheSixtyFirstCheckInAMinuteIsRefusedForThatPersonOnly()
    {
        var bob = await host.SessionByPasswordAsync("t1", "bob");
        var other = await host.SessionByAssertionAsync("t2", "carla");
        using var browser = host.Browser();

        for (var i = 0; i < 60; i++)
        {
            (await CheckAsync(browser, bob)).StatusCode.Should().Be(HttpStatusCode.OK, $"check {i + 1}");
        }

        using var refused = await CheckAsync(browser, bob);
        refused.StatusCode.Should().Be(HttpStatusCode.TooManyRequests);
        refused.Headers.RetryAfter!.Delta.Should().Be(TimeSpan.FromSeconds(60));
        refused.Content.Headers.ContentType?.MediaType.Should().Be("application/json");
        (await CheckAsync(browser, other)).StatusCode.Should().Be(HttpStatusCode.OK, "the limit is per person");
    }

    private static async Task<HttpResponseMessage> CheckAsync(HttpClient browser, string session)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/oidc/handle/check?handle=ab");
        request.Headers.Add("Cookie", session);
        return await browser.SendAsync(request);
    }
}
