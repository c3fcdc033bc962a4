using LiteDB;
using OpenMeet.AppService.Configuration;

namespace OpenMeet.AppService.Storage;

public static class StorageExtensions
{
    /// <summary>The one LiteDatabase of the process; features take their collections from it.</summary>
    public static IServiceCollection AddStorage(this IServiceCollection services, AppConfig config)
    {
        var path = config.DatabasePath;
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        services.AddSingleton(_ => new LiteDatabase(new ConnectionString { Filename = path, Connection = ConnectionType.Direct }));
        return services;
    }
}
