namespace OpenMeet.AppService.Storage;

/// <summary>
/// The database failed under a call (a full disk, an I/O error): nothing of that call is stored, and the
/// next call opens the database again. Callers answer "try again later".
/// </summary>
public sealed class StorageFaultException(Exception inner)
    : Exception($"The database cannot be written just now: {inner.Message}", inner);
