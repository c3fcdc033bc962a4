using OpenMeet.AppService.Configuration;
using Serilog;

namespace OpenMeet.AppService.Hosting;

public static class HostingExtensions
{
    /// <summary>The config, Serilog, the listeners, JSON, and what every feature may report to
    /// (how long the service has run, its recent errors), and how it stops.</summary>
    public static WebApplicationBuilder AddHosting(this WebApplicationBuilder builder, AppConfig config, TextWriter? logOutput)
    {
        var logger = Logging.Create(config.Logging, logOutput);
        builder.Services.AddSerilog(logger, dispose: true);
        builder.Services.AddSingleton(logger);
        builder.WebHost.ConfigureKestrel(k => Listeners.Bind(k, config));
        builder.Services.ConfigureHttpJsonOptions(o => o.SerializerOptions.TypeInfoResolverChain.Insert(0, AppJsonContext.Default));
        builder.Services.AddSingleton(config);
        builder.Services.AddSingleton(new ServiceInfo());
        builder.Services.AddSingleton<RecentErrors>();
        builder.Services.AddSingleton<Supervisor>();
        builder.Services.AddSingleton<Shutdown>();
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(config.Shutdown.TimeoutSeconds));
        return builder;
    }
}
