using LiteDB;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OpenIddict.Abstractions;
using OpenMeet.Oidc.AuthService;
using OpenMeet.Oidc.Models;
using OpenMeet.Oidc.Stores;

namespace OpenMeet.Oidc;

/// <summary>
/// Keeps the issuer's data from growing without bound, every hour: tokens and authorizations that
/// can no longer be used and are older than <see cref="KeepGrants"/> (what OpenIddict's own Quartz
/// job would prune), remembered sign-in sessions older than <see cref="KeepSessions"/> (a
/// revocation still ends those: it deletes every device of the account), and clients that registered
/// themselves (<see cref="ClientRegistration"/>) but have no token left and have not registered again
/// for <see cref="KeepIdleClients"/>, with the consents given to them: such a client registers again
/// when someone signs in with it, and the person is asked again.
/// </summary>
public sealed partial class OidcPruning(IServiceScopeFactory scopes, LiteDatabase db, ILogger<OidcPruning> logger) : BackgroundService
{
    public static readonly TimeSpan Every = TimeSpan.FromHours(1);
    public static readonly TimeSpan KeepGrants = TimeSpan.FromDays(14);
    public static readonly TimeSpan KeepSessions = TimeSpan.FromDays(30);
    public static readonly TimeSpan KeepIdleClients = TimeSpan.FromDays(1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Every);
        do
        {
            try
            {
                var (tokens, authorizations, sessions, clients) = await PruneAsync(DateTimeOffset.UtcNow, stoppingToken);
                LogPruned(tokens, authorizations, sessions, clients);
            }
            catch (Exception e) when (e is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
            {
                LogFailed(e); // tried again in an hour
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    public async Task<(long Tokens, long Authorizations, int Sessions, int Clients)> PruneAsync(DateTimeOffset now, CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var tokens = await scope.ServiceProvider.GetRequiredService<IOpenIddictTokenManager>().PruneAsync(now - KeepGrants, ct);
        var authorizations = await scope.ServiceProvider.GetRequiredService<IOpenIddictAuthorizationManager>().PruneAsync(now - KeepGrants, ct);
        var sessions = db.GetCollection(BackchannelLogout.Sessions).DeleteMany(Query.LT("at", (now - KeepSessions).UtcDateTime));
        return (tokens, authorizations, sessions, await PruneIdleClientsAsync(scope.ServiceProvider.GetRequiredService<IOpenIddictApplicationManager>(), now, ct));
    }

    private async Task<int> PruneIdleClientsAsync(IOpenIddictApplicationManager applications, DateTimeOffset now, CancellationToken ct)
    {
        var idleSince = (now - KeepIdleClients).ToUnixTimeSeconds();
        var tokens = db.GetCollection<OidcToken>(OidcCollections.Tokens);
        var pruned = 0;
        foreach (var application in db.GetCollection<OidcApplication>(OidcCollections.Applications).FindAll().ToList())
        {
            var properties = await applications.GetPropertiesAsync(application, ct);
            if (properties.ContainsKey(ClientRegistration.DynamicProperty)
                && (properties.TryGetValue(ClientRegistration.SeenProperty, out var seen) || properties.TryGetValue(ClientRegistration.RegisteredProperty, out seen))
                && seen.TryGetInt64(out var seenAt) && seenAt < idleSince
                && !tokens.Exists(Query.EQ(nameof(OidcToken.ApplicationId), application.Id)))
            {
                try
                {
                    await applications.DeleteAsync(application, ct); // its consents go with it
                    pruned++;
                }
                catch (OpenIddictExceptions.ConcurrencyException)
                {
                    // It registered again just now: kept.
                }
            }
        }

        return pruned;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Pruned {Tokens} tokens, {Authorizations} authorizations, {Sessions} sign-in sessions and {Clients} idle self-registered clients")]
    private partial void LogPruned(long tokens, long authorizations, int sessions, int clients);

    [LoggerMessage(Level = LogLevel.Error, Message = "Pruning the issuer's data failed; it is tried again in an hour")]
    private partial void LogFailed(Exception exception);
}
