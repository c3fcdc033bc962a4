using OpenMeet.AppService.Transactions;

namespace OpenMeet.AppService.Status;

public static class StatusExtensions
{
    public static IServiceCollection AddStatus(this IServiceCollection services)
    {
        services.AddReadiness();
        services.AddSingleton<PrometheusExport>();
        services.AddSingleton<RecentEvents>();
        services.AddSingleton<IEventConsumer>(sp => sp.GetRequiredService<RecentEvents>());
        return services;
    }
}
