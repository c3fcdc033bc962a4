using LiteDB;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OpenIddict.Abstractions;

namespace OpenMeet.Oidc;

/// <summary>
/// Keeps the issuer's data from growing without bound, every hour: tokens and authorizations that
/// can no longer be used and are older than <see cref="KeepGrants"/> (what OpenIddict's own Quartz
/// job would prune), and remembered sign-in sessions older than <see cref="KeepSessions"/> (a
/// revocation still ends those: it deletes every device of the account).
/// </summary>
public sealed partial class OidcPruning(IServiceScopeFactory scopes, LiteDatabase db, ILogger<OidcPruning> logger) : BackgroundService
{
    public static readonly TimeSpan Every = TimeSpan.FromHours(1);
    public static readonly TimeSpan KeepGrants = TimeSpan.FromDays(14);
    public static readonly TimeSpan KeepSessions = TimeSpan.FromDays(30);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Every);
        do
        {
            try
            {
                var (tokens, authorizations, sessions) = await PruneAsync(DateTimeOffset.UtcNow, stoppingToken);
                LogPruned(tokens, authorizations, sessions);
            }
            catch (Exception e) when (e is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
            {
                LogFailed(e); // tried again in an hour
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    public async Task<(long Tokens, long Authorizations, int Sessions)> PruneAsync(DateTimeOffset now, CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var tokens = await scope.ServiceProvider.GetRequiredService<IOpenIddictTokenManager>().PruneAsync(now - KeepGrants, ct);
        var authorizations = await scope.ServiceProvider.GetRequiredService<IOpenIddictAuthorizationManager>().PruneAsync(now - KeepGrants, ct);
        var sessions = db.GetCollection(BackchannelLogout.Sessions).DeleteMany(Query.LT("at", (now - KeepSessions).UtcDateTime));
        return (tokens, authorizations, sessions);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Pruned {Tokens} tokens, {Authorizations} authorizations and {Sessions} sign-in sessions")]
    private partial void LogPruned(long tokens, long authorizations, int sessions);

    [LoggerMessage(Level = LogLevel.Error, Message = "Pruning the issuer's data failed; it is tried again in an hour")]
    private partial void LogFailed(Exception exception);
}
