using System.Security.Cryptography;

namespace OpenMeet.AppService.Matrix;

/// <summary>Client transaction ids unique across restarts: a random prefix per process and a counter.</summary>
public sealed class ClientTxnIds
{
    private readonly string prefix = "om" + Convert.ToHexString(RandomNumberGenerator.GetBytes(8)) + ".";
    private long counter;

    public string Next() => prefix + Interlocked.Increment(ref counter);
}
