using OpenMeet.AppService.Audit;
using OpenMeet.AppService.Configuration;

namespace OpenMeet.AppService.Handles;

public static class HandleExtensions
{
    public static IServiceCollection AddHandles(this IServiceCollection services, AppConfig config)
    {
        services.AddSingleton(new HandleRules(config.Handles.Reserved, config.Appservice.BotLocalpart, config.Handles.ReservedPrefixes.Append(config.Appservice.AliasPrefix)));
        services.AddSingleton<HandleMetrics>();
        services.AddSingleton<HandleClaims>();
        services.AddSingleton<AuditLog>();
        return services;
    }
}
