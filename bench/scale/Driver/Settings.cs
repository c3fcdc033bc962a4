using System.Globalization;

namespace OpenMeet.Bench.Scale.Driver;

/// <summary>The run's sizes and places, from the environment (see run.sh) and the command line.</summary>
public sealed record Settings
{
    public int Rooms { get; init; } = Env("SCALE_ROOMS", 10_000);
    public int MembersPerRoom { get; init; } = Env("SCALE_MEMBERS", 10);
    public int Users { get; init; } = Env("SCALE_USERS", 5_000);
    public int Tenants { get; init; } = Env("SCALE_TENANTS", 2);
    /// <summary>Internal API requests in flight while loading.</summary>
    public int Concurrency { get; init; } = Env("SCALE_CONCURRENCY", 8);
    /// <summary>reconciler.parallelism of the service; 0 leaves the service's default.</summary>
    public int Parallelism { get; init; } = Env("SCALE_PARALLELISM", 0);

    /// <summary>reconciler.cached_rooms of the service; 0 leaves the service's default.</summary>
    public int CachedRooms { get; init; } = Env("SCALE_CACHED_ROOMS", 0);
    public bool Fsync { get; init; } = Env("SCALE_FSYNC", 1) != 0;
    public int ConvergeTimeoutSeconds { get; init; } = Env("SCALE_TIMEOUT", 3600);
    public int HomeserverPort { get; init; } = Env("SCALE_HS_PORT", 28108);
    public int ServicePort { get; init; } = Env("SCALE_AS_PORT", 28109);
    public int OtherPort { get; init; } = Env("SCALE_OTHER_PORT", 28110);
    public string ServerName { get; init; } = "scale.localhost";
    public required string ServiceDll { get; init; }
    public required string WorkDir { get; init; }

    public static Settings? Parse(string[] args)
    {
        string? dll = null, work = null;
        for (var i = 0; i + 1 < args.Length; i += 2)
        {
            switch (args[i])
            {
                case "--service": dll = args[i + 1]; break;
                case "--work": work = args[i + 1]; break;
                default: return null;
            }
        }

        return dll is null || work is null ? null : new Settings { ServiceDll = dll, WorkDir = work };
    }

    private static int Env(string name, int fallback) =>
        int.TryParse(Environment.GetEnvironmentVariable(name), NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) ? v : fallback;
}
