using OpenMeet.AppService.Configuration;

namespace OpenMeet.AppService.Matrix;

public static class MatrixExtensions
{
    public static IServiceCollection AddMatrixClient(this IServiceCollection services, AppConfig config)
    {
        services.AddSingleton<ClientTxnIds>();
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton<SynapseReachability>();
        services.AddSingleton<SynapseMetrics>();
        // One client for the process: long-lived services use it, so its connections are recycled
        // by lifetime rather than by a handler factory.
        services.AddSingleton(sp =>
        {
            var http = new HttpClient(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5) })
            {
                BaseAddress = new Uri(config.Homeserver.Url.TrimEnd('/') + "/"),
                Timeout = TimeSpan.FromSeconds(60),
            };
            return ActivatorUtilities.CreateInstance<MatrixClient>(sp, http);
        });
        services.AddSingleton<SynapseAdmin>();
        services.AddSingleton<SynapseMas>();
        services.AddSingleton<HomeserverPing>();
        services.AddHostedService(sp => sp.GetRequiredService<HomeserverPing>());
        services.AddHostedService<SynapseWatch>();
        return services;
    }
}
