using System.Diagnostics;

namespace OpenMeet.AppService.Tests;

/// <summary>The process's exit code, which a supervisor outside (systemd, Kubernetes) goes by.</summary>
public sealed class ProgramExitTests : IAsyncDisposable
{
    private readonly TestService service = new();

    public async ValueTask DisposeAsync() => await service.DisposeAsync();

    private Task<(int Code, string Errors)> RunAsync() => RunAsync(["-c", service.ConfigPath]).ContinueWith(t => (t.Result.Code, t.Result.Errors), TaskScheduler.Default);

    private static async Task<(int Code, string Errors, string Output)> RunAsync(string[] arguments, Func<Process, Task>? meanwhile = null)
    {
        var start = new ProcessStartInfo(Path.Combine(AppContext.BaseDirectory, "OpenMeet.AppService"), arguments)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var process = Process.Start(start)!;
        var errors = process.StandardError.ReadToEndAsync();
        var output = process.StandardOutput.ReadToEndAsync();
        await (meanwhile?.Invoke(process) ?? Task.CompletedTask);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await errors, await output);
    }

    [Fact]
    public async Task AStartEndsWithOneLineThatSaysWhatRunsWhereAndForWhom()
    {
        await service.StartAsync();
        var api = service.Private(TestService.InternalToken);
        (await api.PutAsync("/internal/tenants/t1", Json.Body("""{"name":"One"}"""))).EnsureSuccessStatusCode();
        await service.StopAsync();
        await service.StartAsync();

        service.Log.ToString().Should().Contain($"OpenMeet.AppService {OpenMeet.AppService.Hosting.ServiceInfo.Version} started: listening on "
            + $"127.0.0.1:{service.PrivatePort} (appservice, internal, health, metrics); 127.0.0.1:{service.PublicPort} (api, oidc, health); "
            + "homeserver http://127.0.0.1:9 (test.example.org); 1 tenants, 1 rooms managed", "the second start counts the tenant and its space");
    }

    [Fact]
    public async Task SigtermStopsTheServiceWithExitCodeZeroAndItsLogWrittenToTheEnd()
    {
        var (code, errors, output) = await RunAsync(["-c", service.ConfigPath], async process =>
        {
            using var client = service.Private(null);
            for (var tries = 0; !await AnswersAsync(client); tries++)
            {
                tries.Should().BeLessThan(300, "the service answers /health/live within 30 s");
                await Task.Delay(100);
            }

            using var kill = Process.Start("kill", ["-TERM", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])!;
            await kill.WaitForExitAsync();
        });

        code.Should().Be(0, errors);
        output.Should().Contain("Stopping: new transactions and writes are answered 503, the 0 under way run to their end (at most 8 s for the whole stop)")
            .And.Contain("The dispatcher stopped (cursor 0); 0 stored transactions wait for the next start")
            .And.Contain("OpenMeet.AppService stopped in ", "the log is written to its last line before the process ends");
    }

    private static async Task<bool> AnswersAsync(HttpClient client)
    {
        try
        {
            return (await client.GetAsync("/health/live")).IsSuccessStatusCode;
        }
        catch (HttpRequestException)
        {
            return false;
        }
    }

    // The contract (section 7): prints the version and exits 0, config or not.
    [Fact]
    public async Task VersionIsPrintedAndTheExitCodeIsZero()
    {
        var (code, errors, output) = await RunAsync(["--version"]);

        code.Should().Be(0, errors);
        output.Trim().Should().MatchRegex(@"^OpenMeet\.AppService \d+\.\d+\.\d+\S*$");
    }

    [Fact]
    public async Task DamagedDatabaseStopsTheServiceWithAFailureThatNamesTheFile()
    {
        var database = Path.Combine(service.Folder, "data", "test.db");
        Directory.CreateDirectory(Path.GetDirectoryName(database)!);
        await File.WriteAllBytesAsync(database, Enumerable.Range(0, 64 * 1024).Select(i => (byte)(i * 7)).ToArray());

        var (code, errors) = await RunAsync();

        code.Should().Be(1);
        errors.Should().Contain("database.path").And.Contain(database).And.Contain("restore the last backup");
    }

    [Fact]
    public async Task BadConfigStopsTheServiceWithExitCodeTwo()
    {
        await File.WriteAllTextAsync(service.ConfigPath, (await File.ReadAllTextAsync(service.ConfigPath)).Replace("server_name: test.example.org", "server_name: 'not a name'", StringComparison.Ordinal));

        var (code, errors) = await RunAsync();

        code.Should().Be(2);
        errors.Should().Contain("homeserver.server_name");
    }
}
