using ControlPlane.Grains.Fleet;
using ControlPlane.Grains.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Orleans.Serialization;
using Orleans.Storage;

namespace ControlPlane.Grains.Storage;

/// <summary>Registers the grain state store chosen by <see cref="StorageOptions"/>.</summary>
public static partial class GrainStorageServices
{
    /// <summary>
    /// Adds the store as the <see cref="FleetStorage.Name"/> grain storage of a silo, and <see cref="FleetWakeUp"/>,
    /// which wakes the stored grains that keep time when the silo starts.
    /// </summary>
    public static IServiceCollection AddFleetStorage(this IServiceCollection services, StorageOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        services.AddSingleton<GrainStateFormat>();
        services.AddSingleton<FleetWakeUp>();
        services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>>(sp => sp.GetRequiredService<FleetWakeUp>());

        // Opened as the silo starts, so a store that cannot be used stops start-up naming it, rather than
        // failing the first grain that activates.
        services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>>(sp => new OpenStoreAtStart(sp));
        switch (options.Provider)
        {
            case StorageProvider.Sqlite:
                services.AddSingleton(sp => new SqliteGrainStorage(options.Sqlite.Path, sp.GetRequiredService<GrainStateFormat>(), sp.GetRequiredService<ILogger<SqliteGrainStorage>>(), sp.GetService<TimeProvider>()));
                services.AddKeyedSingleton<IGrainStorage>(FleetStorage.Name, (sp, _) => sp.GetRequiredService<SqliteGrainStorage>());
                break;
            case StorageProvider.Cosmos:
                services.AddSingleton(sp => new CosmosGrainStorage(options.Cosmos, sp.GetRequiredService<GrainStateFormat>(), sp.GetRequiredService<ILogger<CosmosGrainStorage>>()));
                services.AddKeyedSingleton<IGrainStorage>(FleetStorage.Name, (sp, _) => sp.GetRequiredService<CosmosGrainStorage>());
                break;
            default:
                services.AddKeyedSingleton<IGrainStorage>(FleetStorage.Name, (sp, _) =>
                {
                    LogNotDurable(sp.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(GrainStorageServices).FullName!));
                    return new InProcessGrainStorage(sp.GetRequiredService<DeepCopier>());
                });
                break;
        }

        return services;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Grain state is kept in memory (ControlPlane:Storage:Provider=Memory): a restart loses every deployment, cordon, drain and audit entry")]
    private static partial void LogNotDurable(ILogger logger);

    private sealed class OpenStoreAtStart(IServiceProvider services) : ILifecycleParticipant<ISiloLifecycle>
    {
        public void Participate(ISiloLifecycle lifecycle) =>
            lifecycle.Subscribe(nameof(OpenStoreAtStart), ServiceLifecycleStage.RuntimeInitialize, cancellationToken =>
                services.GetRequiredKeyedService<IGrainStorage>(FleetStorage.Name) is CosmosGrainStorage cosmos
                    ? cosmos.OpenAsync(cancellationToken)
                    : Task.CompletedTask);
    }
}
