using System.Net.Http.Headers;
using OpenMeet.AppService.Configuration;

namespace OpenMeet.AppService.Matrix;

public static class MatrixExtensions
{
    public static IServiceCollection AddMatrixClient(this IServiceCollection services, AppConfig config)
    {
        services.AddSingleton<ClientTxnIds>();
        services.AddHttpClient<MatrixClient>(http =>
        {
            http.BaseAddress = new Uri(config.Homeserver.Url.TrimEnd('/') + "/");
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", config.Appservice.AsToken);
            http.Timeout = TimeSpan.FromSeconds(60);
        });
        services.AddHostedService<HomeserverPing>();
        return services;
    }
}
