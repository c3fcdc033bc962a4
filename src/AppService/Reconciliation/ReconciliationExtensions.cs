using OpenMeet.AppService.Configuration;
using OpenMeet.AppService.State;
using OpenMeet.AppService.Transactions;

namespace OpenMeet.AppService.Reconciliation;

public static class ReconciliationExtensions
{
    public static IServiceCollection AddReconciliation(this IServiceCollection services, AppConfig config)
    {
        services.AddSingleton<Store>();
        services.AddSingleton<Revocation>();
        services.AddSingleton(new RoomAliases(config.Appservice.AliasPrefix, config.Homeserver.ServerName));
        services.AddSingleton<ReconcileBacklog>();
        services.AddSingleton<DesiredRooms>();
        services.AddSingleton<ObservedRooms>();
        services.AddSingleton<IEventConsumer>(sp => sp.GetRequiredService<ObservedRooms>());
        services.AddSingleton<RoomReconciler>();
        services.AddSingleton<AccountDevices>();
        services.AddSingleton<AccountReconciler>();
        services.AddSingleton<StartupSweep>();
        services.AddSingleton<Reconciler>();
        services.AddSingleton<ReconcileJobs>();
        services.AddSingleton<IAliasQuery, AliasQuery>();
        services.AddHostedService(sp => sp.GetRequiredService<Reconciler>());
        return services;
    }
}
