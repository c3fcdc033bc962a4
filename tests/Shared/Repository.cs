namespace OpenMeet.Tests;

/// <summary>Linked into each test project that reads files of the checkout (see its .csproj).</summary>
internal static class Repository
{
    /// <summary>The checkout's root, found from the test binaries upwards.</summary>
    public static string Root { get; } = Find();

    private static string Find()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "OpenMeet.AppService.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("OpenMeet.AppService.sln not found above " + AppContext.BaseDirectory);
    }
}
