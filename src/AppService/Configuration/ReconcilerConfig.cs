using Microsoft.Extensions.Configuration;

namespace OpenMeet.AppService.Configuration;

public sealed class ReconcilerConfig
{
    /// <summary>Rooms reconciled at once (each room by one worker at a time).</summary>
    public int Parallelism { get; set; } = 4;

    /// <summary><c>strict</c>: people in a room who are not its OpenMeet members are removed;
    /// <c>additive</c>: kept if they belong to the room's tenant.</summary>
    [ConfigurationKeyName("member_policy")]
    public string MemberPolicy { get; set; } = "strict";

    /// <summary>Join desired members directly through the Synapse admin API instead of inviting them.</summary>
    [ConfigurationKeyName("force_join")]
    public bool ForceJoin { get; set; }

    /// <summary>Encrypt new rooms, per kind.</summary>
    public EncryptionConfig Encryption { get; set; } = new();

    /// <summary>OpenMeet role → Matrix power level, per kind.</summary>
    [ConfigurationKeyName("power_levels")]
    public PowerLevelsConfig PowerLevels { get; set; } = new();
}
