using LiteDB;
using OpenMeet.AppService.AdminBot;
using OpenMeet.AppService.Api;
using OpenMeet.AppService.Configuration;
using OpenMeet.AppService.Handles;
using OpenMeet.AppService.Hosting;
using OpenMeet.AppService.Internal;
using OpenMeet.AppService.Matrix;
using OpenMeet.AppService.OpenApi;
using OpenMeet.AppService.Reconciliation;
using OpenMeet.AppService.SignIn;
using OpenMeet.AppService.Status;
using OpenMeet.AppService.Storage;
using OpenMeet.AppService.Transactions;
using OpenMeet.Oidc;
using OpenMeet.Oidc.Pages;

namespace OpenMeet.AppService;

/// <summary>Builds the web application from a validated config: the table of contents of the service.</summary>
public static class ServiceHost
{
    /// <param name="configure">Extra services, for tests that watch the dispatcher.</param>
    public static WebApplication Build(AppConfig config, TextWriter? logOutput = null, Action<IServiceCollection>? configure = null)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ContentRootPath = config.BaseDirectory });
        builder.AddHosting(config, logOutput);
        builder.Services.AddStorage(config);
        builder.Services.AddMatrixClient(config);
        builder.Services.AddTransactions();
        builder.Services.AddReconciliation(config);
        builder.Services.AddHandles(config);
        builder.Services.AddPublicApi(config);
        builder.Services.AddAdminBot();
        builder.Services.AddSignIn(config);
        builder.Services.AddStatus();
        builder.Services.AddApiReference();

        configure?.Invoke(builder.Services);

        var app = builder.Build();
        app.UseRequestIds();
        app.UseTrustedProxies(config);
        app.UseErrorBodies();
        app.UseRequestLogging();
        app.UseExceptionBodies();
        app.UseListenerResources(config);
        if (config.Oidc.Enabled)
        {
            app.UseOidcForms();
        }

        app.UseAuthentication();
        app.UseAuthorization();
        app.UseRateLimiter();
        app.MapPushApi(config);
        var internalApi = app.MapInternalApi(config).MapTenantRoutes().MapEntityRoutes().MapMatrixRoutes();
        app.MapStatus(internalApi);
        app.MapPublicApi();
        app.MapApiReference();
        if (config.Oidc.Enabled)
        {
            app.MapOidc();
        }

        StartupSummary.LogWhenStarted(app, config);
        app.Services.GetRequiredService<Shutdown>().Watch();
        app.Lifetime.ApplicationStopped.Register(() => app.Services.GetRequiredService<LiteDatabase>().Dispose());
        return app;
    }
}
