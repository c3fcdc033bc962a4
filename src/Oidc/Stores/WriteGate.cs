using System.Runtime.CompilerServices;
using LiteDB;

namespace OpenMeet.Oidc.Stores;

/// <summary>
/// One lock per <see cref="LiteDatabase"/> for the stores' read-compare-write sequences. LiteDB has no
/// conditional update, and its transactions are bound to a thread and re-read their snapshot when they
/// start writing, so a lock is the simple way to make "update only if the concurrency token is unchanged"
/// atomic. Keyed by database rather than by store instance so correctness does not depend on how many
/// store instances the container creates.
/// </summary>
internal static class WriteGate
{
    private static readonly ConditionalWeakTable<LiteDatabase, Lock> Gates = [];

    public static Lock For(LiteDatabase db) => Gates.GetValue(db, static _ => new Lock());
}
