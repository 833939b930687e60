using ControlPlane.Grains.Fleet;
using ControlPlane.Grains.Storage;
using Prometheus;

namespace ControlPlane.Silos.Metrics;

/// <summary>
/// The grain state store's operations, conflicts and throttles as Prometheus counters, brought up to the
/// store's own counts just before each scrape. Nothing for the Memory store.
/// </summary>
public sealed class StorageMetrics(ControlPlaneMetrics metrics, IServiceProvider services)
{
    /// <summary>Hooks the refresh into the registry's collection.</summary>
    public void Attach()
    {
        var factory = Prometheus.Metrics.WithCustomRegistry(metrics.Registry);
        var operations = factory.CreateCounter("controlplane_storage_operations_total", "Grain state reads and writes by the store.", "provider", "operation");
        var conflicts = factory.CreateCounter("controlplane_storage_conflicts_total", "Grain state writes refused for a stale ETag (another activation wrote).", "provider");
        var throttles = factory.CreateCounter("controlplane_storage_throttles_total", "Store requests throttled (Cosmos DB 429), each retry counted.", "provider");
        metrics.Registry.AddBeforeCollectCallback(() =>
        {
            if (services.GetKeyedService<Orleans.Storage.IGrainStorage>(FleetStorage.Name) is IStoreCounters store)
            {
                operations.WithLabels(store.Provider, "read").IncTo(store.Reads);
                operations.WithLabels(store.Provider, "write").IncTo(store.Writes);
                conflicts.WithLabels(store.Provider).IncTo(store.Conflicts);
                throttles.WithLabels(store.Provider).IncTo(store.Throttles);
            }
        });
    }
}
