using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace OpenMeet.AppService.Tests;

/// <summary>
/// The database on a small tmpfs (mounted by the test, which runs as root) that a ballast file fills up:
/// writes are refused with 503 and readiness says why; once the ballast is gone the same process takes
/// writes again, and nothing acknowledged is lost, then or after a restart.
/// </summary>
public sealed class DatabaseDiskFullTests : IAsyncLifetime
{
    private readonly TestService service = new();
    private string Data => Path.Combine(service.Folder, "data");
    private string Ballast => Path.Combine(Data, "ballast");
    private HttpClient Api => service.Private(TestService.InternalToken);

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(Data);
        Mount("-t", "tmpfs", "-o", "size=4m,mode=0700", "tmpfs", Data);
        await service.StartAsync();
        (await Api.PutAsJsonAsync("/internal/tenants/t1", new { name = "One" })).StatusCode.Should().Be(HttpStatusCode.OK);
    }

    public async Task DisposeAsync()
    {
        await service.StopAsync();

        // Lazily: LiteDB 5.0.21 closes an engine whose write failed with that transaction still open, and the
        // transaction's handle on the log stays open in this process after the service has stopped.
        Mount("-l", Data);
        await service.DisposeAsync();
    }

    private static void Mount(params string[] args)
    {
        var command = args[0] == "-l" ? "umount" : "mount";
        using var process = Process.Start(new ProcessStartInfo(command, args) { RedirectStandardError = true })!;
        process.WaitForExit();
        process.ExitCode.Should().Be(0, $"{command} {string.Join(' ', args)}: {process.StandardError.ReadToEnd()}");
    }

    // Takes every free block of the tmpfs: the next page LiteDB appends has nowhere to go.
    private void FillWithBallast()
    {
        using var ballast = new FileStream(Ballast, FileMode.Create, FileAccess.Write, FileShare.None, bufferSize: 0);
        var block = new byte[4096];
        try
        {
            while (true)
            {
                ballast.Write(block);
            }
        }
        catch (IOException)
        {
            // No space left on device: that is where we wanted to be.
        }
    }

    private static string NameOf(int i) => $"Person {i} " + new string('n', 200);

    private Task<HttpResponseMessage> PutUserAsync(int i) =>
        Api.PutAsJsonAsync($"/internal/tenants/t1/users/u{i}", new { name = NameOf(i), email = $"u{i}@example.org" });

    private static async Task ShouldBeUnwritableAsync(HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        response.StatusCode.Should().Be(HttpStatusCode.ServiceUnavailable, text);
        response.Headers.RetryAfter.Should().NotBeNull();
        response.Content.Headers.ContentType!.MediaType.Should().Be("application/json");
        var body = JsonDocument.Parse(text).RootElement;
        body.GetProperty("error").GetString().Should().Be("database_unavailable");
        body.GetProperty("message").GetString().Should().Contain("database cannot be written").And.NotContain("   at ");
    }

    // Readiness as a whole stays red in these tests: there is no Synapse to answer. The database's own check is what counts.
    private async Task<JsonElement> DatabaseCheckAsync()
    {
        var ready = await service.Private(null).GetAsync("/health/ready");
        return JsonDocument.Parse(await ready.Content.ReadAsStringAsync()).RootElement.GetProperty("checks").GetProperty("database");
    }

    private async Task AllAcknowledgedArePresentAsync(IEnumerable<int> acknowledged, IEnumerable<int> refused)
    {
        foreach (var i in acknowledged)
        {
            var response = await Api.GetAsync($"/internal/tenants/t1/users/u{i}");
            response.StatusCode.Should().Be(HttpStatusCode.OK, $"u{i} was acknowledged");
            (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("name").GetString().Should().Be(NameOf(i));
        }

        foreach (var i in refused)
        {
            (await Api.GetAsync($"/internal/tenants/t1/users/u{i}")).StatusCode.Should().Be(HttpStatusCode.NotFound, $"u{i} was refused");
        }
    }

    [Fact]
    public async Task AFullDiskRefusesWritesWith503AndTheSameProcessRecoversWhenSpaceReturns()
    {
        var acknowledged = new List<int>();
        var refused = new List<int>();
        for (var i = 0; i < 5; i++)
        {
            (await PutUserAsync(i)).StatusCode.Should().Be(HttpStatusCode.OK);
            acknowledged.Add(i);
        }

        (await Api.PutAsJsonAsync("/internal/tenants/t1/users/john", new { name = "John Doe" })).StatusCode.Should().Be(HttpStatusCode.OK);
        FillWithBallast();

        HttpResponseMessage? failed = null;
        for (var i = 5; i < 100 && failed is null; i++)
        {
            var response = await PutUserAsync(i);
            if (response.StatusCode == HttpStatusCode.OK)
            {
                acknowledged.Add(i);
            }
            else
            {
                refused.Add(i);
                failed = response;
            }
        }

        failed.Should().NotBeNull("the tmpfs is full");
        await ShouldBeUnwritableAsync(failed!);
        refused.Add(100);
        await ShouldBeUnwritableAsync(await PutUserAsync(100));
        await ShouldBeUnwritableAsync(await service.Public(OpenMeetTokens.Hs256("john", "t1", "John Doe")).PostAsJsonAsync("/api/handles", new { handle = "john.doe" }));
        (await service.Private(null).GetAsync("/health/ready")).StatusCode.Should().Be(HttpStatusCode.ServiceUnavailable);
        var database = await DatabaseCheckAsync();
        database.GetProperty("status").GetString().Should().Be("Unhealthy");
        database.GetProperty("description").GetString().Should().Contain("cannot write");
        await AllAcknowledgedArePresentAsync(acknowledged, refused);

        File.Delete(Ballast);
        for (var i = 101; i < 106; i++)
        {
            (await PutUserAsync(i)).StatusCode.Should().Be(HttpStatusCode.OK, "there is room again, and no restart was needed");
            acknowledged.Add(i);
        }

        var claimed = await service.Public(OpenMeetTokens.Hs256("john", "t1", "John Doe")).PostAsJsonAsync("/api/handles", new { handle = "john.doe" });
        claimed.StatusCode.Should().Be(HttpStatusCode.OK, await claimed.Content.ReadAsStringAsync());
        (await DatabaseCheckAsync()).GetProperty("status").GetString().Should().Be("Healthy");
        await AllAcknowledgedArePresentAsync(acknowledged, refused);

        // The failed engines' transactions are garbage now. Their finalizers used to fail LiteDB's checks on
        // the finalizer thread, which ends the process (here: the test host, so this run would abort).
        for (var i = 0; i < 3; i++)
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
        }

        await service.StopAsync();
        await service.StartAsync();
        await AllAcknowledgedArePresentAsync(acknowledged, refused);
        (await (await Api.GetAsync("/internal/tenants/t1/users/john")).Content.ReadFromJsonAsync<JsonElement>())
            .GetProperty("handle").GetString().Should().Be("john.doe");
        (await PutUserAsync(106)).StatusCode.Should().Be(HttpStatusCode.OK);
    }
}
