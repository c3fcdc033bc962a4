using System.Diagnostics;
using System.Net.Http.Headers;
using OpenMeet.Bench.Scale;
using OpenMeet.Bench.Scale.Driver;
using OpenMeet.Bench.Scale.StandIn;

if (Settings.Parse(args) is not { } settings)
{
    Console.Error.WriteLine("usage: openmeet-scale --service OpenMeet.AppService.dll --work DIR   (sizes from SCALE_* variables; see bench/scale/run.sh)");
    return 2;
}

var hs = new Homeserver(settings.ServerName) { Bot = $"@openmeet-bot:{settings.ServerName}" };
var counts = new RequestCounts();
await using var standIn = await StandInServer.StartAsync(hs, counts, settings.HomeserverPort);
var internalToken = $"internal_{Guid.NewGuid():N}";
var service = new ServiceProcess(settings, internalToken);
using var handler = new SocketsHttpHandler { UseProxy = false, MaxConnectionsPerServer = settings.Concurrency + 2 };
using var http = new HttpClient(handler) { BaseAddress = new Uri($"http://127.0.0.1:{settings.ServicePort}/"), Timeout = TimeSpan.FromSeconds(120) };
using var internalHttp = new HttpClient(handler, disposeHandler: false)
{
    BaseAddress = new Uri($"http://127.0.0.1:{settings.ServicePort}/internal/"),
    Timeout = TimeSpan.FromSeconds(120),
};
internalHttp.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", internalToken);
var api = new ServiceApi(http);
var model = new DesiredModel(settings, settings.ServerName);
var report = new Report();
Console.CancelKeyPress += (_, _) => service.Stop();

try
{
    report.Line($"Reconciler at scale: {model.Rooms.Count:N0} rooms x {settings.MembersPerRoom} members = {model.Memberships:N0} memberships, "
        + $"{model.Users.Count:N0} users, {model.Tenants.Count} tenants; database.fsync {settings.Fsync}, "
        + $"reconciler.parallelism {(settings.Parallelism > 0 ? settings.Parallelism : 4)}, reconciler.cached_rooms {(settings.CachedRooms > 0 ? settings.CachedRooms.ToString(System.Globalization.CultureInfo.InvariantCulture) : "default")}, "
        + $"{settings.Concurrency} internal API writes in flight");

    service.WriteConfig();
    var clock = Stopwatch.StartNew();
    service.Start();
    var (live, ready) = await WaitReadyAsync(TimeSpan.FromSeconds(90));
    report.Line($"first start (empty database): live after {live:F1} s, ready after {ready:F1} s");
    report.Requests("requests at the first start", counts.TakeAndReset());

    Console.WriteLine("==> loading the desired state through the internal API");
    var cpuStart = service.CpuSeconds();
    var machine = new MachineLoad();
    clock.Restart();
    var loader = new Loader(internalHttp, settings.Concurrency);
    await loader.LoadAsync(model);
    var loadTime = clock.Elapsed;
    var cpuLoad = service.CpuSeconds() - cpuStart;
    foreach (var (phase, n, took) in loader.Phases)
    {
        report.Line($"load, {phase}: {n:N0} PUTs in {took.TotalSeconds:F1} s ({n / took.TotalSeconds:N0}/s)");
    }

    report.Line($"load: {loadTime.TotalSeconds:F1} s; the service used {cpuLoad:F1} CPU s meanwhile (storing, and reconciling what was stored)");

    Console.WriteLine("==> waiting for convergence");
    var converged = await WaitConvergedAsync(clock, TimeSpan.FromSeconds(settings.ConvergeTimeoutSeconds), requireRooms: true);
    var cpuTotal = service.CpuSeconds() - cpuStart;
    var sweep = counts.TakeAndReset();
    if (converged is null)
    {
        report.Line($"NOT CONVERGED after {settings.ConvergeTimeoutSeconds} s: {Convergence.Check(hs, model)}");
    }
    else
    {
        report.Line($"converged: {converged.Value.TotalSeconds:F1} s after the first write, {(converged.Value - loadTime).TotalSeconds:F1} s after the last "
            + "(every room and space as desired in the stand-in, the queue empty, no request for 1 s; polled every 0.5 s)");
    }

    report.Line($"CPU of the service, load + convergence: {cpuTotal:F1} s = {cpuTotal * 1000 / model.Rooms.Count:F1} ms per room "
        + $"({cpuTotal * 1000 / model.Memberships:F2} ms per membership)");
    report.Line($"meanwhile the driver and stand-in used {machine.DriverSeconds:F1} CPU s, other processes {machine.OtherPercent(cpuTotal):F0}% of the {Environment.ProcessorCount} cores");
    report.Requests("requests to the homeserver from the first write to convergence", sweep);
    await Task.Delay(TimeSpan.FromSeconds(5));
    report.Memory("after convergence (+5 s)", service);
    if (HeapProfile.Wanted)
    {
        HeapProfile.Take(service.Pid, settings.WorkDir, "converged").ToList().ForEach(l => report.Line("  heap: " + l));
    }

    Console.WriteLine("==> restart on the same data");
    var stopped = service.Stop();
    report.Line($"stop (SIGTERM): exited after {stopped.TotalSeconds:F1} s");
    counts.TakeAndReset();
    clock.Restart();
    machine = new MachineLoad();
    service.Start();
    (live, ready) = await WaitReadyAsync(TimeSpan.FromSeconds(600));
    report.Line($"restart: live after {live:F1} s, ready after {ready:F1} s");
    cpuStart = service.CpuSeconds();
    var drained = await WaitConvergedAsync(clock, TimeSpan.FromSeconds(settings.ConvergeTimeoutSeconds), requireRooms: false);
    var cpuRestart = service.CpuSeconds();
    report.Line(drained is null
        ? $"restart: the start-up sweep did not drain within {settings.ConvergeTimeoutSeconds} s"
        : $"restart: start-up sweep done (queue empty, no request for 1 s) {drained.Value.TotalSeconds:F1} s after start; "
            + $"CPU {cpuRestart:F1} s since start ({cpuRestart * 1000 / model.Rooms.Count:F1} ms per room)");
    report.Line($"meanwhile other processes used {machine.OtherPercent(cpuRestart):F0}% of the {Environment.ProcessorCount} cores");
    report.Requests("requests to the homeserver at the restart, until the sweep was done", counts.TakeAndReset());
    report.Line($"after the restart: {Convergence.Check(hs, model)}");
    report.Memory("after the restart's sweep", service);
    if (HeapProfile.Wanted)
    {
        HeapProfile.Take(service.Pid, settings.WorkDir, "restarted").ToList().ForEach(l => report.Line("  heap: " + l));
    }
    return converged is null ? 1 : 0;
}
catch (Exception e)
{
    report.Line($"FAILED: {e.Message}");
    Console.Error.WriteLine(e);
    Console.Error.WriteLine($"service log: {service.LogPath}");
    return 1;
}
finally
{
    service.Stop();
    report.Save(Path.Combine(settings.WorkDir, "report.txt"));
}

