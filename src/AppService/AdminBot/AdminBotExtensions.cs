using OpenMeet.AppService.Transactions;

namespace OpenMeet.AppService.AdminBot;

public static class AdminBotExtensions
{
    public static IServiceCollection AddAdminBot(this IServiceCollection services)
    {
        services.AddSingleton<Admins>();
        services.AddSingleton<CommandMetrics>();
        services.AddSingleton<BotCommands>();
        services.AddSingleton<ManagementRoomEvents>();
        services.AddSingleton<IEventConsumer>(sp => sp.GetRequiredService<ManagementRoomEvents>());
        services.AddHostedService<ManagementRoom>();
        return services;
    }
}
