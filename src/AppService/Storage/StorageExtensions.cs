using LiteDB;
using OpenMeet.AppService.Configuration;

namespace OpenMeet.AppService.Storage;

public static class StorageExtensions
{
    /// <summary>
    /// The one LiteDatabase of the process; features take their collections from it. Its engine reopens the
    /// files after a failure (a full disk), so the database and those collections outlive it.
    /// </summary>
    public static IServiceCollection AddStorage(this IServiceCollection services, AppConfig config)
    {
        var path = config.DatabasePath;
        PrivateFiles.ForThisProcess();
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        foreach (var existing in new[] { Path.GetDirectoryName(path)!, path, RecoveringEngine.LogPath(path) })
        {
            PrivateFiles.Restrict(existing);
        }

        services.AddSingleton(sp =>
        {
            try
            {
                return new LiteDatabase(new RecoveringEngine(path, sp.GetRequiredService<ILogger<RecoveringEngine>>()));
            }
            catch (Exception e) when (e is LiteException or IOException or UnauthorizedAccessException or InvalidCastException)
            {
                throw new InvalidOperationException(
                    $"database.path: cannot open the database '{path}': {e.Message}. If the file is damaged, stop the service, "
                    + "move it aside and restore the last backup (see the README, 'The database').", e);
            }
        });
        services.AddSingleton(new Durability(path, config.Database.Fsync));
        return services;
    }
}
