using ControlPlane.Grains.Routing;
using ControlPlane.Grains.Tenants;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

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
        services.TryAddSingleton<TenantChargeBuffer>();
        services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>>(sp => sp.GetRequiredService<TenantChargeBuffer>());
        return services;
    }
}
