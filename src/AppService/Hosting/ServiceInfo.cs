using System.Diagnostics;
using System.Reflection;

namespace OpenMeet.AppService.Hosting;

/// <summary>The running service: its version and how long it has run.</summary>
public sealed class ServiceInfo
{
    public static readonly string Version =
        typeof(ServiceInfo).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "0.0.0";

    private readonly long startTimestamp = Stopwatch.GetTimestamp();

    public DateTimeOffset StartedAt { get; } = DateTimeOffset.UtcNow;

    public TimeSpan Uptime => Stopwatch.GetElapsedTime(startTimestamp);
}
