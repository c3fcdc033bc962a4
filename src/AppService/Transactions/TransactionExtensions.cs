namespace OpenMeet.AppService.Transactions;

public static class TransactionExtensions
{
    public static IServiceCollection AddTransactions(this IServiceCollection services)
    {
        services.AddSingleton<PushMetrics>();
        services.AddSingleton<Inbox>();
        services.AddSingleton<Quarantine>();
        services.AddHostedService<Dispatcher>();
        return services;
    }
}
