using System.Runtime.InteropServices;

namespace OpenMeet.AppService.Storage;

/// <summary>
/// What the service writes holds secrets and people's data (tokens, password hashes, emails, message
/// bodies): owner only, whatever the umask it was started with.
/// </summary>
public static partial class PrivateFiles
{
    public const UnixFileMode FileMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    public const UnixFileMode FolderMode = FileMode | UnixFileMode.UserExecute;

    /// <summary>Files and folders this process creates from now on are owner only (umask 077): LiteDB makes its files itself.</summary>
    public static void ForThisProcess()
    {
        if (!OperatingSystem.IsWindows())
        {
            _ = Umask(0b000_111_111);
        }
    }

    /// <summary>Makes an existing file (or folder) owner only: files an older version left readable to all.</summary>
    public static void Restrict(string path)
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        if (Directory.Exists(path))
        {
            File.SetUnixFileMode(path, FolderMode);
        }
        else if (File.Exists(path))
        {
            File.SetUnixFileMode(path, FileMode);
        }
    }

    [LibraryImport("libc", EntryPoint = "umask")]
    private static partial uint Umask(uint mask);
}
