using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;

namespace OpenMeet.AppService.Tests;

/// <summary>A meter factory of its own, for classes built by hand outside a host.</summary>
internal static class TestMeters
{
    public static IMeterFactory Factory() => new ServiceCollection().AddMetrics().BuildServiceProvider().GetRequiredService<IMeterFactory>();
}
