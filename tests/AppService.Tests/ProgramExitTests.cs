using System.Diagnostics;

namespace OpenMeet.AppService.Tests;

/// <summary>The process's exit code, which a supervisor outside (systemd, Kubernetes) goes by.</summary>
public sealed class ProgramExitTests : IAsyncDisposable
{
    private readonly TestService service = new();

    public async ValueTask DisposeAsync() => await service.DisposeAsync();

    private async Task<(int Code, string Errors)> RunAsync()
    {
        var start = new ProcessStartInfo(Path.Combine(AppContext.BaseDirectory, "OpenMeet.AppService"), ["-c", service.ConfigPath])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var process = Process.Start(start)!;
        var errors = process.StandardError.ReadToEndAsync();
        _ = process.StandardOutput.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await errors);
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
