using System.Diagnostics;
using System.Globalization;

namespace OpenMeet.Bench.Scale.Driver;

/// <summary>The service under test: its config, its process (started as `dotnet DLL -c config`, stopped
/// with SIGTERM), and what /proc says about it.</summary>
public sealed class ServiceProcess(Settings settings, string internalToken)
{
    private static readonly long ClockTicks = long.Parse(Run("getconf", "CLK_TCK").Trim(), CultureInfo.InvariantCulture);
    private Process? process;

    public string ConfigPath => Path.Combine(settings.WorkDir, "config.yaml");
    public string DataDir => Path.Combine(settings.WorkDir, "data");
    public string LogPath => Path.Combine(settings.WorkDir, "service.log");
    public int Pid => process?.Id ?? 0;

    public void WriteConfig()
    {
        Directory.CreateDirectory(DataDir);
        string Token(string kind) => $"{kind}_{Guid.NewGuid():N}";
        var parallelism = (settings.Parallelism > 0 ? $"\n  parallelism: {settings.Parallelism}" : "")
            + (settings.CachedRooms > 0 ? $"\n  cached_rooms: {settings.CachedRooms}" : "");
        File.WriteAllText(ConfigPath, $"""
            homeserver:
              url: http://127.0.0.1:{settings.HomeserverPort}
              server_name: {settings.ServerName}
              admin_token: "{Token("admin")}"
            appservice:
              id: openmeet-scale
              url: http://127.0.0.1:{settings.ServicePort}
              bot_localpart: openmeet-bot
              bot_displayname: OpenMeet
              alias_prefix: "openmeet_"
              as_token: "{Token("as")}"
              hs_token: "{Token("hs")}"
            internal:
              token: "{internalToken}"
            listeners:
              - bind: 127.0.0.1:{settings.ServicePort}
                resources: [appservice, internal, health, metrics]
              - bind: 127.0.0.1:{settings.OtherPort}
                resources: [api, oidc, health]
            database:
              path: {DataDir}/openmeet.db
              fsync: {(settings.Fsync ? "true" : "false")}
            admin_bot:
              admins: []
              management_room: ""
            reconciler:
              member_policy: strict{parallelism}
            logging:
              level: Warning
              format: text

            """);
    }

    public void Start()
    {
        // exec: the shell becomes the service, so its pid is the service's.
        var start = new ProcessStartInfo("/bin/sh", ["-c", $"exec dotnet \"$0\" -c \"$1\" >>\"$2\" 2>&1", settings.ServiceDll, ConfigPath, LogPath])
        {
            UseShellExecute = false,
        };
        process = Process.Start(start) ?? throw new InvalidOperationException("the service did not start");
        File.WriteAllText(Path.Combine(settings.WorkDir, "service.pid"), process.Id.ToString(CultureInfo.InvariantCulture));
    }

    /// <summary>SIGTERM, then the time until the process is gone (SIGKILL after 60 s).</summary>
    public TimeSpan Stop()
    {
        if (process is null || process.HasExited)
        {
            return TimeSpan.Zero;
        }

        var clock = Stopwatch.StartNew();
        Run("kill", "-TERM", process.Id.ToString(CultureInfo.InvariantCulture));
        if (!process.WaitForExit(TimeSpan.FromSeconds(60)))
        {
            process.Kill();
            process.WaitForExit();
        }

        process.Dispose();
        process = null;
        return clock.Elapsed;
    }

    public bool Running => process is { HasExited: false };

    /// <summary>VmRSS and VmHWM in MiB.</summary>
    public (double Rss, double Peak) Memory()
    {
        double rss = 0, peak = 0;
        foreach (var line in File.ReadLines($"/proc/{Pid}/status"))
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
            {
                rss = Kib(line) / 1024.0;
            }
            else if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
            {
                peak = Kib(line) / 1024.0;
            }
        }

        return (rss, peak);
    }

    /// <summary>utime + stime of the process so far, in seconds.</summary>
    public double CpuSeconds()
    {
        var stat = File.ReadAllText($"/proc/{Pid}/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        // Fields 14 and 15 of stat(5); fields[0] here is field 3.
        return (long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture)) / (double)ClockTicks;
    }

    /// <summary>The LiteDB file and its log, in MiB.</summary>
    public (double Data, double Log) DatabaseSize()
    {
        static double Size(string path) => File.Exists(path) ? new FileInfo(path).Length / 1048576.0 : 0;
        return (Size(Path.Combine(DataDir, "openmeet.db")), Size(Path.Combine(DataDir, "openmeet-log.db")));
    }

    private static long Kib(string line) => long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);

    private static string Run(string file, params string[] args)
    {
        using var p = Process.Start(new ProcessStartInfo(file, args) { RedirectStandardOutput = true, UseShellExecute = false })!;
        var output = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        return output;
    }
}
