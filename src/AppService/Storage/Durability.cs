namespace OpenMeet.AppService.Storage;

/// <summary>
/// LiteDB writes a commit to its log file before returning (it survives a crash of this process) but
/// leaves it in the OS cache. Where an acknowledgement promises durability, call <see cref="Flush"/>:
/// fsync of the log (or, after a checkpoint, the data file) puts it on the disk.
/// </summary>
public sealed class Durability(string databasePath, bool enabled)
{
    private readonly string logPath = RecoveringEngine.LogPath(databasePath);

    public void Flush()
    {
        if (!enabled)
        {
            return;
        }

        // fsync works on the file, not on the descriptor that wrote it, so our own handle will do.
        try
        {
            using var stream = new FileStream(File.Exists(logPath) ? logPath : databasePath, FileMode.Open,
                FileAccess.ReadWrite, FileShare.ReadWrite | FileShare.Delete, 1, FileOptions.None);
            stream.Flush(flushToDisk: true);
        }
        catch (IOException e)
        {
            // What was to be promised is not on the disk: the caller must not acknowledge it.
            throw new StorageFaultException(e);
        }
    }
}
