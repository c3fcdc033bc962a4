namespace OpenMeet.AppService.State;

/// <summary>
/// One device the issuer wants created or deleted in Synapse, kept with the person until their
/// account's reconcile has done it: a deletion survives a Synapse outage and a restart.
/// </summary>
public sealed class DeviceChange
{
    /// <summary>Tells this request from a later one for the same device.</summary>
    public string Id { get; set; } = "";
    public string DeviceId { get; set; } = "";
    /// <summary>Delete the device; otherwise create it (or rename it) with <see cref="DisplayName"/>.</summary>
    public bool Delete { get; set; }
    public string? DisplayName { get; set; }
}
