using ControlPlane.Grains.Routing;
using ControlPlane.Grains.Tenants;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Orleans.Configuration;

namespace ControlPlane.Grains.Hosting;

/// <summary>Registers the silo-local services the placement path runs on.</summary>
public static class PlacementPathServices
{
    /// <summary>
    /// The budget cache, the per-deployment routers, the charge buffer (flushed at silo stop through the
    /// silo lifecycle) and the typed grain-reference factories. Call once per silo.
    /// </summary>
    public static IServiceCollection AddPlacementPath(this IServiceCollection services)
    {
        services.TryAddSingleton(typeof(StringKeyedGrainFactory<>));
        services.TryAddSingleton<TenantBudgetCache>();
        services.TryAddSingleton<PlacementRouters>();
        services.TryAddSingleton<ControlPlane.Placement.Performance.ReplicaPredictor>();
        services.TryAddSingleton<TenantChargeBuffer>();
        services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>>(sp => sp.GetRequiredService<TenantChargeBuffer>());

        // Idle sessions are collected on SessionOptions' schedule, not Orleans' 15-minute default: a fleet
        // serving many short conversations would otherwise hold every one of them for a quarter of an hour.
        services.AddOptions<GrainCollectionOptions>().Configure<IOptions<Sessions.SessionOptions>>((collection, sessions) =>
        {
            var idle = sessions.Value.IdleTimeout;
            collection.ClassSpecificCollectionAge[typeof(Sessions.SessionGrain).FullName!] = idle;
            if (collection.CollectionQuantum > idle / 2)
            {
                collection.CollectionQuantum = idle / 2; // collected within 1.5 idle timeouts at most
            }
        });
        return services;
    }
}
