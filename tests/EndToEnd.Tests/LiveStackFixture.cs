using System.Diagnostics;
using System.Net.Http.Headers;

namespace OpenMeet.EndToEnd.Tests;

/// <summary>
/// The real stack (Synapse + the service) started or reused through <c>synapse/dev.sh up</c>, the
/// same script a developer runs, and described by <c>synapse/dev.sh env</c>.
/// </summary>
public sealed class LiveStackFixture : IAsyncLifetime
{
    public IReadOnlyDictionary<string, string> Env { get; private set; } = new Dictionary<string, string>();

    public string this[string key] => Env.TryGetValue(key, out var v) ? v : throw new KeyNotFoundException($"synapse/dev.sh env has no {key}");

    /// <summary>
    /// The lane: OPENMEET_E2E_AUTH_SERVICE=1 runs the suite against the stack with the issuer as
    /// Synapse's authentication service (<c>up --auth-service</c>); otherwise legacy SSO.
    /// </summary>
    public static bool AuthServiceLane => Environment.GetEnvironmentVariable("OPENMEET_E2E_AUTH_SERVICE") == "1";

    /// <summary><c>synapse/dev.sh up</c> in this lane's mode (a plain up would switch the stack back to SSO).</summary>
    public static string Up => AuthServiceLane ? "up --auth-service" : "up";

    public async Task InitializeAsync()
    {
        await Script(Up, TimeSpan.FromMinutes(20));
        await ReadEnvAsync();
    }

    public Task DisposeAsync() => Task.CompletedTask;

    public async Task ReadEnvAsync()
    {
        var output = await Script("env", TimeSpan.FromMinutes(1));
        Env = output.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => line.Split('=', 2))
            .Where(kv => kv.Length == 2)
            .ToDictionary(kv => kv[0], kv => kv[1].Trim('\''));
    }

    /// <summary>A client for Synapse's client-server API with the given access token.</summary>
    public HttpClient Synapse(string? token) => Client(this["HOMESERVER_URL"], token);

    /// <summary>A client for the service's private listener (push API and internal API).</summary>
    public HttpClient Service(string? token) => Client(this["APPSERVICE_URL"], token);

    public static async Task<string> Script(string command, TimeSpan timeout)
    {
        var start = new ProcessStartInfo("bash", [Path.Combine(Repository.Root, "synapse", "dev.sh"), .. command.Split(' ')])
        {
            WorkingDirectory = Repository.Root,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(timeout);
        await process.WaitForExitAsync(cts.Token);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"synapse/dev.sh {command} exited {process.ExitCode}:\n{await stdout}\n{await stderr}");
        }

        return await stdout;
    }

    private static HttpClient Client(string baseUrl, string? token)
    {
        var client = new HttpClient { BaseAddress = new Uri(baseUrl.TrimEnd('/') + "/"), Timeout = TimeSpan.FromSeconds(60) };
        if (token is not null)
        {
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        return client;
    }
}

[CollectionDefinition(nameof(LiveStackFixture))]
public sealed class LiveStackGroup : ICollectionFixture<LiveStackFixture>;
