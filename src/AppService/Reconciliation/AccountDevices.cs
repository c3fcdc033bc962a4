using OpenMeet.AppService.Configuration;
using OpenMeet.AppService.Matrix;
using OpenMeet.AppService.State;

namespace OpenMeet.AppService.Reconciliation;

/// <summary>
/// The Synapse devices of the issuer's sessions (<c>oidc.mode: matrix_auth_service</c>, where Synapse
/// accepts a token only for a device it knows and deleting the device ends the session at once). A
/// request is stored with the person and carried out by their account's reconcile, the one worker
/// that also provisions and revokes the account, so a device cannot be made behind a revocation's back.
/// </summary>
public sealed partial class AccountDevices(Store store, ReconcileBacklog backlog, SynapseMas mas, AppConfig config, ILogger<AccountDevices> logger)
{
    /// <summary>
    /// Makes sure the account exists and has this device before it returns. Throws
    /// <see cref="InvalidOperationException"/> for a person who is unknown, revoked or has no handle, and
    /// the failure of Synapse otherwise (nothing is left to do later then: a device no token was given
    /// for is not wanted). While Synapse is away it waits for it, until <paramref name="ct"/>.
    /// </summary>
    public async Task EnsureDeviceAsync(string userKey, string deviceId, string displayName, CancellationToken ct)
    {
        RequireAuthService();
        var change = new DeviceChange { Id = Guid.NewGuid().ToString("N"), DeviceId = deviceId, DisplayName = displayName };
        var user = store.ChangeUser(userKey, u =>
        {
            if (!u.Revoked && u.Handle is not null)
            {
                u.DeviceChanges.Add(change);
            }
        });
        Refuse(userKey, user);
        try
        {
            await backlog.EnqueueAndWaitAsync(ReconcileKey.Account(userKey), ct);
        }
        catch
        {
            store.ChangeUser(userKey, u => u.DeviceChanges.RemoveAll(c => c.Id == change.Id));
            throw;
        }

        // The run dropped it: the person was revoked meanwhile.
        Refuse(userKey, store.Users.FindById(userKey));
    }

    /// <summary>
    /// Deletes the device, which ends its session in Synapse at once, and returns when it is gone. The
    /// deletion is stored first: if Synapse fails it (or is away, or <paramref name="ct"/> ends the
    /// wait), it is retried until done, also after a restart. An account Synapse does not know counts
    /// as done, and so does a person with no account.
    /// </summary>
    public async Task DeleteDeviceAsync(string userKey, string deviceId, CancellationToken ct)
    {
        RequireAuthService();
        var user = store.ChangeUser(userKey, u =>
        {
            if (u.UserId is not null && u.DeviceChanges.LastOrDefault(c => c.DeviceId == deviceId) is not { Delete: true })
            {
                u.DeviceChanges.Add(new DeviceChange { Id = Guid.NewGuid().ToString("N"), DeviceId = deviceId, Delete = true });
            }
        });
        if (user?.UserId is not null)
        {
            await backlog.EnqueueAndWaitAsync(ReconcileKey.Account(userKey), ct);
        }
    }

    /// <summary>
    /// Lets the person replace their cross-signing keys (reset their encryption identity) for the next
    /// 10 minutes, which Synapse asks the auth service to allow. Throws <see cref="InvalidOperationException"/>
    /// for a person who is unknown, revoked or has no account, and the failure of Synapse otherwise.
    /// </summary>
    public async Task AllowCrossSigningResetAsync(string userKey, CancellationToken ct)
    {
        RequireAuthService();
        var user = store.Users.FindById(userKey);
        Refuse(userKey, user);
        if (user!.UserId is not { } userId)
        {
            throw new InvalidOperationException($"{userKey} has no Matrix account yet");
        }

        await mas.AllowCrossSigningResetAsync(userId[1..userId.IndexOf(':', StringComparison.Ordinal)], ct);
    }

    /// <summary>The account reconcile's last step: the stored changes, oldest first, each forgotten once Synapse has it.</summary>
    internal async Task ApplyAsync(string userKey, CancellationToken ct)
    {
        foreach (var change in store.Users.FindById(userKey)?.DeviceChanges ?? [])
        {
            // Read again each time: a revocation may have come meanwhile, or the caller given up on its request.
            if (store.Users.FindById(userKey) is not { } user)
            {
                return;
            }

            if (!user.DeviceChanges.Exists(c => c.Id == change.Id))
            {
                continue;
            }

            if (!config.Oidc.IsAuthService)
            {
                LogDropped(userKey, change.DeviceId, "oidc.mode is no longer matrix_auth_service");
            }
            else if (change.Delete)
            {
                await DeleteAsync(user, change.DeviceId, ct);
            }
            else if (user.Revoked || user.Handle is null)
            {
                LogDropped(userKey, change.DeviceId, "the person is revoked");
            }
            else
            {
                await mas.UpsertDeviceAsync(user.Handle, change.DeviceId, change.DisplayName, ct);
            }

            store.ChangeUser(userKey, u => u.DeviceChanges.RemoveAll(c => c.Id == change.Id));
        }
    }

    private async Task DeleteAsync(UserDoc user, string deviceId, CancellationToken ct)
    {
        if (user.UserId is not { } userId)
        {
            return;
        }

        try
        {
            await mas.DeleteDeviceAsync(userId[1..userId.IndexOf(':', StringComparison.Ordinal)], deviceId, ct);
        }
        catch (MatrixException e) when (e.Status == System.Net.HttpStatusCode.NotFound)
        {
            // Synapse has no such account: no device either.
        }
    }

    private void RequireAuthService()
    {
        if (!config.Oidc.IsAuthService)
        {
            throw new InvalidOperationException("Devices are provisioned only in oidc.mode matrix_auth_service; in sso mode Synapse makes them at login");
        }
    }

    private static void Refuse(string userKey, UserDoc? user)
    {
        if (user is null || user.Revoked || user.Handle is null)
        {
            throw new InvalidOperationException(user is null ? $"{userKey} is not known" : user.Revoked ? $"{userKey} is revoked" : $"{userKey} has no handle yet");
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Device change for {DeviceId} of {UserKey} dropped: {Reason}")]
    private partial void LogDropped(string userKey, string deviceId, string reason);
}