async Task<(double Live, double Ready)> WaitReadyAsync(TimeSpan timeout)
{
    var clock = Stopwatch.StartNew();
    double? live = null;
    while (clock.Elapsed < timeout)
    {
        if (!service.Running)
        {
            throw new InvalidOperationException($"the service exited; see {service.LogPath}");
        }

        live ??= await api.HealthyAsync("live") ? clock.Elapsed.TotalSeconds : null;
        if (live is not null && await api.HealthyAsync("ready"))
        {
            return (live.Value, clock.Elapsed.TotalSeconds);
        }

        await Task.Delay(50);
    }

    throw new TimeoutException($"the service was not ready within {timeout.TotalSeconds} s; see {service.LogPath}");
}

// Until the stand-in's rooms are as desired (if asked), the reconcile queue is empty and the stand-in has
// had no request for a second; the time since `clock` started, or null on timeout.
async Task<TimeSpan?> WaitConvergedAsync(Stopwatch clock, TimeSpan timeout, bool requireRooms)
{
    var deadline = clock.Elapsed + timeout;
    var lastPrint = TimeSpan.Zero;
    while (clock.Elapsed < deadline)
    {
        var (queue, failing) = await api.GaugesAsync();
        var progress = requireRooms ? Convergence.Check(hs, model) : null;
        if (clock.Elapsed - lastPrint >= TimeSpan.FromSeconds(15))
        {
            lastPrint = clock.Elapsed;
            var (rss, _) = service.Memory();
            Console.WriteLine($"    {clock.Elapsed.TotalSeconds,6:F0} s: queue {queue}, failing {failing}, {progress?.ToString() ?? "sweep"}, "
                + $"{counts.Total:N0} requests so far, RSS {rss:F0} MiB, CPU {service.CpuSeconds():F0} s");
        }

        if (queue == 0 && (progress?.Done ?? true) && counts.IdleFor >= TimeSpan.FromSeconds(1))
        {
            return clock.Elapsed;
        }

        await Task.Delay(500);
    }

    return null;
}
