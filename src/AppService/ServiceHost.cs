using LiteDB;
using OpenMeet.AppService.Api;
using OpenMeet.AppService.Commands;
using OpenMeet.AppService.Configuration;
using Microsoft.AspNetCore.DataProtection;
using OpenMeet.AppService.Handles;
using OpenMeet.AppService.SignIn;
using OpenMeet.Oidc;
using OpenMeet.AppService.Hosting;
using OpenMeet.AppService.Internal;
using OpenMeet.AppService.Matrix;
using OpenMeet.AppService.Reconciliation;
using OpenMeet.AppService.Status;
using OpenMeet.AppService.Storage;
using OpenMeet.AppService.Transactions;
using Serilog;

namespace OpenMeet.AppService;

/// <summary>Builds the web application from a validated config: the table of contents of the service.</summary>
public static class ServiceHost
{
    /// <param name="configure">Extra services, for tests that watch the dispatcher.</param>
    public static WebApplication Build(AppConfig config, TextWriter? logOutput = null, Action<IServiceCollection>? configure = null)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ContentRootPath = config.BaseDirectory });
        var logger = Logging.Create(config.Logging, logOutput);
        builder.Services.AddSerilog(logger, dispose: true);
        builder.WebHost.ConfigureKestrel(k => Listeners.Bind(k, config));
        builder.Services.ConfigureHttpJsonOptions(o => o.SerializerOptions.TypeInfoResolverChain.Insert(0, AppJsonContext.Default));

        builder.Services.AddSingleton(config);
        builder.Services.AddStorage(config);
        builder.Services.AddMatrixClient(config);
        builder.Services.AddTransactions();
        builder.Services.AddReconciliation(config);
        builder.Services.AddHandles(config);
        builder.Services.AddPublicApi(config);
        builder.Services.AddAdminBot();
        builder.Services.AddDataProtection().PersistKeysToFileSystem(new DirectoryInfo(Path.Combine(config.DataDirectory, "protection-keys")));
        if (config.Oidc.Enabled)
        {
            builder.Services.AddOidcIssuer(config.Oidc, Path.Combine(config.DataDirectory, "oidc-keys.json"));
            builder.Services.AddSingleton<IOidcPeople, OidcPeople>();
        }
        builder.Services.AddSingleton<ServiceStatus>();
        builder.Services.AddSingleton<RecentEvents>();
        builder.Services.AddSingleton<IEventConsumer>(sp => sp.GetRequiredService<RecentEvents>());

        configure?.Invoke(builder.Services);

        var app = builder.Build();
        app.UseErrorBodies();
        app.UseRequestLogging(logger);
        app.UseListenerResources(config);
        app.UseAuthentication();
        app.UseAuthorization();
        app.UseRateLimiter();
        app.MapPushApi(config);
        var internalApi = app.MapInternalApi(config).MapTenantRoutes().MapEntityRoutes().MapMatrixRoutes();
        app.MapStatus(internalApi);
        app.MapPublicApi();
        if (config.Oidc.Enabled)
        {
            app.MapOidc();
        }
        app.Lifetime.ApplicationStopped.Register(() => app.Services.GetRequiredService<LiteDatabase>().Dispose());
        return app;
    }
}
