namespace OpenMeet.AppService.Matrix;

/// <summary>A time Synapse did not answer: from the first request that got no answer to the first answer after it.</summary>
public sealed record SynapseOutage(DateTimeOffset From, DateTimeOffset To)
{
    public TimeSpan Duration => To - From;
}
