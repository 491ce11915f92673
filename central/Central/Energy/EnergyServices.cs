using City.Central.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace City.Central.Energy;

/// <summary>Registers the energy aggregates: the tap the ingest worker feeds, the store, the aggregator and the report.</summary>
internal static class EnergyServices
{
    /// <summary>
    /// Register before the ingest worker: hosted services stop in reverse order, so the aggregator applies what the worker
    /// handed over while it drained.
    /// </summary>
    public static IServiceCollection AddEnergy(this IServiceCollection services, CentralOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        services.AddSingleton(new EnergyTap());
        services.AddSingleton(_ => new EnergyStore(options.DataPath));
        services.AddSingleton<EnergyReport>();
        services.AddSingleton<EnergyAggregator>();
        services.AddHostedService(sp => sp.GetRequiredService<EnergyAggregator>());
        return services;
    }
}
