using System.Text.Json;
using LiteDB;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using OpenMeet.AppService.Configuration;
using OpenMeet.AppService.Hosting;
using OpenMeet.AppService.Matrix;
using OpenMeet.AppService.Storage;
using OpenMeet.AppService.Transactions;

namespace OpenMeet.AppService.Status;

/// <summary>
/// <c>/health/live</c>: the process answers. <c>/health/ready</c>: it can do its work: the database
/// takes a write, Synapse answers and pinged us back recently, dispatch keeps up, and the service is
/// not stopping.
/// </summary>
public static class HealthChecks
{
    public const string Ready = "ready";

    public static IServiceCollection AddReadiness(this IServiceCollection services)
    {
        services.AddHealthChecks()
            .AddCheck<DatabaseCheck>("database", tags: [Ready])
            .AddCheck<SynapseCheck>("synapse", tags: [Ready])
            .AddCheck<PingCheck>("ping", tags: [Ready])
            .AddCheck<DispatchCheck>("dispatcher", tags: [Ready])
            .AddCheck<InboxCheck>("inbox", tags: [Ready])
            .AddCheck<ShutdownCheck>("shutdown", tags: [Ready]);
        return services;
    }

    public static IEndpointRouteBuilder MapHealth(this IEndpointRouteBuilder app)
    {
        var live = new HealthCheckOptions { Predicate = _ => false, ResponseWriter = WriteAsync };
        app.MapHealthChecks("/health", live);
        app.MapHealthChecks("/health/live", live);
        app.MapHealthChecks("/health/ready", new HealthCheckOptions { Predicate = c => c.Tags.Contains(Ready), ResponseWriter = WriteAsync });
        return app;
    }

    // {"status":"Unhealthy","checks":{"synapse":{"status":"Unhealthy","description":"..."}}}
    private static async Task WriteAsync(HttpContext http, HealthReport report)
    {
        http.Response.ContentType = "application/json";
        await using var json = new Utf8JsonWriter(http.Response.Body);
        json.WriteStartObject();
        json.WriteString("status", report.Status.ToString());
        json.WriteStartObject("checks");
        foreach (var (name, entry) in report.Entries)
        {
            json.WriteStartObject(name);
            json.WriteString("status", entry.Status.ToString());
            json.WriteString("description", entry.Description);
            json.WriteEndObject();
        }

        json.WriteEndObject();
        json.WriteEndObject();
    }

    private sealed class DatabaseCheck(LiteDatabase db) : IHealthCheck
    {
        public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken)
        {
            try
            {
                db.GetCollection("health").Upsert(new BsonDocument { ["_id"] = "probe", ["at"] = DateTime.UtcNow });
                return Task.FromResult(HealthCheckResult.Healthy("writable"));
            }
            catch (Exception e) when (e is StorageFaultException or LiteException or ObjectDisposedException)
            {
                return Task.FromResult(HealthCheckResult.Unhealthy($"cannot write: {e.Message}"));
            }
        }
    }

    // Synapse is asked at most every few seconds, however often a prober asks us.
    private sealed class SynapseCheck(MatrixClient matrix) : IHealthCheck
    {
        private static readonly TimeSpan Fresh = TimeSpan.FromSeconds(5);
        private (DateTime At, HealthCheckResult Result) last;

        public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken)
        {
            if (DateTime.UtcNow - last.At < Fresh)
            {
                return last.Result;
            }

            HealthCheckResult result;
            try
            {
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                timeout.CancelAfter(TimeSpan.FromSeconds(3));
                await matrix.SendAsync(HttpMethod.Get, "_matrix/client/versions", null, timeout.Token, MatrixClient.Anonymous);
                result = HealthCheckResult.Healthy("reachable");
            }
            catch (Exception e) when (e is MatrixException or HttpRequestException or OperationCanceledException)
            {
                result = HealthCheckResult.Unhealthy($"not reachable: {(e is OperationCanceledException ? "no answer within 3 s" : e.Message)}");
            }

            last = (DateTime.UtcNow, result);
            return result;
        }
    }

    private sealed class InboxCheck(Inbox inbox) : IHealthCheck
    {
        public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken) =>
            Task.FromResult(inbox.LastWriteError is { } error
                ? HealthCheckResult.Unhealthy($"transactions cannot be stored: {error}")
                : HealthCheckResult.Healthy("storing"));
    }

    private sealed class ShutdownCheck(Shutdown shutdown) : IHealthCheck
    {
        public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken) =>
            Task.FromResult(shutdown.Begun
                ? HealthCheckResult.Unhealthy("the service is stopping: new transactions and writes are answered 503")
                : HealthCheckResult.Healthy("running"));
    }

    private sealed class DispatchCheck(Inbox inbox, AppConfig config) : IHealthCheck
    {
        public static readonly TimeSpan MaxLag = TimeSpan.FromSeconds(60);

        public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken)
        {
            var lag = inbox.OldestPendingAt is { } at ? DateTime.UtcNow - at : TimeSpan.Zero;
            return Task.FromResult(
                lag > MaxLag ? HealthCheckResult.Unhealthy($"dispatch is {lag.TotalSeconds:F0} s behind")
                : inbox.PendingBytes > config.Appservice.MaxPendingBytes * 9 / 10 ? HealthCheckResult.Unhealthy("the inbox is nearly full: new transactions are being asked to come back later")
                : HealthCheckResult.Healthy($"{inbox.PendingBytes} bytes waiting, {lag.TotalMilliseconds:F0} ms behind"));
        }
    }
}
